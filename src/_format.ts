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
  type Budget,
  CUT_MARK,
  describeThrown,
  escapeUnsafe,
  fittingPrefix,
  isRedacted,
  jsonCut,
  jsonString,
  REDACTED,
  type SafeOptions,
  writeJson,
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
// A Map, not an object literal: a field named like an `Object.prototype` member (`toString`,
// `constructor`, `__proto__`) must find no row.
const FIELDS: ReadonlyMap<string, { ecs: string; otel: string }> = new Map([
  ["timestamp", { ecs: "@timestamp", otel: "top:timestamp" }],
  ["level", { ecs: "log.level", otel: "top:severity_text" }],
  ["logger", { ecs: "log.logger", otel: "scope:name" }],
  ["message", { ecs: "message", otel: "top:body" }],
  ["request_id", { ecs: "http.request.id", otel: "request_id" }],
  ["trace_id", { ecs: "trace.id", otel: "top:trace_id" }],
  ["span_id", { ecs: "span.id", otel: "top:span_id" }],
  ["trace_flags", { ecs: "trace_flags", otel: "top:flags" }],
  ["service", { ecs: "service.name", otel: "resource:service.name" }],
  ["version", { ecs: "service.version", otel: "resource:service.version" }],
  ["environment", { ecs: "service.environment", otel: "resource:deployment.environment.name" }],
  ["user_id", { ecs: "user.id", otel: "user.id" }],
  ["user_email", { ecs: "user.email", otel: "user.email" }],
]);

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
  const row = FIELDS.get(field);
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
  const place = FIELDS.get(field)!.otel;
  return place.slice(place.indexOf(":") + 1);
}

/** The key that marks a cut line: the module's alone, a field of that name is renamed. */
const TRUNCATED = "truncated";

/**
 * Key names in use, and the names they make objects of: `log.level` makes `log` one, to
 * Elasticsearch and every reader that expands dotted names. A name may not be both.
 */
interface Names {
  readonly names: ReadonlySet<string>;
  /** Every dotted prefix of a name (`http`, `http.request` of `http.request.id`). */
  readonly parents: ReadonlySet<string>;
}

function names(list: Iterable<string>): Names {
  const set = new Set(list);
  const parents = new Set<string>();
  for (const name of set) addParents(name, parents);
  return { names: set, parents };
}

function addParents(name: string, parents: Set<string>): void {
  for (let i = name.indexOf("."); i > 0; i = name.indexOf(".", i + 1)) {
    parents.add(name.slice(0, i));
  }
}

/** Key names fields may not take, because the line's own keys have them. */
function reservedNames(preset: Preset): Names {
  if (preset === "otel") return names(["request_id", TRUNCATED]);
  return names([...CORE.map((k) => outName(preset, k).name), TRUNCATED]);
}

/**
 * Key names in use so far in a line: a shared base plus the call's own, in a list while
 * they are few (no hashing, no Set per line), in a Set once they are many. A name is taken
 * when it is in use, when it is the parent of one in use (`log` beside `log.level`), or when
 * one in use is its parent (`service.name` beside `service`); it is then renamed `extra_…`.
 */
class Taken {
  #few: string[] | undefined;
  #many: Set<string> | undefined;
  /** The dotted prefixes of the call's own names; most lines have none. */
  #parents: Set<string> | undefined;
  constructor(readonly base: Names) {}
  #has(name: string): boolean {
    if (this.base.names.has(name)) return true;
    if (this.#many !== undefined) return this.#many.has(name);
    return this.#few !== undefined && this.#few.includes(name);
  }
  /** `dot`: the index of the first `.` in `name`, or -1. */
  #taken(name: string, dot: number): boolean {
    if (this.#has(name)) return true;
    // Most lines have no dotted name at all (the default preset): no lookup then.
    if (
      (this.base.parents.size > 0 || this.#parents !== undefined) &&
      (this.base.parents.has(name) || this.#parents?.has(name))
    ) return true;
    for (let i = dot; i > 0; i = name.indexOf(".", i + 1)) {
      if (this.#has(name.slice(0, i))) return true;
    }
    return false;
  }
  claim(name: string): string {
    let dot = name.indexOf(".");
    while (this.#taken(name, dot)) {
      name = `extra_${name}`;
      if (dot >= 0) dot += 6;
    }
    if (this.#many !== undefined) this.#many.add(name);
    else if (this.#few === undefined) this.#few = [name];
    else if (this.#few.push(name) > 16) this.#many = new Set(this.#few);
    if (dot >= 0) addParents(name, this.#parents ??= new Set());
    return name;
  }
  all(): Names {
    const all = new Set(this.base.names);
    for (const n of this.#many ?? this.#few ?? []) all.add(n);
    const parents = new Set(this.base.parents);
    for (const n of this.#parents ?? []) parents.add(n);
    return { names: all, parents };
  }
}

/** How one field becomes text, in JSON or logfmt. */
interface Encoding {
  /** The text of a string, whole. */
  string(s: string): string;
  /** The text of the string `s` cut to at most `max` characters, ending in the cut mark. */
  cut(s: string, max: number): string;
  /** The text of a value's JSON text (already escaped for a JSON line). */
  fromJson(json: string): string;
  /** The key as this encoding can write it. */
  key(name: string): string;
  /** `,"key":value` or ` key=value`. */
  pair(name: string, text: string): string;
}

const JSON_ENCODING: Encoding = {
  string: jsonString,
  cut: jsonCut,
  fromJson: (json) => json,
  key: (name) => name,
  pair: (name, text) => `,${keyText(name)}:${text}`,
};

/**
 * A value's text, or `undefined` to leave the field out. Its work is bounded by `limit`: a
 * longer value is cut when `cut` is set (to at most `limit` characters, ending in the cut mark),
 * else its text is returned longer than `limit` (and unfinished) to say it does not fit.
 */
function valueText(
  enc: Encoding,
  value: unknown,
  safe: SafeOptions,
  path: string | undefined,
  limit: number,
  budget: Budget,
  cut: boolean,
): string | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : `"${value}"`;
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "string") {
    // A string longer than the limit cannot fit: it is cut before it is escaped.
    if (value.length > limit) {
      // Unfinished, it only says so by its length: never written.
      return cut ? enc.cut(value, limit) : value.slice(0, limit + 1);
    }
    const text = enc.string(value);
    return text.length <= limit || !cut ? text : enc.cut(value, limit);
  }
  const json = writeJson(value, safe, path, limit, budget);
  if (json === undefined) return undefined;
  if (json.length > limit) {
    // A value cut for length is written as the string of its JSON text, cut.
    return cut ? enc.cut(json.slice(0, limit), limit) : json;
  }
  const text = enc.fromJson(json);
  return text.length <= limit || !cut ? text : enc.cut(json, limit);
}

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
  /["\\\x00-\x1f\x7f-\x9f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LOGFMT_KEY_INVALID = /[^A-Za-z0-9_.@/-]/g;

/** The escape of a character code in a quoted logfmt value, or `undefined` when it stays. */
function logfmtEscape(c: number, next: number, prev: number): string | undefined {
  if (c === 0x22) return '\\"';
  if (c === 0x5c) return "\\\\";
  if (c === 0x0a) return "\\n";
  if (c === 0x0d) return "\\r";
  if (c === 0x09) return "\\t";
  const lone = (c >= 0xd800 && c <= 0xdbff && !(next >= 0xdc00 && next <= 0xdfff)) ||
    (c >= 0xdc00 && c <= 0xdfff && !(prev >= 0xd800 && prev <= 0xdbff));
  if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 || lone) {
    return `\\u${c.toString(16).padStart(4, "0")}`;
  }
  return undefined;
}

/**
 * A logfmt value: bare when it can be, else quoted with escapes; never a raw newline. The
 * escapes are made in one loop whose pieces are joined once, not by a callback per character.
 */
export function logfmtString(s: string): string {
  if (s !== "" && LOGFMT_BARE.test(s)) return s;
  if (!LOGFMT_ESCAPE.test(s)) return `"${s}"`;
  const parts = ['"'];
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) continue;
    const escaped = logfmtEscape(c, s.charCodeAt(i + 1), i > 0 ? s.charCodeAt(i - 1) : 0);
    if (escaped === undefined) continue;
    if (i > from) parts.push(s.slice(from, i));
    parts.push(escaped);
    from = i + 1;
  }
  parts.push(s.slice(from), '"');
  return parts.join("");
}

const LOGFMT_ENCODING: Encoding = {
  string: logfmtString,
  cut: (s, max) =>
    logfmtString(
      `${s.slice(0, fittingPrefix(s, Math.max(0, max - 2 - CUT_MARK.length)))}${CUT_MARK}`,
    ),
  fromJson: logfmtString,
  key: (name) => name.replace(LOGFMT_KEY_INVALID, "_") || "_",
  pair: (name, text) => ` ${name}=${text}`,
};

/** Fields rendered for one line: the pairs, and (OTel) the pairs that go to the top. */
interface Rendered extends Budget {
  pairs: string;
  top: string;
  /** The characters fields may still take. */
  left: number;
  /**
   * Set for an oversize line: every value is cut to this, and a field that does not fit is left
   * out. Unset: a field that does not fit sets `over`, and the line is built again with values cut.
   */
  cap: number | undefined;
  over: boolean;
}

/** The smallest pair: `,"k":1`; with fewer characters left no field fits. */
const MIN_PAIR = 6;

function rendered(left: number, cap: number | undefined): Rendered {
  return { pairs: "", top: "", left, cap, over: false, nodes: left };
}

/** Adds one rendered pair, unless the line's budget is spent. */
function add(out: Rendered, top: boolean, pair: string): void {
  if (pair.length > out.left) {
    if (out.cap === undefined) out.over = true;
    return;
  }
  out.left -= pair.length;
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
    const text = enc.string(`[Unserializable: ${describeThrown(e)}]`);
    add(out, false, enc.pair(taken.claim("unserializable_fields"), text));
    return;
  }
  const paths = safe.redactPaths !== undefined;
  const cap = out.cap;
  const n = Math.min(keys.length, safe.maxKeys);
  for (let i = 0; i < n; i++) {
    if (out.over || out.left < MIN_PAIR) return;
    let key = keys[i];
    // A key longer than the line cannot fit: cut (for an oversize line), or the line is one.
    if (key.length > out.left) {
      if (cap === undefined) return void (out.over = true);
      key = `${key.slice(0, fittingPrefix(key, Math.min(cap, out.left) >> 1))}${CUT_MARK}`;
    }
    let name = key;
    let top = false;
    if (preset !== "default") {
      const mapped = outName(preset, key);
      name = mapped.name;
      top = mapped.top && allowTop;
    }
    const limit = cap === undefined
      ? Math.max(out.left, FIRST_PASS_MIN)
      : Math.min(cap, out.left - name.length - 4);
    let text: string | undefined;
    if (isRedacted(key, paths ? key : undefined, safe)) {
      text = enc.string(REDACTED);
    } else {
      let value: unknown;
      try {
        value = fields[key];
      } catch (e) {
        value = `[Getter threw: ${describeThrown(e)}]`;
      }
      text = valueText(enc, value, safe, paths ? key : undefined, limit, out, cap !== undefined);
    }
    if (text === undefined) continue;
    if (text.length > limit && cap === undefined) return void (out.over = true);
    if (top) add(out, true, JSON_ENCODING.pair(name, text));
    else add(out, false, enc.pair(taken.claim(enc.key(name)), text));
  }
  if (keys.length > n) {
    const more = enc.string(`${keys.length - n} more keys`);
    add(out, false, enc.pair(taken.claim(enc.key("[truncated]")), more));
  }
}

/** A value in a line that fits may take what is left; at least this, to know it does not fit. */
const FIRST_PASS_MIN = 64;

/** A scope's context fields, rendered once per scope, change and configuration. */
interface ContextCache {
  pairs: string;
  top: string;
  taken: Names;
  /** The fields alone do not fit in a line: every line of the scope is built with values cut. */
  over: boolean;
}

function contextFor(entry: Entry, cfg: FormatConfig, base: Names): ContextCache {
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
  base: Names,
): ContextCache {
  const enc = cfg.format === "json" ? JSON_ENCODING : LOGFMT_ENCODING;
  const taken = new Taken(base);
  const out = rendered(cfg.maxLineLength, undefined);
  renderFields(
    fields,
    cfg.format === "json" ? cfg.preset : "default",
    cfg.safe,
    enc,
    taken,
    out,
    true,
  );
  if (out.over) return { pairs: "", top: "", taken: base, over: true };
  return { pairs: out.pairs, top: out.top, taken: taken.all(), over: false };
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
  base: Names,
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
  reserved: Names;
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
  const out = rendered(cfg.maxLineLength, undefined);
  if (preset === "ecs") out.pairs += enc.pair(taken.claim("ecs.version"), `"${ECS_VERSION}"`);
  renderFields(cfg.service, preset, cfg.safe, enc, taken, out, false);
  let service = out.pairs;
  if (preset === "otel") service = service === "" ? "" : `,"resource":{${service.slice(1)}}`;
  const base = preset === "otel" ? reserved : taken.all();
  p = { reserved: base, service, empty: { pairs: "", top: "", taken: base, over: false } };
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
 * Formats one entry as one line, of at most `maxLineLength` characters. Never throws for any
 * field value. The line is built once while it fits; a line that does not is built again with
 * every value cut to an eighth of the cap and without the fields that still do not fit, and
 * says `truncated`. Either way a value is walked no further than it can fit, so the work of a
 * call is bounded by the limits, not by the size of its values.
 */
export function formatEntry(entry: Entry, cfg: FormatConfig): string {
  if (cfg.format === "pretty") return formatPrettyEntry(entry, cfg, contextFields(entry));
  const max = cfg.maxLineLength;
  if (entry.message.length + entry.logger.length <= max) {
    const line = build(entry, cfg);
    if (line !== undefined && line.length <= max) return line;
  }
  return buildCut(entry, cfg, Math.max(64, Math.floor(max / 8)));
}

/** The line with every field whole, or `undefined` when it does not fit. */
function build(entry: Entry, cfg: FormatConfig): string | undefined {
  const p = prepare(cfg);
  const json = cfg.format === "json";
  const preset = json ? cfg.preset : "default";
  const enc = json ? JSON_ENCODING : LOGFMT_ENCODING;
  const ctx = contextFor(entry, cfg, p.reserved);
  if (ctx.over) return undefined;
  const taken = new Taken(ctx.taken);
  const message = enc.string(entry.message);
  const logger = json ? keyText(entry.logger) : logfmtString(entry.logger);
  const used = ctx.pairs.length + ctx.top.length + p.service.length + message.length +
    logger.length;
  const own = rendered(cfg.maxLineLength - used, undefined);
  renderFields(entry.bound, preset, cfg.safe, enc, taken, own, false);
  renderFields(entry.extra, preset, cfg.safe, enc, taken, own, false);
  if (own.over) return undefined;
  return assemble(entry, cfg, p, message, logger, ctx.top, ctx.pairs + own.pairs);
}

/**
 * An oversize line: every value cut to `cap`, nothing cached, and fields taken in order while
 * they fit in what the core keys leave of the line. The message and the logger name are cut
 * too, to their share and then to what the line has room for, so the cap is exact.
 */
function buildCut(entry: Entry, cfg: FormatConfig, cap: number): string {
  const p = prepare(cfg);
  const json = cfg.format === "json";
  const preset = json ? cfg.preset : "default";
  const enc = json ? JSON_ENCODING : LOGFMT_ENCODING;
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
  renderFields(contextFields(entry), preset, cfg.safe, enc, taken, own, true);
  const ctxPairs = own.pairs;
  own.pairs = "";
  renderFields(entry.bound, preset, cfg.safe, enc, taken, own, false);
  renderFields(entry.extra, preset, cfg.safe, enc, taken, own, false);
  return assemble(entry, cfg, p, message, logger, own.top, ctxPairs + own.pairs + marker);
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
    return `${time} level=${entry.level} logger=${logger} message=${message} request_id=${
      logfmtString(entry.requestId)
    }${p.service}${fields}`;
  }
  const rid = requestIdText(entry.requestId);
  if (cfg.preset === "otel") {
    const k = OTEL_KEYS;
    return `{${k[0]}"${time}",${k[1]}"${entry.level}","severity_number":${
      SEVERITY_NUMBER[entry.level]
    },${k[3]}${message}${top},"instrumentation_scope":{${
      k[2]
    }${logger}}${p.service},"attributes":{${k[4]}${rid}${fields}}}`;
  }
  const k = cfg.preset === "ecs" ? ECS_KEYS : DEFAULT_KEYS;
  return `{${k[0]}"${time}",${k[1]}"${entry.level}",${k[2]}${logger},${k[3]}${message},${
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
    const k = cfg.preset === "otel" ? OTEL_NAMES : cfg.preset === "ecs" ? ECS_NAMES : DEFAULT_NAMES;
    const line: Record<string, unknown> = { [k[0]]: time, [k[1]]: level };
    if (cfg.preset === "otel") {
      line[k[3]] = message;
      line.instrumentation_scope = { [k[2]]: logger };
      line.attributes = { [k[4]]: rid, logging_error: error };
    } else {
      line[k[2]] = logger;
      line[k[3]] = message;
      line[k[4]] = rid;
      line.logging_error = error;
    }
    return escapeUnsafe(JSON.stringify(line));
  } catch {
    return `{"timestamp":"${time}","level":"ERROR","message":"a log line could not be built"}`;
  }
}

const DEFAULT_NAMES = CORE.map((key) => coreName("default", key));
const ECS_NAMES = CORE.map((key) => coreName("ecs", key));
const OTEL_NAMES = CORE.map((key) => coreName("otel", key));
const DEFAULT_KEYS = DEFAULT_NAMES.map((name) => `"${name}":`);
const ECS_KEYS = ECS_NAMES.map((name) => `"${name}":`);
const OTEL_KEYS = OTEL_NAMES.map((name) => `"${name}":`);
