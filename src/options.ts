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

import type { LogLevel } from "./levels.ts";

/**
 * Which access lines a request gets: `"both"` (a start line and a finish line),
 * `"finish"` (one line when it ends, with everything learned along the way: the
 * canonical log line) or `"none"`.
 */
export type AccessLog = "both" | "finish" | "none";

/**
 * Options of the HTTP adapters. Every one has a default, which an invalid value takes too
 * (reported once on stderr, naming the option; only an invalid `headerName` throws). `Subject` is what a
 * `generator` and `skip` receive: the `Request` in the Fetch wrapper, Hono's `Context` in
 * the Hono middleware (as `generator(c)` of `hono/request-id`).
 */
export interface RequestContextOptions<Subject = Request> {
  /**
   * The header read and set on every response (case-insensitive). `""`: no incoming id is
   * read and no header is set, as in `hono/request-id`. A name that is not a valid header
   * name throws when the adapter is made.
   *
   * @default {"X-Request-ID"}
   */
  headerName?: string;
  /**
   * Keep a safe incoming id; `false` always generates one. The same switch covers the
   * incoming `traceparent`/`tracestate` (`false`: every request starts a new trace, as at
   * the edge of a trusted network), Google's `X-Cloud-Trace-Context` (read when no valid
   * `traceparent` came) and `X-Correlation-ID`.
   *
   * @default {true}
   */
  trustIncoming?: boolean;
  /**
   * The longest incoming id (and `X-Correlation-ID`) kept, as in `hono/request-id`.
   *
   * @default {255}
   */
  maxLength?: number;
  /** `hono/request-id`'s name for {@linkcode RequestContextOptions.maxLength}; `maxLength` wins when both are given. */
  limitLength?: number;
  /**
   * Makes new ids; it receives the request's `Subject` (the `Request`, or Hono's
   * `Context`). Left out: the generator of `configureLogging` (a UUID). An id it
   * returns that is not safe (or a throw) is replaced by a UUID.
   */
  generator?(subject: Subject): string;
  /**
   * Write the start and finish lines of each request; `false` means `accessLog: "none"`.
   *
   * @default {true}
   */
  logRequests?: boolean;
  /**
   * Which access lines to write: `"both"` (start and finish), `"finish"` (one line per
   * request, when it ends) or `"none"`. When given, it wins over `logRequests`.
   *
   * @default {"both"}
   */
  accessLog?: AccessLog;
  /**
   * Requests this returns `true` for (health checks) still get their id, context and
   * header, but their access lines are written only if they fail: a thrown error or a
   * status of 500 or more. A predicate that throws skips nothing.
   */
  skip?(subject: Subject): boolean;
  /**
   * The level of the finish line, from the status. Left out: INFO, WARN for 4xx, ERROR
   * for 5xx. An answer that is not a level (or a throw) takes that level.
   */
  accessLevel?(status: number): LogLevel;
  /**
   * The logger name of the access and error lines.
   *
   * @default {"http"}
   */
  logger?: string;
}
