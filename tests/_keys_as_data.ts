// The property "keys are data everywhere", written once and run on Deno (in the test
// process) and on Node (a real `node` child, tests/fixtures/keys_as_data_node.ts): on
// Node, `obj[key] = v` and `Object.assign` with a key `__proto__` set a prototype,
// where Deno keeps it as data, so only a Node run can show the difference.
//
// Objects come from JSON.parse (as a request body would): keys named like every
// `Object.prototype` member, `__proto__` holding core names (`correlation_id`,
// `trace_id`, …), nested objects with the same keys. Each goes through every API
// that takes keys: setContextFields, withContext, runWithContext's fields, setUser,
// LogTape's withContext and properties (through logTapeSink), and the pino mixin.
// After each: every key is an own data property with its value in getContext(), on
// the line and on pino's line; the fields' prototype is unchanged; and
// propagationHeaders() sends X-Correlation-ID only from an own, safe correlation_id.
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import fc from "fast-check";
import pino from "pino";
import {
  configure,
  getLogger as getLogTapeLogger,
  type LogRecord,
  reset,
  withContext as logTapeWithContext,
} from "@logtape/logtape";
import {
  configureLogging,
  getContext,
  getLogger,
  isSafeId,
  propagationHeaders,
  runWithContext,
  setContextFields,
  setUser,
  withContext,
} from "../mod.ts";
import { contextLocalStorage, logTapeSink } from "../integrations/logtape.ts";
import { contextMixin } from "../integrations/pino.ts";
import { parseStrict } from "./_strict_json.ts";

/** Every name on `Object.prototype` (`__proto__`, `constructor`, `toString`, …). */
export const PROTOTYPE_NAMES: readonly string[] = Object.getOwnPropertyNames(Object.prototype);

/** Names the module or pino writes itself (renamed `extra_<name>` on a line), kept out of top-level keys. */
const WRITTEN = new Set([
  "timestamp",
  "level",
  "logger",
  "message",
  "request_id",
  "truncated",
  "time",
  "pid",
  "hostname",
  "msg",
  "err",
]);

const key: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...PROTOTYPE_NAMES),
  fc.constantFrom("correlation_id", "trace_id", "span_id", "trace_flags", "id"),
  fc.stringMatching(/^[a-z_]{1,8}$/),
);

/** A JSON text (so that `__proto__` is an own key once parsed), nested up to two levels. */
const jsonText: fc.Arbitrary<string> = fc.letrec<{ obj: string; value: string }>((tie) => ({
  obj: fc.array(fc.tuple(key, tie("value")), { maxLength: 5 }).map((entries) =>
    `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`
  ),
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom('"evil-id"', '"ok"', "42", "true", "null"),
    tie("obj"),
  ),
})).obj;

/** The parsed object: `__proto__` always an own key, holding a correlation id to smuggle. */
const fieldsArb: fc.Arbitrary<Record<string, unknown>> = fc.tuple(jsonText, fc.boolean()).map(
  ([text, smuggle]) => {
    const inner = smuggle ? `"__proto__":{"correlation_id":"evil-id","trace_id":"x"}` : "";
    const body = text.slice(1, -1);
    const joined = [inner, body].filter((s) => s !== "").join(",");
    return JSON.parse(`{${joined}}`) as Record<string, unknown>;
  },
);

const json = (v: unknown) => JSON.stringify(v);

/** Every own key of `given` is an own data property of `seen` with the same value. */
function hasAll(seen: Record<string, unknown>, given: Record<string, unknown>, where: string) {
  for (const k of Object.keys(given)) {
    if (WRITTEN.has(k)) continue;
    ok(Object.hasOwn(seen, k), `${where}: key ${JSON.stringify(k)} is missing`);
    equal(json(seen[k]), json(given[k]), `${where}: key ${JSON.stringify(k)} in ${json(seen)}`);
  }
}

/** The correlation id propagation may send: an own, safe `correlation_id` of the fields, nothing else. */
function checkPropagation(where: string) {
  const fields = getContext()!.fields as Record<string, unknown>;
  const own = Object.hasOwn(fields, "correlation_id") ? fields.correlation_id : undefined;
  const sent = propagationHeaders()["X-Correlation-ID"];
  equal(sent, isSafeId(own, 256) ? own : undefined, `${where}: X-Correlation-ID`);
  deepStrictEqual(Object.getPrototypeOf(fields), Object.prototype, `${where}: prototype`);
}

/** Runs the property; resolves when it holds, rejects with fast-check's report otherwise. */
export async function keysAreData(runs: number, seed: number): Promise<void> {
  const lines: string[] = [];
  let record: LogRecord | undefined;
  const pinoLines: string[] = [];
  configureLogging({ level: "DEBUG", sink: (line) => lines.push(line) });
  await configure({
    reset: true,
    contextLocalStorage,
    sinks: { ours: logTapeSink(), memory: (r: LogRecord) => void (record = r) },
    loggers: [
      { category: ["keys"], lowestLevel: "debug", sinks: ["ours", "memory"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
    ],
  });
  const log = getLogger("keys");
  const sink = logTapeSink();
  const lt = getLogTapeLogger(["keys"]);
  const pinoLog = pino({ mixin: contextMixin }, { write: (s: string) => void pinoLines.push(s) });
  const lastLine = () => parseStrict(lines.at(-1)!);
  try {
    await fc.assert(
      fc.property(fieldsArb, (fields) => {
        lines.length = 0;
        pinoLines.length = 0;
        runWithContext({ requestId: "r-keys" }, () => {
          equal(setContextFields(fields), true);
          hasAll(getContext()!.fields as Record<string, unknown>, fields, "setContextFields");
          log.info("probe");
          hasAll(lastLine(), fields, "setContextFields line");
          checkPropagation("setContextFields");
        });
        runWithContext({ requestId: "r-keys" }, () =>
          withContext(fields, () => {
            hasAll(getContext()!.fields as Record<string, unknown>, fields, "withContext");
            log.info("probe");
            hasAll(lastLine(), fields, "withContext line");
            checkPropagation("withContext");
          }));
        runWithContext({ requestId: "r-keys", fields }, () => {
          hasAll(getContext()!.fields as Record<string, unknown>, fields, "runWithContext");
          pinoLog.info("probe");
          hasAll(parseStrict(pinoLines.at(-1)!.trimEnd()), fields, "pino line");
          checkPropagation("runWithContext");
        });
        runWithContext({ requestId: "r-keys" }, () => {
          equal(setUser({ ...fields, id: "u-1" }), true);
          const seen = getContext()!.fields as Record<string, unknown>;
          for (const k of Object.keys(fields)) {
            if (k !== "id") equal(json(seen[`user_${k}`]), json(fields[k]), `setUser user_${k}`);
          }
          checkPropagation("setUser");
        });
        runWithContext({ requestId: "r-keys" }, () =>
          logTapeWithContext(fields, () => {
            hasAll(getContext()!.fields as Record<string, unknown>, fields, "LogTape withContext");
            lt.info("probe");
            hasAll(lastLine(), fields, "LogTape withContext line");
            checkPropagation("LogTape withContext");
          }));
        runWithContext({ requestId: "r-keys" }, () => {
          // LogTape 2.4.2 itself copies properties with `resolved[key] = value` (its
          // resolveProperties): on Node a `__proto__` key becomes the copy's prototype, and
          // its members arrive as properties. What reaches logTapeSink is written as data.
          lt.info("probe", fields);
          hasAll(lastLine(), { ...record!.properties }, "LogTape properties line");
          // The sink's own contract, with a record made by hand: properties and level as data.
          sink({
            category: ["keys"],
            level: PROTOTYPE_NAMES[lines.length % PROTOTYPE_NAMES.length],
            message: ["probe"],
            timestamp: Date.now(),
            properties: fields,
          });
          hasAll(lastLine(), fields, "logTapeSink line");
          equal(lastLine().level, "INFO", "a level named like a prototype member is INFO");
        });
        equal(Object.getPrototypeOf({}), Object.prototype);
        equal(({} as Record<string, unknown>).correlation_id, undefined, "nothing polluted");
      }),
      { seed, numRuns: runs, endOnFailure: true },
    );
  } finally {
    await reset();
    configureLogging({});
  }
}
