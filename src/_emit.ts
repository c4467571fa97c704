// Internal: the one way a record becomes a written line, for the logger and the integrations
// (`@std/log`, LogTape, console): the configuration in force, the current scope and span, the
// request's buffer or sampling, then the sink.

import type { LogLevel } from "./levels.ts";
import type { LogFields } from "./logger.ts";
import { config, type ResolvedConfig } from "./_config.ts";
import { currentScope, type Scope } from "./_storage.ts";
import { activeSpan } from "./_trace.ts";
import { lineOf } from "./_line.ts";
import { admit } from "./_signal.ts";

/**
 * What takes one record: its level, logger name, the logger's bound fields, the message, the
 * call's fields and, when the record has its own, its time (milliseconds since the epoch).
 */
type RecordWriter<R> = (
  level: LogLevel,
  logger: string,
  bound: LogFields | undefined,
  message: unknown,
  extra: LogFields | undefined,
  time?: number,
) => R;

/**
 * Formats and writes one line, whatever it is given; never throws.
 * Integrations (`@std/log`, LogTape, console) write through it too. `time`
 * (milliseconds since the epoch) is the record's own time when it has one.
 * Inside a request, `requestBuffer` and `sample` may hold the line.
 */
export const emit: RecordWriter<void> = (level, logger, bound, message, extra, time) => {
  send(level, logger, bound, message, extra, false, time);
};

/**
 * Writes one line, or hands it to the request that holds it. `below`: the
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
 * The line `emit` would write, in the configuration in force and the
 * current context, without writing it. Never throws: if building the line fails, a
 * minimal line with the core keys and `logging_error` is returned instead (and the
 * failure reported on stderr, rate-limited). The `@std/log` formatter returns it.
 */
export const formatLine: RecordWriter<string | undefined> = (
  level,
  logger,
  bound,
  message,
  extra,
  time,
) => {
  let scope: Scope | undefined;
  try {
    scope = currentScope();
  } catch {
    scope = undefined;
  }
  return lineHere(config(), scope, level, logger, bound, message, extra, time);
};
