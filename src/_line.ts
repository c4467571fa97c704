// Internal: one line made from its parts, in a given scope and configuration. The
// logger writes through it at once; the request's held lines (src/_signal.ts) later,
// with what was captured when they were logged.

import type { LogLevel } from "./levels.ts";
import type { Scope } from "./_storage.ts";
import type { SpanIds } from "./_trace.ts";
import { fallbackLine, type FormatConfig, formatEntry } from "./_format.ts";
import { describeThrown, stringifySafe, toSafe } from "./_serialize.ts";
import { writeConsole } from "./_console.ts";

/**
 * The line of one record. Never throws: if building the line fails, a minimal line with
 * the core keys and `logging_error` is returned instead (and the failure reported on
 * stderr, rate-limited); `undefined` only if even that cannot be made.
 */
export function lineOf(
  cfg: FormatConfig,
  scope: Scope | undefined,
  requestId: string,
  span: SpanIds | undefined,
  level: LogLevel,
  logger: string,
  bound: Record<string, unknown> | undefined,
  message: unknown,
  extra: Record<string, unknown> | undefined,
  time: number,
): string | undefined {
  try {
    return formatEntry({
      time,
      level,
      logger,
      message: typeof message === "string" ? message : messageText(message, cfg),
      requestId,
      scope,
      bound,
      extra,
      span,
    }, cfg);
  } catch (e) {
    // Defence in depth: no input is known to get here. The line is not lost: its core keys
    // and the failure are written, and stderr says so (rate-limited, never only once ever).
    reportFailure(e);
    try {
      return fallbackLine({ time, level, logger, message, requestId }, cfg, describeThrown(e));
    } catch {
      return undefined;
    }
  }
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
 * The text of a message that is not a string: an Error as `Name: message`, any other value as
 * its JSON text from the safe serializer, so redaction, depth, width and the line's length
 * apply to it as to a field (a cycle is "[Circular]", a redacted key "[REDACTED]").
 */
function messageText(message: unknown, cfg: FormatConfig): string {
  if (typeof message === "function") return String(toSafe(message, cfg.safe)); // [Function: name]
  if (typeof message !== "object" || message === null) return String(message);
  try {
    if (message instanceof Error) return describeThrown(message);
  } catch {
    // A proxy may throw on `instanceof`: the serializer writes its marker.
  }
  return stringifySafe(message, cfg.safe, undefined, cfg.maxLineLength) ?? "undefined";
}
