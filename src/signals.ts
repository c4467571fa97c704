/**
 * Flushing on SIGTERM and SIGINT: the signals a server gets on every deploy and on
 * Ctrl-C.
 *
 * By default a signal kills the process before any code runs, so lines still held by
 * a {@linkcode bufferedSink} are lost. Listening changes that: a process with a listener
 * is no longer killed. {@linkcode flushLogsOnSignals} listens, writes the logs out,
 * and then lets the process end as it would have without it.
 *
 * @example At start-up
 * ```ts
 * import { bufferedSink, configureLogging, consoleSink, flushLogsOnSignals } from "@ctx/request-context";
 *
 * configureLogging({ sink: bufferedSink(consoleSink) });
 * flushLogsOnSignals();
 * ```
 *
 * @module
 */

import { flushLogs } from "./config.ts";
import { drainAll, flushAll } from "./_exit.ts";
import { type DenoLike, denoRuntime, nodeProcess, type ProcessLike } from "./_runtime.ts";
import { isDuration, isObject, optionOr } from "./_invalid.ts";

/** The signals {@linkcode flushLogsOnSignals} can listen to. */
export type ShutdownSignal = "SIGTERM" | "SIGINT" | "SIGHUP" | "SIGQUIT";

/** The defaults of {@linkcode FlushLogsOnSignalsOptions}, each declared once (the `@default` tags say the same). */
const DEFAULTS = {
  signals: ["SIGTERM", "SIGINT"] as readonly ShutdownSignal[],
  timeoutMs: 5000,
} as const;

const OWNER = "flushLogsOnSignals";

/**
 * Options of {@linkcode flushLogsOnSignals}. Every one has a default, which an invalid value
 * takes too (reported once on stderr, naming the option).
 *
 * @example Only SIGTERM, at most one second
 * ```ts
 * import { flushLogsOnSignals } from "@ctx/request-context";
 *
 * const stop = flushLogsOnSignals({ signals: ["SIGTERM"], timeoutMs: 1000 });
 * stop();
 * ```
 */
export interface FlushLogsOnSignalsOptions {
  /**
   * The signals listened to.
   *
   * @default {["SIGTERM", "SIGINT"]}
   */
  signals?: readonly ShutdownSignal[];
  /**
   * The longest wait for the flush, in milliseconds, as in `flushLogs({ timeoutMs })`.
   *
   * @default {5000}
   */
  timeoutMs?: number;
}

const SIGNAL_NUMBERS: Readonly<Record<ShutdownSignal, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGTERM: 15,
};

/** The listeners in force, removed by a new call or by the first signal. */
let installed: (() => void) | undefined;

/**
 * On SIGTERM and SIGINT, writes out what the sinks hold, then lets the process end as
 * it would have without this call. Call it once at start-up; it returns the function that
 * removes its listeners (a new call replaces the listeners of an earlier one).
 *
 * When a signal arrives: every {@linkcode bufferedSink} hands its lines to its target at
 * once, then `flushLogs({ timeoutMs })` and the buffered sinks' flushes are awaited (at most
 * `timeoutMs`, default 5000). Its own listeners are removed at once, so a second Ctrl-C
 * acts as if this call had not been made. Then:
 *
 * - if the process has no other listener for the signal, the signal is raised again and
 *   its default action ends the process: killed by the signal, exit status `128 + n`
 *   (143 for SIGTERM, 130 for SIGINT), exactly as without this call;
 * - if the app listens itself (`process.on("SIGTERM", …)`), its listeners decide, as
 *   they would have: nothing is raised again.
 *
 * On Deno the listeners use `Deno.addSignalListener`; those added by the app with
 * `Deno.addSignalListener` cannot be seen (those added with `process.on` can), and would
 * hear the signal twice: an app that handles the signal itself with
 * `Deno.addSignalListener` should instead `await flushLogs()` in its own handler. Signal
 * listeners never keep the process alive. On runtimes without signals (Workers, browsers)
 * this does nothing.
 *
 * @example A server that is stopped by SIGTERM on each deploy
 * ```ts ignore
 * // Not run by the docs tests: it serves until a signal ends the process;
 * // tests/subprocess.test.ts sends the signals to a real child.
 * import { bufferedSink, configureLogging, consoleSink, flushLogsOnSignals, withRequestContext } from "@ctx/request-context";
 *
 * configureLogging({ sink: bufferedSink(consoleSink, { flushIntervalMs: 1000 }) });
 * flushLogsOnSignals(); // SIGTERM and SIGINT: the held lines are written, then the process ends
 * Deno.serve(withRequestContext(() => new Response("ok")));
 * ```
 */
export function flushLogsOnSignals(options: FlushLogsOnSignalsOptions = {}): () => void {
  installed?.();
  const o = optionOr<FlushLogsOnSignalsOptions>(OWNER, "options", options, isObject, {});
  const signals = optionOr<readonly ShutdownSignal[]>(
    OWNER,
    "signals",
    o.signals,
    (s) => Array.isArray(s) && s.every((name) => Object.hasOwn(SIGNAL_NUMBERS, name)),
    DEFAULTS.signals,
  );
  const timeoutMs = optionOr(OWNER, "timeoutMs", o.timeoutMs, isDuration, DEFAULTS.timeoutMs);
  const deno = denoRuntime();
  const proc = nodeProcess();
  const useDeno = deno !== undefined && typeof deno.addSignalListener === "function";
  if (!useDeno && typeof proc?.on !== "function") return () => {};

  const listeners = new Map<ShutdownSignal, () => void>();
  const remove = (): void => {
    for (const [signal, listener] of listeners) {
      try {
        if (useDeno) deno.removeSignalListener?.(signal, listener);
        else proc!.off?.(signal, listener);
      } catch {
        // already gone
      }
    }
    listeners.clear();
    if (installed === remove) installed = undefined;
  };
  const onSignal = async (signal: ShutdownSignal): Promise<void> => {
    remove();
    drainAll(); // synchronous targets have every line now, whatever happens next
    await Promise.all([flushLogs({ timeoutMs }), flushAll(timeoutMs)]);
    let others = 0;
    try {
      others = proc?.listenerCount?.(signal) ?? 0;
    } catch {
      // unknown: raise it again, as nothing else is known to listen
    }
    if (others > 0) return; // the app's own listeners decide, as they would have
    raise(signal, deno, proc);
  };
  for (const signal of signals) {
    const listener = () => void onSignal(signal);
    try {
      if (useDeno) deno.addSignalListener!(signal, listener);
      else proc!.on!(signal, listener);
      listeners.set(signal, listener);
    } catch {
      // a signal this platform does not have (Windows): skipped
    }
  }
  installed = remove;
  return remove;
}

/** Raises `signal` again now that nothing of ours listens: its default action applies. */
function raise(signal: ShutdownSignal, deno: DenoLike | undefined, proc: ProcessLike | undefined) {
  try {
    if (deno?.kill !== undefined) deno.kill(deno.pid!, signal);
    else proc!.kill!(proc!.pid!, signal);
  } catch {
    // cannot signal itself: end with the status a shell reports for that signal
    const code = 128 + SIGNAL_NUMBERS[signal];
    if (deno?.exit !== undefined) deno.exit(code);
    else proc?.exit?.(code);
  }
}
