// Internal: reading a level from what a caller or the environment gives.

import { LOG_LEVELS, type LogLevel } from "./levels.ts";

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
 * The weight of `level`, or `undefined` when it names no level. Own names only, so
 * a level named like a prototype member (`toString`, `constructor`) is no level.
 */
export function levelWeight(level: unknown): number | undefined {
  return typeof level === "string" && Object.hasOwn(LOG_LEVELS, level)
    ? LOG_LEVELS[level as LogLevel]
    : undefined;
}
