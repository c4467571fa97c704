// Per-request overhead, in process (no network): a Hono app through app.request() and a Fetch
// handler called directly, bare and with each contender. Runs on Deno and Node (tsx).
//
// The added cost of a contender is its time per request minus the bare time of the same run.
import { Hono, type MiddlewareHandler } from "hono";
import { requestId } from "hono/request-id";
import { logger } from "hono/logger";
import { pinoLogger } from "hono-pino";
import { pino } from "pino";
import { configureLogging, type RequestContextOptions, withRequestContext } from "../mod.ts";
import { requestContext } from "../middleware/hono.ts";
import { type Case, compare, report } from "./_harness.ts";

const TARGET = "http://localhost/orders/42";
const discard = (): void => {};

type Middleware = MiddlewareHandler;

function honoCase(name: string, ...middleware: Middleware[]): Case {
  const app = new Hono();
  for (const m of middleware) app.use(m);
  app.get("/orders/:id", (c) => c.json({ id: c.req.param("id") }));
  return {
    name: `hono: ${name}`,
    async run(n) {
      for (let i = 0; i < n; i++) await app.request(TARGET);
    },
  };
}

const handler = (request: Request): Response =>
  Response.json({ path: new URL(request.url).pathname });

function fetchCase(name: string, h: (request: Request) => Response | Promise<Response>): Case {
  return {
    name: `fetch: ${name}`,
    async run(n) {
      for (let i = 0; i < n; i++) await h(new Request(TARGET));
    },
  };
}

const quiet: RequestContextOptions = { logRequests: false };
configureLogging({ level: "INFO", sink: discard });
const honoPino = pinoLogger({ pino: pino({ level: "info" }, { write: discard }) }) as Middleware;

report(
  "request-hono",
  await compare([
    honoCase("bare"),
    honoCase("this module (access lines to a discarding sink)", requestContext() as Middleware),
    honoCase("this module, logRequests: false", requestContext(quiet) as Middleware),
    honoCase(
      "requestId() + logger(noop)",
      requestId() as Middleware,
      logger(discard) as Middleware,
    ),
    honoCase("hono-pino (discarding destination)", honoPino),
  ]),
);
report(
  "request-fetch",
  await compare([
    fetchCase("bare", handler),
    fetchCase("this module (access lines to a discarding sink)", withRequestContext(handler)),
    fetchCase("this module, logRequests: false", withRequestContext(handler, quiet)),
  ]),
);
configureLogging({});
