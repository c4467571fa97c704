/**
 * Log levels and their order.
 *
 * @example Compare two levels
 * ```ts
 * import assert from "node:assert/strict";
 * import { LOG_LEVELS } from "@ctx/request-context";
 *
 * assert.ok(LOG_LEVELS.WARN > LOG_LEVELS.INFO);
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
 * import assert from "node:assert/strict";
 * import { LOG_LEVELS } from "@ctx/request-context";
 *
 * assert.equal(LOG_LEVELS.DEBUG, 10);
 * ```
 */
export const LOG_LEVELS: Readonly<Record<LogLevel, number>> = Object.freeze({
  DEBUG: 10,
  INFO: 20,
  WARN: 30,
  ERROR: 40,
  CRITICAL: 50,
});
