// Internal: turns any value into something JSON.stringify takes, without throwing.
// Errors keep name, message, stack and cause; BigInt becomes a string; cycles become
// "[Circular]"; throwing getters and toJSON become marker strings; depth and width are
// bounded; redacted keys become "[REDACTED]".

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

export const REDACTED = "[REDACTED]";

/** A short, safe description of a thrown value (itself possibly hostile). */
export function describeThrown(e: unknown): string {
  try {
    if (e instanceof Error) return `${e.name}: ${e.message}`;
    return String(e);
  } catch {
    return "unknown error";
  }
}

/** Whether the key (at `path`, dotted from the top-level field) must be redacted. */
export function isRedacted(key: string, path: string | undefined, o: SafeOptions): boolean {
  if (o.redactKeys !== undefined && o.redactKeys.has(key.toLowerCase())) return true;
  return path !== undefined && o.redactPaths !== undefined && o.redactPaths.has(path);
}

/**
 * The JSON text of `value`, or `undefined` when JSON would leave the value out
 * (`undefined` alone). Never throws.
 */
export function stringifySafe(value: unknown, o: SafeOptions, path?: string): string | undefined {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? String(value) : `"${value}"`;
    case "boolean":
      return value ? "true" : "false";
    case "undefined":
      return undefined;
  }
  try {
    return JSON.stringify(toSafe(value, o, path === undefined ? undefined : path));
  } catch (e) {
    return JSON.stringify(`[Unserializable: ${describeThrown(e)}]`);
  }
}

/** A JSON-safe copy of `value`: only plain objects, arrays, strings, finite numbers, booleans, null. */
export function toSafe(value: unknown, o: SafeOptions, path?: string): unknown {
  return walk(value, 0, [], o, o.redactPaths === undefined ? undefined : path);
}

function walk(
  v: unknown,
  depth: number,
  ancestors: object[],
  o: SafeOptions,
  path?: string,
): unknown {
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "number":
      return Number.isFinite(v) ? v : String(v);
    case "bigint":
    case "symbol":
      return v.toString();
    case "function":
      return `[Function: ${functionName(v)}]`;
    case "undefined":
      return undefined;
  }
  if (v === null) return null;
  const obj = v as object;
  if (ancestors.includes(obj)) return "[Circular]";
  ancestors.push(obj);
  try {
    return walkObject(obj, depth, ancestors, o, path);
  } catch (e) {
    return `[Unserializable: ${describeThrown(e)}]`;
  } finally {
    ancestors.pop();
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

function walkObject(
  v: object,
  depth: number,
  ancestors: object[],
  o: SafeOptions,
  path: string | undefined,
): unknown {
  if (v instanceof Error) return errorToSafe(v, depth, ancestors, o, path);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? "Invalid Date" : v.toISOString();
  if (depth >= o.maxDepth) return Array.isArray(v) ? "[Array]" : "[Object]";
  const toJSON = (v as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    let replaced: unknown;
    try {
      replaced = toJSON.call(v);
    } catch (e) {
      return `[toJSON threw: ${describeThrown(e)}]`;
    }
    return walk(replaced, depth, ancestors, o, path);
  }
  if (Array.isArray(v)) return walkList(v, v.length, depth, ancestors, o, path);
  if (v instanceof Map) {
    const out = blank();
    let n = 0;
    for (const [k, value] of v) {
      if (n++ === o.maxKeys) {
        out["[truncated]"] = `${v.size - o.maxKeys} more entries`;
        break;
      }
      putKey(
        out,
        typeof k === "string" ? k : String(walk(k, depth + 1, ancestors, o)),
        value,
        depth,
        ancestors,
        o,
        path,
      );
    }
    return out;
  }
  if (v instanceof Set) return walkList([...v], v.size, depth, ancestors, o, path);
  if (ArrayBuffer.isView(v)) {
    if (v instanceof DataView) return `[DataView ${v.byteLength} bytes]`;
    const list = v as unknown as ArrayLike<unknown>;
    return walkList(list, list.length, depth, ancestors, o, path);
  }
  if (v instanceof ArrayBuffer) return `[ArrayBuffer ${v.byteLength} bytes]`;
  if (v instanceof RegExp) return String(v);
  const keys = Object.keys(v);
  const out = blank();
  const n = Math.min(keys.length, o.maxKeys);
  for (let i = 0; i < n; i++) {
    const key = keys[i];
    let value: unknown;
    try {
      value = (v as Record<string, unknown>)[key];
    } catch (e) {
      value = `[Getter threw: ${describeThrown(e)}]`;
    }
    putKey(out, key, value, depth, ancestors, o, path);
  }
  if (keys.length > n) out["[truncated]"] = `${keys.length - n} more keys`;
  return out;
}

function walkList(
  list: ArrayLike<unknown>,
  length: number,
  depth: number,
  ancestors: object[],
  o: SafeOptions,
  path: string | undefined,
): unknown[] {
  const n = Math.min(length, o.maxKeys);
  const out: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const item = walk(list[i], depth + 1, ancestors, o, path);
    out[i] = item === undefined ? null : item;
  }
  if (length > n) out.push(`[truncated: ${length - n} more items]`);
  return out;
}

function putKey(
  out: Record<string, unknown>,
  key: string,
  value: unknown,
  depth: number,
  ancestors: object[],
  o: SafeOptions,
  path: string | undefined,
): void {
  const childPath = path === undefined ? undefined : `${path}.${key}`;
  if (isRedacted(key, childPath, o)) {
    out[key] = REDACTED;
    return;
  }
  const safe = walk(value, depth + 1, ancestors, o, childPath);
  if (safe !== undefined) out[key] = safe;
}

function errorToSafe(
  e: Error,
  depth: number,
  ancestors: object[],
  o: SafeOptions,
  path: string | undefined,
): unknown {
  const out = blank();
  out.name = readString(e, "name", "Error");
  out.message = readString(e, "message", "");
  const stack = readString(e, "stack", "");
  if (stack !== "") out.stack = stack;
  if (depth >= o.maxDepth) return out;
  let extra: string[] = [];
  try {
    extra = Object.keys(e);
  } catch { /* a proxy may refuse: name, message and stack are enough */ }
  for (const key of ["cause", "errors", ...extra]) {
    if (key === "name" || key === "message" || key === "stack" || key in out) continue;
    let value: unknown;
    try {
      if (!(key in e)) continue;
      value = (e as unknown as Record<string, unknown>)[key];
    } catch (err) {
      value = `[Getter threw: ${describeThrown(err)}]`;
    }
    putKey(out, key, value, depth, ancestors, o, path);
  }
  return out;
}

function readString(e: Error, key: "name" | "message" | "stack", fallback: string): string {
  try {
    const value = e[key];
    return typeof value === "string" ? value : value === undefined ? fallback : String(value);
  } catch (err) {
    return `[Getter threw: ${describeThrown(err)}]`;
  }
}

/** An object without a prototype, so a key named `__proto__` is kept as data. */
function blank(): Record<string, unknown> {
  return Object.create(null);
}
