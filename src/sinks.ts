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

import { describeThrown } from "./_serialize.ts";
import { writeConsole } from "./_console.ts";

/** A sink function: takes one finished line, without a trailing newline. */
export type SinkFunction = (line: string) => unknown;

/** A sink object: `write` takes one line; `flush`, if present, is awaited by `flushLogs()`. */
export interface SinkObject {
  /** Takes one finished line, without a trailing newline. */
  write(line: string): unknown;
  /** Writes out whatever the sink holds. */
  flush?(): unknown;
}

/** Where log lines go: a function or an object with `write`. */
export type Sink = SinkFunction | SinkObject;

/**
 * The default sink: one `console.log` call per line. On Deno, Bun and Node that is
 * a line on stdout; on Cloudflare Workers it is a log entry that Workers Logs
 * parses as JSON.
 *
 * @example
 * ```ts
 * import { configureLogging, consoleSink } from "@ctx/request-context";
 *
 * configureLogging({ sink: consoleSink });
 * ```
 */
export const consoleSink: SinkFunction = (line: string): void => {
  writeConsole("log", line);
};

/** Internal: a sink wrapped so that it never throws and never loses a line silently. */
export interface GuardedSink {
  write(line: string): void;
  flush(): Promise<void>;
}

function toStderr(line: string): void {
  try {
    writeConsole("error", line);
  } catch {
    // stderr is gone too: nothing is left to write to, and the caller must not see it
  }
}

/** Internal: wraps `sink` so that failures are reported once and the refused lines go to stderr. */
export function guardSink(sink: Sink): GuardedSink {
  const target: SinkObject = typeof sink === "function" ? { write: sink } : sink;
  let reported = false;
  const fail = (e: unknown, line: string | undefined): void => {
    if (!reported) {
      reported = true;
      toStderr(JSON.stringify({
        timestamp: new Date().toISOString(),
        level: "ERROR",
        logger: "request-context",
        message: "log sink failed; its lines go to stderr from now on when it fails",
        error: describeThrown(e),
      }));
    }
    if (line !== undefined) toStderr(line);
  };
  return {
    write(line: string): void {
      try {
        const result = target.write(line);
        if (isPromise(result)) result.then(undefined, (e) => fail(e, line));
      } catch (e) {
        fail(e, line);
      }
    },
    async flush(): Promise<void> {
      if (typeof target.flush !== "function") return;
      try {
        await target.flush();
      } catch (e) {
        fail(e, undefined);
      }
    },
  };
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof value === "object" && value !== null &&
    typeof (value as { then?: unknown }).then === "function";
}
