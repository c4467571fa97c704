// Issue 12, "signal, not noise", through a real Deno.serve and a real Hono app: one line
// per request, annotations, skip, access levels, held debug lines, sampling by trace id.
import assert from "node:assert/strict";
import { Hono } from "hono";
import {
  annotateRequest,
  configureLogging,
  getLogger,
  type LoggingOptions,
  runWithContext,
  setContextFields,
  withRequestContext,
} from "../mod.ts";
import { requestContext } from "../middleware/hono.ts";
import { capture, type Line, serve, sleep } from "./_helpers.ts";

const log = getLogger("app");

/** Lines of one request id, in order. */
function of(lines: Line[], id: string): Line[] {
  return lines.filter((l) => l.request_id === id);
}

async function get(url: string, id: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers: { "x-request-id": id, ...headers } });
  await res.text();
  return res;
}

/** A Deno.serve app behind `withRequestContext(options)`, with a few routes that log. */
function fetchApp(options: Parameters<typeof withRequestContext>[1] = {}) {
  return serve(withRequestContext(async (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/health") return new Response("ok");
    if (path === "/health-down") return new Response("down", { status: 503 });
    if (path === "/health-throws") throw new Error("db unreachable");
    if (path === "/annotated") {
      annotateRequest({ user_id: "u-1", cache: "miss" });
      log.info("loading");
      await sleep(1);
      annotateRequest({ cache: "hit", rows: 3 });
      return new Response("ok");
    }
    if (path === "/debug-ok" || path === "/debug-fail" || path === "/debug-500") {
      for (let i = 0; i < 3; i++) {
        log.debug("step", { i });
        await sleep(2);
      }
      if (path === "/debug-fail") throw new TypeError("step 3 failed");
      return new Response("done", { status: path === "/debug-500" ? 500 : 200 });
    }
    if (path === "/warns") {
      log.warn("slow upstream");
      log.warn("retrying");
      log.info("fine");
      return new Response("ok", { status: 404 });
    }
    return new Response("ok");
  }, options));
}

Deno.test('accessLog "finish": one line per request, written when it ends, with all it learned', async () => {
  const cap = capture({ level: "INFO" });
  const srv = fetchApp({ accessLog: "finish" });
  try {
    await get(`${srv.url}/annotated?token=secret`, "fin-1");
    const lines = of(cap.lines(), "fin-1");
    assert.deepEqual(lines.map((l) => [l.logger, l.message]), [
      ["app", "loading"],
      ["http", "GET /annotated - 200"],
    ]);
    const finish = lines[1];
    assert.equal(finish.level, "INFO");
    assert.equal(finish.method, "GET");
    assert.equal(finish.path, "/annotated");
    assert.equal(finish.status_code, 200);
    assert.ok((finish.duration_ms as number) >= 1);
    assert.equal(finish.warn_count, 0);
    assert.ok(!cap.raw.join("").includes("secret"));
  } finally {
    await srv.close();
    cap.restore();
  }
});

Deno.test('accessLog "none" and logRequests: false write no access line; "both" stays the default', async () => {
  const cap = capture();
  const none = fetchApp({ accessLog: "none" });
  const off = fetchApp({ logRequests: false });
  const both = fetchApp();
  const wins = fetchApp({ logRequests: false, accessLog: "finish" });
  try {
    await get(`${none.url}/warns`, "none-1");
    await get(`${off.url}/warns`, "off-1");
    await get(`${both.url}/warns`, "both-1");
    await get(`${wins.url}/warns`, "wins-1");
    const http = (id: string) => of(cap.lines(), id).filter((l) => l.logger === "http");
    assert.deepEqual(http("none-1"), []);
    assert.deepEqual(http("off-1"), []);
    assert.deepEqual(http("both-1").map((l) => l.message), ["GET /warns", "GET /warns - 404"]);
    assert.deepEqual(http("wins-1").map((l) => l.message), ["GET /warns - 404"]);
  } finally {
    await Promise.all([none.close(), off.close(), both.close(), wins.close()]);
    cap.restore();
  }
});

Deno.test("configureLogging requestBuffer and sample: the finish line counts the request's WARN+ lines and names a failure's error", async () => {
  const cap = capture();
  const srv = fetchApp({ accessLog: "finish" });
  try {
    await get(`${srv.url}/warns`, "warn-1");
    const finish = of(cap.lines(), "warn-1").at(-1)!;
    assert.equal(finish.message, "GET /warns - 404");
    assert.equal(finish.level, "WARN");
    assert.equal(finish.warn_count, 2);
    assert.equal(finish.error_name, undefined);

    const res = await get(`${srv.url}/debug-fail`, "fail-1");
    assert.equal(res.status, 500);
    const lines = of(cap.lines(), "fail-1");
    const last = lines.at(-1)!;
    assert.equal(last.message, "GET /debug-fail - 500");
    assert.equal(last.level, "ERROR");
    assert.equal(last.error_name, "TypeError");
    assert.equal(last.error_message, "step 3 failed");
    assert.equal(last.warn_count, 1, "the error line is one of the request's lines");
    // The error itself, with its stack, is still on one line only.
    assert.equal(lines.filter((l) => l.error !== undefined).length, 1);
  } finally {
    await srv.close();
    cap.restore();
  }
});

Deno.test("annotateRequest: on the finish line only, merged; false outside a request", async () => {
  const cap = capture();
  const srv = fetchApp();
  try {
    await get(`${srv.url}/annotated`, "ann-1");
    const lines = of(cap.lines(), "ann-1");
    assert.deepEqual(lines.map((l) => l.message), [
      "GET /annotated",
      "loading",
      "GET /annotated - 200",
    ]);
    for (const line of lines.slice(0, 2)) assert.equal(line.user_id, undefined);
    const finish = lines[2];
    assert.equal(finish.user_id, "u-1");
    assert.equal(finish.cache, "hit");
    assert.equal(finish.rows, 3);
    assert.equal(annotateRequest({ x: 1 }), false);
    assert.equal(runWithContext(() => annotateRequest({ x: 1 })), false);
    assert.ok(!cap.raw.some((l) => l.includes('"x":1')));
  } finally {
    await srv.close();
    cap.restore();
  }
});

Deno.test("annotateRequest never throws, whatever it is given, and collisions keep the module's fields", async () => {
  using cap = capture();
  const hostile = new Proxy({}, {
    ownKeys() {
      throw new Error("no keys");
    },
  });
  await using srv = serve(withRequestContext(() => {
    annotateRequest(hostile);
    annotateRequest(null as unknown as Record<string, unknown>);
    annotateRequest({
      status_code: 999,
      get boom() {
        throw new Error("getter");
      },
    });
    return new Response("ok");
  }, { accessLog: "finish" }));
  const res = await get(srv.url, "ann-hostile");
  assert.equal(res.status, 200);
  const [finish] = of(cap.lines(), "ann-hostile");
  assert.equal(finish.status_code, 200);
});

Deno.test("configureLogging requestBuffer and sample: skip: a health check writes nothing when it answers 200, and its lines when it fails", async () => {
  const cap = capture();
  const srv = fetchApp({ skip: (request) => new URL(request.url).pathname.startsWith("/health") });
  try {
    const ok = await get(`${srv.url}/health`, "hc-ok");
    assert.equal(ok.headers.get("x-request-id"), "hc-ok", "a skipped request keeps its header");
    await get(`${srv.url}/health-down`, "hc-down");
    await get(`${srv.url}/health-throws`, "hc-throws");
    assert.deepEqual(of(cap.lines(), "hc-ok"), []);
    const down = of(cap.lines(), "hc-down");
    assert.deepEqual(down.map((l) => [l.level, l.message]), [
      ["INFO", "GET /health-down"],
      ["ERROR", "GET /health-down - 503"],
    ]);
    assert.ok(down[0].timestamp! <= down[1].timestamp!);
    assert.deepEqual(of(cap.lines(), "hc-throws").map((l) => [l.level, l.message]), [
      ["INFO", "GET /health-throws"],
      ["ERROR", "Unhandled error"],
      ["ERROR", "GET /health-throws - 500"],
    ]);
  } finally {
    await srv.close();
    cap.restore();
  }
});

Deno.test("configureLogging requestBuffer and sample: skip that throws skips nothing; accessLevel sets the finish line's level", async () => {
  const cap = capture();
  const srv = fetchApp({
    skip: () => {
      throw new Error("bad predicate");
    },
    accessLevel: (status) => status === 404 ? "DEBUG" : status >= 500 ? "CRITICAL" : "INFO",
  });
  const odd = fetchApp({
    accessLog: "finish",
    accessLevel: () => "LOUD" as unknown as "INFO",
  });
  try {
    await get(`${srv.url}/health`, "lvl-1");
    await get(`${srv.url}/warns`, "lvl-2");
    await get(`${srv.url}/debug-500`, "lvl-3");
    await get(`${odd.url}/warns`, "lvl-4");
    const finish = (id: string) => of(cap.lines(), id).filter((l) => l.logger === "http").at(-1)!;
    assert.equal(finish("lvl-1").level, "INFO");
    assert.equal(finish("lvl-2").level, "DEBUG");
    assert.equal(finish("lvl-3").level, "CRITICAL");
    assert.equal(finish("lvl-4").level, "WARN", "not a level: the default");
  } finally {
    await Promise.all([srv.close(), odd.close()]);
    cap.restore();
  }
});

Deno.test("configureLogging requestBuffer and sample: requestBuffer: held debug lines come before the error line, in order, with their own times; never on success", async () => {
  const cap = capture({ level: "INFO", requestBuffer: {} });
  const srv = fetchApp({ accessLog: "finish" });
  try {
    await get(`${srv.url}/debug-ok`, "buf-ok");
    assert.deepEqual(of(cap.lines(), "buf-ok").map((l) => l.message), ["GET /debug-ok - 200"]);

    await get(`${srv.url}/debug-fail`, "buf-fail");
    const lines = of(cap.lines(), "buf-fail");
    assert.deepEqual(lines.map((l) => [l.level, l.message, l.i]), [
      ["DEBUG", "step", 0],
      ["DEBUG", "step", 1],
      ["DEBUG", "step", 2],
      ["ERROR", "Unhandled error", undefined],
      ["ERROR", "GET /debug-fail - 500", undefined],
    ]);
    const times = lines.map((l) => Date.parse(l.timestamp as string));
    assert.ok(times[2] - times[0] >= 2, `own timestamps: ${lines.map((l) => l.timestamp)}`);

    await get(`${srv.url}/debug-500`, "buf-500");
    assert.deepEqual(of(cap.lines(), "buf-500").map((l) => l.message), [
      "step",
      "step",
      "step",
      "GET /debug-500 - 500",
    ]);
    // Outside a request, DEBUG follows the level.
    log.debug("outside");
    assert.ok(!cap.raw.some((l) => l.includes("outside")));
  } finally {
    await srv.close();
    cap.restore();
  }
});

Deno.test("configureLogging requestBuffer and sample: requestBuffer: an ERROR line sets the held lines free; later ones pass; flushOnStatus; maxLines", async () => {
  using cap = capture({ level: "INFO", requestBuffer: { maxLines: 3, flushOnStatus: 400 } });
  await using srv = serve(withRequestContext((request) => {
    const path = new URL(request.url).pathname;
    for (let i = 0; i < 5; i++) log.debug("held", { i });
    if (path === "/logged-error") {
      setContextFields({ phase: "after" });
      log.error("payment declined");
      log.debug("after the error");
      return new Response("declined", { status: 402 });
    }
    return new Response("ok", { status: path === "/400" ? 400 : 200 });
  }, { accessLog: "finish" }));
  await get(`${srv.url}/logged-error`, "trig-1");
  const lines = of(cap.lines(), "trig-1");
  assert.deepEqual(lines.map((l) => [l.level, l.message, l.i ?? l.dropped_lines]), [
    ["WARN", "2 held lines dropped", 2],
    ["DEBUG", "held", 2],
    ["DEBUG", "held", 3],
    ["DEBUG", "held", 4],
    ["ERROR", "payment declined", undefined],
    ["DEBUG", "after the error", undefined],
    ["WARN", "GET /logged-error - 402", undefined],
  ]);
  assert.equal(lines[1].phase, undefined, "a held line keeps the context it was logged in");
  assert.equal(lines[4].phase, "after");
  assert.equal(lines.at(-1)!.warn_count, 1);

  await get(`${srv.url}/400`, "trig-400");
  assert.equal(of(cap.lines(), "trig-400").filter((l) => l.message === "held").length, 3);
  await get(`${srv.url}/ok`, "trig-ok");
  assert.deepEqual(of(cap.lines(), "trig-ok").map((l) => l.message), ["GET /ok - 200"]);
});

Deno.test("configureLogging requestBuffer and sample: isEnabled('DEBUG') is true inside a request that holds debug lines, false outside", async () => {
  using _cap = capture({ level: "INFO", requestBuffer: {} });
  let inside: boolean | undefined;
  await using srv = serve(withRequestContext(() => {
    inside = log.isEnabled("DEBUG");
    return new Response("ok");
  }));
  await get(srv.url, "enabled-1");
  assert.equal(inside, true);
  assert.equal(log.isEnabled("DEBUG"), false);
});

/** A Hono app with sub-app routes, a failing route and a health check. */
function honoApp(options: Parameters<typeof requestContext>[0] = {}) {
  const app = new Hono();
  app.use(requestContext(options));
  app.use(async (_c, next) => {
    await next();
  });
  app.get("/runs/:id", (c) => {
    log.debug("loading run", { run: c.req.param("id") });
    annotateRequest({ run_id: c.req.param("id") });
    return c.json({ id: c.req.param("id") });
  });
  app.get("/runs/:id/fail", () => {
    log.debug("about to fail");
    throw new RangeError("no such run");
  });
  app.get(
    "/health",
    (c) => c.text(c.req.query("down") ? "down" : "ok", c.req.query("down") ? 503 : 200),
  );
  const api = new Hono();
  api.get("/users/:user", (c) => c.text("user"));
  app.route("/api", api);
  app.onError((err, c) => c.json({ error: err.message }, 500));
  return app;
}

Deno.test("configureLogging requestBuffer and sample: Hono: the finish line carries the matched route, annotations, and a failure's error", async () => {
  using cap = capture({ level: "INFO", requestBuffer: {} });
  await using srv = serve(honoApp({ accessLog: "finish" }).fetch);
  await get(`${srv.url}/runs/42`, "hono-route");
  await get(`${srv.url}/api/users/7`, "hono-sub");
  await get(`${srv.url}/nowhere`, "hono-404");
  await get(`${srv.url}/runs/42/fail`, "hono-fail");
  const lines = cap.lines();
  const [run] = of(lines, "hono-route");
  assert.deepEqual([run.message, run.route, run.path, run.run_id], [
    "GET /runs/42 - 200",
    "/runs/:id",
    "/runs/42",
    "42",
  ]);
  assert.equal(of(lines, "hono-sub")[0].route, "/api/users/:user");
  assert.equal(of(lines, "hono-404")[0].status_code, 404);
  assert.equal(of(lines, "hono-404")[0].route, undefined, "no handler matched: no route");
  const fail = of(lines, "hono-fail");
  assert.deepEqual(fail.map((l) => [l.level, l.message]), [
    ["DEBUG", "about to fail"],
    ["ERROR", "Unhandled error"],
    ["ERROR", "GET /runs/42/fail - 500"],
  ]);
  assert.equal(fail[2].route, "/runs/:id/fail");
  assert.equal(fail[2].error_name, "RangeError");
  assert.equal(fail[2].error_message, "no such run");
});

Deno.test("configureLogging requestBuffer and sample: Hono: skip (c) => boolean: a health check is silent at 200, logged when it fails", async () => {
  using cap = capture();
  await using srv = serve(honoApp({ skip: (c) => c.req.path === "/health" }).fetch);
  const ok = await get(`${srv.url}/health`, "hono-hc-ok");
  assert.equal(ok.headers.get("x-request-id"), "hono-hc-ok");
  await get(`${srv.url}/health?down=1`, "hono-hc-down");
  await get(`${srv.url}/runs/1`, "hono-hc-other");
  assert.deepEqual(of(cap.lines(), "hono-hc-ok"), []);
  assert.deepEqual(of(cap.lines(), "hono-hc-down").map((l) => l.message), [
    "GET /health",
    "GET /health - 503",
  ]);
  assert.equal(of(cap.lines(), "hono-hc-other").length, 3);
});

Deno.test("configureLogging requestBuffer and sample: Hono: held debug lines before the error line, in order; none for a request that succeeded", async () => {
  using cap = capture({ level: "INFO", requestBuffer: {} });
  await using srv = serve(honoApp().fetch);
  await get(`${srv.url}/runs/9`, "hono-buf-ok");
  assert.ok(!of(cap.lines(), "hono-buf-ok").some((l) => l.level === "DEBUG"));
  await get(`${srv.url}/runs/9/fail`, "hono-buf-fail");
  assert.deepEqual(of(cap.lines(), "hono-buf-fail").map((l) => l.message), [
    "GET /runs/9/fail",
    "about to fail",
    "Unhandled error",
    "GET /runs/9/fail - 500",
  ]);
});

// --- sampling -------------------------------------------------------------------------

const SAMPLED = (trace: string) => `00-${trace}-00f067aa0ba902b7-01`;
const UNSAMPLED = (trace: string) => `00-${trace}-00f067aa0ba902b7-00`;

function sampledApp(options: LoggingOptions, handler?: (request: Request) => Response) {
  const cap = capture({ level: "INFO", ...options });
  const srv = serve(withRequestContext(async (request) => {
    log.info("work");
    const path = new URL(request.url).pathname;
    if (path === "/slow") await sleep(30);
    if (path === "/fail") throw new Error("sampled out, failed anyway");
    return handler?.(request) ?? new Response("ok");
  }, { accessLog: "finish" }));
  return { cap, srv };
}

Deno.test("configureLogging requestBuffer and sample: sample: kept requests write their lines with sample_rate; others only when they fail, are slow or reach keepStatus", async () => {
  const { cap, srv } = sampledApp({ sample: { rate: 0, keepSlowMs: 20, keepStatus: 400 } });
  try {
    const trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    await get(`${srv.url}/ok`, "s-out", { traceparent: UNSAMPLED(trace) });
    await get(`${srv.url}/ok`, "s-flag", { traceparent: SAMPLED(trace) });
    await get(`${srv.url}/fail`, "s-fail", { traceparent: UNSAMPLED(trace) });
    await get(`${srv.url}/slow`, "s-slow", { traceparent: UNSAMPLED(trace) });
    const lines = cap.lines();
    assert.deepEqual(of(lines, "s-out"), []);
    assert.deepEqual(of(lines, "s-flag").map((l) => [l.message, l.sample_rate]), [
      ["work", 0],
      ["GET /ok - 200", 0],
    ]);
    assert.deepEqual(of(lines, "s-fail").map((l) => [l.message, l.sample_rate]), [
      ["work", 1],
      ["Unhandled error", 1],
      ["GET /fail - 500", 1],
    ]);
    assert.deepEqual(of(lines, "s-slow").map((l) => l.message), ["work", "GET /slow - 200"]);
  } finally {
    await srv.close();
    cap.restore();
  }
});

/** The trace ids whose request wrote its "work" line, among the captured lines. */
function keptTraces(raw: string[]): Set<string> {
  return new Set(
    raw.map((l) => JSON.parse(l) as Line).filter((l) => l.message === "work").map((l) =>
      l.trace_id as string
    ),
  );
}

const canRun = Deno.permissions.querySync({ name: "run" }).state === "granted";

Deno.test({
  name:
    "configureLogging requestBuffer and sample: sample: two real services behind one trace make the same decision for each of 1000 traces",
  ignore: !canRun,
  async fn() {
    // Service B: its own process, its own configuration (sample rate 0.3).
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--no-check",
        "--allow-net=127.0.0.1",
        new URL("./fixtures/sample_service.ts", import.meta.url).pathname,
        "0.3",
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    // B's stdout is read all along: a full pipe would stall B's writes.
    const bLines: string[] = [];
    let bUrl = "";
    let urlSeen = () => {};
    const listening = new Promise<void>((resolve) => (urlSeen = resolve));
    const ended = (async () => {
      let rest = "";
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
        const parts = (rest + chunk).split("\n");
        rest = parts.pop()!;
        for (const line of parts) {
          if (bUrl === "") {
            bUrl = line;
            urlSeen();
          } else if (line !== "end") bLines.push(line);
        }
      }
    })();
    await listening;
    // Service A: here, rate 0.3 too; each request starts a trace and calls B within it.
    const { fetchWithContext } = await import("../mod.ts");
    const cap = capture({ level: "INFO", sample: { rate: 0.3 } });
    const a = serve(withRequestContext(async () => {
      log.info("work");
      const res = await fetchWithContext(bUrl);
      return new Response(await res.text());
    }, { accessLog: "finish" }));
    try {
      // 1000 requests, 25 at a time.
      for (let i = 0; i < 1000; i += 25) {
        await Promise.all(Array.from({ length: 25 }, async () => {
          const res = await fetch(a.url);
          assert.equal(await res.text(), "b");
        }));
      }
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode("done\n"));
      await writer.close();
      await ended;
      const keptA = keptTraces(cap.raw);
      const keptB = keptTraces(bLines);
      assert.ok(keptA.size > 200 && keptA.size < 400, `A kept ${keptA.size} of 1000`);
      assert.deepEqual([...keptA].sort(), [...keptB].sort());
      // Every request reached B: each one wrote its finish line there only when kept.
      assert.equal(bLines.filter((l) => l.includes('"GET / - 200"')).length, keptB.size);
    } finally {
      await a.close();
      cap.restore();
      await child.status;
    }
  },
});

Deno.test("configureLogging requestBuffer and sample: sample: a service with a higher rate keeps every trace a lower rate keeps", async () => {
  const { keepsTrace, resolveSignal } = await import("../src/_signal.ts");
  const fc = (await import("fast-check")).default;
  const { params } = await import("./_fuzz.ts");
  const hex = fc.stringMatching(/^[0-9a-f]{32}$/);
  fc.assert(
    fc.property(
      hex,
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (id, r1, r2) => {
        const [lo, hi] = r1 <= r2 ? [r1, r2] : [r2, r1];
        const low = resolveSignal(undefined, { rate: lo })!.sample!;
        const high = resolveSignal(undefined, { rate: hi })!.sample!;
        if (keepsTrace(id, low)) assert.ok(keepsTrace(id, high), `${id} kept at ${lo}, not ${hi}`);
        if (hi === 1) assert.ok(keepsTrace(id, high));
        if (lo === 0) assert.ok(!keepsTrace(id, low));
      },
    ),
    params(2000),
  );
});

Deno.test("configureLogging requestBuffer and sample: requestBuffer and sample: bad values take their defaults, never throw; {} turns them off", async () => {
  const cap = capture({
    level: "INFO",
    requestBuffer: { level: "nope" as "DEBUG", maxLines: -3, flushOnStatus: NaN },
    sample: { rate: NaN },
  });
  const srv = fetchApp({ accessLog: "finish" });
  try {
    await get(`${srv.url}/debug-500`, "bad-500");
    assert.deepEqual(of(cap.lines(), "bad-500").map((l) => [l.message, l.sample_rate]), [
      ["step", undefined],
      ["step", undefined],
      ["step", undefined],
      ["GET /debug-500 - 500", undefined],
    ]);
    configureLogging({ level: "INFO", sink: (line) => cap.raw.push(line) });
    await get(`${srv.url}/debug-fail`, "off-fail");
    assert.ok(!of(cap.lines(), "off-fail").some((l) => l.level === "DEBUG"));
  } finally {
    await srv.close();
    cap.restore();
  }
});
