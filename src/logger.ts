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

import { levelWeight, LOG_LEVELS, type LogLevel } from "./levels.ts";
import { config, type ResolvedConfig } from "./config.ts";
import { currentScope, type Scope } from "./_storage.ts";
import { activeSpan } from "./_trace.ts";
import { lineOf } from "./_line.ts";
import { admit } from "./_signal.ts";

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

/**
 * Internal: formats and writes one line, whatever it is given; never throws.
 * Integrations (`@std/log`, LogTape, console) write through it too. `time`
 * (milliseconds since the epoch) is the record's own time when it has one.
 * Inside a request, `requestBuffer` and `sample` may hold the line.
 */
export function emit(
  level: LogLevel,
  logger: string,
  bound: LogFields | undefined,
  message: unknown,
  extra: LogFields | undefined,
  time?: number,
): void {
  send(level, logger, bound, message, extra, false, time);
}

/**
 * Internal: writes one line, or hands it to the request that holds it. `below`: the
 * line is under the configured level (a request buffer may still take it, else it is
 * dropped). `access`: an access line of the adapters, which the request buffer never
 * holds. Never throws.
 */
export function send(
  level: LogLevel,
  logger: string,
  bound: LogFields | undefined,
  message: unknown,
  extra: LogFields | undefined,
  below: boolean,
  time?: number,
  access = false,
): void {
  const cfg = config();
  const scope = currentScope();
  const request = scope?.root.request;
  if (request !== undefined) {
    let write: boolean;
    try {
      write = admit(
        request,
        scope!,
        cfg,
        level,
        below,
        access,
        logger,
        bound,
        message,
        extra,
        time,
      );
    } catch {
      write = !below;
    }
    if (!write) return;
  } else if (below) return;
  const line = lineHere(cfg, scope, level, logger, bound, message, extra, time);
  // The configured sink is guarded: it never throws.
  if (line !== undefined) cfg.sink.write(line, level);
}

/** The line of one record in `scope`, now (or at `time`), with the active span. */
function lineHere(
  cfg: ResolvedConfig,
  scope: Scope | undefined,
  level: LogLevel,
  logger: string,
  bound: LogFields | undefined,
  message: unknown,
  extra: LogFields | undefined,
  time: number | undefined,
): string | undefined {
  const id = scope === undefined ? "-" : scope.root.requestId;
  return lineOf(
    cfg,
    scope,
    id,
    activeSpan(),
    level,
    logger,
    bound,
    message,
    extra,
    time ?? Date.now(),
  );
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
  let scope: Scope | undefined;
  try {
    scope = currentScope();
  } catch {
    scope = undefined;
  }
  return lineHere(config(), scope, level, logger, bound, message, extra, time);
}
