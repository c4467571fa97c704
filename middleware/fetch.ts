/**
 * The Fetch-API adapter: wraps a handler of `Deno.serve`, a Cloudflare Worker's
 * `fetch` or `Bun.serve` so that each request runs in its own context.
 *
 * @example Deno.serve
 * ```ts
 * import assert from "node:assert/strict";
 * import { configureLogging, getLogger, withRequestContext } from "@ctx/request-context";
 *
 * const lines: string[] = [];
 * configureLogging({ sink: (line) => lines.push(line) });
 * const log = getLogger("app");
 * const handler = withRequestContext((req) => {
 *   log.info("hello"); // carries this request's request_id
 *   return new Response("ok");
 * });
 * // Deno.serve(handler), or one request by hand:
 * const res = await handler(new Request("http://127.0.0.1/", { headers: { "X-Request-ID": "r-7" } }));
 * assert.equal(res.headers.get("X-Request-ID"), "r-7");
 * assert.equal(await res.text(), "ok");
 * assert.ok(lines.map((line) => JSON.parse(line)).every((line) => line.request_id === "r-7"));
 * ```
 *
 * @module
 */

import type { RequestContextOptions } from "../src/options.ts";
import { handleRequest, resolveOptions } from "../src/_http.ts";

/** A Fetch handler: the request, then whatever the runtime passes (Deno's `info`, Workers' `env, ctx`). */
export type FetchHandler<A extends unknown[] = unknown[]> = (
  request: Request,
  ...rest: A
) => Response | Promise<Response>;

/**
 * Wraps a Fetch handler (sync or async) so that each request gets a request id
 * (a safe incoming `X-Request-ID`, else a new UUID), runs in its own context,
 * gets start and finish lines (see `accessLog`, `skip` and `accessLevel` in
 * {@linkcode RequestContextOptions}), and answers with the `X-Request-ID` header, errors
 * included: an uncaught error is logged once with its stack and answered with a
 * `500` JSON body `{"error":"Internal Server Error","request_id":"…"}`.
 *
 * @example Cloudflare Workers
 * ```ts
 * import { withRequestContext } from "@ctx/request-context";
 *
 * export default {
 *   fetch: withRequestContext((request: Request, env: unknown, ctx: unknown) => {
 *     return new Response(`hello from ${new URL(request.url).pathname}`);
 *   }),
 * };
 * ```
 *
 * @example One line per request, health checks only when they fail
 * ```ts
 * import { withRequestContext } from "@ctx/request-context";
 *
 * const handler = withRequestContext(() => new Response("ok"), {
 *   accessLog: "finish",
 *   skip: (request) => new URL(request.url).pathname === "/health",
 * });
 * ```
 */
export function withRequestContext<A extends unknown[]>(
  handler: FetchHandler<A>,
  options?: RequestContextOptions<Request>,
): (request: Request, ...rest: A) => Promise<Response> {
  const o = resolveOptions(options, "withRequestContext");
  return (request: Request, ...rest: A) =>
    handleRequest(
      request,
      o,
      () => handler(request, ...rest),
      () => rest.find(hasWaitUntil),
      request,
    );
}

/** Workers' `ctx` (the third argument): the one that can keep a flush of the logs alive. */
function hasWaitUntil(arg: unknown): boolean {
  return typeof arg === "object" && arg !== null &&
    typeof (arg as { waitUntil?: unknown }).waitUntil === "function";
}
