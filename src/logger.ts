/**
 * The context-aware logger. Take one per module at module level: it reads the
 * current context at each call, so it is never stale.
 *
 * @example
 * ```ts
 * import { getLogger } from "@ctx/request-context";
 *
 * const log = getLogger("runs");
 *
 * export function createRun(userId: string) {
 *   log.info("Creating run", { user_id: userId }); // carries the request_id of the caller
 * }
 * ```
 *
 * @module
 */

import { LOG_LEVELS, type LogLevel } from "./levels.ts";
import { config } from "./config.ts";
import { currentScope } from "./_storage.ts";
import { activeSpan } from "./_trace.ts";
import { formatEntry } from "./_format.ts";
import { describeThrown } from "./_serialize.ts";
import { writeConsole } from "./_console.ts";

/** Fields of one call, written after the context's fields. */
export type LogFields = Record<string, unknown>;

/** A logger: one method per level, each `(message, extra?)`, plus `child` and `log`. */
export interface Logger {
  /** The name written as `logger` in each line. */
  readonly name: string;
  /** Writes a DEBUG line. */
  debug(message: string, extra?: LogFields): void;
  /** Writes an INFO line. */
  info(message: string, extra?: LogFields): void;
  /** Writes a WARN line. */
  warn(message: string, extra?: LogFields): void;
  /** Writes an ERROR line. Pass the error in `extra` (`{ error }`) to log its stack. */
  error(message: string, extra?: LogFields): void;
  /** Writes a CRITICAL line. */
  critical(message: string, extra?: LogFields): void;
  /** Writes a line at `level`. */
  log(level: LogLevel, message: string, extra?: LogFields): void;
  /** Whether a line at `level` would be written now. */
  isEnabled(level: LogLevel): boolean;
  /** A logger with the same name whose lines also carry `fields`. */
  child(fields: LogFields): Logger;
}

class ContextLogger implements Logger {
  readonly name: string;
  readonly #bound: LogFields | undefined;

  constructor(name: string, bound: LogFields | undefined) {
    this.name = name;
    this.#bound = bound;
  }

  debug(message: string, extra?: LogFields): void {
    if (LOG_LEVELS.DEBUG >= config().threshold) {
      emit("DEBUG", this.name, this.#bound, message, extra);
    }
  }
  info(message: string, extra?: LogFields): void {
    if (LOG_LEVELS.INFO >= config().threshold) emit("INFO", this.name, this.#bound, message, extra);
  }
  warn(message: string, extra?: LogFields): void {
    if (LOG_LEVELS.WARN >= config().threshold) emit("WARN", this.name, this.#bound, message, extra);
  }
  error(message: string, extra?: LogFields): void {
    if (LOG_LEVELS.ERROR >= config().threshold) {
      emit("ERROR", this.name, this.#bound, message, extra);
    }
  }
  critical(message: string, extra?: LogFields): void {
    if (LOG_LEVELS.CRITICAL >= config().threshold) {
      emit("CRITICAL", this.name, this.#bound, message, extra);
    }
  }
  log(level: LogLevel, message: string, extra?: LogFields): void {
    if (this.isEnabled(level)) emit(level, this.name, this.#bound, message, extra);
  }
  isEnabled(level: LogLevel): boolean {
    const weight = LOG_LEVELS[level];
    return weight !== undefined && weight >= config().threshold;
  }
  child(fields: LogFields): Logger {
    return new ContextLogger(this.name, { ...this.#bound, ...fields });
  }
}

/**
 * A logger named `name` (default `"app"`). Its lines carry the current request's
 * id and context fields, then the service fields, then the call's `extra`.
 *
 * @example
 * ```ts
 * import { configureLogging, getLogger, runWithContext } from "@ctx/request-context";
 *
 * configureLogging({ sink: (line) => console.log(line) });
 * const log = getLogger("billing");
 * runWithContext({ requestId: "r-1" }, () => log.info("charged", { amount_cents: 1299 }));
 * // {"timestamp":"…","level":"INFO","logger":"billing","message":"charged","request_id":"r-1","amount_cents":1299}
 * ```
 */
export function getLogger(name = "app"): Logger {
  return new ContextLogger(typeof name === "string" ? name : String(name), undefined);
}

let internalFailureReported = false;

/**
 * Internal: formats and writes one line, whatever it is given; never throws.
 * Integrations (`@std/log`, LogTape, console) write through it too. `time`
 * (milliseconds since the epoch) is the record's own time when it has one.
 */
export function emit(
  level: LogLevel,
  logger: string,
  bound: LogFields | undefined,
  message: unknown,
  extra: LogFields | undefined,
  time?: number,
): void {
  const line = formatLine(level, logger, bound, message, extra, time);
  // The configured sink is guarded: it never throws.
  if (line !== undefined) config().sink.write(line, level);
}

/**
 * Internal: the line `emit` would write, in the configuration in force and the
 * current context, without writing it; `undefined` (reported once on stderr)
 * when it cannot be made. Never throws. The `@std/log` formatter returns it.
 */
export function formatLine(
  level: LogLevel,
  logger: string,
  bound: LogFields | undefined,
  message: unknown,
  extra: LogFields | undefined,
  time?: number,
): string | undefined {
  try {
    const scope = currentScope();
    return formatEntry({
      time: time ?? Date.now(),
      level,
      logger,
      message: typeof message === "string" ? message : messageText(message),
      requestId: scope === undefined ? "-" : scope.root.requestId,
      scope,
      bound,
      extra,
      span: activeSpan(),
    }, config());
  } catch (e) {
    if (internalFailureReported) return undefined;
    internalFailureReported = true;
    try {
      writeConsole(
        "error",
        `@ctx/request-context: a log line could not be written: ${describeThrown(e)}`,
      );
    } catch {
      // nothing left to report to
    }
    return undefined;
  }
}

function messageText(message: unknown): string {
  try {
    if (message instanceof Error) return describeThrown(message);
    const text = JSON.stringify(message);
    return text === undefined ? String(message) : text;
  } catch {
    // A proxy may throw on `instanceof` and on every conversion.
    return describeThrown(message);
  }
}
