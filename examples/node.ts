/**
 * Node 20: a Fetch handler wrapped by `withRequestContext`, served through
 * `@hono/node-server`. Every line of a request carries its id; the response
 * carries it in `X-Request-ID`.
 *
 * Run: `npx tsx examples/node.ts`, then `curl -i localhost:8000/hello`.
 * A Hono app is served the same way: `serve({ fetch: app.fetch })` with
 * `app.use(requestContext())` (see examples/hono_app.ts).
 *
 * @module
 */
import { serve } from "@hono/node-server";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { getLogger, withRequestContext } from "../mod.ts";

const log = getLogger("app");

/** The handler: greets, and fails on /fail to show the error line and the 500. */
export const handler: (request: Request) => Promise<Response> = withRequestContext(
  async (request: Request) => {
    const { pathname } = new URL(request.url);
    if (pathname === "/fail") throw new Error("database connection lost");
    await new Promise((resolve) => setTimeout(resolve, 5));
    log.info("Greeting", { path: pathname });
    return new Response("hello\n");
  },
) as (request: Request) => Promise<Response>;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  serve({ fetch: handler, hostname: "127.0.0.1", port: 8000 }, (info) => {
    log.info("Listening", { url: `http://127.0.0.1:${info.port}` });
  });
}
