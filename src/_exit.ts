// Internal: what the module does when the process ends, for any sink that holds lines
// (bufferedSink, and stdoutSink, the default sink on Deno, Node and Bun).
//
// The exit paths a runtime lets code observe, and the hook used for each:
//
// | path                  | Deno                            | Node, Bun                        |
// | --------------------- | ------------------------------- | -------------------------------- |
// | the loop runs dry     | `beforeunload` (async flush)    | `beforeExit` (async flush)       |
// | normal end, exit()    | `unload` (sync drain)           | `exit` (sync drain)              |
// | uncaught exception    | `error` event (sync drain)      | `exit` (sync drain)              |
// | unhandled rejection   | `unhandledrejection` (sync)     | `exit` (sync drain)              |
// | SIGTERM, SIGINT       | only with `flushLogsOnSignals()`: listening changes what a signal does |
//
// None of these listeners changes what the process does: none calls `preventDefault` on
// an error or a rejection, and on Node none listens to `uncaughtException` or
// `unhandledRejection` (which would stop the crash). The async flush of `beforeExit` and
// `beforeunload` starts only for a participant that holds something and has no flush of
// an earlier round still running, at most MAX_ROUNDS times: a target whose `flush()` does
// I/O cannot make the process loop forever.

import {
  denoRuntime,
  globalEvents,
  MAX_TIMEOUT_MS,
  nodeProcess,
  unrefTimeout,
} from "./_runtime.ts";

/** Something that holds lines and must write them out when the process ends. */
export interface ExitParticipant {
  /** Hands everything held to the target now, synchronously (the target may finish later). */
  drain(): void;
  /** Writes out what is held and waits for the target. Never rejects. */
  flush(): Promise<void>;
  /** Lines held plus writes in flight: `0` when there is nothing to do. */
  held(): number;
}

/** The most async flush rounds the end of the event loop starts, over the process's life. */
const MAX_ROUNDS = 16;

const participants = new Set<ExitParticipant>();
/** Participants whose exit flush is still running: never started twice. */
const flushing = new Set<ExitParticipant>();
let rounds = 0;
let unhookRuntime: (() => void) | undefined;

/**
 * Writes `participant`'s lines out on every exit path the runtime lets code observe.
 * The runtime's listeners are added once, with the first participant, and removed with
 * the last. Returns the function that removes `participant`.
 */
export function onExit(participant: ExitParticipant): () => void {
  participants.add(participant);
  if (unhookRuntime === undefined) unhookRuntime = hookRuntime();
  return () => {
    participants.delete(participant);
    if (participants.size === 0 && unhookRuntime !== undefined) {
      unhookRuntime();
      unhookRuntime = undefined;
    }
  };
}

/** Hands every participant's lines to its target, synchronously. */
export function drainAll(): void {
  for (const p of participants) {
    try {
      p.drain();
    } catch {
      // a participant never fails the exit of the process
    }
  }
}

/** Flushes every participant and waits for them, at most `timeoutMs`. Never rejects. */
export function flushAll(timeoutMs: number): Promise<void> {
  const all = Promise.all([...participants].map((p) => p.flush().catch(() => {}))).then(
    () => {},
  );
  if (!(timeoutMs <= MAX_TIMEOUT_MS)) return all;
  return new Promise((resolve) => {
    const timer = unrefTimeout(resolve, timeoutMs);
    all.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * The end of the event loop: starts an async flush for each participant that holds
 * something and has none running. Returns whether it started one (the runtime then
 * runs the loop again, and asks again when it is dry).
 */
function flushHeld(): boolean {
  if (rounds >= MAX_ROUNDS) return false;
  let started = false;
  for (const p of participants) {
    if (flushing.has(p)) continue;
    let held = 0;
    try {
      held = p.held();
    } catch {
      continue;
    }
    if (held === 0) continue;
    flushing.add(p);
    started = true;
    let done: Promise<void>;
    try {
      done = p.flush();
    } catch {
      done = Promise.resolve();
    }
    done.then(() => flushing.delete(p), () => flushing.delete(p));
  }
  if (started) rounds++;
  return started;
}

/** Adds the runtime's exit listeners; returns the function that removes them. */
function hookRuntime(): () => void {
  try {
    const g = globalEvents();
    if (denoRuntime() !== undefined && g !== undefined) {
      const beforeunload = (event: Event) => {
        if (flushHeld()) event.preventDefault(); // keeps the loop running for the flush
      };
      const events: [string, (event: Event) => void][] = [
        ["beforeunload", beforeunload],
        ["unload", drainAll],
        ["error", drainAll],
        ["unhandledrejection", drainAll],
      ];
      for (const [type, listener] of events) g.addEventListener(type, listener);
      return () => {
        for (const [type, listener] of events) g.removeEventListener?.(type, listener);
      };
    }
    const proc = nodeProcess();
    if (proc !== undefined && typeof proc.on === "function") {
      const beforeExit = () => void flushHeld();
      proc.on("beforeExit", beforeExit);
      proc.on("exit", drainAll);
      return () => {
        proc.off?.("beforeExit", beforeExit);
        proc.off?.("exit", drainAll);
      };
    }
  } catch {
    // no way to hear about the end: flushLogs() and the per-request flush remain
  }
  return () => {};
}
