// OpenTelemetry log correlation through the real @opentelemetry/api, a real tracer
// provider from @opentelemetry/sdk-trace-base and the AsyncLocalStorage context
// manager from @opentelemetry/context-async-hooks.
import assert from "node:assert/strict";
import * as api from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  getLogger,
  isSpanId,
  propagationHeaders,
  runWithContext,
  setTraceContext,
  withRequestContext,
} from "../mod.ts";
import { useOpenTelemetry } from "../integrations/otel.ts";
import { capture, type Line, serve } from "./_helpers.ts";

const T = "4bf92f3577b34da6a3ce929d0e0e4736";
const S = "b7ad6b7169203331";
const P = "00f067aa0ba902b7";
const log = getLogger("app");

/** Registers a real tracer provider and context manager for one test, then removes them. */
async function withOtel(fn: (exporter: InMemorySpanExporter) => Promise<void> | void) {
  const manager = new AsyncLocalStorageContextManager().enable();
  api.context.setGlobalContextManager(manager);
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  api.trace.setGlobalTracerProvider(provider);
  try {
    await fn(exporter);
  } finally {
    await provider.shutdown();
    api.trace.disable();
    api.context.disable();
  }
}

const tracer = () => api.trace.getTracer("otel-test");

Deno.test("useOpenTelemetry: without useOpenTelemetry an active span changes nothing in the lines", async () => {
  using cap = capture();
  await withOtel(() => {
    runWithContext(() => {
      setTraceContext(T, S, P, "01");
      tracer().startActiveSpan("work", (span) => {
        log.info("inside");
        span.end();
      });
    });
  });
  const [line] = cap.lines();
  assert.deepEqual([line.trace_id, line.span_id, line.parent_span_id], [T, S, P]);
});

Deno.test("useOpenTelemetry: lines inside an active span carry that span's ids; outside it, the context's again", async () => {
  const cap = capture();
  const stop = useOpenTelemetry(api);
  try {
    await withOtel(async (exporter) => {
      await runWithContext({ requestId: "r-otel" }, async () => {
        setTraceContext(T, S, P, "00");
        log.info("before");
        await tracer().startActiveSpan("work", async (span) => {
          log.info("in span");
          await new Promise((resolve) => setTimeout(resolve, 1));
          log.info("in span after await");
          await tracer().startActiveSpan("child", (child) => {
            log.info("in child");
            child.end();
          });
          span.end();
        });
        log.info("after");
      });
      const spans = exporter.getFinishedSpans();
      const work = spans.find((s) => s.name === "work")!.spanContext();
      const child = spans.find((s) => s.name === "child")!.spanContext();
      const lines = cap.lines();
      const at = (m: string) => lines.find((l) => l.message === m)!;
      const ids = (l: Line) => [l.trace_id, l.span_id, l.trace_flags, l.parent_span_id];
      assert.deepEqual(ids(at("before")), [T, S, "00", P]);
      assert.deepEqual(ids(at("in span")), [work.traceId, work.spanId, "01", undefined]);
      assert.deepEqual(ids(at("in span after await")), [
        work.traceId,
        work.spanId,
        "01",
        undefined,
      ]);
      assert.deepEqual(ids(at("in child")), [child.traceId, child.spanId, "01", undefined]);
      assert.deepEqual(ids(at("after")), [T, S, "00", P]);
      assert.ok(lines.every((l) => l.request_id === "r-otel"));
    });
  } finally {
    stop();
    cap.restore();
  }
});

Deno.test("useOpenTelemetry: a line outside any request context still gets the active span's ids", async () => {
  const cap = capture();
  const stop = useOpenTelemetry({ trace: api.trace });
  try {
    await withOtel(() => {
      tracer().startActiveSpan("bare", (span) => {
        log.info("no context");
        span.end();
        const [line] = cap.lines();
        assert.equal(line.request_id, "-");
        assert.deepEqual([line.trace_id, line.span_id], [
          span.spanContext().traceId,
          span.spanContext().spanId,
        ]);
      });
    });
  } finally {
    stop();
    cap.restore();
  }
});

Deno.test("useOpenTelemetry: propagationHeaders sends the active span as the parent, with its tracestate", async () => {
  const stop = useOpenTelemetry(api);
  try {
    await withOtel(() => {
      const remote = api.trace.setSpanContext(api.context.active(), {
        traceId: T,
        spanId: P,
        traceFlags: api.TraceFlags.SAMPLED,
        isRemote: true,
        traceState: api.createTraceState("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"),
      });
      runWithContext({ requestId: "r-1" }, () => {
        api.context.with(remote, () => {
          tracer().startActiveSpan("client", (span) => {
            const headers = propagationHeaders();
            assert.equal(headers.traceparent, `00-${T}-${span.spanContext().spanId}-01`);
            assert.equal(headers.tracestate, "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
            assert.equal(headers["X-Request-ID"], "r-1");
            span.end();
          });
        });
      });
    });
  } finally {
    stop();
  }
});

Deno.test("useOpenTelemetry: the request's start and finish lines keep the context's span; the handler's span lines carry OTel's", async () => {
  const cap = capture();
  const stop = useOpenTelemetry(api);
  const srv = serve(withRequestContext(() =>
    tracer().startActiveSpan("handler", (span) => {
      log.info("handling");
      span.end();
      return new Response(span.spanContext().spanId);
    })
  ));
  try {
    await withOtel(async () => {
      const res = await fetch(srv.url, { headers: { traceparent: `00-${T}-${P}-01` } });
      const otelSpan = await res.text();
      const [start, handling, finish] = cap.lines();
      assert.equal(start.trace_id, T);
      assert.equal(start.parent_span_id, P);
      assert.equal(finish.span_id, start.span_id);
      assert.ok(isSpanId(otelSpan) && otelSpan !== start.span_id);
      assert.equal(handling.span_id, otelSpan);
    });
  } finally {
    await srv.close();
    stop();
    cap.restore();
  }
});

Deno.test("useOpenTelemetry: a span source that throws or gives invalid ids never costs a line", () => {
  const cap = capture();
  let mode: "throw" | "zero" = "throw";
  const stop = useOpenTelemetry({
    trace: {
      getActiveSpan() {
        if (mode === "throw") throw new Error("broken tracer");
        return {
          spanContext: () => ({ traceId: "0".repeat(32), spanId: "0".repeat(16), traceFlags: 0 }),
        };
      },
    },
  });
  try {
    runWithContext(() => {
      setTraceContext(T, S);
      log.info("one");
      mode = "zero";
      log.info("two");
    });
    assert.deepEqual(cap.lines().map((l) => [l.message, l.trace_id, l.span_id]), [
      ["one", T, S],
      ["two", T, S],
    ]);
  } finally {
    stop();
    cap.restore();
  }
});

Deno.test("useOpenTelemetry: stop() restores the context's own ids", async () => {
  const cap = capture();
  const stop = useOpenTelemetry(api);
  try {
    await withOtel(() => {
      runWithContext(() => {
        setTraceContext(T, S);
        tracer().startActiveSpan("s", (span) => {
          log.info("with");
          stop();
          log.info("without");
          span.end();
        });
      });
    });
    const [withIt, withoutIt] = cap.lines();
    assert.notEqual(withIt.span_id, S);
    assert.equal(withoutIt.span_id, S);
  } finally {
    stop();
    cap.restore();
  }
});
