/**
 * Node 20: the example app (`app.ts`, a Fetch handler wrapped by
 * `withRequestContext`) served through `@hono/node-server`. Every line of a
 * request carries its id; the response carries it in `X-Request-ID`.
 *
 * Run: `npx tsx examples/node.ts`, then `curl -i -X POST localhost:8000/runs/create`.
 * A Hono app is served the same way: `serve({ fetch: app.fetch })` with
 * `app.use(requestContext())` (see examples/hono_app.ts).
 *
 * @module
 */
import { serve } from "@hono/node-server";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { getLogger } from "../mod.ts";
import { handler } from "./app.ts";

const log = getLogger("app");

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  serve({ fetch: handler, hostname: "127.0.0.1", port: 8000 }, (info) => {
    log.info("Listening", { url: `http://127.0.0.1:${info.port}` });
  });
}
