// The server of the real-HTTP benchmark (bench/http.mjs), on Deno (`Deno.serve`), Node
// (`@hono/node-server`) and Bun (`Bun.serve`): `http_server.ts <contender>`. Every contender
// answers `ok`; lines go to stdout, which the runner sends to /dev/null. Prints
// `LISTENING <port>` on stderr once it listens on 127.0.0.1.
//
// The contenders (issue 11), in the order of the report:
//   bare            () => new Response("ok")
//   floor-header    read X-Request-ID (else a UUID), set it on the response
//   floor-console   that, plus two JSON.stringify access lines through console.log
//   floor-batched   that, the same two lines gathered and written once per event-loop turn
//   hono-logger     Hono requestId() + logger()
//   hono-pino       hono-pino (pino's default destination: stdout)
//   logtape-hono    @logtape/hono with its request id (context: true), JSON Lines to stdout
//   module-fetch    withRequestContext, the default sink, two access lines
//   module-hono     Hono requestContext(), the default sink, two access lines
//   module-fetch-one, module-hono-one   the same, accessLog: "finish" (one line a request)
//   module-fetch-quiet, module-hono-quiet   the same, accessLog: "none" (no line)
import { Hono, type MiddlewareHandler } from "hono";
import { requestId } from "hono/request-id";
import { logger } from "hono/logger";
import { pinoLogger } from "hono-pino";
import { pino } from "pino";
import { AsyncLocalStorage } from "node:async_hooks";
import { Writable } from "node:stream";
import * as logtape from "@logtape/logtape";
import { honoLogger } from "@logtape/hono";
import { withRequestContext } from "../mod.ts";
import { requestContext } from "../middleware/hono.ts";

type Fetch = (request: Request) => Response | Promise<Response>;
type Host = {
  Deno?: {
    args: string[];
    serve(options: object, handler: Fetch): unknown;
    stdout: { writeSync(b: Uint8Array): number; writable: WritableStream<Uint8Array> };
  };
  Bun?: { serve(options: object): { port: number } };
  process?: {
    argv: string[];
    stdout: unknown;
    getBuiltinModule(name: string): { writeSync(fd: number, s: string): number };
  };
};
const host = globalThis as unknown as Host;
const contender = host.Deno?.args[0] ?? host.process!.argv[2];

const ok = (): Response => new Response("ok");

/** The hand-written floor: the id header read and set. */
function withHeader(request: Request): [string, Response] {
  const id = request.headers.get("x-request-id") ?? crypto.randomUUID();
  const response = new Response("ok");
  response.headers.set("x-request-id", id);
  return [id, response];
}

/** The two access lines of the floors, as a module would write them. */
function floor(write: (line: string) => void): Fetch {
  return (request) => {
    const start = performance.now();
    const method = request.method;
    const url = request.url;
    const path = url.slice(url.indexOf("/", url.indexOf("//") + 2));
    const [id, response] = withHeader(request);
    write(JSON.stringify({
      timestamp: new Date().toISOString(),
      level: "INFO",
      logger: "http",
      message: `${method} ${path}`,
      request_id: id,
      method,
      path,
    }));
    write(JSON.stringify({
      timestamp: new Date().toISOString(),
      level: "INFO",
      logger: "http",
      message: `${method} ${path} - 200`,
      request_id: id,
      method,
      path,
      status_code: 200,
      duration_ms: Math.round((performance.now() - start) * 100) / 100,
    }));
    return response;
  };
}

/** Lines gathered and written with one synchronous write per event-loop turn. */
function batchedWriter(): (line: string) => void {
  const encoder = new TextEncoder();
  const fs = host.Deno ? undefined : host.process!.getBuiltinModule("node:fs");
  let lines: string[] = [];
  const flush = () => {
    const text = lines.join("\n") + "\n";
    lines = [];
    if (fs) fs.writeSync(1, text);
    else host.Deno!.stdout.writeSync(encoder.encode(text));
  };
  return (line) => {
    if (lines.push(line) === 1) setImmediate(flush);
  };
}

function hono(...middleware: MiddlewareHandler[]): Fetch {
  const app = new Hono();
  for (const m of middleware) app.use(m);
  app.get("/", (c) => c.text("ok"));
  return app.fetch;
}

async function logtapeApp(): Promise<Fetch> {
  const stream = host.Deno
    ? host.Deno.stdout.writable
    : Writable.toWeb(host.process!.stdout as Writable) as WritableStream<Uint8Array>;
  await logtape.configure({
    contextLocalStorage: new AsyncLocalStorage(),
    sinks: { stdout: logtape.getStreamSink(stream, { formatter: logtape.jsonLinesFormatter }) },
    loggers: [
      { category: ["hono"], sinks: ["stdout"], lowestLevel: "info" },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "warning" },
    ],
  });
  return hono(honoLogger({ context: true }) as MiddlewareHandler);
}

const CONTENDERS: Record<string, () => Fetch | Promise<Fetch>> = {
  "bare": () => ok,
  "floor-header": () => (request) => withHeader(request)[1],
  "floor-console": () => floor((line) => console.log(line)),
  "floor-batched": () => floor(batchedWriter()),
  "hono-logger": () => hono(requestId(), logger()),
  "hono-pino": () => hono(pinoLogger({ pino: pino() }) as MiddlewareHandler),
  "logtape-hono": logtapeApp,
  "module-fetch": () => withRequestContext(ok),
  "module-hono": () => hono(requestContext()),
  "module-fetch-one": () => withRequestContext(ok, { accessLog: "finish" }),
  "module-hono-one": () => hono(requestContext({ accessLog: "finish" })),
  "module-fetch-quiet": () => withRequestContext(ok, { accessLog: "none" }),
  "module-hono-quiet": () => hono(requestContext({ accessLog: "none" })),
};

if (!(contender in CONTENDERS)) {
  throw new Error(`usage: http_server.ts ${Object.keys(CONTENDERS).join("|")}; not ${contender}`);
}
const fetch = await CONTENDERS[contender]();
const listening = (port: number) => console.error(`LISTENING ${port}`);
if (host.Deno) {
  host.Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }: { port: number }) => listening(port),
  }, fetch);
} else if (host.Bun) {
  listening(host.Bun.serve({ hostname: "127.0.0.1", port: 0, fetch }).port);
} else {
  const { serve } = await import("@hono/node-server");
  serve({ fetch, hostname: "127.0.0.1", port: 0 }, (info) => listening(info.port));
}
