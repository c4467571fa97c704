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
import { writeConsole, writingOut } from "./_console.ts";
import { MAX_TIMEOUT_MS, unrefTimeout } from "./_exit.ts";

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
   * {@linkcode bufferedSink} does. Default `false`.
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
  write(line: string): void;
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
    write(line: string): void {
      if (writing) return toStderr(line);
      writing = true;
      writingOut.depth++;
      try {
        const result = target.write(line);
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
