/**
 * W3C Trace Context: the `traceparent` and `tracestate` header values, and new
 * trace and span ids. Pure functions, no context: the HTTP adapters, the
 * propagation helpers and `setTraceContext` are built on them, and a
 * queue consumer can use them on the `traceparent` a message carries.
 *
 * @example Continue the trace a queue message carries
 * ```ts
 * import {
 *   generateSpanId,
 *   parseTraceparent,
 *   runWithContext,
 *   setTraceContext,
 * } from "@ctx/request-context";
 *
 * const message = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" };
 * await runWithContext(async () => {
 *   const parent = parseTraceparent(message.traceparent);
 *   if (parent) setTraceContext(parent.traceId, generateSpanId(), parent.parentId);
 *   // every line here carries trace_id, span_id and parent_span_id
 * });
 * ```
 *
 * @module
 */

/** A parsed `traceparent` header value. */
export interface TraceParent {
  /** The version, two lowercase hex characters (`"00"` today). */
  readonly version: string;
  /** The trace id: 32 lowercase hex characters, not all zero. */
  readonly traceId: string;
  /** The caller's span id (the spec's `parent-id`): 16 lowercase hex characters, not all zero. */
  readonly parentId: string;
  /** The trace flags, two lowercase hex characters (`"01"`: sampled). */
  readonly traceFlags: string;
}

const TRACE_ID = /^(?!0{32})[0-9a-f]{32}$/;
const SPAN_ID = /^(?!0{16})[0-9a-f]{16}$/;
const FLAGS = /^[0-9a-f]{2}$/;

/**
 * Whether `value` is a valid trace id: 32 lowercase hex characters, not all zero.
 *
 * @example
 * ```ts
 * import { isTraceId } from "@ctx/request-context";
 *
 * console.log(isTraceId("4bf92f3577b34da6a3ce929d0e0e4736")); // true
 * console.log(isTraceId("4BF92F3577B34DA6A3CE929D0E0E4736")); // false: uppercase
 * ```
 */
export function isTraceId(value: unknown): value is string {
  return typeof value === "string" && TRACE_ID.test(value);
}

/**
 * Whether `value` is a valid span id: 16 lowercase hex characters, not all zero.
 *
 * @example
 * ```ts
 * import { isSpanId } from "@ctx/request-context";
 *
 * console.log(isSpanId("00f067aa0ba902b7")); // true
 * console.log(isSpanId("0000000000000000")); // false
 * ```
 */
export function isSpanId(value: unknown): value is string {
  return typeof value === "string" && SPAN_ID.test(value);
}

/** Internal: whether `value` is two lowercase hex characters. */
export function isTraceFlags(value: unknown): value is string {
  return typeof value === "string" && FLAGS.test(value);
}

/**
 * Parses a `traceparent` header value by the W3C Trace Context rules, or returns
 * `undefined` when it is invalid and must be ignored: version `00` is exactly
 * `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>` in lowercase, with
 * neither id all zero; version `ff` is invalid; a higher version is read
 * forward-compatibly (its first four fields, then either the end or a `-` and
 * fields this version does not know, which are ignored).
 *
 * @example
 * ```ts
 * import { parseTraceparent } from "@ctx/request-context";
 *
 * parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
 * // { version: "00", traceId: "4bf92f35…", parentId: "00f067aa0ba902b7", traceFlags: "01" }
 * parseTraceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"); // undefined
 * ```
 */
export function parseTraceparent(value: unknown): TraceParent | undefined {
  if (typeof value !== "string" || value.length < 55) return undefined;
  const version = value.slice(0, 2);
  if (!FLAGS.test(version) || version === "ff") return undefined;
  if (value.length > 55 && (version === "00" || value[55] !== "-")) return undefined;
  if (value[2] !== "-" || value[35] !== "-" || value[52] !== "-") return undefined;
  const traceId = value.slice(3, 35);
  const parentId = value.slice(36, 52);
  const traceFlags = value.slice(53, 55);
  if (!TRACE_ID.test(traceId) || !SPAN_ID.test(parentId) || !FLAGS.test(traceFlags)) {
    return undefined;
  }
  return { version, traceId, parentId, traceFlags };
}

/**
 * Formats a version `00` `traceparent` value from a trace id, the span id to send
 * as the parent id, and flags (default `"00"`). Returns `undefined` when an id or
 * the flags are not valid, so nothing malformed is ever sent.
 *
 * @example
 * ```ts
 * import { formatTraceparent } from "@ctx/request-context";
 *
 * formatTraceparent("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "01");
 * // "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
 * ```
 */
export function formatTraceparent(
  traceId: string,
  spanId: string,
  traceFlags = "00",
): string | undefined {
  if (!isTraceId(traceId) || !isSpanId(spanId) || !isTraceFlags(traceFlags)) return undefined;
  return `00-${traceId}-${spanId}-${traceFlags}`;
}

/**
 * Internal: the flags to keep from an incoming `traceparent`. Only the bits the
 * spec defines are kept (sampled `01`, random `02`); it asks for the others to
 * be set to zero.
 */
export function knownFlags(traceFlags: string): string {
  const bits = parseInt(traceFlags, 16) & 0x03;
  return bits === 0 ? "00" : `0${bits}`;
}

const BYTE_HEX: readonly string[] = Array.from(
  { length: 256 },
  (_, i) => i.toString(16).padStart(2, "0"),
);

function randomHex(bytes: number): string {
  return hexOf(crypto.getRandomValues(new Uint8Array(bytes)), 0, bytes) ?? randomHex(bytes);
}

/** The hex of `buf[start..end)`, or `undefined` when those bytes are all zero (an invalid id). */
function hexOf(buf: Uint8Array, start: number, end: number): string | undefined {
  let out = "";
  let nonZero = 0;
  for (let i = start; i < end; i++) {
    out += BYTE_HEX[buf[i]];
    nonZero |= buf[i];
  }
  return nonZero === 0 ? undefined : out;
}

// Random bytes for the ids of new traces, drawn 4 KiB at a time (about 170 requests) and each
// used once, as Node's randomUUID does with its own cache: the draw is the costly part.
const POOL_BYTES = 4096;
let pool: Uint8Array | undefined;
let poolAt = POOL_BYTES;

/** The pool, its next `bytes` random bytes taken: they end at `poolAt`. Refilled when it runs out. */
function fromPool(bytes: number): Uint8Array {
  if (pool === undefined || poolAt + bytes > POOL_BYTES) {
    pool = crypto.getRandomValues(new Uint8Array(POOL_BYTES));
    poolAt = 0;
  }
  poolAt += bytes;
  return pool;
}

/**
 * Internal: a new trace id and span id for a request that starts a trace, 24 bytes taken
 * from a pool of random bytes. Either id that comes out all zero is drawn again on its own.
 */
export function generateTraceAndSpanIds(): { traceId: string; spanId: string } {
  const buf = fromPool(24);
  const at = poolAt - 24;
  return {
    traceId: hexOf(buf, at, at + 16) ?? generateTraceId(),
    spanId: hexOf(buf, at + 16, at + 24) ?? generateSpanId(),
  };
}

/** Internal: a new span id for a request that continues a trace, from the same pool. */
export function generateChildSpanId(): string {
  const buf = fromPool(8);
  return hexOf(buf, poolAt - 8, poolAt) ?? generateSpanId();
}

/**
 * A new random trace id: 32 lowercase hex characters from
 * `crypto.getRandomValues`, never all zero.
 *
 * @example
 * ```ts
 * import { generateTraceId } from "@ctx/request-context";
 *
 * console.log(generateTraceId().length); // 32
 * ```
 */
export function generateTraceId(): string {
  return randomHex(16);
}

/**
 * A new random span id: 16 lowercase hex characters from
 * `crypto.getRandomValues`, never all zero.
 *
 * @example
 * ```ts
 * import { generateSpanId } from "@ctx/request-context";
 *
 * console.log(generateSpanId().length); // 16
 * ```
 */
export function generateSpanId(): string {
  return randomHex(8);
}

/** The most list-members a `tracestate` may have, as the spec bounds it. */
export const MAX_TRACESTATE_MEMBERS = 32;

const TRACESTATE_KEY = /^[a-z0-9][a-z0-9_\-*/@]{0,255}$/;
const TRACESTATE_VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

/** `s` without the spaces and tabs around it (a loop: a regex here could be made quadratic). */
function trimOws(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && (s[start] === " " || s[start] === "\t")) start++;
  while (end > start && (s[end - 1] === " " || s[end - 1] === "\t")) end--;
  return s.slice(start, end);
}

/**
 * Internal: a `tracestate` header value cleaned to what may be sent on: members
 * that break the spec's key/value grammar are dropped, a repeated key keeps its
 * first (left-most) entry, and at most 32 members are kept (entries longer than
 * 128 characters go first, then entries from the end, as the spec asks).
 * Returns `undefined` when nothing is left.
 */
export function parseTracestate(value: unknown): string | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  const members: string[] = [];
  const keys = new Set<string>();
  // Bounded work for a hostile header: never look past a few times the most members kept.
  const parts = value.split(",", MAX_TRACESTATE_MEMBERS * 4);
  for (const part of parts) {
    const member = trimOws(part);
    if (member === "") continue;
    const eq = member.indexOf("=");
    if (eq <= 0) continue;
    const key = member.slice(0, eq);
    const val = member.slice(eq + 1);
    if (!TRACESTATE_KEY.test(key) || !TRACESTATE_VALUE.test(val) || keys.has(key)) continue;
    keys.add(key);
    members.push(member);
  }
  let excess = members.length - MAX_TRACESTATE_MEMBERS;
  for (let i = members.length - 1; excess > 0 && i >= 0; i--) {
    if (members[i].length > 128) {
      members.splice(i, 1);
      excess--;
    }
  }
  if (excess > 0) members.length = MAX_TRACESTATE_MEMBERS;
  return members.length === 0 ? undefined : members.join(",");
}
