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
import { config, type ResolvedConfig } from "./config.ts";
import { currentScope } from "./_storage.ts";
import { activeSpan } from "./_trace.ts";
import { fallbackLine, formatEntry } from "./_format.ts";
import { describeThrown, stringifySafe, toSafe } from "./_serialize.ts";
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
    // Own names only: a level named like a prototype member (`toString`) is no level.
    const weight = Object.hasOwn(LOG_LEVELS, level) ? LOG_LEVELS[level] : undefined;
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

/** Failures to build a line are reported on stderr at most once per this many milliseconds. */
const REPORT_INTERVAL_MS = 1000;
let lastReport = -Infinity;
let unreported = 0;

/** Reports a failure on stderr, the first at once, then at most one per interval with a count. */
function reportFailure(e: unknown): void {
  const now = Date.now();
  if (now - lastReport < REPORT_INTERVAL_MS) {
    unreported++;
    return;
  }
  const more = unreported === 0 ? "" : ` (and ${unreported} more since the last report)`;
  lastReport = now;
  unreported = 0;
  try {
    writeConsole(
      "error",
      `@ctx/request-context: a log line could not be built, a minimal line was written instead: ${
        describeThrown(e)
      }${more}`,
    );
  } catch {
    // nothing left to report to
  }
}

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
  if (line !== undefined) config().sink.write(line);
}

/**
 * Internal: the line `emit` would write, in the configuration in force and the
 * current context, without writing it. Never throws: if building the line fails, a
 * minimal line with the core keys and `logging_error` is returned instead (and the
 * failure reported on stderr, rate-limited). The `@std/log` formatter returns it.
 */
export function formatLine(
  level: LogLevel,
  logger: string,
  bound: LogFields | undefined,
  message: unknown,
  extra: LogFields | undefined,
  time?: number,
): string | undefined {
  const at = time ?? Date.now();
  let requestId = "-";
  try {
    const scope = currentScope();
    if (scope !== undefined) requestId = scope.root.requestId;
    const cfg = config();
    return formatEntry({
      time: at,
      level,
      logger,
      message: typeof message === "string" ? message : messageText(message, cfg),
      requestId,
      scope,
      bound,
      extra,
      span: activeSpan(),
    }, cfg);
  } catch (e) {
    // Defence in depth: no input is known to get here. The line is not lost: its core keys
    // and the failure are written, and stderr says so (rate-limited, never only once ever).
    reportFailure(e);
    try {
      return fallbackLine(
        { time: at, level, logger, message, requestId },
        config(),
        describeThrown(e),
      );
    } catch {
      return undefined;
    }
  }
}

/**
 * The text of a message that is not a string: an Error as `Name: message`, any other value as
 * its JSON text from the safe serializer, so redaction, depth, width and the line's length
 * apply to it as to a field (a cycle is "[Circular]", a redacted key "[REDACTED]").
 */
function messageText(message: unknown, cfg: ResolvedConfig): string {
  if (typeof message === "function") return String(toSafe(message, cfg.safe)); // [Function: name]
  if (typeof message !== "object" || message === null) return String(message);
  try {
    if (message instanceof Error) return describeThrown(message);
  } catch {
    // A proxy may throw on `instanceof`: the serializer writes its marker.
  }
  return stringifySafe(message, cfg.safe, undefined, cfg.maxLineLength) ?? "undefined";
}
