// Internal: writes any value as JSON text, without throwing, in work bounded by the limits.
// Errors keep name, message, stack and cause; BigInt becomes a string; cycles become
// "[Circular]"; throwing getters and toJSON become marker strings; depth and width are
// bounded; redacted keys become "[REDACTED]".
//
// The text is written directly (no safe copy, then JSON.stringify, then an escape pass), each
// string escaped once, and the writing stops as soon as the text is longer than its limit: a
// string is cut before it is escaped, and a value that will be cut is never walked whole. The
// nodes a value may visit come from a budget shared by the whole line, so a graph of shared
// references (walked once per path) costs what the line can hold, not what the graph expands to.

/** Limits and redaction applied while a value is made safe. */
export interface SafeOptions {
  /** Objects nested deeper than this become "[Object]" / "[Array]". */
  maxDepth: number;
  /** At most this many keys of an object, items of an array, entries of a Map or Set. */
  maxKeys: number;
  /** Lower-cased key names redacted at any depth. */
  redactKeys: ReadonlySet<string> | undefined;
  /** Dotted paths from a line's top-level field (`req.headers.cookie`) redacted there only. */
  redactPaths: ReadonlySet<string> | undefined;
}

/** The nodes (values, keys, items) the values of one line may still visit. */
export interface Budget {
  nodes: number;
}

export const REDACTED = "[REDACTED]";

/** Ends a value cut for length. */
export const CUT_MARK = "…[truncated]";

/** A short, safe description of a thrown value (itself possibly hostile). */
export function describeThrown(e: unknown): string {
  try {
    if (e instanceof Error) return `${e.name}: ${e.message}`;
    return String(e);
  } catch {
    return "unknown error";
  }
}

/**
 * The own keys of a set of fields (none for a value that is not an object), or, when listing them
 * throws (a hostile Proxy), the text written in their place under `unserializable_fields`.
 */
export function fieldKeys(fields: unknown): string[] | string {
  if (fields === undefined || fields === null || typeof fields !== "object") return [];
  try {
    return Object.keys(fields);
  } catch (e) {
    return `[Unserializable: ${describeThrown(e)}]`;
  }
}

/** The prefixes the module gives a name when it renames it: a collision, a user's field. */
const RENAMED = /^(?:extra_|user_)+/;

/**
 * Whether the key (at `path`, dotted from the top-level field) must be redacted. A bare name
 * is also redacted under the names the module gives it (`user_password`, `extra_password`,
 * `extra_extra_password`) and as the last part of a dotted key (`headers.authorization`).
 */
export function isRedacted(key: string, path: string | undefined, o: SafeOptions): boolean {
  const keys = o.redactKeys;
  if (keys !== undefined) {
    let name = key.toLowerCase();
    if (keys.has(name)) return true;
    const dot = name.lastIndexOf(".");
    if (dot >= 0) {
      name = name.slice(dot + 1);
      if (keys.has(name)) return true;
    }
    const bare = name.replace(RENAMED, "");
    if (bare !== name && keys.has(bare)) return true;
  }
  return path !== undefined && o.redactPaths !== undefined && o.redactPaths.has(path);
}

// ---------------------------------------------------------------------------
// Escaping: JSON text safe for one line.

/** Printable ASCII but `"` and `\`: a string of these is its own JSON text between quotes. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * Characters `JSON.stringify` leaves raw that must not reach a line raw: DEL and the C1
 * controls (a terminal takes U+009B as an escape, U+0085 is NEL), U+2028 and U+2029 (line
 * breaks to Python's splitlines() and to some log viewers).
 */
const JSON_UNSAFE = /[\x7f-\x9f\u2028\u2029]/;

/** The JSON text of a string, escaped for a line (see `JSON_UNSAFE`). */
export function jsonString(s: string): string {
  // Most strings of a line (methods, paths, ids, names) are short printable ASCII without `"`
  // or `\`: one scan proves it, and they need only the quotes.
  if (s.length <= 64 && PLAIN.test(s)) return `"${s}"`;
  return escapeUnsafe(JSON.stringify(s));
}

const C1 = /[\x7f-\x9f]/;
/** `\u007f` … `\u009f`, by character code. */
const C1_ESCAPES: string[] = [];
for (let c = 0x7f; c <= 0x9f; c++) C1_ESCAPES[c] = `\\u${c.toString(16).padStart(4, "0")}`;

/**
 * JSON text with the characters `JSON.stringify` leaves raw escaped, without a callback per
 * character: U+2028 and U+2029 by the runtime's own replaceAll, the C1 controls in one loop
 * whose pieces are joined once. Every string piece of a JSON line goes through it once.
 */
export function escapeUnsafe(text: string): string {
  if (!JSON_UNSAFE.test(text)) return text;
  let out = text;
  if (out.includes("\u2028")) out = out.replaceAll("\u2028", "\\u2028");
  if (out.includes("\u2029")) out = out.replaceAll("\u2029", "\\u2029");
  if (!C1.test(out)) return out;
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i < out.length; i++) {
    const c = out.charCodeAt(i);
    if (c >= 0x7f && c <= 0x9f) {
      if (i > from) parts.push(out.slice(from, i));
      parts.push(C1_ESCAPES[c]);
      from = i + 1;
    }
  }
  parts.push(out.slice(from));
  return parts.join("");
}

/**
 * How many characters of `s`, from the start, fit in `max` characters once escaped, counting
 * every character as JSON and logfmt would escape it (or more); never splits a surrogate pair.
 * Looks at no more than `max` characters.
 */
export function fittingPrefix(s: string, max: number): number {
  let used = 0;
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let w = 1;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) w = 6;
    else if (c === 0x22 || c === 0x5c) w = 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        if (used + 2 > max) break;
        used += 2;
        i++;
        continue;
      }
      w = 6;
    } else if (c >= 0xdc00 && c <= 0xdfff) w = 6;
    if (used + w > max) break;
    used += w;
  }
  return i;
}

/** The JSON text of `s` cut so that, with the cut mark, it takes at most `max` characters. */
export function jsonCut(s: string, max: number): string {
  const room = max - 2 - CUT_MARK.length;
  return jsonString(`${s.slice(0, fittingPrefix(s, Math.max(0, room)))}${CUT_MARK}`);
}

// ---------------------------------------------------------------------------
// The writer.

/** The state of one value being written. */
interface Writer {
  out: string;
  /** Past this many characters the value is cut: the writing stops. */
  readonly limit: number;
  readonly budget: Budget;
  readonly o: SafeOptions;
  /** The objects being written, outermost first: a cycle is one met again. */
  readonly stack: object[];
}

/**
 * The JSON text of `value`, or `undefined` when JSON would leave the value out (`undefined`
 * alone). A text longer than `limit` means the value did not fit: it stops a little past the
 * limit and is not JSON. Never throws.
 */
export function writeJson(
  value: unknown,
  o: SafeOptions,
  path: string | undefined,
  limit: number,
  budget: Budget,
): string | undefined {
  switch (typeof value) {
    case "string":
      return jsonString(value.length > limit ? value.slice(0, limit) : value);
    case "number":
      return Number.isFinite(value) ? String(value) : `"${value}"`;
    case "boolean":
      return value ? "true" : "false";
    case "undefined":
      return undefined;
  }
  const w: Writer = { out: "", limit, budget, o, stack: [] };
  try {
    return walk(w, value, 0, o.redactPaths === undefined ? undefined : path) ? w.out : undefined;
  } catch (e) {
    // Only a stack overflow can get here (each object's failure is caught where it is).
    return jsonString(`[Unserializable: ${describeThrown(e)}]`);
  }
}

/** The default limit of `stringifySafe`: the default line length. */
const TEXT_LIMIT = 65536;

/**
 * The JSON text of `value`, or `undefined` when JSON would leave the value out
 * (`undefined` alone), cut to `limit` characters (then ending in `…[truncated]`, no longer
 * JSON). Never throws; the work is bounded by `limit`.
 */
export function stringifySafe(
  value: unknown,
  o: SafeOptions,
  path?: string,
  limit: number = TEXT_LIMIT,
): string | undefined {
  const text = writeJson(value, o, path, limit, { nodes: limit });
  if (text === undefined || text.length <= limit) return text;
  return `${text.slice(0, limit)}${CUT_MARK}`;
}

/** A JSON-safe copy of `value`: only plain objects, arrays, strings, finite numbers, booleans, null. */
export function toSafe(value: unknown, o: SafeOptions, path?: string): unknown {
  const text = stringifySafe(value, o, path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text; // cut for length
  }
}

function full(w: Writer): boolean {
  return w.out.length > w.limit;
}

/** Writes a string, cut before it is escaped when it cannot fit anyway. */
function str(w: Writer, s: string): void {
  const room = w.limit - w.out.length + 1;
  w.out += jsonString(s.length > room ? s.slice(0, Math.max(0, room)) : s);
}

/** Writes `v`; `false` (nothing written) when JSON leaves it out. */
function walk(w: Writer, v: unknown, depth: number, path: string | undefined): boolean {
  w.budget.nodes--;
  switch (typeof v) {
    case "string":
      str(w, v);
      return true;
    case "number":
      w.out += Number.isFinite(v) ? String(v) : `"${v}"`;
      return true;
    case "boolean":
      w.out += v ? "true" : "false";
      return true;
    case "bigint":
      w.out += `"${v}"`;
      return true;
    case "symbol":
      str(w, symbolText(v));
      return true;
    case "function":
      str(w, `[Function: ${functionName(v)}]`);
      return true;
    case "undefined":
      return false;
  }
  if (v === null) {
    w.out += "null";
    return true;
  }
  const obj = v as object;
  if (w.stack.includes(obj)) {
    w.out += '"[Circular]"';
    return true;
  }
  const mark = w.out.length;
  w.stack.push(obj);
  try {
    return walkObject(w, obj, depth, path);
  } catch (e) {
    w.out = w.out.slice(0, mark);
    str(w, `[Unserializable: ${describeThrown(e)}]`);
    return true;
  } finally {
    w.stack.pop();
  }
}

function symbolText(s: symbol): string {
  try {
    return s.toString();
  } catch {
    return "Symbol()";
  }
}

function functionName(f: unknown): string {
  try {
    const name = (f as { name?: unknown }).name;
    return typeof name === "string" && name !== "" ? name : "anonymous";
  } catch {
    return "anonymous";
  }
}

function walkObject(w: Writer, v: object, depth: number, path: string | undefined): boolean {
  if (v instanceof Error) {
    writeError(w, v, depth, path);
    return true;
  }
  if (v instanceof Date) {
    w.out += Number.isNaN(v.getTime()) ? '"Invalid Date"' : `"${v.toISOString()}"`;
    return true;
  }
  // Deeper than maxDepth, or past the line's budget: a marker.
  if (depth >= w.o.maxDepth || w.budget.nodes < 0) {
    w.out += Array.isArray(v) ? '"[Array]"' : '"[Object]"';
    return true;
  }
  const toJSON = (v as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    let replaced: unknown;
    try {
      replaced = toJSON.call(v);
    } catch (e) {
      str(w, `[toJSON threw: ${describeThrown(e)}]`);
      return true;
    }
    return walk(w, replaced, depth, path);
  }
  if (Array.isArray(v)) {
    writeList(w, v, v.length, depth, path);
    return true;
  }
  if (v instanceof Map) {
    writeMap(w, v, depth, path);
    return true;
  }
  if (v instanceof Set) {
    writeSet(w, v, depth, path);
    return true;
  }
  if (ArrayBuffer.isView(v)) {
    if (v instanceof DataView) str(w, `[DataView ${v.byteLength} bytes]`);
    else writeList(w, v as unknown as ArrayLike<unknown>, (v as Uint8Array).length, depth, path);
    return true;
  }
  if (v instanceof ArrayBuffer) {
    str(w, `[ArrayBuffer ${v.byteLength} bytes]`);
    return true;
  }
  if (v instanceof RegExp) {
    str(w, String(v));
    return true;
  }
  const keys = Object.keys(v);
  const n = Math.min(keys.length, w.o.maxKeys);
  w.out += "{";
  let first = true;
  let i = 0;
  for (; i < n && !full(w) && w.budget.nodes >= 0; i++) {
    const key = keys[i];
    let value: unknown;
    try {
      value = (v as Record<string, unknown>)[key];
    } catch (e) {
      value = `[Getter threw: ${describeThrown(e)}]`;
    }
    if (writeKey(w, first, key, value, depth, path)) first = false;
  }
  if (i < keys.length && !full(w) && (i < n || !keys.slice(0, n).includes("[truncated]"))) {
    w.out += `${first ? "" : ","}"[truncated]":"${keys.length - i} more keys"`;
  }
  w.out += "}";
  return true;
}

/** Writes `,"key":value` (no comma first); `false` when the value is left out. */
function writeKey(
  w: Writer,
  first: boolean,
  key: string,
  value: unknown,
  depth: number,
  path: string | undefined,
): boolean {
  const childPath = path === undefined ? undefined : `${path}.${key}`;
  const redacted = isRedacted(key, childPath, w.o);
  if (value === undefined && !redacted) {
    w.budget.nodes--;
    return false;
  }
  const mark = w.out.length;
  if (!first) w.out += ",";
  str(w, key);
  w.out += ":";
  if (redacted) {
    w.out += `"${REDACTED}"`;
    return true;
  }
  if (walk(w, value, depth + 1, childPath)) return true;
  w.out = w.out.slice(0, mark);
  return false;
}

function writeList(
  w: Writer,
  list: ArrayLike<unknown>,
  length: number,
  depth: number,
  path: string | undefined,
): void {
  const n = Math.min(length, w.o.maxKeys);
  w.out += "[";
  let i = 0;
  for (; i < n && !full(w) && w.budget.nodes >= 0; i++) {
    if (i > 0) w.out += ",";
    if (!walk(w, list[i], depth + 1, path)) w.out += "null";
  }
  if (i < length && !full(w)) w.out += `${i > 0 ? "," : ""}"[truncated: ${length - i} more items]"`;
  w.out += "]";
}

function writeSet(w: Writer, set: Set<unknown>, depth: number, path: string | undefined): void {
  const size = set.size;
  const n = Math.min(size, w.o.maxKeys);
  w.out += "[";
  let i = 0;
  for (const item of set) {
    if (i >= n || full(w) || w.budget.nodes < 0) break;
    if (i > 0) w.out += ",";
    if (!walk(w, item, depth + 1, path)) w.out += "null";
    i++;
  }
  if (i < size && !full(w)) w.out += `${i > 0 ? "," : ""}"[truncated: ${size - i} more items]"`;
  w.out += "]";
}

function writeMap(
  w: Writer,
  map: Map<unknown, unknown>,
  depth: number,
  path: string | undefined,
): void {
  const size = map.size;
  const n = Math.min(size, w.o.maxKeys);
  const seen = new Set<string>();
  w.out += "{";
  let first = true;
  let i = 0;
  for (const [k, value] of map) {
    if (i >= n || full(w) || w.budget.nodes < 0) break;
    i++;
    const key = typeof k === "string" ? k : mapKey(k, w);
    if (seen.has(key)) continue; // `1` and `"1"`: one JSON key, the first kept
    seen.add(key);
    if (writeKey(w, first, key, value, depth, path)) first = false;
  }
  if (i < size && !full(w) && !seen.has("[truncated]")) {
    w.out += `${first ? "" : ","}"[truncated]":"${size - i} more entries"`;
  }
  w.out += "}";
}

/** A Map key that is not a string, as text: a primitive as `String` writes it, else its JSON. */
function mapKey(k: unknown, w: Writer): string {
  if (typeof k === "symbol") return symbolText(k);
  if (typeof k !== "object" && typeof k !== "function" || k === null) return String(k);
  const text = writeJson(k, w.o, undefined, 256, w.budget);
  return text === undefined ? "undefined" : text.length > 256 ? text.slice(0, 256) : text;
}

function writeError(w: Writer, e: Error, depth: number, path: string | undefined): void {
  const parts = errorParts(e, depth < w.o.maxDepth ? w.o.maxKeys : 0);
  w.out += `{"name":`;
  str(w, parts.name);
  w.out += `,"message":`;
  str(w, parts.message);
  if (parts.stack !== "") {
    w.out += `,"stack":`;
    str(w, parts.stack);
  }
  for (const [key, value] of parts.rest) {
    if (full(w)) break;
    writeKey(w, false, key, value, depth, path);
  }
  w.out += "}";
}

/** An error read once, safely: its name, message and stack, and its other keys (at most `maxKeys`). */
export interface ErrorParts {
  name: string;
  message: string;
  /** `""` when it has none. */
  stack: string;
  /** `cause`, `errors` and its own enumerable keys, each read once (a throwing getter: a marker). */
  rest: [string, unknown][];
}

/** The parts of an error as the module writes it. Never throws. */
export function errorParts(e: Error, maxKeys: number): ErrorParts {
  const parts: ErrorParts = {
    name: readString(e, "name", "Error"),
    message: readString(e, "message", ""),
    stack: readString(e, "stack", ""),
    rest: [],
  };
  if (maxKeys <= 0) return parts;
  let extra: string[] = [];
  try {
    extra = Object.keys(e);
  } catch { /* a proxy may refuse: name, message and stack are enough */ }
  const written = new Set(["name", "message", "stack"]);
  const keys = ["cause", "errors", ...extra];
  for (let i = 0; i < keys.length && i < maxKeys + 2; i++) {
    const key = keys[i];
    if (written.has(key)) continue;
    written.add(key);
    let value: unknown;
    try {
      if (!(key in e)) continue;
      value = (e as unknown as Record<string, unknown>)[key];
    } catch (err) {
      value = `[Getter threw: ${describeThrown(err)}]`;
    }
    parts.rest.push([key, value]);
  }
  return parts;
}

function readString(e: Error, key: "name" | "message" | "stack", fallback: string): string {
  try {
    const value = e[key];
    return typeof value === "string" ? value : value === undefined ? fallback : String(value);
  } catch (err) {
    return `[Getter threw: ${describeThrown(err)}]`;
  }
}
