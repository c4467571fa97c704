// Internal: what the W3C Trace Context helpers of traceparent.ts need and the module keeps to
// itself: the flags kept from an incoming traceparent, the pool of random bytes new trace and
// span ids come from, and the cleaning of an incoming tracestate.

const FLAGS = /^[0-9a-f]{2}$/;

/** Whether `value` is two lowercase hex characters (trace flags, a traceparent version). */
export function isTraceFlags(value: unknown): value is string {
  return typeof value === "string" && FLAGS.test(value);
}

/**
 * The flags to keep from an incoming `traceparent`. Only the bits the
 * spec defines are kept (sampled `01`, random `02`); it asks for the others to
 * be set to zero.
 */
export function knownFlags(traceFlags: string): string {
  const bits = parseInt(traceFlags, 16) & 0x03;
  return bits === 0 ? "00" : `0${bits}`;
}

/** The character codes of `0-9a-f`. */
const HEX_CODES: readonly number[] = Array.from("0123456789abcdef", (c) => c.charCodeAt(0));

/** `bytes` random bytes in hex, never all zero. */
export function randomHex(bytes: number): string {
  return hexOf(crypto.getRandomValues(new Uint8Array(bytes)), 0, bytes) ?? randomHex(bytes);
}

/** Reused by every `hexOf`: the character codes of the id being made. */
const codes: number[] = [];

/**
 * The hex of `buf[start..end)`, or `undefined` when those bytes are all zero (an invalid id).
 * Made in one piece (`String.fromCharCode`), not by appending: an id the request's context
 * keeps is then one flat string rather than a chain of 15 or 31 partial ones.
 */
function hexOf(buf: Uint8Array, start: number, end: number): string | undefined {
  let nonZero = 0;
  codes.length = (end - start) * 2;
  for (let i = start, j = 0; i < end; i++, j += 2) {
    const byte = buf[i];
    codes[j] = HEX_CODES[byte >> 4];
    codes[j + 1] = HEX_CODES[byte & 15];
    nonZero |= byte;
  }
  return nonZero === 0 ? undefined : String.fromCharCode.apply(null, codes);
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
 * A new trace id and span id for a request that starts a trace, 24 bytes taken
 * from a pool of random bytes. Either id that comes out all zero is drawn again on its own.
 */
export function generateTraceAndSpanIds(): { traceId: string; spanId: string } {
  const buf = fromPool(24);
  const at = poolAt - 24;
  return {
    traceId: hexOf(buf, at, at + 16) ?? randomHex(16),
    spanId: hexOf(buf, at + 16, at + 24) ?? randomHex(8),
  };
}

/** A new span id for a request that continues a trace, from the same pool. */
export function generateChildSpanId(): string {
  const buf = fromPool(8);
  return hexOf(buf, poolAt - 8, poolAt) ?? randomHex(8);
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
 * A `tracestate` header value cleaned to what may be sent on: members
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
