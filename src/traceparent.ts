/**
 * W3C Trace Context: the `traceparent` and `tracestate` header values, and new
 * trace and span ids. Pure functions, no context: the HTTP adapters, the
 * propagation helpers and `setTraceContext` are built on them, and a
 * queue consumer can use them on the `traceparent` a message carries.
 *
 * @example Continue the trace a queue message carries
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   generateSpanId,
 *   getContext,
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
 *   const { trace_id, parent_span_id } = getContext()!.fields;
 *   assert.deepEqual([trace_id, parent_span_id], [parent!.traceId, "00f067aa0ba902b7"]);
 * });
 * ```
 *
 * @module
 */

import { isTraceFlags, randomHex } from "./_traceparent.ts";

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

/**
 * Whether `value` is a valid trace id: 32 lowercase hex characters, not all zero.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isTraceId } from "@ctx/request-context";
 *
 * assert.equal(isTraceId("4bf92f3577b34da6a3ce929d0e0e4736"), true);
 * assert.equal(isTraceId("4BF92F3577B34DA6A3CE929D0E0E4736"), false); // uppercase
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
 * import assert from "node:assert/strict";
 * import { isSpanId } from "@ctx/request-context";
 *
 * assert.equal(isSpanId("00f067aa0ba902b7"), true);
 * assert.equal(isSpanId("0000000000000000"), false); // all zero
 * ```
 */
export function isSpanId(value: unknown): value is string {
  return typeof value === "string" && SPAN_ID.test(value);
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
 * import assert from "node:assert/strict";
 * import { parseTraceparent } from "@ctx/request-context";
 *
 * assert.deepEqual(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), {
 *   version: "00",
 *   traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
 *   parentId: "00f067aa0ba902b7",
 *   traceFlags: "01",
 * });
 * assert.equal(parseTraceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"), undefined);
 * ```
 */
export function parseTraceparent(value: unknown): TraceParent | undefined {
  if (typeof value !== "string" || value.length < 55) return undefined;
  const version = value.slice(0, 2);
  if (!isTraceFlags(version) || version === "ff") return undefined;
  if (value.length > 55 && (version === "00" || value[55] !== "-")) return undefined;
  if (value[2] !== "-" || value[35] !== "-" || value[52] !== "-") return undefined;
  const traceId = value.slice(3, 35);
  const parentId = value.slice(36, 52);
  const traceFlags = value.slice(53, 55);
  if (!TRACE_ID.test(traceId) || !SPAN_ID.test(parentId) || !isTraceFlags(traceFlags)) {
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
 * import assert from "node:assert/strict";
 * import { formatTraceparent } from "@ctx/request-context";
 *
 * assert.equal(
 *   formatTraceparent("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "01"),
 *   "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
 * );
 * assert.equal(formatTraceparent("not-hex", "00f067aa0ba902b7"), undefined);
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
 * A new random trace id: 32 lowercase hex characters from
 * `crypto.getRandomValues`, never all zero.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateTraceId, isTraceId } from "@ctx/request-context";
 *
 * const id = generateTraceId();
 * assert.equal(id.length, 32);
 * assert.ok(isTraceId(id));
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
 * import assert from "node:assert/strict";
 * import { generateSpanId, isSpanId } from "@ctx/request-context";
 *
 * const id = generateSpanId();
 * assert.equal(id.length, 16);
 * assert.ok(isSpanId(id));
 * ```
 */
export function generateSpanId(): string {
  return randomHex(8);
}
