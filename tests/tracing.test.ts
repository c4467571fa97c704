// Trace context, correlation and user context across services, through real
// Deno.serve servers on 127.0.0.1 (and real Hono for the second service).
import assert from "node:assert/strict";
import { Hono } from "hono";
import {
  fetchWithContext,
  getContext,
  getLogger,
  getRequestId,
  isSpanId,
  isTraceId,
  propagationHeaders,
  runWithContext,
  setCorrelationId,
  setRequestId,
  setTraceContext,
  setUser,
  withContext,
  withRequestContext,
} from "../mod.ts";
import { requestContext } from "../middleware/hono.ts";
import { capture, type Line, serve } from "./_helpers.ts";

const T = "4bf92f3577b34da6a3ce929d0e0e4736";
const P = "00f067aa0ba902b7";
const log = getLogger("app");

/** A server that answers with the headers it received, as JSON. */
function echoServer() {
  return serve((req) => Response.json(Object.fromEntries(req.headers)));
}

Deno.test("withRequestContext: a valid traceparent is continued with a new span on every line, start line included", async () => {
  using cap = capture();
  await using srv = serve(withRequestContext(() => {
    log.info("inside");
    return new Response("ok");
  }));
  const res = await fetch(`${srv.url}/t`, {
    headers: { traceparent: `00-${T}-${P}-01`, tracestate: "rojo=00f067aa0ba902b7" },
  });
  await res.body?.cancel();
  const lines = cap.lines();
  assert.equal(lines.length, 3);
  const span = lines[0].span_id as string;
  assert.ok(isSpanId(span) && span !== P, span);
  for (const line of lines) {
    assert.equal(line.trace_id, T);
    assert.equal(line.span_id, span);
    assert.equal(line.parent_span_id, P);
    assert.equal(line.trace_flags, "01");
    assert.equal(line.tracestate, undefined, "tracestate is kept, not logged");
  }
  assert.ok(!cap.raw.join("").includes("rojo"));
});

Deno.test("withRequestContext: without a valid traceparent each request starts its own trace, not sampled", async () => {
  using cap = capture();
  await using srv = serve(withRequestContext(() => new Response("ok")));
  for (const tp of [undefined, `00-${T.toUpperCase()}-${P}-01`, `ff-${T}-${P}-01`]) {
    const res = await fetch(srv.url, { headers: tp ? { traceparent: tp } : {} });
    await res.body?.cancel();
  }
  const starts = cap.lines().filter((l) => !("status_code" in l));
  assert.equal(starts.length, 3);
  for (const line of starts) {
    assert.ok(isTraceId(line.trace_id) && line.trace_id !== T, String(line.trace_id));
    assert.ok(isSpanId(line.span_id));
    assert.equal(line.trace_flags, "00");
    assert.ok(!("parent_span_id" in line));
  }
  assert.equal(new Set(starts.map((l) => l.trace_id)).size, 3);
  assert.ok(!cap.raw.join("").toLowerCase().includes(T), "the rejected header is not logged");
});

Deno.test("withRequestContext: hostile trace and correlation headers are dropped, never echoed or logged raw", async () => {
  using cap = capture();
  await using srv = serve(withRequestContext(() => new Response("ok")));
  const marker = "EVIL7x";
  const hostile = [
    `00-${T}-${P}-01-${marker}`,
    `${marker}-${T}-${P}-01`,
    `00-${T}-${P}-01 ${marker}`,
    `"${marker}"`,
    marker.repeat(500),
  ];
  for (const value of hostile) {
    const res = await fetch(srv.url, {
      headers: {
        traceparent: value,
        tracestate: `${marker}=1,k=${marker}=x`,
        "x-correlation-id": `${marker} ${marker}`,
      },
    });
    await res.body?.cancel();
    for (const [, v] of res.headers) assert.ok(!v.includes(marker), v);
  }
  const lines = cap.lines();
  assert.equal(lines.length, hostile.length * 2);
  assert.ok(!cap.raw.join("\n").includes(marker), "nothing of the hostile headers is logged");
  for (const line of lines) {
    assert.ok(isTraceId(line.trace_id));
    assert.ok(!("parent_span_id" in line) && !("correlation_id" in line));
  }
});

Deno.test("withRequestContext: a safe X-Correlation-ID becomes correlation_id; trustIncoming: false ignores it and the traceparent", async () => {
  using cap = capture();
  await using trusting = serve(
    withRequestContext(() => new Response("ok"), { logger: "trusting" }),
  );
  await using edge = serve(
    withRequestContext(() => new Response("ok"), { logger: "edge", trustIncoming: false }),
  );
  const headers = { traceparent: `00-${T}-${P}-01`, "X-Correlation-ID": "flow-42.a:b" };
  for (const url of [trusting.url, edge.url]) await (await fetch(url, { headers })).text();
  const trusted = cap.lines().filter((l) => l.logger === "trusting");
  const untrusted = cap.lines().filter((l) => l.logger === "edge");
  assert.deepEqual(trusted.map((l) => [l.correlation_id, l.trace_id]), [
    ["flow-42.a:b", T],
    ["flow-42.a:b", T],
  ]);
  for (const line of untrusted) {
    assert.equal(line.correlation_id, undefined);
    assert.ok(isTraceId(line.trace_id) && line.trace_id !== T);
    assert.equal(line.parent_span_id, undefined);
  }
});

Deno.test("setTraceContext validates, sets the fields in place, and answers false outside a context", () => {
  using cap = capture();
  const S = "b7ad6b7169203331";
  assert.equal(setTraceContext(T, S), false);
  runWithContext({ requestId: "job" }, () => {
    assert.equal(setTraceContext(T.toUpperCase(), S), false);
    assert.equal(setTraceContext(T, "0".repeat(16)), false);
    assert.equal(setTraceContext(T, S, "not-a-span"), false);
    assert.equal(setTraceContext(T, S, P, "1"), false);
    assert.equal(getContext()!.fields.trace_id, undefined, "a refused call changes nothing");
    withContext({ step: "nested" }, () => assert.equal(setTraceContext(T, S, P, "01"), true));
    log.info("after");
    assert.equal(setTraceContext(T, P), true); // no parent now, flags kept
    log.info("again");
  });
  const [after, again] = cap.lines();
  assert.deepEqual(
    [after.trace_id, after.span_id, after.parent_span_id, after.trace_flags, after.step],
    [T, S, P, "01", undefined],
  );
  assert.deepEqual(
    [again.trace_id, again.span_id, "parent_span_id" in again, again.trace_flags],
    [T, P, false, "01"],
  );
});

Deno.test("setUser adds user_* fields to later lines, replaces an earlier user, refuses bad input", () => {
  using cap = capture();
  assert.equal(setUser({ id: "u-1" }), false);
  runWithContext(() => {
    assert.equal(setUser({ id: "" }), false);
    assert.equal(setUser({ id: NaN }), false);
    assert.equal(setUser(null as never), false);
    assert.equal(
      setUser({
        id: "x",
        get email(): string {
          throw new Error("getter");
        },
      }),
      false,
    );
    log.info("anonymous");
    assert.equal(setUser({ id: "u-1", email: "ada@example.com", plan: "pro" }), true);
    log.info("ada");
    assert.equal(setUser({ id: 7 }), true);
    log.info("seven");
  });
  const [anon, ada, seven] = cap.lines();
  assert.ok(!Object.keys(anon).some((k) => k.startsWith("user_")));
  assert.deepEqual([ada.user_id, ada.user_email, ada.user_plan], [
    "u-1",
    "ada@example.com",
    "pro",
  ]);
  assert.deepEqual([seven.user_id, "user_email" in seven, "user_plan" in seven], [
    7,
    false,
    false,
  ]);
});

Deno.test("setCorrelationId validates like a request id", () => {
  assert.equal(setCorrelationId("c-1"), false);
  runWithContext(() => {
    assert.equal(setCorrelationId("has space"), false);
    assert.equal(setCorrelationId("x".repeat(257)), false);
    assert.equal(getContext()!.fields.correlation_id, undefined);
    assert.equal(setCorrelationId("checkout-7f3a"), true);
    assert.equal(getContext()!.fields.correlation_id, "checkout-7f3a");
    assert.equal(propagationHeaders()["X-Correlation-ID"], "checkout-7f3a");
  });
});

Deno.test("withRequestContext: a job started from a request keeps its correlation id and trace, with its own request id and span", async () => {
  using cap = capture();
  const jobs: Promise<void>[] = [];
  await using srv = serve(withRequestContext((req) => {
    setUser({ id: "u-9" });
    const inherit = new URL(req.url).searchParams.get("inherit") !== "no";
    jobs.push(runWithContext({ fields: { job: "mail" }, inherit }, async () => {
      await Promise.resolve();
      log.info("job ran");
    }));
    return new Response("accepted", { status: 202 });
  }));
  await (await fetch(`${srv.url}/a`, { headers: { "x-correlation-id": "order-1" } })).text();
  await (await fetch(`${srv.url}/b`)).text();
  await (await fetch(`${srv.url}/c?inherit=no`, { headers: { "x-correlation-id": "c-3" } }))
    .text();
  await Promise.all(jobs);
  const lines = cap.lines();
  const requests = lines.filter((l) => l.logger === "http" && !("status_code" in l));
  const done = lines.filter((l) => l.message === "job ran");
  assert.equal(requests.length, 3);
  assert.equal(done.length, 3);
  const byPath = (p: string) => requests.find((l) => l.path === p)!;
  const [a, b, c] = ["/a", "/b", "/c"].map(byPath);
  const [jobA, jobB, jobC] = done;
  for (const [req, job] of [[a, jobA], [b, jobB]]) {
    assert.notEqual(job.request_id, req.request_id, "the job has its own request id");
    assert.equal(job.trace_id, req.trace_id);
    assert.equal(job.parent_span_id, req.span_id);
    assert.ok(isSpanId(job.span_id) && job.span_id !== req.span_id);
    assert.equal(job.job, "mail");
    assert.equal(job.user_id, undefined, "the user is not inherited");
  }
  assert.equal(jobA.correlation_id, "order-1");
  assert.equal(jobB.correlation_id, b.request_id, "no correlation id: the request's id");
  assert.notEqual(jobC.trace_id, c.trace_id);
  assert.equal(jobC.correlation_id, undefined);
  assert.equal(jobC.parent_span_id, undefined);
});

Deno.test("withRequestContext: X-Request-ID: '-' (the id of no request) is replaced: its job keeps the trace, its id is propagated", async () => {
  using cap = capture();
  const jobs: Promise<void>[] = [];
  let sent: Record<string, string> = {};
  await using srv = serve(withRequestContext(() => {
    sent = propagationHeaders();
    jobs.push(runWithContext(async () => {
      await Promise.resolve();
      log.info("job ran");
    }));
    return new Response("ok");
  }));
  const res = await fetch(srv.url, { headers: { "x-request-id": "-", "x-correlation-id": "-" } });
  await res.text();
  await Promise.all(jobs);
  const id = res.headers.get("x-request-id")!;
  assert.match(id, /^[0-9a-f-]{36}$/);
  const start = cap.lines()[0];
  const job = cap.lines().find((l) => l.message === "job ran")!;
  assert.equal(start.request_id, id);
  assert.equal(start.correlation_id, undefined, "'-' is no correlation id either");
  assert.equal(sent["X-Request-ID"], id);
  assert.equal(job.trace_id, start.trace_id, "the job continues the request's trace");
  assert.equal(job.correlation_id, id);
});

Deno.test("withRequestContext: '-' from code is not an id: runWithContext generates one, setRequestId and setCorrelationId refuse it", () => {
  runWithContext({ requestId: "-" }, () => {
    assert.match(getRequestId(), /^[0-9a-f-]{36}$/);
    assert.equal(setRequestId("-"), false);
    assert.equal(setCorrelationId("-"), false);
    assert.notEqual(getRequestId(), "-");
    assert.equal(getContext()?.fields.correlation_id, undefined);
  });
});

Deno.test("propagationHeaders: nothing outside a context; inside a job without a trace, one is started and logged", () => {
  using cap = capture();
  assert.deepEqual(propagationHeaders(), {});
  runWithContext({ requestId: "cron-1" }, () => {
    log.info("before");
    const headers = propagationHeaders();
    log.info("after");
    assert.deepEqual(Object.keys(headers).sort(), ["X-Request-ID", "traceparent"]);
    assert.equal(headers["X-Request-ID"], "cron-1");
    const [, traceId, spanId, flags] = headers.traceparent.split("-");
    const after = cap.lines()[1];
    assert.deepEqual([after.trace_id, after.span_id, after.trace_flags], [
      traceId,
      spanId,
      flags,
    ]);
    assert.deepEqual(propagationHeaders(), headers, "the same trace on every later call");
  });
  assert.equal(cap.lines()[0].trace_id, undefined);
});

Deno.test("fetchWithContext adds the headers, never overwrites the caller's, and adds nothing outside a context", async () => {
  const srv = echoServer();
  try {
    const outside = await (await fetchWithContext(`${srv.url}/x`)).json();
    assert.deepEqual(
      ["traceparent", "x-request-id", "x-correlation-id"].filter((h) => h in outside),
      [],
    );
    await runWithContext({ requestId: "r-1" }, async () => {
      setCorrelationId("corr-1");
      setTraceContext(T, P, undefined, "01");
      const plain = await (await fetchWithContext(`${srv.url}/x`)).json();
      assert.equal(plain.traceparent, `00-${T}-${P}-01`);
      assert.equal(plain["x-request-id"], "r-1");
      assert.equal(plain["x-correlation-id"], "corr-1");

      const mine = await (await fetchWithContext(`${srv.url}/x`, {
        headers: { "X-Correlation-ID": "caller-set", accept: "text/plain" },
      })).json();
      assert.equal(mine["x-correlation-id"], "caller-set");
      assert.equal(mine.accept, "text/plain");
      assert.equal(mine["x-request-id"], "r-1");

      const request = new Request(`${srv.url}/x`, {
        method: "POST",
        body: "payload",
        headers: { traceparent: `00-${T}-${"1".repeat(16)}-00` },
      });
      const fromRequest = await (await fetchWithContext(request)).json();
      assert.equal(fromRequest.traceparent, `00-${T}-${"1".repeat(16)}-00`);
      assert.equal(fromRequest["x-request-id"], "r-1");
    });
  } finally {
    await srv.close();
  }
});

Deno.test("withRequestContext: two services on 127.0.0.1: B's lines join A's by trace_id, request_id and correlation_id", async () => {
  using cap = capture();
  // Service B: Hono on a real Deno.serve.
  const b = new Hono();
  b.use(requestContext({ logger: "b.http" }));
  b.get("/stock/:sku", (c) => {
    getLogger("b.app").info("stock checked", { sku: c.req.param("sku") });
    return c.json({ sku: c.req.param("sku"), left: 3 });
  });
  await using serviceB = serve(b.fetch);
  // Service A: the Fetch wrapper; it authenticates the user and calls B.
  await using serviceA = serve(withRequestContext(async () => {
    setUser({ id: "u-42", email: "ada@example.com" });
    getLogger("a.app").info("checking stock");
    const stock = await fetchWithContext(`${serviceB.url}/stock/sku-1`);
    getLogger("a.app").info("stock answered", { status: stock.status });
    return new Response(await stock.text());
  }, { logger: "a.http" }));
  const res = await fetch(`${serviceA.url}/orders`, {
    method: "POST",
    headers: { "X-Correlation-ID": "checkout-9", "X-Request-ID": "client-req-1" },
  });
  assert.deepEqual(await res.json(), { sku: "sku-1", left: 3 });
  const lines = cap.lines();
  const a = lines.filter((l) => String(l.logger).startsWith("a."));
  const bl = lines.filter((l) => String(l.logger).startsWith("b."));
  assert.equal(a.length, 4);
  assert.equal(bl.length, 3);
  const traceId = a[0].trace_id as string;
  assert.ok(isTraceId(traceId));
  for (const line of [...a, ...bl]) {
    assert.equal(line.trace_id, traceId, JSON.stringify(line));
    assert.equal(line.request_id, "client-req-1");
    assert.equal(line.correlation_id, "checkout-9");
  }
  const aSpan = a[0].span_id;
  assert.ok(a.every((l) => l.span_id === aSpan));
  assert.ok(bl.every((l) => l.parent_span_id === aSpan), "B's parent is A's span");
  assert.ok(bl.every((l) => isSpanId(l.span_id) && l.span_id !== aSpan));
  // The user is A's: set after A's start line, on every later A line, never sent to B.
  assert.deepEqual(a.map((l) => l.user_id), [undefined, "u-42", "u-42", "u-42"]);
  assert.ok(bl.every((l) => !("user_id" in l) && !("user_email" in l)));
  // B's response header is the shared request id.
  assert.equal(res.headers.get("X-Request-ID"), "client-req-1");
  assert.equal(getRequestId(), "-");
});

Deno.test("withRequestContext: propagation sends the request id under the headerName the adapter uses, from requests and their jobs", async () => {
  using _cap = capture();
  // Service B (Hono) reads its id from X-Trace-Id, as A sends it.
  const b = new Hono();
  b.use(requestContext({ headerName: "X-Trace-Id", logger: "b.http" }));
  b.get("/b", (c) => c.json({ id: getRequestId(), got: c.req.header("x-request-id") ?? null }));
  await using serviceB = serve(b.fetch);
  let inRequest: Record<string, string> = {};
  let inJob: Record<string, string> = {};
  await using serviceA = serve(withRequestContext(async () => {
    inRequest = propagationHeaders();
    await runWithContext(() => {
      inJob = propagationHeaders();
    });
    const answer = await fetchWithContext(`${serviceB.url}/b`);
    return new Response(await answer.text());
  }, { headerName: "X-Trace-Id" }));
  const res = await fetch(serviceA.url, { headers: { "x-trace-id": "trace-name-1" } });
  assert.deepEqual(await res.json(), { id: "trace-name-1", got: null });
  assert.equal(inRequest["X-Trace-Id"], "trace-name-1");
  assert.equal(inRequest["X-Request-ID"], undefined, JSON.stringify(inRequest));
  assert.match(
    inJob["X-Trace-Id"],
    /^[0-9a-f-]{36}$/,
    "a job sends its own id, under the same name",
  );
  assert.equal(inJob["X-Request-ID"], undefined);
  assert.equal(res.headers.get("x-trace-id"), "trace-name-1");
});

Deno.test("withRequestContext: presets map the trace fields: ECS trace.id/span.id, OTel top-level trace_id/span_id/flags", () => {
  const S = "b7ad6b7169203331";
  const lineIn = (preset: "ecs" | "otel"): Line => {
    using cap = capture({ preset });
    runWithContext({ requestId: "r" }, () => {
      setTraceContext(T, S, P, "01");
      setUser({ id: "u-1", email: "e@example.com" });
      setCorrelationId("c-1");
      log.info("x");
    });
    return cap.lines()[0];
  };
  const ecs = lineIn("ecs");
  assert.deepEqual(
    [ecs["trace.id"], ecs["span.id"], ecs["user.id"], ecs["user.email"], ecs.parent_span_id],
    [T, S, "u-1", "e@example.com", P],
  );
  const otel = lineIn("otel");
  assert.deepEqual([otel.trace_id, otel.span_id, otel.flags], [T, S, "01"]);
  const attributes = otel.attributes as Line;
  assert.deepEqual(
    [attributes.parent_span_id, attributes.correlation_id, attributes["user.id"]],
    [P, "c-1", "u-1"],
  );
});
