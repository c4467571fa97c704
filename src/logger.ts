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
import { levelWeight } from "./_levels.ts";
import { config } from "./_config.ts";
import { send } from "./_emit.ts";
import { currentScope } from "./_storage.ts";

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

  // `gate` is the configured level unless `requestBuffer` holds lines below it: a line
  // under the gate costs one comparison.
  debug(message: string, extra?: LogFields): void {
    const cfg = config();
    if (LOG_LEVELS.DEBUG >= cfg.gate) {
      send("DEBUG", this.name, this.#bound, message, extra, LOG_LEVELS.DEBUG < cfg.threshold);
    }
  }
  info(message: string, extra?: LogFields): void {
    const cfg = config();
    if (LOG_LEVELS.INFO >= cfg.gate) {
      send("INFO", this.name, this.#bound, message, extra, LOG_LEVELS.INFO < cfg.threshold);
    }
  }
  warn(message: string, extra?: LogFields): void {
    const cfg = config();
    if (LOG_LEVELS.WARN >= cfg.gate) {
      send("WARN", this.name, this.#bound, message, extra, LOG_LEVELS.WARN < cfg.threshold);
    }
  }
  error(message: string, extra?: LogFields): void {
    const cfg = config();
    if (LOG_LEVELS.ERROR >= cfg.gate) {
      send("ERROR", this.name, this.#bound, message, extra, LOG_LEVELS.ERROR < cfg.threshold);
    }
  }
  critical(message: string, extra?: LogFields): void {
    const cfg = config();
    if (LOG_LEVELS.CRITICAL >= cfg.gate) {
      send("CRITICAL", this.name, this.#bound, message, extra, LOG_LEVELS.CRITICAL < cfg.threshold);
    }
  }
  log(level: LogLevel, message: string, extra?: LogFields): void {
    const weight = levelWeight(level);
    const cfg = config();
    if (weight !== undefined && weight >= cfg.gate) {
      send(level, this.name, this.#bound, message, extra, weight < cfg.threshold);
    }
  }
  isEnabled(level: LogLevel): boolean {
    const weight = levelWeight(level);
    if (weight === undefined) return false;
    const cfg = config();
    if (weight >= cfg.threshold) return true;
    // Below the level, a request's buffer still takes the line.
    return weight >= cfg.gate && currentScope()?.root.request?.hold !== undefined;
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
 * import assert from "node:assert/strict";
 * import { configureLogging, getLogger, runWithContext } from "@ctx/request-context";
 *
 * const lines: string[] = [];
 * configureLogging({ sink: (line) => lines.push(line) });
 * const log = getLogger("billing");
 * runWithContext({ requestId: "r-1" }, () => log.info("charged", { amount_cents: 1299 }));
 * // {"timestamp":"…","level":"INFO","logger":"billing","message":"charged","request_id":"r-1","amount_cents":1299}
 * const { timestamp: _, ...line } = JSON.parse(lines[0]);
 * assert.deepEqual(line, {
 *   level: "INFO",
 *   logger: "billing",
 *   message: "charged",
 *   request_id: "r-1",
 *   amount_cents: 1299,
 * });
 * ```
 */
export function getLogger(name = "app"): Logger {
  return new ContextLogger(typeof name === "string" ? name : String(name), undefined);
}
