/**
 * Sinks: where finished log lines go.
 *
 * A sink is a plain function that takes one line (no trailing newline), or an
 * object with `write(line)` and an optional `flush()`. Whatever a sink does, a
 * failing sink never breaks the code that logged: its error is reported once on
 * stderr, and the lines it refused are written to stderr instead of being lost.
 *
 * @example Capture lines in memory
 * ```ts
 * import { configureLogging, getLogger } from "@ctx/request-context";
 *
 * const lines: string[] = [];
 * configureLogging({ sink: (line) => lines.push(line) });
 * getLogger("app").info("hello");
 * console.log(JSON.parse(lines[0]).message); // "hello"
 * ```
 *
 * @module
 */

import { writeConsole } from "./_console.ts";
import { onWorkers } from "./_runtime.ts";

/** A sink function: takes one finished line, without a trailing newline. */
export type SinkFunction = (line: string) => unknown;

/** A sink object: `write` takes one line; `flush`, if present, is awaited by `flushLogs()`. */
export interface SinkObject {
  /** Takes one finished line, without a trailing newline. */
  write(line: string): unknown;
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

/** Where log lines go: a function or an object with `write`. */
export type Sink = SinkFunction | SinkObject;

/**
 * The default sink: one `console.log` call per line. On Deno, Bun and Node that is
 * a line on stdout. On Cloudflare Workers a JSON line is passed to `console.log`
 * as an object, because Workers Logs indexes the fields of a logged object but
 * stores a logged string whole, as its `message`.
 *
 * @example
 * ```ts
 * import { configureLogging, consoleSink } from "@ctx/request-context";
 *
 * configureLogging({ sink: consoleSink });
 * ```
 */
export const consoleSink: SinkFunction = (line: string): void => {
  if (onWorkers() && line.startsWith("{")) {
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      record = line; // not one JSON object (a cut line): keep the text
    }
    writeConsole("log", record);
    return;
  }
  writeConsole("log", line);
};
