// Internal: fields to text. The service, context and call fields of a line become `key:value`
// pairs under the preset's names (from `_presets.ts`), no key twice, each value bounded by what
// is left of the line. What recurs is rendered once and cached: the service fields per
// configuration (`prepare`), a scope's context fields per scope and change (`contextFor`, the
// cache kept on the scope), with an active span per span.

import { mergedFields, type Scope } from "./_storage.ts";
import type { SpanIds } from "./_trace.ts";
import {
  type Budget,
  CUT_MARK,
  describeThrown,
  fieldKeys,
  fittingPrefix,
  isRedacted,
  jsonString,
  REDACTED,
  writeJson,
} from "./_serialize.ts";
import { type Encoding, JSON_ENCODING, keyText, LOGFMT_ENCODING } from "./_escape.ts";
import { type PresetRow, PRESETS, Spread } from "./_presets.ts";
import type { FormatConfig } from "./_format.ts";
import type { LogLevel } from "./levels.ts";

/** The key that marks a cut line: the module's alone, a field of that name is renamed. */
export const TRUNCATED = "truncated";

/**
 * Key names in use, and the names they make objects of: `log.level` makes `log` one, to
 * Elasticsearch and every reader that expands dotted names. A name may not be both.
 */
export interface Names {
  readonly names: ReadonlySet<string>;
  /** Every dotted prefix of a name (`http`, `http.request` of `http.request.id`). */
  readonly parents: ReadonlySet<string>;
}

function names(list: Iterable<string>, objects: Iterable<string> = []): Names {
  const set = new Set(list);
  const parents = new Set<string>(objects);
  for (const name of set) addParents(name, parents);
  return { names: set, parents };
}

function addParents(name: string, parents: Set<string>): void {
  for (let i = name.indexOf("."); i > 0; i = name.indexOf(".", i + 1)) {
    parents.add(name.slice(0, i));
  }
}

/** A field rule as the renderer uses it. */
interface Placed {
  readonly name: string;
  /** To the top level of an `"otel"` layout line. */
  readonly top: boolean;
  /** The index of the object (in `Plan.objects`) it goes in, or -1. */
  readonly object: number;
  readonly value: ((value: unknown, cfg: FormatConfig) => unknown) | undefined;
}

/** A preset row made ready for the hot path: lookups and key texts computed once. */
export interface Plan {
  readonly row: PresetRow;
  readonly rules: ReadonlyMap<string, Placed>;
  /** The objects rules place fields in (`"flat"` layout), in the order they are written. */
  readonly objects: readonly string[];
  /** Key names fields may not take, because the line's own keys (or objects) have them. */
  readonly reserved: Names;
  /** `"name":` of the core keys: timestamp, level, logger, message, request_id. */
  readonly keys: readonly [string, string, string, string, string];
  /** The JSON text of each level; nothing else (no prototype). */
  readonly levels: Readonly<Record<LogLevel, string>>;
}

const plans = new Map<string, Plan>();

function plan(row: PresetRow): Plan {
  const otel = row.layout === "otel";
  const objects: string[] = [];
  const rules = new Map<string, Placed>();
  for (const [field, rule] of row.fields) {
    let object = -1;
    const where = rule.in;
    if (!otel && where !== undefined && where !== "top") {
      object = objects.indexOf(where);
      if (object < 0) object = objects.push(where) - 1;
    }
    rules.set(field, { name: rule.name, top: otel && where === "top", object, value: rule.value });
  }
  const c = row.core;
  const core = [c.timestamp, c.level, c.logger, c.message, c.request_id];
  // No prototype: a level that is not one (only an internal caller can pass it) finds nothing.
  const levels = Object.create(null) as Record<LogLevel, string>;
  for (const level of ["DEBUG", "INFO", "WARN", "ERROR", "CRITICAL"] as const) {
    levels[level] = jsonString(row.levels?.[level] ?? level);
  }
  return {
    row,
    rules,
    objects,
    reserved: otel ? names([c.request_id, TRUNCATED]) : names([...core, TRUNCATED], objects),
    keys: core.map((k) => `${keyText(k)}:`) as unknown as Plan["keys"],
    levels,
  };
}

/** The plan of the configuration's preset; logfmt and pretty lines use the default one. */
export function planOf(cfg: FormatConfig): Plan {
  const preset = cfg.format === "json" ? cfg.preset : "default";
  let p = plans.get(preset);
  if (p === undefined) {
    const row = Object.hasOwn(PRESETS, preset) ? PRESETS[preset] : PRESETS.default;
    plans.set(preset, p = plan(row));
  }
  return p;
}

/**
 * Key names in use so far in a line: a shared base plus the call's own, in a list while
 * they are few (no hashing, no Set per line), in a Set once they are many. A name is taken
 * when it is in use, when it is the parent of one in use (`log` beside `log.level`), or when
 * one in use is its parent (`service.name` beside `service`); it is then renamed `extra_…`.
 */
export class Taken {
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
  /**
   * The names in use, base and own. A context of the same key names as the last one (every
   * request's: trace_id, span_id, trace_flags) gets the same object, not two new Sets.
   */
  all(): Names {
    const few = this.#few;
    if (this.#many === undefined && this.#parents === undefined) {
      const last = lastAll;
      if (last !== undefined && last.base === this.base && sameNames(last.few, few)) {
        return last.names;
      }
      const names = this.#allNew();
      lastAll = { base: this.base, few: few === undefined ? undefined : [...few], names };
      return names;
    }
    return this.#allNew();
  }
  #allNew(): Names {
    const all = new Set(this.base.names);
    for (const n of this.#many ?? this.#few ?? []) all.add(n);
    const parents = new Set(this.base.parents);
    for (const n of this.#parents ?? []) parents.add(n);
    return { names: all, parents };
  }
}

/** The last {@linkcode Taken.all} made from a list of own names alone, and its result. */
let lastAll: { base: Names; few: string[] | undefined; names: Names } | undefined;

function sameNames(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A value's text, or `undefined` to leave the field out. Its work is bounded by `limit`: a
 * longer value is cut when `cut` is set (to at most `limit` characters, ending in the cut mark),
 * else its text is returned longer than `limit` (and unfinished) to say it does not fit.
 */
function valueText(
  enc: Encoding,
  value: unknown,
  cfg: FormatConfig,
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
  const json = writeJson(value, cfg.safe, path, limit, budget);
  if (json === undefined) return undefined;
  if (json.length > limit) {
    // A value cut for length is written as the string of its JSON text, cut.
    return cut ? enc.cut(json.slice(0, limit), limit) : json;
  }
  const text = enc.fromJson(json);
  return text.length <= limit || !cut ? text : enc.cut(json, limit);
}

/** Fields rendered for one line: the pairs, and those the preset places elsewhere. */
export interface Rendered extends Budget {
  pairs: string;
  /** Pairs for the top level of an `"otel"` layout line. */
  top: string;
  /** Pairs for each of the plan's objects, by index; unset while there are none. */
  objects: string[] | undefined;
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

/** A value in a line that fits may take what is left; at least this, to know it does not fit. */
const FIRST_PASS_MIN = 64;

export function rendered(left: number, cap: number | undefined): Rendered {
  return { pairs: "", top: "", objects: undefined, left, cap, over: false, nodes: left };
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

/** Adds one pair to an object of the plan; its first pair also pays for the object's braces. */
function addTo(out: Rendered, p: Plan, object: number, pair: string): void {
  const texts = out.objects ??= p.objects.map(() => "");
  const cost = texts[object] === ""
    ? pair.length + keyText(p.objects[object]).length + 3
    : pair.length;
  if (cost > out.left) {
    if (out.cap === undefined) out.over = true;
    return;
  }
  out.left -= cost;
  texts[object] += pair;
}

/** The plan's objects, from the context's pairs and the call's: `,"httpRequest":{…}` each. */
export function objectsText(p: Plan, a: string[] | undefined, b: string[] | undefined): string {
  if (a === undefined && b === undefined) return "";
  let text = "";
  for (let i = 0; i < p.objects.length; i++) {
    const pairs = (a?.[i] ?? "") + (b?.[i] ?? "");
    if (pairs !== "") text += `,${keyText(p.objects[i])}:{${pairs.slice(1)}}`;
  }
  return text;
}

/**
 * Which fields are rendered, and so where the preset may place them: the service fields take
 * their names only; the context's may also go to the top level of an otel line or to an object;
 * the call's own to an object.
 */
export type Source = "service" | "context" | "call";

/** A value through a rule's transform; a throw keeps the value as it came. */
function transformed(
  value: unknown,
  f: (value: unknown, cfg: FormatConfig) => unknown,
  cfg: FormatConfig,
): unknown {
  try {
    return f(value, cfg);
  } catch {
    return value;
  }
}

export function renderFields(
  fields: Record<string, unknown> | undefined,
  p: Plan,
  cfg: FormatConfig,
  enc: Encoding,
  taken: Taken,
  out: Rendered,
  source: Source,
): void {
  const keys = fieldKeys(fields);
  if (typeof keys === "string") {
    add(out, false, enc.pair(taken.claim("unserializable_fields"), enc.string(keys)));
    return;
  }
  const safe = cfg.safe;
  const paths = safe.redactPaths !== undefined;
  const cap = out.cap;
  const rules = p.rules.size > 0 ? p.rules : undefined;
  const n = Math.min(keys.length, safe.maxKeys);
  for (let i = 0; i < n; i++) {
    if (out.over || out.left < MIN_PAIR) return;
    let key = keys[i];
    // A key longer than the line cannot fit: cut (for an oversize line), or the line is one.
    if (key.length > out.left) {
      if (cap === undefined) return void (out.over = true);
      key = `${key.slice(0, fittingPrefix(key, Math.min(cap, out.left) >> 1))}${CUT_MARK}`;
    }
    const rule = rules?.get(key);
    const name = rule === undefined ? key : rule.name;
    const limit = cap === undefined
      ? Math.max(out.left, FIRST_PASS_MIN)
      : Math.min(cap, out.left - name.length - 4);
    let text: string | undefined;
    if (isRedacted(key, paths ? key : undefined, safe)) {
      text = enc.string(REDACTED);
    } else {
      let value: unknown;
      try {
        value = fields![key]; // keys only come from an object
      } catch (e) {
        value = `[Getter threw: ${describeThrown(e)}]`;
      }
      if (rule?.value !== undefined) {
        value = transformed(value, rule.value, cfg);
        if (isSpread(value)) {
          renderSpread(value, paths ? key : undefined, cfg, enc, taken, out);
          continue;
        }
      }
      text = valueText(enc, value, cfg, paths ? key : undefined, limit, out, cap !== undefined);
    }
    if (text === undefined) continue;
    if (text.length > limit && cap === undefined) return void (out.over = true);
    if (rule === undefined || source === "service") {
      add(out, false, enc.pair(taken.claim(enc.key(name)), text));
    } else if (rule.top) {
      if (source === "context") add(out, true, JSON_ENCODING.pair(name, text));
      else add(out, false, enc.pair(taken.claim(enc.key(name)), text));
    } else if (rule.object >= 0) {
      const full = `${p.objects[rule.object]}.${name}`;
      const claimed = taken.claim(full);
      if (claimed === full) addTo(out, p, rule.object, JSON_ENCODING.pair(name, text));
      else add(out, false, enc.pair(claimed, text));
    } else {
      add(out, false, enc.pair(taken.claim(enc.key(name)), text));
    }
  }
  if (keys.length > n) {
    const more = enc.string(`${keys.length - n} more keys`);
    add(out, false, enc.pair(taken.claim(enc.key("[truncated]")), more));
  }
}

/** Whether a transformed value is a {@linkcode Spread}; `instanceof` on a hostile Proxy throws. */
function isSpread(value: unknown): value is Spread {
  try {
    return value instanceof Spread;
  } catch {
    return false;
  }
}

/** The keys a rule's `value` wrote a field as, each claimed and bounded like a field of its own. */
function renderSpread(
  spread: Spread,
  path: string | undefined,
  cfg: FormatConfig,
  enc: Encoding,
  taken: Taken,
  out: Rendered,
): void {
  const cap = out.cap;
  for (const [name, value] of spread.entries) {
    if (out.over || out.left < MIN_PAIR) return;
    const limit = cap === undefined
      ? Math.max(out.left, FIRST_PASS_MIN)
      : Math.min(cap, out.left - name.length - 4);
    const text = valueText(enc, value, cfg, path, limit, out, cap !== undefined);
    if (text === undefined) continue;
    if (text.length > limit && cap === undefined) return void (out.over = true);
    add(out, false, enc.pair(taken.claim(enc.key(name)), text));
  }
}

/** A scope's context fields, rendered once per scope, change and configuration. */
export interface ContextCache {
  pairs: string;
  top: string;
  objects: string[] | undefined;
  taken: Names;
  /** The fields alone do not fit in a line: every line of the scope is built with values cut. */
  over: boolean;
}

/** The context of a line, rendered, from the scope's cache when it is still valid. */
export function contextFor(
  scope: Scope | undefined,
  span: SpanIds | undefined,
  cfg: FormatConfig,
  prepared: Prepared,
): ContextCache {
  if (span !== undefined) return spanContextFor(scope, span, cfg, prepared.reserved);
  if (scope === undefined) return prepared.empty;
  const key = scope.root.version;
  const cached = scope.rendered as ContextCache | undefined;
  if (cached !== undefined && scope.renderKey === cfg && scope.renderVersion === key) return cached;
  const fresh = renderContext(mergedFields(scope), cfg, prepared.reserved);
  scope.rendered = fresh;
  scope.renderKey = cfg;
  scope.renderVersion = key;
  return fresh;
}

/** The encoding of a configuration's lines (pretty lines are not built here). */
export function encodingOf(cfg: FormatConfig): Encoding {
  return cfg.format === "json" ? JSON_ENCODING : LOGFMT_ENCODING;
}

function renderContext(
  fields: Record<string, unknown> | undefined,
  cfg: FormatConfig,
  base: Names,
): ContextCache {
  const taken = new Taken(base);
  const out = rendered(cfg.maxLineLength, undefined);
  renderFields(fields, planOf(cfg), cfg, encodingOf(cfg), taken, out, "context");
  if (out.over) return { pairs: "", top: "", objects: undefined, taken: base, over: true };
  return { pairs: out.pairs, top: out.top, objects: out.objects, taken: taken.all(), over: false };
}

/** The context fields of a line: the scope's, with an active OpenTelemetry span's ids in place. */
export function contextFields(
  scope: Scope | undefined,
  span: SpanIds | undefined,
): Record<string, unknown> | undefined {
  const fields = scope === undefined ? undefined : mergedFields(scope);
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
  scope: Scope | undefined,
  span: SpanIds,
  cfg: FormatConfig,
  base: Names,
): ContextCache {
  if (scope !== undefined) {
    const cached = spanRendered.get(scope);
    if (
      cached !== undefined && cached.span === span && cached.cfg === cfg &&
      cached.version === scope.root.version
    ) return cached.ctx;
  }
  const ctx = renderContext(contextFields(scope, span), cfg, base);
  if (scope !== undefined) spanRendered.set(scope, { cfg, version: scope.root.version, span, ctx });
  return ctx;
}

/** Per-configuration constants: the plan, reserved names and the rendered service fields. */
export interface Prepared {
  plan: Plan;
  reserved: Names;
  service: string;
  /** The context of a line outside any scope. */
  empty: ContextCache;
}
const prepared = new WeakMap<FormatConfig, Prepared>();

let lastConfig: FormatConfig | undefined;
let lastPrepared: Prepared | undefined;

/** What a configuration's lines share, made once per configuration. */
export function prepare(cfg: FormatConfig): Prepared {
  // The configuration in force is nearly always the last one seen: no WeakMap lookup per line.
  if (cfg === lastConfig) return lastPrepared!;
  let p = prepared.get(cfg);
  if (p !== undefined) {
    lastConfig = cfg;
    lastPrepared = p;
    return p;
  }
  const plan = planOf(cfg);
  const enc = encodingOf(cfg);
  const taken = new Taken(plan.reserved);
  const out = rendered(cfg.maxLineLength, undefined);
  for (const [name, value] of Object.entries(plan.row.constants ?? {})) {
    const text = typeof value === "string" ? jsonString(value) : String(value);
    out.pairs += enc.pair(taken.claim(name), text);
  }
  renderFields(cfg.service, plan, cfg, enc, taken, out, "service");
  let service = out.pairs;
  const otel = plan.row.layout === "otel";
  if (otel) service = service === "" ? "" : `,"resource":{${service.slice(1)}}`;
  const base = otel ? plan.reserved : taken.all();
  p = {
    plan,
    reserved: base,
    service,
    empty: { pairs: "", top: "", objects: undefined, taken: base, over: false },
  };
  prepared.set(cfg, p);
  lastConfig = cfg;
  lastPrepared = p;
  return p;
}
