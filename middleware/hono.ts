/**
 * The Hono adapter: a middleware that runs each request in its own context.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { configureLogging, getLogger } from "@ctx/request-context";
 * import { requestContext } from "@ctx/request-context/hono";
 *
 * const lines: string[] = [];
 * configureLogging({ sink: (line) => lines.push(line) });
 * const log = getLogger("app");
 * const app = new Hono(); // c.get("requestId") is a string, as with hono/request-id
 * app.use(requestContext());
 * app.get("/", (c) => {
 *   log.info("hello"); // carries the request's request_id
 *   return c.json({ requestId: c.get("requestId") });
 * });
 *
 * const res = await app.request("/", { headers: { "X-Request-ID": "r-1" } });
 * assert.deepEqual(await res.json(), { requestId: "r-1" });
 * const hello = lines.map((line) => JSON.parse(line)).find((line) => line.message === "hello");
 * assert.equal(hello.request_id, "r-1");
 * ```
 *
 * @module
 */

import "./_hono_variables.ts";
import type { AccessLog, RequestContextOptions } from "../src/options.ts";
import { handleRequest, resolveOptions } from "../src/_http.ts";

export type { AccessLog, RequestContextOptions };

/**
 * The Hono variables {@linkcode requestContext} sets: `c.get("requestId")`. Give them to
 * `new Hono<{ Variables: RequestContextVariables }>()` where "hono" is not npm's hono (with
 * npm's hono a plain `new Hono()` has them already).
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { requestContext, type RequestContextVariables } from "@ctx/request-context/hono";
 *
 * const app = new Hono<{ Variables: RequestContextVariables }>();
 * app.use(requestContext());
 * app.get("/", (c) => c.text(c.get("requestId")));
 * ```
 */
export type RequestContextVariables = {
  /** The request's id, as sent in the response's `X-Request-ID`. */
  requestId: string;
};

/**
 * {@linkcode RequestContextVariables} under `hono/request-id`'s name, so that an app
 * coming from it changes only its import.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { requestContext, type RequestIdVariables } from "@ctx/request-context/hono";
 *
 * const app = new Hono<{ Variables: RequestIdVariables }>();
 * app.use(requestContext());
 * ```
 */
export type RequestIdVariables = RequestContextVariables;

/**
 * The earlier name of {@linkcode RequestContextVariables}, which says nothing outside Hono's
 * generics.
 *
 * @deprecated Use {@linkcode RequestContextVariables}.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import type { RequestContextVariables } from "@ctx/request-context/hono";
 *
 * const app = new Hono<{ Variables: RequestContextVariables }>(); // was Variables
 * ```
 */
export type Variables = RequestContextVariables;

/**
 * The part of Hono's `Context` the middleware uses. Written out here, rather than
 * imported, so that the module's public types stand alone; any Hono `Context` fits.
 */
export interface HonoContextLike {
  /**
   * The request: the raw one, its headers by name and its path (for a `generator` or
   * `skip`), and what Hono matched (for the finish line's `route`).
   */
  readonly req: {
    /** The raw request. */
    readonly raw: Request;
    /** A header of the request, by name. */
    header(name: string): string | undefined;
    /** The request's path, as Hono routes it. */
    readonly path: string;
    /** The index, in `matchedRoutes`, of the handler running now (after `next()`: the one that answered). */
    readonly routeIndex?: number;
    /** The routes that matched the request, middleware included, in order. */
    readonly matchedRoutes?: readonly { path: string; method: string; handler: unknown }[];
  };
  /** The response so far. */
  res: Response;
  /** Whether a response was set: a handler that returned none leaves it `false`. */
  readonly finalized?: boolean;
  /** The error the app's `onError` answered, if any. */
  readonly error?: Error | undefined;
  /** Sets a variable; the middleware sets `requestId`. */
  set(key: "requestId", value: string): void;
  /** Workers' `ExecutionContext` (Hono's getter throws outside Workers); a buffered sink's flush is handed to its `waitUntil`. */
  readonly executionCtx?: unknown;
}

/**
 * The middleware {@linkcode requestContext} returns: a Hono `MiddlewareHandler`.
 * `c.get("requestId")` is typed as a `string` on a plain `new Hono()` when "hono"
 * is npm's hono; otherwise declare `new Hono<{ Variables: RequestContextVariables }>()`.
 */
export type RequestContextMiddleware = (
  c: HonoContextLike,
  next: () => Promise<void>,
) => Promise<void>;

/**
 * Hono middleware: takes a safe incoming `X-Request-ID` or generates one, sets
 * `c.get("requestId")`, runs the rest of the app in the request's context, writes
 * the start and finish lines (the finish line carries the matched `route`, such as
 * `/runs/:id`; see `accessLog`, `skip` and `accessLevel`), logs an uncaught error once with its stack (the
 * app's `onError` still shapes the answer), and sets `X-Request-ID` on every
 * response, 404s and errors included. A drop-in for `requestId()` of
 * `hono/request-id`: it takes `limitLength` (default 255), `headerName` (`""`:
 * no id read, no header set) and `generator(c)`, which receives the `Context`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { configureLogging } from "@ctx/request-context";
 * import { requestContext } from "@ctx/request-context/hono";
 *
 * const lines: string[] = [];
 * configureLogging({ sink: (line) => lines.push(line) });
 * const app = new Hono();
 * app.use(requestContext({ logger: "access", generator: (c) => `${c.req.raw.method}-${Date.now()}` }));
 * app.get("/boom", () => {
 *   throw new Error("boom"); // logged with its stack; the answer carries X-Request-ID
 * });
 *
 * const res = await app.request("/boom");
 * assert.equal(res.status, 500);
 * assert.match(res.headers.get("X-Request-ID")!, /^GET-\d+$/);
 * const error = lines.map((line) => JSON.parse(line)).find((line) => line.level === "ERROR");
 * assert.equal(error.logger, "access");
 * assert.match(error.error.stack, /boom/);
 * ```
 *
 * @example One line per request; health checks only when they fail
 * ```ts
 * import { Hono } from "hono";
 * import { requestContext } from "@ctx/request-context/hono";
 *
 * const app = new Hono();
 * app.use(requestContext({ accessLog: "finish", skip: (c) => c.req.path === "/health" }));
 * ```
 */
export function requestContext(
  options?:
    | RequestContextOptions<HonoContextLike>
    | Omit<RequestContextOptions, "generator" | "skip">,
): RequestContextMiddleware {
  const o = resolveOptions(options, "requestContext");
  return async (c, next) => {
    const response = await handleRequest(
      c.req.raw,
      o,
      async (requestId, nested, state) => {
        c.set("requestId", requestId);
        try {
          await next();
        } catch (error) {
          // The app's onError threw: c.error is what it was handling. Both are logged.
          if (c.error !== undefined && c.error !== error) {
            state.report(c.error);
            state.report(error, "Error handler failed");
          }
          throw error;
        }
        // After next(), Hono's routeIndex is the handler that answered: its route pattern.
        state.route = routeOf(c) ?? state.route;
        if (c.error !== undefined) state.report(c.error);
        const res: unknown = c.finalized === false ? undefined : c.res;
        if (!(res instanceof Response) && !nested) {
          // The handler returned no Response (or something else): drop what Hono holds, so
          // the shared path's logged 500 replaces it whole instead of Hono failing later.
          (c as { res: unknown }).res = undefined;
        }
        return res as Response;
      },
      () => c.executionCtx,
      c,
    );
    if (response instanceof Response && response !== c.res) c.res = response;
  };
}

/**
 * The route pattern of the handler that answered (`/runs/:id`), read after `next()`:
 * Hono leaves `routeIndex` at the last route it ran. When that is a middleware of
 * `use()` (no handler matched: a 404), there is no route.
 */
function routeOf(c: HonoContextLike): string | undefined {
  try {
    const req = c.req;
    const index = req.routeIndex;
    if (typeof index !== "number") return undefined;
    const route = req.matchedRoutes?.[index];
    if (route === undefined || typeof route.path !== "string") return undefined;
    // A sub-app's route (`app.route()`) is wrapped; Hono keeps the original handler here.
    const wrapped = route.handler as { __COMPOSED_HANDLER?: unknown } | undefined;
    const handler = wrapped?.__COMPOSED_HANDLER ?? wrapped;
    if (route.method === "ALL" && typeof handler === "function" && handler.length >= 2) {
      return undefined;
    }
    return route.path;
  } catch {
    return undefined;
  }
}
