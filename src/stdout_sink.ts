/**
 * The default sink on Deno, Node and Bun: lines are gathered and written to stdout
 * together, once per turn of the event loop, so a busy server makes one system call
 * for the lines of many requests instead of one per line.
 *
 * - **When.** The lines a turn of the event loop logged are written when it ends
 *   (`setImmediate`), or at once, inside the log call, when they reach `maxBatchBytes`
 *   (64 KiB).
 * - **Order and integrity.** One writer, in the order of the calls; each batch is whole
 *   lines, written by synchronous writes of the process's one JavaScript thread; a write
 *   cut short by a full pipe is continued to the end of its line before anything else
 *   runs, so no other output of the process lands inside a line. On Node, while
 *   `process.stdout` still queues output of its own (a `console.log` to a slow pipe), the
 *   batch waits behind it. Lines of one turn may reach stdout after other output that
 *   turn wrote directly; among themselves they keep the order of the calls.
 * - **Exit.** Nothing accepted is lost on any exit path the runtime lets code observe
 *   (the end of the program, `exit()`, an uncaught exception, an unhandled rejection;
 *   SIGTERM/SIGINT with `flushLogsOnSignals()`): what is held is written synchronously.
 * - **A slow reader.** When stdout cannot take more (a pipe read slowly; Node makes a
 *   piped stdout non-blocking), the sink keeps what it could not write and retries,
 *   without blocking the app, up to `maxPendingBytes` (4 MiB). Past that cap every write
 *   is synchronous: the log call waits until stdout has taken all of it. The app slows,
 *   no line is lost, and memory stays under the cap. On Deno stdout writes block as soon
 *   as the pipe is full, so the cap is never reached there.
 * - **Failure.** A write that fails (stdout closed) is reported once on stderr and the
 *   lines go to stderr, as with any sink.
 *
 * Where there is no stdout to write to (Cloudflare Workers, a browser) it writes each
 * line through {@linkcode consoleSink} instead.
 *
 * @example Keep the default but with smaller batches
 * ```ts
 * import { configureLogging, stdoutSink } from "@ctx/request-context";
 *
 * configureLogging({ sink: stdoutSink({ maxBatchBytes: 16384 }) });
 * ```
 *
 * @module
 */

import { consoleSink, type SinkObject } from "./sinks.ts";
import { failureReporter, reportsHeld } from "./_sinks.ts";
import { stdout } from "./_runtime.ts";
import { isPositive, optionOr } from "./_invalid.ts";
import { onExit } from "./_exit.ts";
import type { LogLevel } from "./levels.ts";

/** The defaults of {@linkcode StdoutSinkOptions}, each declared once (the `@default` tags say the same). */
const DEFAULTS = { maxBatchBytes: 65536, maxPendingBytes: 4 << 20 } as const;

const OWNER = "stdoutSink";

/** Options of {@linkcode stdoutSink}. Every one has a default. */
export interface StdoutSinkOptions {
  /**
   * Write the gathered lines at once, inside the log call, when they add up to this
   * many characters, rather than at the end of the event-loop turn.
   *
   * @default {65536}
   */
  maxBatchBytes?: number;
  /**
   * The most bytes held for a stdout that cannot take them yet (a slow reader). Past it,
   * writes become synchronous: the log call waits until stdout took everything (4 MiB).
   *
   * @default {4194304}
   */
  maxPendingBytes?: number;
}

/** What {@linkcode stdoutSink} returns. */
export interface StdoutSink extends SinkObject {
  /** Takes one line into the current batch (or writes the batch when it is full). */
  write(line: string): void;
  /** Writes everything held now, synchronously, and resolves. Never rejects. */
  flush(): Promise<void>;
  /** `false`: the sink writes at the end of each event-loop turn by itself. */
  readonly flushOnRequestEnd: false;
}

/** Runs `fn` once the current turn of the event loop is over. */
const later: (fn: () => void) => unknown = typeof setImmediate === "function"
  ? setImmediate
  : (fn) => setTimeout(fn, 0);

/** Blocks the thread for about `ms` milliseconds (a pipe that is full). */
function pause(ms: number): void {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  } catch {
    const until = Date.now() + ms; // no Atomics.wait here: wait by the clock
    while (Date.now() < until) { /* waiting for the reader */ }
  }
}

/**
 * A sink that gathers lines and writes them to stdout together (see the module notes):
 * the default sink on Deno, Node and Bun, unless Deno's OpenTelemetry is on.
 *
 * @example
 * ```ts
 * import { configureLogging, stdoutSink } from "@ctx/request-context";
 *
 * configureLogging({ sink: stdoutSink({ maxPendingBytes: 1 << 20 }) });
 * ```
 */
export function stdoutSink(options: StdoutSinkOptions = {}): StdoutSink {
  const out = stdout();
  if (out === undefined) {
    return {
      write: (line: string, level?: LogLevel) => void consoleSink(line, level),
      flush: () => Promise.resolve(),
      flushOnRequestEnd: false,
    } as StdoutSink;
  }
  const maxBatch = optionOr(
    OWNER,
    "maxBatchBytes",
    options.maxBatchBytes,
    isPositive,
    DEFAULTS.maxBatchBytes,
  );
  const maxPending = optionOr(
    OWNER,
    "maxPendingBytes",
    options.maxPendingBytes,
    isPositive,
    DEFAULTS.maxPendingBytes,
  );
  const encoder = new TextEncoder();
  const fail = failureReporter();
  let lines: string[] = [];
  let chars = 0;
  let scheduled = false;
  /** Bytes stdout could not take yet, oldest first; `head` of the first already written. */
  const pending: Uint8Array[] = [];
  let head = 0;
  let pendingBytes = 0;
  let retrying = false;

  /**
   * Writes `bytes` from `offset` to `end` and returns how far it got. Blocking, to the end;
   * else it stops when stdout is full or Node's `process.stdout` queues output of its own,
   * and then only at the start of a line: a line is never left half written for other
   * output to land inside it. Every chunk starts at the start of a line.
   */
  const writeOut = (bytes: Uint8Array, offset: number, end: number, block: boolean): number => {
    while (offset < end) {
      const lineStart = offset === 0 || bytes[offset - 1] === 0x0a;
      if (lineStart && !block && out.busyStream()) break;
      const n = out.tryWrite(bytes, offset, end);
      if (n < 0) {
        if (lineStart && !block) break;
        pause(1);
        continue;
      }
      offset += n;
    }
    return offset;
  };

  /** Writes the pending chunks, oldest first (see `writeOut`). */
  const writePending = (block: boolean): void => {
    while (pending.length > 0) {
      const chunk = pending[0];
      const reached = writeOut(chunk, head, chunk.length, block);
      pendingBytes -= reached - head;
      head = reached;
      if (head < chunk.length) return;
      pending.shift();
      head = 0;
    }
  };

  const scheduleRetry = (): void => {
    if (retrying) return;
    retrying = true;
    setTimeout(() => {
      retrying = false;
      drainBatch(false);
    }, 1);
  };
  const failPending = (e: unknown): void => {
    const decoder = new TextDecoder();
    const text = pending.map((c, i) => decoder.decode(i === 0 ? c.subarray(head) : c)).join("");
    pending.length = 0;
    head = 0;
    pendingBytes = 0;
    fail(e, text.endsWith("\n") ? text.slice(0, -1) : text);
  };

  /**
   * Hands the batch to stdout now, behind what is still pending; `block` when nothing may
   * stay behind (exit, flush). Past `maxPending` held, it blocks too.
   */
  const drainBatch = (block: boolean): void => {
    if (lines.length > 0) {
      const batch = lines;
      lines = [];
      chars = 0;
      // One flat string, its last line ended too: appending "\n" to the join would make a
      // rope that encoding has to flatten again, a second copy of the whole batch.
      batch.push("");
      const text = batch.join("\n");
      if (pending.length > 0) {
        const bytes = encoder.encode(text); // behind what stdout has not taken yet
        pending.push(bytes);
        pendingBytes += bytes.length;
      } else {
        try {
          if (writeDirect(text, block)) return;
        } catch (e) {
          fail(e, text.slice(0, -1));
          return;
        }
      }
    }
    if (pending.length === 0) return;
    try {
      writePending(block || pendingBytes > maxPending);
    } catch (e) {
      failPending(e);
      return;
    }
    if (pending.length > 0) scheduleRetry();
  };

  /** One reused buffer for the batches: a batch written whole allocates no bytes. */
  let buffer = new Uint8Array(16384);

  /**
   * Writes `text` from the reused buffer; what stdout does not take now is copied to
   * `pending`. Returns whether all of it was written.
   */
  const writeDirect = (text: string, block: boolean): boolean => {
    let encoded = encoder.encodeInto(text, buffer);
    if (encoded.read < text.length) {
      buffer = new Uint8Array(Math.max(buffer.length * 2, text.length * 3));
      encoded = encoder.encodeInto(text, buffer);
    }
    const end = encoded.written;
    const reached = writeOut(buffer, 0, end, block);
    if (reached >= end) return true;
    pending.push(buffer.slice(reached, end));
    pendingBytes += end - reached;
    return false;
  };

  const endOfTurn = (): void => {
    scheduled = false;
    drainBatch(false);
  };

  const drain = (): void => drainBatch(true);
  const flush = (): Promise<void> => {
    drain();
    return Promise.resolve();
  };
  const held = (): number => lines.length + pending.length;
  onExit({ drain, flush, held });

  const sink: StdoutSink = {
    write(line: string): void {
      lines.push(line);
      chars += line.length + 1;
      if (chars >= maxBatch) drainBatch(false);
      else if (!scheduled) {
        scheduled = true;
        later(endOfTurn);
      }
    },
    flush,
    flushOnRequestEnd: false,
  };
  reportsHeld(sink, held);
  return sink;
}
