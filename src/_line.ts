// Internal: one line made from its parts, in a given scope and configuration. The
// logger writes through it at once; the request's held lines (src/_signal.ts) later,
// with what was captured when they were logged.

import type { LogLevel } from "./levels.ts";
import type { Scope } from "./_storage.ts";
import type { SpanIds } from "./_trace.ts";
import { type FormatConfig, formatEntry } from "./_format.ts";
import { describeThrown } from "./_serialize.ts";
import { writeConsole } from "./_console.ts";

let internalFailureReported = false;

/**
 * The line of one record, or `undefined` (reported once on stderr) when it cannot be
 * made. Never throws.
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
      message: typeof message === "string" ? message : messageText(message),
      requestId,
      scope,
      bound,
      extra,
      span,
    }, cfg);
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
