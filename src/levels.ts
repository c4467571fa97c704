/**
 * Log levels and their order.
 *
 * @example Compare two levels
 * ```ts
 * import { LOG_LEVELS } from "@ctx/request-context";
 *
 * console.log(LOG_LEVELS.WARN > LOG_LEVELS.INFO); // true
 * ```
 *
 * @module
 */

/** The name of a log level, as it appears in every log line. */
export type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR" | "CRITICAL";

/**
 * The numeric weight of each level: a logger writes a record when its level's
 * weight is at least the configured level's.
 *
 * @example
 * ```ts
 * import { LOG_LEVELS } from "@ctx/request-context";
 *
 * console.log(LOG_LEVELS.DEBUG); // 10
 * ```
 */
export const LOG_LEVELS: Readonly<Record<LogLevel, number>> = Object.freeze({
  DEBUG: 10,
  INFO: 20,
  WARN: 30,
  ERROR: 40,
  CRITICAL: 50,
});

/** Returns `value` as a level name when it names one (case-insensitive), else `undefined`. */
export function parseLevel(value: unknown): LogLevel | undefined {
  if (typeof value !== "string") return undefined;
  const upper = value.trim().toUpperCase();
  if (upper === "WARNING") return "WARN";
  if (upper === "FATAL") return "CRITICAL";
  // Own names only: `in` would also find `constructor`, `toString`, … on the prototype.
  return Object.hasOwn(LOG_LEVELS, upper) ? upper as LogLevel : undefined;
}

/**
 * Internal: the weight of `level`, or `undefined` when it names no level. Own names only, so
 * a level named like a prototype member (`toString`, `constructor`) is no level.
 */
export function levelWeight(level: unknown): number | undefined {
  return typeof level === "string" && Object.hasOwn(LOG_LEVELS, level)
    ? LOG_LEVELS[level as LogLevel]
    : undefined;
}
