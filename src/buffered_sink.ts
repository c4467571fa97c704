/**
 * A buffered sink: lines are held in memory and handed to a target in batches,
 * so a busy server makes one write per batch instead of one per line, and a slow
 * target does not slow the code that logs.
 *
 * A line accepted is a line written: the buffer is written out when it holds
 * `maxLines` lines or `maxBytes` characters, `flushIntervalMs` after its first
 * line, after each HTTP request (the adapters call `flush()` after the finish
 * line, and hand the promise to `ctx.waitUntil` on Cloudflare Workers), on
 * `flushLogs()`, and on every way the process ends that the runtime lets code see:
 * the end of the program, `Deno.exit()` / `process.exit()`, an uncaught exception
 * and an unhandled rejection (the process still crashes as it would have, with its
 * error and exit code), on Deno, Node and Bun. SIGTERM and SIGINT kill a process
 * before any code runs unless something listens: call {@linkcode flushLogsOnSignals}
 * once at start-up. The timer never keeps a process alive.
 *
 * At the very end (`exit`, `unload`, a crash) only synchronous work is possible:
 * the buffer is handed to the target at once, which writes it if it writes
 * synchronously (the console, {@linkcode fdSink}, `writeSync`). An async target
 * (a `fetch`) is flushed when the event loop runs dry, before that.
 *
 * @example Batches to stdout
 * ```ts
 * import { bufferedSink, configureLogging, consoleSink, flushLogs, getLogger } from "@ctx/request-context";
 *
 * configureLogging({ sink: bufferedSink(consoleSink, { maxLines: 500, flushIntervalMs: 200 }) });
 * getLogger("app").info("buffered");
 * await flushLogs(); // the buffer is written now, not 200 ms later
 * ```
 *
 * @module
 */

import type { Sink, SinkObject } from "./sinks.ts";
import { guardSink, reportsHeld } from "./_sinks.ts";
import { onExit } from "./_exit.ts";
import { unrefTimeout } from "./_runtime.ts";
import { isBoolean, isPositive, optionOr } from "./_invalid.ts";

const OWNER = "bufferedSink";

/** The defaults of {@linkcode BufferedSinkOptions}, each declared once (the `@default` tags say the same). */
const DEFAULTS = {
  maxLines: 1000,
  maxBytes: 1 << 20,
  flushIntervalMs: 1000,
  flushOnRequestEnd: true,
  flushOnExit: true,
} as const;

/**
 * Options of {@linkcode bufferedSink}. Every one has a default, which an invalid value takes
 * too (reported once on stderr, naming the option).
 */
export interface BufferedSinkOptions {
  /**
   * Write the buffer out once it holds this many lines.
   *
   * @default {1000}
   */
  maxLines?: number;
  /**
   * Write the buffer out once its lines add up to this many characters (1 MiB).
   *
   * @default {1048576}
   */
  maxBytes?: number;
  /**
   * Write the buffer out this long after its first line, in milliseconds; `0` for no timer.
   *
   * @default {1000}
   */
  flushIntervalMs?: number;
  /**
   * Let the HTTP adapters flush after each request's finish line.
   *
   * @default {true}
   */
  flushOnRequestEnd?: boolean;
  /**
   * Write the buffer out when the process ends (see the module notes).
   *
   * @default {true}
   */
  flushOnExit?: boolean;
}

/** What {@linkcode bufferedSink} returns: a sink object with `flush` and `close`. */
export interface BufferedSink extends SinkObject {
  /** Takes one line into the buffer (or writes the buffer out when it is full). */
  write(line: string): void;
  /** Writes the buffer out and waits until the target has taken it. Never rejects. */
  flush(): Promise<void>;
  /** Whether the HTTP adapters flush after each request. */
  readonly flushOnRequestEnd: boolean;
  /** The number of lines held now. */
  readonly size: number;
  /**
   * Writes the buffer out, stops the timer and removes the exit hooks. Lines
   * written afterwards go straight to the target, unbuffered. Never rejects.
   */
  close(): Promise<void>;
}

/**
 * A sink that buffers lines and hands them to `target` in batches: one string
 * of lines joined by `"\n"` (no trailing newline), so a target that writes a
 * line and a newline writes the batch correctly. `target` is a sink like any
 * other (a function or an object with `write` and an optional `flush`); if it
 * fails, its error is reported once on stderr and the batch goes to stderr.
 *
 * On Cloudflare Workers, where each `console.log` call is one log entry, give it
 * a target that ships batches (a `fetch` to a log service) rather than the
 * console, or keep the default unbuffered sink.
 *
 * @example A file, written in batches
 * ```ts ignore
 * // Not run by the docs tests: they may write under .tmp/ only, and a user's path is app.log.
 * import { bufferedSink, configureLogging } from "@ctx/request-context";
 *
 * const file = await Deno.open("app.log", { append: true, create: true });
 * const encoder = new TextEncoder();
 * configureLogging({
 *   sink: bufferedSink((batch) => file.writeSync(encoder.encode(batch + "\n"))),
 * });
 * ```
 */
export function bufferedSink(target: Sink, options: BufferedSinkOptions = {}): BufferedSink {
  const maxLines = optionOr(OWNER, "maxLines", options.maxLines, isPositive, DEFAULTS.maxLines);
  const maxBytes = optionOr(OWNER, "maxBytes", options.maxBytes, isPositive, DEFAULTS.maxBytes);
  const interval = options.flushIntervalMs === 0 ? 0 : optionOr(
    OWNER,
    "flushIntervalMs",
    options.flushIntervalMs,
    isPositive,
    DEFAULTS.flushIntervalMs,
  );
  const flushOnExit = optionOr(
    OWNER,
    "flushOnExit",
    options.flushOnExit,
    isBoolean,
    DEFAULTS.flushOnExit,
  );
  const flushOnRequestEnd = optionOr(
    OWNER,
    "flushOnRequestEnd",
    options.flushOnRequestEnd,
    isBoolean,
    DEFAULTS.flushOnRequestEnd,
  );
  const inner = guardSink(target);
  let lines: string[] = [];
  let bytes = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  /** Hands the buffer to the target now, synchronously (the target may finish later). */
  const drain = (): void => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (lines.length === 0) return;
    const batch = lines.length === 1 ? lines[0] : lines.join("\n");
    lines = [];
    bytes = 0;
    inner.write(batch);
  };
  const flush = (): Promise<void> => {
    drain();
    return inner.flush();
  };
  const held = (): number => lines.length + inner.held();
  const unhook = !flushOnExit ? () => {} : onExit({ drain, flush, held });

  const sink: BufferedSink = {
    write(line: string): void {
      if (closed) return inner.write(line);
      lines.push(line);
      bytes += line.length + 1;
      if (lines.length >= maxLines || bytes >= maxBytes) drain();
      else if (timer === undefined && interval > 0) timer = unrefTimeout(drain, interval);
    },
    flush,
    flushOnRequestEnd,
    get size(): number {
      return lines.length;
    },
    close(): Promise<void> {
      closed = true;
      unhook();
      return flush();
    },
  };
  reportsHeld(sink, held);
  return sink;
}
