// Internal: the state and rules behind ids.ts: the generator in force, the fallback to a UUID
// when a generator fails, the id of lines outside any request, and what a safe id is.

import type { RequestIdGenerator } from "./ids.ts";

const defaultGenerator: RequestIdGenerator = () => crypto.randomUUID();
let generator: RequestIdGenerator = defaultGenerator;

/**
 * Calls `gen` (with `subject`, for an adapter's generator), falling back
 * to a UUID when it fails or yields an unsafe id.
 */
export function safeGenerate(
  gen: RequestIdGenerator | ((subject: unknown) => string),
  subject?: unknown,
): string {
  if (gen === defaultGenerator) return crypto.randomUUID();
  try {
    const id = gen(subject);
    if (safeId(id, MAX_ID_LENGTH)) return id;
  } catch {
    // fall through to a UUID: a broken generator must not break a request
  }
  return crypto.randomUUID();
}

/** Sets the generator that `generateRequestId` uses (`undefined` restores UUIDs). */
export function setGenerator(gen: RequestIdGenerator | undefined): void {
  generator = gen ?? defaultGenerator;
}

/** The current default generator. */
export function currentGenerator(): RequestIdGenerator {
  return generator;
}

/**
 * The request id of lines written outside any request. Never an id of a
 * request: {@linkcode isSafeId} refuses it, so a client's `X-Request-ID: -` or a
 * `setRequestId("-")` cannot make a request's lines look like lines of no request.
 */
export const NO_REQUEST_ID = "-";

/** The longest id `setRequestId` and generators may produce. */
export const MAX_ID_LENGTH = 256;

const SAFE_ID = /^[A-Za-z0-9\-_.:=+/]+$/;

/** `isSafeId`: 1 to `maxLength` safe characters, and not {@linkcode NO_REQUEST_ID}. */
export function safeId(value: unknown, maxLength: number): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= maxLength &&
    value !== NO_REQUEST_ID && SAFE_ID.test(value);
}
