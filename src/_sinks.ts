// Internal: the guard every configured sink is wrapped in (it never throws, never loses a line
// silently, counts what is still in flight), the failure reporting the module's sinks share, and
// the bounded flush of `flushLogs`.

import type { Sink, SinkObject } from "./sinks.ts";
import type { LogLevel } from "./levels.ts";
import { describeThrown } from "./_serialize.ts";
import { writeConsole, writingOut } from "./_console.ts";
import { MAX_TIMEOUT_MS, unrefTimeout } from "./_runtime.ts";

/** A sink wrapped so that it never throws and never loses a line silently. */
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

/** Lets a sink object say how many lines or writes it holds, for reports and exit. */
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
 * The failure handling every sink of the module shares: the first failure is
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

/** Wraps `sink` so that failures are reported once and the refused lines go to stderr. */
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
 * `sink.flush()`, waited for at most `timeoutMs` (not at all past the
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
