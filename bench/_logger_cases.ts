// The contenders of the logger throughput benchmark, shared by bench/logger.ts (the harness, Deno
// and Node) and bench/logger_bench.ts (`deno bench`).
//
// The record: logger "app", a message, a context of request_id plus two fields, a call extra of
// two fields, an ISO timestamp. Contenders: this module (fdSink), pino (a child logger holding the
// context, pino.destination({ sync: true })), LogTape (implicit context through withContext, its
// JSON Lines formatter, the same fdSink write), and the floor: JSON.stringify of the finished
// object plus the same write. Also: a call below the level, and the buffered variants.
import { AsyncLocalStorage } from "node:async_hooks";
import { pino } from "pino";
import * as logtape from "@logtape/logtape";
import { type FdSink, getLogger, runWithContext } from "../mod.ts";
import type { Case } from "./_harness.ts";

export const DEV_NULL = "/dev/null";
const MESSAGE = "order placed";
const REQUEST_ID = "0b6f5e3c-8d1e-4f2a-9c4b-2a7d1e5f9c30";
const CONTEXT = { route: "/orders", tenant: "acme" };
const EXTRA = { order_id: 4217, amount_cents: 1299 };

/** This module: a module-level logger, the loop inside one request context. */
export function ours(name: string, level: "info" | "debug"): Case {
  const log = getLogger("app");
  return {
    name,
    run: (n) =>
      runWithContext({ requestId: REQUEST_ID, fields: CONTEXT }, () => {
        for (let i = 0; i < n; i++) log[level](MESSAGE, EXTRA);
      }),
  };
}

/** The floor: the finished object, stringified, and the same write as this module's sink. */
export function floor(write: (line: string) => void): Case {
  const { route, tenant } = CONTEXT;
  const { order_id, amount_cents } = EXTRA;
  return {
    name: "floor: JSON.stringify + write",
    run(n) {
      for (let i = 0; i < n; i++) {
        write(JSON.stringify({
          timestamp: new Date().toISOString(),
          level: "INFO",
          logger: "app",
          message: MESSAGE,
          request_id: REQUEST_ID,
          route,
          tenant,
          order_id,
          amount_cents,
        }));
      }
    },
  };
}

export type PinoDestination = ReturnType<typeof pino.destination>;

/** pino with the same record: level label, ISO `timestamp`, `message`, a child with the context. */
export function pinoCase(name: string, dest: PinoDestination): Case {
  const logger = pino({
    base: undefined,
    messageKey: "message",
    timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
    formatters: { level: (label: string) => ({ level: label.toUpperCase() }) },
  }, dest).child({ logger: "app", request_id: REQUEST_ID, ...CONTEXT });
  return {
    name,
    run(n) {
      for (let i = 0; i < n; i++) logger.info(EXTRA, MESSAGE);
    },
  };
}

/** LogTape: its JSON Lines formatter, the context as an implicit context, the same write. */
export async function logtapeCase(write: (line: string) => void): Promise<Case> {
  await logtape.configure({
    reset: true,
    sinks: {
      devNull: (record) => write(logtape.jsonLinesFormatter(record).slice(0, -1)),
    },
    loggers: [
      { category: ["app"], sinks: ["devNull"], lowestLevel: "info" },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "warning" },
    ],
    contextLocalStorage: new AsyncLocalStorage(),
  });
  const log = logtape.getLogger(["app"]);
  return {
    name: "LogTape (jsonLinesFormatter)",
    run: (n) =>
      logtape.withContext({ request_id: REQUEST_ID, ...CONTEXT }, () => {
        for (let i = 0; i < n; i++) log.info(MESSAGE, EXTRA);
      }),
  };
}

/** The synchronous contenders, in the order of the report; `sink` must be configured already. */
export async function syncCases(sink: FdSink, pinoSync: PinoDestination): Promise<Case[]> {
  return [
    ours("this module (fdSink)", "info"),
    pinoCase("pino (destination sync: true)", pinoSync),
    await logtapeCase((line) => sink.write(line)),
    floor((line) => sink.write(line)),
    ours("this module, call below the level", "debug"),
  ];
}
