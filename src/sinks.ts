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
import { type ConsoleMethodName, writeConsole, writingOut } from "./_console.ts";
import { MAX_TIMEOUT_MS, unrefTimeout } from "./_exit.ts";
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
   * {@linkcode bufferedSink} does. Default `false`.
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

let workers: boolean | undefined;

/** Internal: whether this is Cloudflare Workers (workerd), where the console takes objects. */
export function onWorkers(): boolean {
  if (workers === undefined) {
    const nav = (globalThis as { navigator?: { userAgent?: unknown } }).navigator;
    workers = nav?.userAgent === "Cloudflare-Workers";
  }
  return workers;
}

/** Internal: a sink wrapped so that it never throws and never loses a line silently. */
export interface GuardedSink {
  write(line: string, level?: LogLevel): void;
  /** Waits for the writes still in flight (async sinks), then the sink's own `flush()`. */
  flush(): Promise<void>;
  /** Whether the HTTP core flushes after each request (`SinkObject.flushOnRequestEnd`). */
  readonly flushOnRequestEnd: boolean;
  /** Writes in flight, plus what the sink object says it holds (see `reportsHeld`). */
  held(): number;
}

/** What sink objects of this module (bufferedSink) hold: lines and writes not yet taken. */
const heldBy = new WeakMap<object, () => number>();

/** Internal: lets a sink object say how many lines or writes it holds, for reports and exit. */
export function reportsHeld(sink: object, held: () => number): void {
  heldBy.set(sink, held);
}

function toStderr(line: string): void {
  try {
    writeConsole("error", line);
  } catch {
    // stderr is gone too: nothing is left to write to, and the caller must not see it
  }
}

/**
 * Internal: the failure handling every sink of the module shares: the first failure is
 * reported on stderr (one JSON line), and each refused text is written to stderr.
 */
export function failureReporter(): (e: unknown, text: string | undefined) => void {
  let reported = false;
  return (e, text) => {
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
    if (text !== undefined) toStderr(text);
  };
}

/** Internal: wraps `sink` so that failures are reported once and the refused lines go to stderr. */
export function guardSink(sink: Sink): GuardedSink {
  const target: SinkObject = typeof sink === "function" ? { write: sink } : sink;
  const fail = failureReporter();
  // The level goes only to a function that declares a parameter for it: `console.log` or a
  // bound `push` would write it as a second value. Decided once, not per line.
  let withLevel = false;
  try {
    withLevel = typeof target.write === "function" && target.write.length >= 2;
  } catch {
    // a hostile getter: the line alone
  }
  // Async writes still in flight, so that flush() (and so shutdown) waits for them.
  const pending = new Set<Promise<void>>();
  // A sink that logs through the logger would call itself: such lines go to stderr.
  let writing = false;
  let flushOnRequestEnd = false;
  try {
    flushOnRequestEnd = typeof sink === "object" && sink !== null &&
      sink.flushOnRequestEnd === true;
  } catch {
    // a hostile getter: no per-request flush
  }
  return {
    write(line: string, level?: LogLevel): void {
      if (writing) return toStderr(line);
      writing = true;
      writingOut.depth++;
      try {
        const result = withLevel ? target.write(line, level) : target.write(line);
        if (isPromise(result)) {
          // Promise.resolve: a thenable that calls back at once still settles later.
          const done: Promise<void> = Promise.resolve(result).then(
            () => void pending.delete(done),
            (e) => {
              pending.delete(done);
              fail(e, line);
            },
          );
          pending.add(done);
        }
      } catch (e) {
        fail(e, line);
      } finally {
        writing = false;
        writingOut.depth--;
      }
    },
    async flush(): Promise<void> {
      while (pending.size > 0) await Promise.all(pending);
      try {
        if (typeof target.flush === "function") {
          // The flag covers the synchronous part of flush(), where a buffered target writes.
          writingOut.depth++;
          let result: unknown;
          try {
            result = target.flush();
          } finally {
            writingOut.depth--;
          }
          await result;
        }
      } catch (e) {
        fail(e, undefined);
      }
    },
    flushOnRequestEnd,
    held(): number {
      let own = 0;
      try {
        own = heldBy.get(target)?.() ?? 0;
      } catch {
        // not ours to fail on
      }
      return pending.size + own;
    },
  };
}

/**
 * Internal: `sink.flush()`, waited for at most `timeoutMs` (not at all past the
 * timer's range, e.g. `Infinity`). On timeout it resolves and says on stderr how
 * many writes were still pending. The timer never keeps the process alive.
 */
export function flushWithin(sink: GuardedSink, timeoutMs: number): Promise<void> {
  const done = sink.flush();
  if (!(timeoutMs <= MAX_TIMEOUT_MS)) return done;
  return new Promise((resolve) => {
    let settled = false;
    const timer = unrefTimeout(() => {
      if (settled) return;
      settled = true;
      const pending = sink.held();
      toStderr(JSON.stringify({
        timestamp: new Date().toISOString(),
        level: "WARN",
        logger: "request-context",
        message: `flushLogs gave up after ${timeoutMs} ms: ${pending} writes still pending` +
          (pending === 0 ? " (the sink's flush() had not finished)" : ""),
        pending_writes: pending,
        timeout_ms: timeoutMs,
      }));
      resolve();
    }, timeoutMs);
    done.then(() => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve();
    });
  });
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof value === "object" && value !== null &&
    typeof (value as { then?: unknown }).then === "function";
}
