/**
 * Request ids: generating them, and deciding whether an id from outside is safe
 * to keep.
 *
 * @example Generate an id
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateRequestId } from "@ctx/request-context";
 *
 * const id = generateRequestId(); // "3f0c0b0e-…", a UUID v4 by default
 * assert.equal(id.length, 36);
 * ```
 *
 * @module
 */

import { currentGenerator, safeGenerate, safeId } from "./_ids.ts";

/** A function that returns a new request id. */
export type RequestIdGenerator = () => string;

/**
 * Returns a new request id: `crypto.randomUUID()`, unless another generator was
 * set with `configureLogging({ generator })`. A generator that throws, or that
 * returns something other than a safe id, is not trusted: a UUID is used instead.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateRequestId } from "@ctx/request-context";
 *
 * assert.match(generateRequestId(), /^[0-9a-f-]{36}$/);
 * ```
 */
export function generateRequestId(): string {
  return safeGenerate(currentGenerator());
}

/**
 * Whether `value` is a safe id: 1 to `maxLength` characters, each of
 * `A-Z a-z 0-9 - _ . : = + /`, and not `"-"` alone (the request id of lines
 * written outside any request). Such an id can go into a header and a log line
 * as it is; anything else (CR, LF, spaces, quotes, commas, non-ASCII) cannot.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isSafeId } from "@ctx/request-context";
 *
 * assert.equal(isSafeId("req-42", 128), true);
 * assert.equal(isSafeId("a\r\nSet-Cookie: x", 128), false);
 * assert.equal(isSafeId("-", 128), false); // the id of lines outside any request
 * ```
 */
export function isSafeId(value: unknown, maxLength = 128): value is string {
  return safeId(value, maxLength);
}
