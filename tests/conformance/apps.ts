/**
 * The conformance app in its two shapes: a Fetch handler wrapped by
 * `withRequestContext`, and a Hono app using `requestContext()`. The runtime
 * entry files only serve these.
 *
 * @module
 */
import { Hono } from "hono";
import { withRequestContext } from "../../mod.ts";
import { requestContext, type Variables } from "../../middleware/hono.ts";
import { installCapture } from "./capture.ts";
import { type RouteEnv, routes } from "./routes.ts";

installCapture();

/** Finds a Workers-style `ctx.waitUntil` among the extra handler arguments, if any. */
function routeEnv(rest: unknown[]): RouteEnv {
  for (const arg of rest) {
    const waitUntil = (arg as { waitUntil?: unknown } | null)?.waitUntil;
    if (typeof waitUntil === "function") {
      return { waitUntil: (p) => waitUntil.call(arg, p) };
    }
  }
  return {};
}

/** The Fetch-handler shape: `(request, ...rest) => Response`, wrapped by `withRequestContext`. */
export const fetchHandler: (request: Request, ...rest: unknown[]) => Promise<Response> =
  withRequestContext(
    (request: Request, ...rest: unknown[]) => {
      const route = routes[new URL(request.url).pathname];
      if (!route) return new Response("not found", { status: 404 });
      return route(request, routeEnv(rest));
    },
  ) as (request: Request, ...rest: unknown[]) => Promise<Response>;

/** The Hono shape: `requestContext()` first, every route registered with Hono. */
export const honoApp: Hono<{ Variables: Variables }> = new Hono<{ Variables: Variables }>();

honoApp.use(requestContext());
honoApp.use(async (c, next) => {
  await next();
  c.res.headers.set("x-hono-request-id", c.get("requestId"));
});
honoApp.onError((err, c) =>
  // As Hono's default handler: an error that carries its own response (HTTPException) gives it.
  "getResponse" in err && typeof err.getResponse === "function"
    ? err.getResponse() as Response
    : c.json({ error: "hono onError", message: err.message, request_id: c.get("requestId") }, 500)
);
for (const [path, route] of Object.entries(routes)) {
  honoApp.all(path, (c) => {
    let env: RouteEnv = {};
    try {
      env = routeEnv([c.executionCtx]);
    } catch {
      // No execution context outside Workers.
    }
    return route(c.req.raw, env);
  });
}
