// Deno's built-in OpenTelemetry (OTEL_DENO=true): Deno.serve opens a server span for
// each request and exposes it through @opentelemetry/api, so the lines follow it.
// Run by `deno task test:otel-deno`, which sets OTEL_DENO; ignored without it.
import assert from "node:assert/strict";
import { trace } from "@opentelemetry/api";
import { getLogger, isSpanId, withRequestContext } from "../mod.ts";
import { useOpenTelemetry } from "../integrations/otel.ts";
import { capture, serve } from "./_helpers.ts";

const enabled = Deno.env.get("OTEL_DENO") === "true";
const T = "4bf92f3577b34da6a3ce929d0e0e4736";
const P = "00f067aa0ba902b7";

Deno.test({
  name:
    "useOpenTelemetry with Deno's OTel: every line of a request carries the id of Deno's own server span",
  ignore: !enabled,
  async fn() {
    const cap = capture();
    const stop = useOpenTelemetry({ trace });
    const srv = serve(withRequestContext(() => {
      getLogger("app").info("handling");
      return Response.json(trace.getActiveSpan()?.spanContext() ?? null);
    }));
    try {
      const res = await fetch(srv.url, { headers: { traceparent: `00-${T}-${P}-01` } });
      const server = await res.json();
      assert.ok(server !== null, "Deno opened no server span: is OTEL_DENO=true set?");
      assert.equal(server.traceId, T, "Deno continues the incoming trace");
      assert.ok(isSpanId(server.spanId) && server.spanId !== P);
      const lines = cap.lines();
      assert.equal(lines.length, 3);
      for (const line of lines) {
        assert.deepEqual([line.trace_id, line.span_id, line.trace_flags], [T, server.spanId, "01"]);
      }
    } finally {
      await srv.close();
      stop();
      cap.restore();
    }
  },
});
