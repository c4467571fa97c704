/**
 * Sinks: where finished log lines go.
 *
 * A sink is a plain function that takes one line (no trailing newline), or an
 * object with `write(line)` and an optional `flush()`. A function or `write`
 * that declares a second parameter also receives the line's level
 * (`"DEBUG"` … `"CRITICAL"`), so it can route by severity; one that declares
 * only the line (or none, as `console.log`) is called with the line alone.
 * Whatever a sink does, a failing sink never breaks the code that logged: its
 * error is reported once on stderr, and the lines it refused are written to
 * stderr instead of being lost.
 *
 * @example Capture lines in memory
 * ```ts
 * import assert from "node:assert/strict";
 * import { configureLogging, getLogger } from "@ctx/request-context";
 *
 * const lines: string[] = [];
 * configureLogging({ sink: (line) => lines.push(line) });
 * getLogger("app").info("hello");
 * assert.equal(JSON.parse(lines[0]).message, "hello");
 * ```
 *
 * @module
 */

import { type ConsoleMethodName, writeConsole } from "./_console.ts";
import { onWorkers } from "./_runtime.ts";
import type { LogLevel } from "./levels.ts";

/**
 * A sink function: takes one finished line, without a trailing newline. When it declares
 * a second parameter (`(line, level) => …`), it also receives the line's level.
 *
 * @example Errors to stderr, the rest to stdout
 * ```ts
 * import { configureLogging, type SinkFunction } from "@ctx/request-context";
 *
 * const sink: SinkFunction = (line, level) => {
 *   if (level === "ERROR" || level === "CRITICAL") console.error(line);
 *   else console.log(line);
 * };
 * configureLogging({ sink });
 * ```
 */
export type SinkFunction = (line: string, level?: LogLevel) => unknown;

/**
 * A sink object: `write` takes one line; `flush`, if present, is awaited by `flushLogs()`.
 *
 * @example A sink object that keeps the last 100 lines with their levels
 * ```ts
 * import { configureLogging, type LogLevel, type SinkObject } from "@ctx/request-context";
 *
 * const recent: [LogLevel | undefined, string][] = [];
 * const sink: SinkObject = {
 *   write(line: string, level?: LogLevel) {
 *     recent.push([level, line]);
 *     if (recent.length > 100) recent.shift();
 *   },
 * };
 * configureLogging({ sink });
 * ```
 */
export interface SinkObject {
  /**
   * Takes one finished line, without a trailing newline. Declared with a second parameter,
   * it also receives the line's level (`undefined` for a batch of lines of several levels).
   */
  write(line: string, level?: LogLevel): unknown;
  /** Writes out whatever the sink holds. */
  flush?(): unknown;
  /**
   * When `true`, the HTTP adapters call `flush()` after each request's finish line
   * (handing the promise to `ctx.waitUntil` on Cloudflare Workers), as
   * {@linkcode bufferedSink} does.
   *
   * @default {false}
   */
  readonly flushOnRequestEnd?: boolean;
}

/**
 * Where log lines go: a function or an object with `write`.
 *
 * @example
 * ```ts
 * import { configureLogging, consoleSink, type Sink } from "@ctx/request-context";
 *
 * const sink: Sink = consoleSink;
 * configureLogging({ sink });
 * ```
 */
export type Sink = SinkFunction | SinkObject;

/** The console method of each level: what Workers Logs, browsers and Deno's OpenTelemetry read. */
const CONSOLE_METHOD: Readonly<Record<LogLevel, ConsoleMethodName>> = {
  DEBUG: "debug",
  INFO: "info",
  WARN: "warn",
  ERROR: "error",
  CRITICAL: "error",
};

const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/**
 * One `console` call per line, through the method of the line's level: `console.debug`,
 * `console.info`, `console.warn`, `console.error` (CRITICAL too); `console.log` when the
 * level is not known (a batch from {@linkcode bufferedSink}). So Workers Logs, `wrangler
 * dev`, a browser's console and Deno's OpenTelemetry export (`OTEL_DENO=true`, which
 * exports console calls only) see each line's severity. On Deno, Node and Bun,
 * `console.warn` and `console.error` write to stderr: WARN and above go there.
 *
 * On Cloudflare Workers a JSON line is passed as an object, because Workers Logs
 * indexes the fields of a logged object but stores a logged string whole. The object
 * carries the line itself as its `util.inspect` form (a non-enumerable symbol, not a
 * field), so `wrangler dev` and local workerd print it on one terminal line instead of
 * an object spread over a dozen.
 *
 * Not the default sink on Deno, Node and Bun, which gather lines and write them to stdout
 * once per event-loop turn ({@linkcode stdoutSink}); choose it for a line per call.
 *
 * @example
 * ```ts
 * import { configureLogging, consoleSink } from "@ctx/request-context";
 *
 * configureLogging({ sink: consoleSink });
 * ```
 */
export const consoleSink: SinkFunction = (line: string, level?: LogLevel): void => {
  const method = level === undefined ? "log" : CONSOLE_METHOD[level] ?? "log";
  if (onWorkers() && line.startsWith("{")) {
    writeConsole(method, workersRecord(line));
    return;
  }
  writeConsole(method, line);
};

/** A JSON line as the object Workers Logs indexes, printed locally as the line itself. */
function workersRecord(line: string): unknown {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return line; // not one JSON object (a cut line): keep the text
  }
  if (typeof record !== "object" || record === null) return line;
  try {
    Object.defineProperty(record, INSPECT, { value: () => line, enumerable: false });
  } catch {
    // a frozen record cannot be: it is printed as an object
  }
  return record;
}
