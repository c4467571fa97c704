/**
 * The conformance app in its two shapes: a Fetch handler wrapped by
 * `withRequestContext`, and a Hono app using `requestContext()`. The runtime
 * entry files only serve these.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { withRequestContext } from "../../mod.ts";
import { requestContext, type RequestContextVariables } from "../../middleware/hono.ts";
import { installCapture } from "./capture.ts";
import { type Route, type RouteEnv, routes } from "./routes.ts";

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

/** The app's routes as a Fetch handler; under `/finish/` the same routes. */
function routeHandler(request: Request, ...rest: unknown[]): Response | Promise<Response> {
  const path = new URL(request.url).pathname.replace(/^\/finish(?=\/)/, "");
  const route = routes[path];
  if (!route) return new Response("not found", { status: 404 });
  return route(request, routeEnv(rest));
}

const isHealth = (path: string) => path === "/health";
const fetchMain = withRequestContext(routeHandler, {
  skip: (request) => isHealth(new URL(request.url).pathname),
});
const fetchFinish = withRequestContext(routeHandler, { accessLog: "finish" });

/**
 * The Fetch-handler shape: `(request, ...rest) => Response`, wrapped by `withRequestContext`
 * (health checks skipped); paths under `/finish/` go through a wrapper with `accessLog: "finish"`.
 */
export const fetchHandler = (request: Request, ...rest: unknown[]): Promise<Response> =>
  new URL(request.url).pathname.startsWith("/finish/")
    ? fetchFinish(request, ...rest)
    : fetchMain(request, ...rest);

/** The Hono shape: `requestContext()` first, every route registered with Hono. */
export const honoApp: Hono<{ Variables: RequestContextVariables }> = new Hono<
  { Variables: RequestContextVariables }
>();

const honoMain = requestContext({ skip: (c) => isHealth(c.req.path) });
const honoFinish = requestContext({ accessLog: "finish" });
// One middleware per request: `accessLog: "finish"` under /finish/, the default elsewhere.
honoApp.use((c, next) =>
  c.req.path.startsWith("/finish/") ? honoFinish(c, next) : honoMain(c, next)
);
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
  honoApp.all(path, handle(route));
  honoApp.all(`/finish${path}`, handle(route));
}

/** A route as a Hono handler, with Workers' `ctx.waitUntil` when there is one. */
function handle(route: Route) {
  return (c: Context) => {
    let env: RouteEnv = {};
    try {
      env = routeEnv([c.executionCtx]);
    } catch {
      // No execution context outside Workers.
    }
    return route(c.req.raw, env);
  };
}
