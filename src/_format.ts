// Internal: turns one log entry into one line, JSON (three field-name presets) or logfmt.
//
// The hot path is string concatenation: the core keys are constants, the service
// fields are rendered once per configuration, and a scope's context fields are
// rendered once per scope and change (cached on the scope), so a line costs the
// timestamp, the message and the call's own fields.

import type { LogLevel } from "./levels.ts";
import { mergedFields, type Scope } from "./_storage.ts";
import type { SpanIds } from "./_trace.ts";
import {
  describeThrown,
  isRedacted,
  REDACTED,
  type SafeOptions,
  stringifySafe,
} from "./_serialize.ts";
import { formatPrettyEntry } from "./_pretty.ts";

/** Field-name presets for the JSON form. */
export type Preset = "default" | "ecs" | "otel";

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
}

/**
 * The one mapping table of the presets: a field's default (snake_case) name, its
 * ECS name, and its place in the OpenTelemetry log data model (`top:` a top-level
 * key, `scope:` in `instrumentation_scope`, `resource:` in `resource`, else an
 * attribute under that name). Fields not listed keep their name everywhere.
 */
const FIELDS: Readonly<Record<string, { ecs: string; otel: string }>> = {
  timestamp: { ecs: "@timestamp", otel: "top:timestamp" },
  level: { ecs: "log.level", otel: "top:severity_text" },
  logger: { ecs: "log.logger", otel: "scope:name" },
  message: { ecs: "message", otel: "top:body" },
  request_id: { ecs: "http.request.id", otel: "request_id" },
  trace_id: { ecs: "trace.id", otel: "top:trace_id" },
  span_id: { ecs: "span.id", otel: "top:span_id" },
  trace_flags: { ecs: "trace_flags", otel: "top:flags" },
  service: { ecs: "service.name", otel: "resource:service.name" },
  version: { ecs: "service.version", otel: "resource:service.version" },
  environment: { ecs: "service.environment", otel: "resource:deployment.environment.name" },
  user_id: { ecs: "user.id", otel: "user.id" },
  user_email: { ecs: "user.email", otel: "user.email" },
};

const CORE = ["timestamp", "level", "logger", "message", "request_id"] as const;
const ECS_VERSION = "8.11.0";

/** OpenTelemetry severity numbers (1..24) for each level, as the log data model maps them. */
export const SEVERITY_NUMBER: Readonly<Record<LogLevel, number>> = {
  DEBUG: 5,
  INFO: 9,
  WARN: 13,
  ERROR: 17,
  CRITICAL: 21,
};

/** A field's output name under a preset, and whether it goes to the top of an OTel line. */
function outName(preset: Preset, field: string): { name: string; top: boolean } {
  const row = FIELDS[field];
  if (preset === "default" || row === undefined) return { name: field, top: false };
  if (preset === "ecs") return { name: row.ecs, top: false };
  const place = row.otel;
  const colon = place.indexOf(":");
  if (colon < 0) return { name: place, top: false };
  // The line's own timestamp, severity, body and scope are written by the core alone: a
  // context or call field of the same name is an attribute under its own name, never a
  // second top-level key.
  if ((CORE as readonly string[]).includes(field)) return { name: field, top: false };
  return { name: place.slice(colon + 1), top: place.startsWith("top:") };
}

/** Where the core writes its own field under a preset: the table's name, without its place. */
function coreName(preset: Preset, field: (typeof CORE)[number]): string {
  if (preset !== "otel") return outName(preset, field).name;
  const place = FIELDS[field].otel;
  return place.slice(place.indexOf(":") + 1);
}

/** Key names fields may not take, because the line's own keys have them. */
function reservedNames(preset: Preset): Set<string> {
  if (preset === "otel") return new Set(["request_id"]);
  return new Set(CORE.map((k) => outName(preset, k).name));
}

/**
 * Key names in use so far in a line: a shared base plus the call's own, in a list while
 * they are few (no hashing, no Set per line), in a Set once they are many.
 */
class Taken {
  #few: string[] | undefined;
  #many: Set<string> | undefined;
  constructor(readonly base: ReadonlySet<string>) {}
  #has(name: string): boolean {
    if (this.base.has(name)) return true;
    if (this.#many !== undefined) return this.#many.has(name);
    return this.#few !== undefined && this.#few.includes(name);
  }
  claim(name: string): string {
    while (this.#has(name)) name = `extra_${name}`;
    if (this.#many !== undefined) this.#many.add(name);
    else if (this.#few === undefined) this.#few = [name];
    else if (this.#few.push(name) > 16) this.#many = new Set(this.#few);
    return name;
  }
  all(): Set<string> {
    const all = new Set(this.base);
    for (const n of this.#many ?? this.#few ?? []) all.add(n);
    return all;
  }
}

/** How one field becomes text, in JSON or logfmt. */
interface Encoding {
  /** The value as text, or `undefined` to leave the field out. */
  value(value: unknown, safe: SafeOptions, path: string | undefined): string | undefined;
  /** The key as this encoding can write it. */
  key(name: string): string;
  /** `,"key":value` or ` key=value`. */
  pair(name: string, text: string): string;
}

const JSON_ENCODING: Encoding = {
  value(value, safe, path) {
    if (typeof value === "string") return jsonString(value);
    const text = stringifySafe(value, safe, path);
    return text === undefined || typeof value === "number" || typeof value === "boolean"
      ? text
      : escapeUnsafe(text);
  },
  key: (name) => name,
  pair: (name, text) => `,${keyText(name)}:${text}`,
};

/** The JSON text of a string, escaped for a line (see `JSON_UNSAFE`). */
function jsonString(s: string): string {
  // Most strings of a line (methods, paths, ids, names) are short printable ASCII without `"`
  // or `\`: one scan proves it, and they need only the quotes.
  if (s.length <= 64 && PLAIN.test(s)) return `"${s}"`;
  return escapeUnsafe(JSON.stringify(s));
}

/** Printable ASCII but `"` and `\`: a string of these is its own JSON text between quotes. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** Keys and logger names recur from line to line: their JSON text is kept, for short ones and up to a bound. */
const keyTexts = new Map<string, string>();
const MAX_KEY_TEXTS = 1024;

function keyText(name: string): string {
  let text = keyTexts.get(name);
  if (text === undefined) {
    text = jsonString(name);
    if (name.length <= 64 && keyTexts.size < MAX_KEY_TEXTS) keyTexts.set(name, text);
  }
  return text;
}

// Control characters are matched on purpose: they must never reach a line raw. Beyond
// C0, the C1 controls (a terminal takes U+009B as an escape), NEL, U+2028 and U+2029
// (line breaks to Python's splitlines() and to some log viewers) and lone surrogates
// (not encodable as UTF-8) are escaped too.
// deno-lint-ignore no-control-regex
const LOGFMT_BARE = /^[^\s"=\\\x00-\x1f\x7f-\x9f\ud800-\udfff]+$/;
const LOGFMT_ESCAPE =
  // deno-lint-ignore no-control-regex
  /["\\\x00-\x1f\x7f-\x9f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** Characters `JSON.stringify` leaves raw that must not reach a line raw (see above). */
const JSON_UNSAFE = /[\x7f-\x9f\u2028\u2029]/;
const JSON_UNSAFE_ALL = /[\x7f-\x9f\u2028\u2029]/g;
const LOGFMT_KEY_INVALID = /[^A-Za-z0-9_.@/-]/g;

function logfmtEscape(ch: string): string {
  switch (ch) {
    case '"':
      return '\\"';
    case "\\":
      return "\\\\";
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
  }
  return unicodeEscape(ch);
}

/**
 * JSON text with the characters `JSON.stringify` leaves raw escaped. Every string piece of a
 * JSON line (keys, values, message, logger, id) goes through it, so the line as a whole never
 * needs a second scan.
 */
function escapeUnsafe(text: string): string {
  return JSON_UNSAFE.test(text) ? text.replace(JSON_UNSAFE_ALL, unicodeEscape) : text;
}

function unicodeEscape(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/** A logfmt value: bare when it can be, else quoted with escapes; never a raw newline. */
export function logfmtString(s: string): string {
  return s !== "" && LOGFMT_BARE.test(s) ? s : `"${s.replace(LOGFMT_ESCAPE, logfmtEscape)}"`;
}

const LOGFMT_ENCODING: Encoding = {
  value(value, safe, path) {
    if (typeof value === "string") return logfmtString(value);
    const text = stringifySafe(value, safe, path);
    if (text === undefined) return undefined;
    return typeof value === "number" || typeof value === "boolean" ? text : logfmtString(text);
  },
  key: (name) => name.replace(LOGFMT_KEY_INVALID, "_") || "_",
  pair: (name, text) => ` ${name}=${text}`,
};

/** A value cut to `cap` characters of its text, as a JSON string ending in a marker. */
function capped(enc: Encoding, cap: number): Encoding {
  return {
    value(value, safe, path) {
      const text = enc.value(value, safe, path);
      if (text === undefined || text.length <= cap) return text;
      return enc.value(`${text.slice(0, cap)}…[truncated]`, safe, undefined);
    },
    key: enc.key,
    pair: enc.pair,
  };
}

/** Fields rendered for one line: the pairs, and (OTel) the pairs that go to the top. */
interface Rendered {
  pairs: string;
  top: string;
  /** When set (an oversize line), the characters fields may still take; a field that does not fit is left out. */
  left?: number;
}

/** Adds one rendered pair to `list`, unless the line's budget is spent. */
function add(out: Rendered, top: boolean, pair: string): void {
  if (out.left !== undefined) {
    if (pair.length > out.left) return;
    out.left -= pair.length;
  }
  if (top) out.top += pair;
  else out.pairs += pair;
}

function renderFields(
  fields: Record<string, unknown> | undefined,
  preset: Preset,
  safe: SafeOptions,
  enc: Encoding,
  taken: Taken,
  out: Rendered,
  allowTop: boolean,
): void {
  if (fields === undefined || fields === null || typeof fields !== "object") return;
  let keys: string[];
  try {
    keys = Object.keys(fields);
  } catch (e) {
    const text = enc.value(`[Unserializable: ${describeThrown(e)}]`, safe, undefined)!;
    add(out, false, enc.pair(taken.claim("unserializable_fields"), text));
    return;
  }
  const paths = safe.redactPaths !== undefined;
  const n = Math.min(keys.length, safe.maxKeys);
  for (let i = 0; i < n; i++) {
    const key = keys[i];
    let text: string | undefined;
    if (isRedacted(key, paths ? key : undefined, safe)) {
      text = enc.value(REDACTED, safe, undefined);
    } else {
      let value: unknown;
      try {
        value = fields[key];
      } catch (e) {
        value = `[Getter threw: ${describeThrown(e)}]`;
      }
      text = enc.value(value, safe, paths ? key : undefined);
    }
    if (text === undefined) continue;
    let name = key;
    if (preset !== "default") {
      const mapped = outName(preset, key);
      name = mapped.name;
      if (mapped.top && allowTop) {
        add(out, true, JSON_ENCODING.pair(name, text));
        continue;
      }
    }
    add(out, false, enc.pair(taken.claim(enc.key(name)), text));
  }
  if (keys.length > n) {
    const more = enc.value(`${keys.length - n} more keys`, safe, undefined)!;
    add(out, false, enc.pair(taken.claim(enc.key("[truncated]")), more));
  }
}

/** A scope's context fields, rendered once per scope, change and configuration. */
interface ContextCache {
  pairs: string;
  top: string;
  taken: ReadonlySet<string>;
}

function contextFor(entry: Entry, cfg: FormatConfig, base: ReadonlySet<string>): ContextCache {
  if (entry.span !== undefined) return spanContextFor(entry, entry.span, cfg, base);
  const scope = entry.scope;
  if (scope === undefined) return prepare(cfg).empty;
  const key = scope.root.version;
  const cached = scope.rendered as ContextCache | undefined;
  if (cached !== undefined && scope.renderKey === cfg && scope.renderVersion === key) return cached;
  const fresh = renderContext(mergedFields(scope), cfg, base);
  scope.rendered = fresh;
  scope.renderKey = cfg;
  scope.renderVersion = key;
  return fresh;
}

function renderContext(
  fields: Record<string, unknown> | undefined,
  cfg: FormatConfig,
  base: ReadonlySet<string>,
): ContextCache {
  const enc = cfg.format === "json" ? JSON_ENCODING : LOGFMT_ENCODING;
  const taken = new Taken(base);
  const out: Rendered = { pairs: "", top: "" };
  renderFields(
    fields,
    cfg.format === "json" ? cfg.preset : "default",
    cfg.safe,
    enc,
    taken,
    out,
    true,
  );
  return { pairs: out.pairs, top: out.top, taken: taken.all() };
}

/** The context fields of a line: the scope's, with an active OpenTelemetry span's ids in place. */
function contextFields(entry: Entry): Record<string, unknown> | undefined {
  const fields = entry.scope === undefined ? undefined : mergedFields(entry.scope);
  const span = entry.span;
  if (span === undefined || (fields !== undefined && fields.span_id === span.spanId)) return fields;
  // The context's parent_span_id is the parent of its own span, not of this one: left out.
  const { parent_span_id: _, ...rest } = fields ?? {};
  rest.trace_id = span.traceId;
  rest.span_id = span.spanId;
  rest.trace_flags = span.traceFlags;
  return rest;
}

/**
 * The context rendered with an active span, cached per scope until the span (the
 * same `SpanIds` object: the `./otel` source hands out one per span) or fields change.
 */
const spanRendered = new WeakMap<
  Scope,
  { cfg: FormatConfig; version: number; span: SpanIds; ctx: ContextCache }
>();

function spanContextFor(
  entry: Entry,
  span: SpanIds,
  cfg: FormatConfig,
  base: ReadonlySet<string>,
): ContextCache {
  const scope = entry.scope;
  if (scope !== undefined) {
    const cached = spanRendered.get(scope);
    if (
      cached !== undefined && cached.span === span && cached.cfg === cfg &&
      cached.version === scope.root.version
    ) return cached.ctx;
  }
  const ctx = renderContext(contextFields(entry), cfg, base);
  if (scope !== undefined) spanRendered.set(scope, { cfg, version: scope.root.version, span, ctx });
  return ctx;
}

/** Per-configuration constants: reserved names and the rendered service fields. */
interface Prepared {
  reserved: ReadonlySet<string>;
  service: string;
  /** The context of a line outside any scope. */
  empty: ContextCache;
}
const prepared = new WeakMap<FormatConfig, Prepared>();

let lastConfig: FormatConfig | undefined;
let lastPrepared: Prepared | undefined;

function prepare(cfg: FormatConfig): Prepared {
  // The configuration in force is nearly always the last one seen: no WeakMap lookup per line.
  if (cfg === lastConfig) return lastPrepared!;
  let p = prepared.get(cfg);
  if (p !== undefined) {
    lastConfig = cfg;
    lastPrepared = p;
    return p;
  }
  const preset = cfg.format === "json" ? cfg.preset : "default";
  const enc = cfg.format === "json" ? JSON_ENCODING : LOGFMT_ENCODING;
  const reserved = reservedNames(preset);
  const taken = new Taken(reserved);
  const out: Rendered = { pairs: "", top: "" };
  if (preset === "ecs") out.pairs += enc.pair(taken.claim("ecs.version"), `"${ECS_VERSION}"`);
  renderFields(cfg.service, preset, cfg.safe, enc, taken, out, false);
  let service = out.pairs;
  if (preset === "otel") service = service === "" ? "" : `,"resource":{${service.slice(1)}}`;
  const base = preset === "otel" ? reserved : taken.all();
  p = { reserved: base, service, empty: { pairs: "", top: "", taken: base } };
  prepared.set(cfg, p);
  lastConfig = cfg;
  lastPrepared = p;
  return p;
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
 * Formats one entry as one line. Never throws for any field value. A line longer
 * than `maxLineLength` is built again with every value cut and, if that is still
 * too long, without the fields that do not fit; either way it says `truncated`.
 */
export function formatEntry(entry: Entry, cfg: FormatConfig): string {
  if (cfg.format === "pretty") return formatPrettyEntry(entry, cfg, contextFields(entry));
  const line = build(entry, cfg, undefined);
  if (line.length <= cfg.maxLineLength) return line;
  return build(entry, cfg, Math.max(64, Math.floor(cfg.maxLineLength / 8)));
}

function build(entry: Entry, cfg: FormatConfig, cap: number | undefined): string {
  const p = prepare(cfg);
  const json = cfg.format === "json";
  const preset = json ? cfg.preset : "default";
  let enc = json ? JSON_ENCODING : LOGFMT_ENCODING;
  let message = entry.message;
  let logger = entry.logger;
  let ctx: ContextCache;
  let taken: Taken;
  let own: Rendered;
  let marker = "";
  if (cap === undefined) {
    ctx = contextFor(entry, cfg, p.reserved);
    taken = new Taken(ctx.taken);
    own = { pairs: "", top: "" };
  } else {
    // The slow path for an oversize line: every value cut to `cap`, nothing cached, and
    // fields taken in order while they fit in what the core keys leave of the line.
    enc = capped(enc, cap);
    if (message.length > cap) message = `${message.slice(0, cap)}…[truncated]`;
    if (logger.length > cap) logger = `${logger.slice(0, cap)}…[truncated]`;
    taken = new Taken(p.reserved);
    marker = enc.pair(taken.claim("truncated"), "true");
    const bare = assemble(entry, cfg, p, message, logger, "", marker).length;
    own = { pairs: "", top: "", left: cfg.maxLineLength - bare };
    renderFields(contextFields(entry), preset, cfg.safe, enc, taken, own, true);
    ctx = { pairs: own.pairs, top: own.top, taken: p.reserved };
    own.pairs = "";
  }
  renderFields(entry.bound, preset, cfg.safe, enc, taken, own, false);
  renderFields(entry.extra, preset, cfg.safe, enc, taken, own, false);
  const fields = ctx.pairs + own.pairs + marker;
  // Every piece is escaped already (`escapeUnsafe`), so the budget of a cut line held.
  return assemble(entry, cfg, p, message, logger, ctx.top, fields);
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

/** The line itself: the core keys, the service, the rendered fields. */
function assemble(
  entry: Entry,
  cfg: FormatConfig,
  p: Prepared,
  message: string,
  logger: string,
  top: string,
  fields: string,
): string {
  const time = isoTime(entry.time);
  if (cfg.format !== "json") {
    return `${time} level=${entry.level} logger=${logfmtString(logger)} message=${
      logfmtString(message)
    } request_id=${logfmtString(entry.requestId)}${p.service}${fields}`;
  }
  const rid = requestIdText(entry.requestId);
  if (cfg.preset === "otel") {
    const k = OTEL_KEYS;
    return `{${k[0]}"${time}",${k[1]}"${entry.level}","severity_number":${
      SEVERITY_NUMBER[entry.level]
    },${k[3]}${jsonString(message)}${top},"instrumentation_scope":{${k[2]}${
      keyText(logger)
    }}${p.service},"attributes":{${k[4]}${rid}${fields}}}`;
  }
  const k = cfg.preset === "ecs" ? ECS_KEYS : DEFAULT_KEYS;
  return `{${k[0]}"${time}",${k[1]}"${entry.level}",${k[2]}${keyText(logger)},${k[3]}${
    jsonString(message)
  },${k[4]}${rid}${p.service}${fields}}`;
}

const DEFAULT_KEYS = CORE.map((key) => `"${coreName("default", key)}":`);
const ECS_KEYS = CORE.map((key) => `"${coreName("ecs", key)}":`);
const OTEL_KEYS = CORE.map((key) => `"${coreName("otel", key)}":`);
