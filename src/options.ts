/**
 * Options shared by both HTTP adapters: the Fetch wrapper `withRequestContext`
 * and the Hono middleware `requestContext`.
 *
 * @example
 * ```ts
 * import { type RequestContextOptions, withRequestContext } from "@ctx/request-context";
 *
 * const options: RequestContextOptions = { headerName: "X-Trace-Id", trustIncoming: false };
 * const handler = withRequestContext(() => new Response("ok"), options);
 * ```
 *
 * @module
 */

import type { RequestIdGenerator } from "./ids.ts";

/** Options of the HTTP adapters. Every one has a default. */
export interface RequestContextOptions {
  /** The header read and set on every response. Default `"X-Request-ID"` (case-insensitive). */
  headerName?: string;
  /**
   * Keep a safe incoming id (default `true`); `false` always generates one. The same
   * switch covers the incoming `traceparent`/`tracestate` (`false`: every request
   * starts a new trace, as at the edge of a trusted network) and `X-Correlation-ID`.
   */
  trustIncoming?: boolean;
  /** The longest incoming id kept. Default 128. */
  maxLength?: number;
  /** Makes new ids. Default: the generator of `configureLogging` (a UUID). */
  generator?: RequestIdGenerator;
  /** Write the start and finish lines of each request. Default `true`. */
  logRequests?: boolean;
  /** The logger name of the access and error lines. Default `"http"`. */
  logger?: string;
}
