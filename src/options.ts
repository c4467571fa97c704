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

/**
 * Options of the HTTP adapters. Every one has a default. `Subject` is what a
 * `generator` receives: the `Request` in the Fetch wrapper, Hono's `Context` in
 * the Hono middleware (as `generator(c)` of `hono/request-id`).
 */
export interface RequestContextOptions<Subject = Request> {
  /**
   * The header read and set on every response. Default `"X-Request-ID"`
   * (case-insensitive). `""`: no incoming id is read and no header is set, as in
   * `hono/request-id`. A name that is not a valid header name throws when the
   * adapter is made.
   */
  headerName?: string;
  /**
   * Keep a safe incoming id (default `true`); `false` always generates one. The same
   * switch covers the incoming `traceparent`/`tracestate` (`false`: every request
   * starts a new trace, as at the edge of a trusted network) and `X-Correlation-ID`.
   */
  trustIncoming?: boolean;
  /** The longest incoming id (and `X-Correlation-ID`) kept. Default 255, as in `hono/request-id`. */
  maxLength?: number;
  /** `hono/request-id`'s name for {@linkcode RequestContextOptions.maxLength}; `maxLength` wins when both are given. */
  limitLength?: number;
  /**
   * Makes new ids; it receives the request's `Subject` (the `Request`, or Hono's
   * `Context`). Default: the generator of `configureLogging` (a UUID). An id it
   * returns that is not safe (or a throw) is replaced by a UUID.
   */
  generator?(subject: Subject): string;
  /** Write the start and finish lines of each request. Default `true`. */
  logRequests?: boolean;
  /** The logger name of the access and error lines. Default `"http"`. */
  logger?: string;
}
