// The contenders of the per-request benchmark, shared by bench/request.ts (the harness, Deno and
// Node) and bench/request_bench.ts (`deno bench`): a Hono app through app.request() and a Fetch
// handler called directly, bare and with each contender.
import { Hono, type MiddlewareHandler } from "hono";
import { requestId } from "hono/request-id";
import { logger } from "hono/logger";
import { pinoLogger } from "hono-pino";
import { pino } from "pino";
import { type RequestContextOptions, withRequestContext } from "../mod.ts";
import { requestContext } from "../middleware/hono.ts";
import type { Case } from "./_harness.ts";

const TARGET = "http://localhost/orders/42";
export const discard = (): void => {};

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

/** The Hono variants; this module's access lines go to whatever sink is configured. */
export function honoCases(): Case[] {
  const honoPino = pinoLogger({ pino: pino({ level: "info" }, { write: discard }) });
  return [
    honoCase("bare"),
    honoCase("this module (access lines to a discarding sink)", requestContext()),
    honoCase("this module, logRequests: false", requestContext(quiet)),
    honoCase("requestId() + logger(noop)", requestId(), logger(discard)),
    honoCase("hono-pino (discarding destination)", honoPino as Middleware),
  ];
}

/** The Fetch handler variants. */
export function fetchCases(): Case[] {
  return [
    fetchCase("bare", handler),
    fetchCase("this module (access lines to a discarding sink)", withRequestContext(handler)),
    fetchCase("this module, logRequests: false", withRequestContext(handler, quiet)),
  ];
}
