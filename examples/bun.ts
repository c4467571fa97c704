/**
 * Bun: `Bun.serve` with `withRequestContext`. Every line of a request carries
 * its id; the response carries it in `X-Request-ID`.
 *
 * Run: `bun examples/bun.ts`, then `curl -i localhost:8000/hello`.
 * Hono on Bun works the same way: `Bun.serve({ fetch: app.fetch })` with
 * `app.use(requestContext())` (see examples/hono_app.ts).
 *
 * @module
 */
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
