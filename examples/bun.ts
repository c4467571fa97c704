/**
 * Bun: the example app (`app.ts`, wrapped with `withRequestContext`) on
 * `Bun.serve`. Every line of a request carries its id; the response carries it
 * in `X-Request-ID`.
 *
 * Run: `bun examples/bun.ts`, then `curl -i -X POST localhost:8000/runs/create`.
 * Hono on Bun works the same way: `Bun.serve({ fetch: app.fetch })` with
 * `app.use(requestContext())` (see examples/hono_app.ts).
 *
 * @module
 */
import { getLogger } from "../mod.ts";
import { handler } from "./app.ts";

const log = getLogger("app");

/** The part of Bun's API this example uses. */
declare const Bun: {
  serve(options: {
    hostname: string;
    port: number;
    fetch: (request: Request) => Promise<Response>;
  }): { port: number };
};

if ((import.meta as { main?: boolean }).main) {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 8000, fetch: handler });
  log.info("Listening", { url: `http://127.0.0.1:${server.port}` });
}
