// The preset table (src/_presets.ts) is the one place a preset is defined: a row alone can rename
// fields, transform their values, gather them in an object, name the levels its own way and add
// constant keys. A row made here for the test only (no store's) shows each of these end to end,
// through configureLogging and a real logger, with the line's cap and key collisions.
import { deepStrictEqual, ok, strictEqual } from "node:assert";
import { configureLogging, getLogger, type Preset, runWithContext } from "../mod.ts";
import { type PresetRow, PRESETS } from "../src/_presets.ts";
import { keysOf, parseStrict } from "./_strict_json.ts";

const ROW: PresetRow = {
  layout: "flat",
  core: {
    timestamp: "time",
    level: "severity",
    logger: "logger.name",
    message: "message",
    request_id: "req",
  },
  levels: { DEBUG: "debug", INFO: "info", WARN: "warning", ERROR: "error", CRITICAL: "fatal" },
  constants: { "schema.version": "1", sampled: true },
  fields: new Map([
    ["method", { name: "requestMethod", in: "httpRequest" }],
    ["path", { name: "requestUrl", in: "httpRequest" }],
    ["status_code", { name: "status", in: "httpRequest" }],
    ["duration_ms", {
      name: "latency",
      in: "httpRequest",
      value: (ms: unknown) => typeof ms === "number" ? `${ms / 1000}s` : ms,
    }],
    ["trace_id", { name: "dd.trace_id", value: (id: unknown) => BigInt(`0x${id}`).toString() }],
    ["boom", {
      name: "boom",
      value: () => {
        throw new Error("transform failed");
      },
    }],
  ]),
};
const NAME = "test-row" as Preset;

function withRow<T>(fn: (lines: string[]) => T): T {
  (PRESETS as Record<string, PresetRow>)[NAME] = ROW;
  const lines: string[] = [];
  try {
    configureLogging({ preset: NAME, service: { name: "svc" }, sink: (l) => lines.push(l) });
    return fn(lines);
  } finally {
    configureLogging({});
    delete (PRESETS as Record<string, PresetRow>)[NAME];
  }
}

Deno.test("PRESETS: a row renames, transforms, gathers fields in an object and names levels", () => {
  const [text] = withRow((lines) => {
    runWithContext(
      { requestId: "r-1", fields: { trace_id: "0af7651916cd43dd8448eb211c80319c" } },
      () =>
        getLogger("http").warn("GET /x - 200", {
          method: "GET",
          path: "/x",
          status_code: 200,
          duration_ms: 45,
        }),
    );
    return lines;
  });
  deepStrictEqual(keysOf(text), [
    "time",
    "severity",
    "logger.name",
    "message",
    "req",
    "schema.version",
    "sampled",
    "service",
    "dd.trace_id",
    "httpRequest",
  ]);
  const line = parseStrict(text);
  strictEqual(line.severity, "warning");
  strictEqual(line["schema.version"], "1");
  strictEqual(line.sampled, true);
  strictEqual(line["dd.trace_id"], BigInt("0x0af7651916cd43dd8448eb211c80319c").toString());
  deepStrictEqual({ ...line.httpRequest as object }, {
    requestMethod: "GET",
    requestUrl: "/x",
    status: 200,
    latency: "0.045s",
  });
});

Deno.test("PRESETS: an object gathers context and call fields; a name taken there is extra_<object>.<name>", () => {
  const [first, second] = withRow((lines) => {
    runWithContext({ requestId: "r-2", fields: { method: "POST" } }, () => {
      getLogger("app").info("m", { status_code: 201, method: "PUT" });
      // A field named like the object is renamed, as a field named like a core key is.
      getLogger("app").info("m", { httpRequest: "mine" });
    });
    return lines;
  });
  const line = parseStrict(first);
  deepStrictEqual({ ...line.httpRequest as object }, { requestMethod: "POST", status: 201 });
  strictEqual(line["extra_httpRequest.requestMethod"], "PUT");
  const other = parseStrict(second);
  deepStrictEqual({ ...other.httpRequest as object }, { requestMethod: "POST" });
  strictEqual(other.extra_httpRequest, "mine");
});

Deno.test("PRESETS: a transform that throws writes the value as it came; the line is still written", () => {
  const [text] = withRow((lines) => {
    getLogger("app").error("m", { boom: "as it came" });
    return lines;
  });
  const line = parseStrict(text);
  strictEqual(line.severity, "error");
  strictEqual(line.boom, "as it came");
});

Deno.test("PRESETS: an object's fields stay within the line's cap", () => {
  const lines = withRow((lines) => {
    configureLogging({ preset: NAME, maxLineLength: 300, sink: (l) => lines.push(l) });
    getLogger("app").info("m", { method: "GET", path: "/p".repeat(500), status_code: 500 });
    return lines;
  });
  ok(lines[0].length <= 300, `${lines[0].length}`);
  const line = parseStrict(lines[0]);
  strictEqual(line.truncated, true);
  strictEqual((line.httpRequest as Record<string, unknown>).requestMethod, "GET");
});
