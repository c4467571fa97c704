/**
 * Request ids: generating them, and deciding whether an id from outside is safe
 * to keep.
 *
 * @example Generate an id
 * ```ts
 * import { generateRequestId } from "@ctx/request-context";
 *
 * const id = generateRequestId(); // "3f0c0b0e-…", a UUID v4 by default
 * console.log(id.length); // 36
 * ```
 *
 * @module
 */

/** A function that returns a new request id. */
export type RequestIdGenerator = () => string;

const defaultGenerator: RequestIdGenerator = () => crypto.randomUUID();
let generator: RequestIdGenerator = defaultGenerator;

/**
 * Returns a new request id: `crypto.randomUUID()`, unless another generator was
 * set with `configureLogging({ generator })`. A generator that throws, or that
 * returns something other than a safe id, is not trusted: a UUID is used instead.
 *
 * @example
 * ```ts
 * import { generateRequestId } from "@ctx/request-context";
 *
 * console.log(/^[0-9a-f-]{36}$/.test(generateRequestId())); // true
 * ```
 */
export function generateRequestId(): string {
  return safeGenerate(generator);
}

/**
 * Internal: calls `gen` (with `subject`, for an adapter's generator), falling back
 * to a UUID when it fails or yields an unsafe id.
 */
export function safeGenerate(
  gen: RequestIdGenerator | ((subject: unknown) => string),
  subject?: unknown,
): string {
  if (gen === defaultGenerator) return crypto.randomUUID();
  try {
    const id = gen(subject);
    if (isSafeId(id, MAX_ID_LENGTH)) return id;
  } catch {
    // fall through to a UUID: a broken generator must not break a request
  }
  return crypto.randomUUID();
}

/** Internal: sets the generator that `generateRequestId` uses (`undefined` restores UUIDs). */
export function setGenerator(gen: RequestIdGenerator | undefined): void {
  generator = gen ?? defaultGenerator;
}

/** Internal: the current default generator. */
export function currentGenerator(): RequestIdGenerator {
  return generator;
}

/**
 * Internal: the request id of lines written outside any request. Never an id of a
 * request: {@linkcode isSafeId} refuses it, so a client's `X-Request-ID: -` or a
 * `setRequestId("-")` cannot make a request's lines look like lines of no request.
 */
export const NO_REQUEST_ID = "-";

/** The longest id `setRequestId` and generators may produce. */
export const MAX_ID_LENGTH = 256;

const SAFE_ID = /^[A-Za-z0-9\-_.:=+/]+$/;

/**
 * Whether `value` is a safe id: 1 to `maxLength` characters, each of
 * `A-Z a-z 0-9 - _ . : = + /`, and not `"-"` alone (the request id of lines
 * written outside any request). Such an id can go into a header and a log line
 * as it is; anything else (CR, LF, spaces, quotes, commas, non-ASCII) cannot.
 *
 * @example
 * ```ts
 * import { isSafeId } from "@ctx/request-context";
 *
 * console.log(isSafeId("req-42", 128)); // true
 * console.log(isSafeId("a\r\nSet-Cookie: x", 128)); // false
 * console.log(isSafeId("-", 128)); // false: the id of lines outside any request
 * ```
 */
export function isSafeId(value: unknown, maxLength = 128): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= maxLength &&
    value !== NO_REQUEST_ID && SAFE_ID.test(value);
}
