// Internal: one log entry to one line, JSON (under a preset) or logfmt: the line's own keys,
// the service fields, the context's and the call's, within `maxLineLength` characters.
//
// The hot path is string concatenation: the core keys are constants of the preset's plan, the
// service fields are rendered once per configuration, and a scope's context fields once per
// scope and change (`_fields.ts`), so a line costs the timestamp, the message and the call's own
// fields. The names come from the preset table (`_presets.ts`), strings are written by
// `_escape.ts`.

import type { LogLevel } from "./levels.ts";
import type { Preset } from "./config.ts";
import type { Scope } from "./_storage.ts";
import type { SpanIds } from "./_trace.ts";
import { escapeUnsafe, isRedacted, jsonString, type SafeOptions } from "./_serialize.ts";
import { formatPrettyEntry } from "./_pretty.ts";
import { type Encoding, keyText, logfmtString } from "./_escape.ts";
import {
  contextFields,
  contextFor,
  encodingOf,
  type Names,
  objectsText,
  planOf,
  prepare,
  type Prepared,
  rendered,
  renderFields,
  Taken,
  TRUNCATED,
} from "./_fields.ts";
import { PRESETS, SEVERITY_NUMBER } from "./_presets.ts";

/** One log call, before formatting. */
export interface Entry {
  time: number;
  level: LogLevel;
  logger: string;
  message: string;
  requestId: string;
  scope: Scope | undefined;
  bound: Record<string, unknown> | undefined;
  extra: Record<string, unknown> | undefined;
  /** The active OpenTelemetry span, whose ids replace the context's trace fields in this line. */
  span?: SpanIds | undefined;
}

/** What the formatter needs of the configuration; its identity keys the scope caches. */
export interface FormatConfig {
  format: "json" | "logfmt" | "pretty";
  /** Pretty form only: ANSI colours on. */
  color?: boolean;
  preset: Preset;
  safe: SafeOptions;
  maxLineLength: number;
  /** Service fields under their default names: service, version, environment. */
  service: Record<string, unknown>;
  /** The Google Cloud project of the `"gcp"` preset's trace field. */
  gcpProject?: string | undefined;
}

let lastMs = NaN;
let lastIso = "";

/** ISO 8601 UTC with milliseconds; the string is reused within the same millisecond. */
function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/**
 * Formats one entry as one line, of at most `maxLineLength` characters. Never throws for any
 * field value. The line is built once while it fits; a line that does not is built again with
 * every value cut to an eighth of the cap and without the fields that still do not fit, and
 * says `truncated`. Either way a value is walked no further than it can fit, so the work of a
 * call is bounded by the limits, not by the size of its values.
 */
export function formatEntry(entry: Entry, cfg: FormatConfig): string {
  if (cfg.format === "pretty") {
    return formatPrettyEntry(entry, cfg, contextFields(entry.scope, entry.span));
  }
  const max = cfg.maxLineLength;
  if (entry.message.length + entry.logger.length <= max) {
    const line = build(entry, cfg);
    if (line !== undefined && line.length <= max) return line;
  }
  return buildCut(entry, cfg, Math.max(64, Math.floor(max / 8)));
}

/**
 * The names of the access lines' own fields. A context or service field of one of these names,
 * a preset rule for one or a redaction of one, and access lines take the general path.
 */
const ACCESS_KEYS = [
  "method",
  "path",
  "route",
  "status_code",
  "duration_ms",
  "warn_count",
  "error_name",
  "error_message",
] as const;

let accessCfg: FormatConfig | undefined;
let accessCfgOk = false;
let accessNames: Names | undefined;
let accessNamesOk = false;

/**
 * An access line of the adapters, from the text of its own fields, `fields` (`,"method":"GET",…`,
 * under their own names): what {@linkcode formatEntry} would write, without its general work,
 * when nothing in the line needs it. That is a JSON line of a flat preset that has no rule for
 * the access fields and redacts none of them, in a context with no field of their names, within
 * `maxLineLength`. `undefined` otherwise, and the caller takes the general path.
 */
export function accessLine(
  cfg: FormatConfig,
  scope: Scope,
  level: LogLevel,
  logger: string,
  message: string,
  fields: string,
  time: number,
): string | undefined {
  if (cfg !== accessCfg) {
    accessCfg = cfg;
    accessCfgOk = cfg.format === "json" && planOf(cfg).row.layout === "flat" &&
      cfg.safe.maxKeys >= ACCESS_KEYS.length && ACCESS_KEYS.every((key) =>
        !planOf(cfg).rules.has(key) && !isRedacted(key, key, cfg.safe)
      );
  }
  if (!accessCfgOk) return undefined;
  const p = prepare(cfg);
  const ctx = contextFor(scope, undefined, cfg, p);
  if (ctx.over || ctx.objects !== undefined) return undefined;
  if (ctx.taken !== accessNames) {
    const taken = ctx.taken;
    accessNames = taken;
    accessNamesOk = ACCESS_KEYS.every((key) => !taken.names.has(key) && !taken.parents.has(key));
  }
  if (!accessNamesOk) return undefined;
  const line = assemble(
    { time, level, requestId: scope.root.requestId },
    cfg,
    p,
    jsonString(message),
    keyText(logger),
    "",
    ctx.pairs + fields,
  );
  return line.length <= cfg.maxLineLength ? line : undefined;
}

/** The line with every field whole, or `undefined` when it does not fit. */
function build(entry: Entry, cfg: FormatConfig): string | undefined {
  const p = prepare(cfg);
  const json = cfg.format === "json";
  const enc = encodingOf(cfg);
  const ctx = contextFor(entry.scope, entry.span, cfg, p);
  if (ctx.over) return undefined;
  const taken = new Taken(ctx.taken);
  const message = enc.string(entry.message);
  const logger = json ? keyText(entry.logger) : logfmtString(entry.logger);
  const used = ctx.pairs.length + ctx.top.length + p.service.length + message.length +
    logger.length;
  const own = rendered(cfg.maxLineLength - used, undefined);
  renderFields(entry.bound, p.plan, cfg, enc, taken, own, "call");
  renderFields(entry.extra, p.plan, cfg, enc, taken, own, "call");
  if (own.over) return undefined;
  const objects = objectsText(p.plan, ctx.objects, own.objects);
  return assemble(entry, cfg, p, message, logger, ctx.top, ctx.pairs + own.pairs + objects);
}

/**
 * An oversize line: every value cut to `cap`, nothing cached, and fields taken in order while
 * they fit in what the core keys leave of the line. The message and the logger name are cut
 * too, to their share and then to what the line has room for, so the cap is exact.
 */
function buildCut(entry: Entry, cfg: FormatConfig, cap: number): string {
  const p = prepare(cfg);
  const enc = encodingOf(cfg);
  const max = cfg.maxLineLength;
  const taken = new Taken(p.reserved);
  const marker = enc.pair(TRUNCATED, "true");
  let message = coreText(enc, entry.message, cap);
  let logger = coreText(enc, entry.logger, cap);
  let bare = assemble(entry, cfg, p, message, logger, "", marker).length;
  if (bare > max) {
    message = enc.cut(entry.message, message.length - (bare - max));
    bare = assemble(entry, cfg, p, message, logger, "", marker).length;
  }
  if (bare > max) {
    logger = enc.cut(entry.logger, logger.length - (bare - max));
    bare = assemble(entry, cfg, p, message, logger, "", marker).length;
  }
  const own = rendered(max - bare, cap);
  renderFields(contextFields(entry.scope, entry.span), p.plan, cfg, enc, taken, own, "context");
  const ctxPairs = own.pairs;
  own.pairs = "";
  renderFields(entry.bound, p.plan, cfg, enc, taken, own, "call");
  renderFields(entry.extra, p.plan, cfg, enc, taken, own, "call");
  const objects = objectsText(p.plan, own.objects, undefined);
  return assemble(entry, cfg, p, message, logger, own.top, ctxPairs + own.pairs + objects + marker);
}

/** The text of the message or logger name, whole if it takes at most `max` characters, else cut. */
function coreText(enc: Encoding, s: string, max: number): string {
  if (s.length <= max) {
    const text = enc.string(s);
    if (text.length <= max) return text;
  }
  return enc.cut(s, max);
}

let lastId = "";
let lastIdText = '""';

/** The JSON text of a request id; the lines of one request follow each other, so one is kept. */
function requestIdText(id: string): string {
  if (id !== lastId) {
    lastIdText = jsonString(id);
    lastId = id;
  }
  return lastIdText;
}

/** The line itself: the core keys, the service, the rendered fields; `message` and `logger` are texts already. */
function assemble(
  core: Pick<Entry, "time" | "level" | "requestId">,
  cfg: FormatConfig,
  p: Prepared,
  message: string,
  logger: string,
  top: string,
  fields: string,
): string {
  const time = isoTime(core.time);
  const plan = p.plan;
  const level = plan.levels[core.level];
  // Not a level (an internal caller's mistake): the caller writes the fallback line instead.
  if (level === undefined) throw new TypeError(`not a log level: ${String(core.level)}`);
  if (cfg.format !== "json") {
    return `${time} level=${core.level} logger=${logger} message=${message} request_id=${
      logfmtString(core.requestId)
    }${p.service}${fields}`;
  }
  const rid = requestIdText(core.requestId);
  const k = plan.keys;
  if (plan.row.layout === "otel") {
    return `{${k[0]}"${time}",${k[1]}${level},"severity_number":${SEVERITY_NUMBER[core.level]},${
      k[3]
    }${message}${top},"instrumentation_scope":{${k[2]}${logger}}${p.service},"attributes":{${
      k[4]
    }${rid}${fields}}}`;
  }
  return `{${k[0]}"${time}",${k[1]}${level},${k[2]}${logger},${k[3]}${message},${
    k[4]
  }${rid}${p.service}${fields}}`;
}

/** Text of an unknown value for the fallback line: never throws. */
function plainText(value: unknown): string {
  try {
    return typeof value === "string" ? value : String(value);
  } catch {
    return "[unprintable]";
  }
}

/**
 * The line written when building the real one threw (which no input is known to cause: this is
 * defence in depth): the core keys under the preset's names and `logging_error`, built by the
 * simplest means, each text cut so that the line fits the cap. Never throws.
 */
export function fallbackLine(
  parts: { time: number; level: unknown; logger: unknown; message: unknown; requestId: string },
  cfg: FormatConfig,
  failure: string,
): string {
  let time = "1970-01-01T00:00:00.000Z";
  try {
    time = new Date(parts.time).toISOString();
  } catch { /* an invalid time: the epoch says it */ }
  const share = Math.max(16, Math.floor(cfg.maxLineLength / 8));
  const cut = (v: unknown) => {
    const s = plainText(v);
    return s.length > share ? `${s.slice(0, share)}…[truncated]` : s;
  };
  const level = cut(parts.level);
  const logger = cut(parts.logger);
  const message = cut(parts.message);
  const rid = cut(parts.requestId);
  const error = cut(failure);
  try {
    if (cfg.format !== "json") {
      return `${time} level=${logfmtString(level)} logger=${logfmtString(logger)} message=${
        logfmtString(message)
      } request_id=${logfmtString(rid)} logging_error=${logfmtString(error)}`;
    }
    const row = Object.hasOwn(PRESETS, cfg.preset) ? PRESETS[cfg.preset] : PRESETS.default;
    const k = row.core;
    const levels = row.levels;
    const levelText = levels !== undefined && Object.hasOwn(levels, level)
      ? levels[level as LogLevel]
      : level;
    const line: Record<string, unknown> = { [k.timestamp]: time, [k.level]: levelText };
    if (row.layout === "otel") {
      line[k.message] = message;
      line.instrumentation_scope = { [k.logger]: logger };
      line.attributes = { [k.request_id]: rid, logging_error: error };
    } else {
      line[k.logger] = logger;
      line[k.message] = message;
      line[k.request_id] = rid;
      line.logging_error = error;
    }
    return escapeUnsafe(JSON.stringify(line));
  } catch {
    return `{"timestamp":"${time}","level":"ERROR","message":"a log line could not be built"}`;
  }
}
