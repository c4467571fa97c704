/**
 * A Worker that logs through `otlpSink` with its defaults (so: a send per request,
 * handed to `ctx.waitUntil`). The first request names the receiver in
 * `x-otlp-endpoint` (a test has no other way to pass it before the first line);
 * `x-otlp-buffered: 1` turns the per-request send off, to show what it is for.
 * `/dropped` reports the sink's drop count, and logs nothing.
 *
 * @module
 */
import { configureLogging, getLogger, withRequestContext } from "../../mod.ts";
import { type OtlpSink, otlpSink } from "../../integrations/otlp.ts";

let sink: OtlpSink | undefined;
const log = getLogger("app");

const handler = withRequestContext((_request: Request, ..._rest: unknown[]) => {
  log.info("otlp probe", { user_id: 7 });
  return new Response("ok");
});

export default {
  fetch(request: Request, env: unknown, ctx: unknown): Response | Promise<Response> {
    if (new URL(request.url).pathname === "/dropped") {
      // Outside the context: this request writes no line of its own.
      return Response.json({ dropped: sink?.dropped, flushOnRequestEnd: sink?.flushOnRequestEnd });
    }
    if (sink === undefined) {
      const buffered = request.headers.get("x-otlp-buffered") === "1";
      sink = otlpSink({
        endpoint: request.headers.get("x-otlp-endpoint") ?? undefined,
        initialBackoffMs: 200,
        maxAttempts: 3,
        ...(buffered ? { flushOnRequestEnd: false, flushIntervalMs: 300 } : {}),
      });
      configureLogging({ sink, service: { name: "worker" } });
    }
    return handler(request, env, ctx);
  },
};
