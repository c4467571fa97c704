// Failing and slow sinks, and the buffered sink, under real requests on Deno.serve
// and Hono: the request completes with the right response, a failure is reported
// once, and no line is dropped that something could still take.
import assert from "node:assert/strict";
import { Hono } from "hono";
import {
  bufferedSink,
  configureLogging,
  flushLogs,
  getLogger,
  getRequestId,
  type Sink,
  withRequestContext,
} from "../mod.ts";
import { requestContext } from "../middleware/hono.ts";
import { serve, sleep } from "./_helpers.ts";

const log = getLogger("app");
const REPORT = "log sink failed; its lines go to stderr from now on when it fails";

/** Collects what the module writes to stderr (console.error) while `fn` runs. */
async function withStderr<T>(fn: (stderr: string[]) => Promise<T>): Promise<T> {
  const stderr: string[] = [];
  const original = console.error;
  console.error = (...data: unknown[]) => void stderr.push(data.map(String).join(" "));
  try {
    return await fn(stderr);
  } finally {
    console.error = original;
    configureLogging({});
  }
}

const handler = withRequestContext((req: Request) => {
  log.info("inside", { path: new URL(req.url).pathname });
  return new Response(`hello ${getRequestId()}`, { status: 201 });
});

/** Sends `n` requests with ids `<prefix>-<i>` and checks each answer. */
async function hit(url: string, n: number, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  await Promise.all(Array.from({ length: n }, async (_, i) => {
    const id = `${prefix}-${i}`;
    const res = await fetch(url, { headers: { "X-Request-ID": id } });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get("x-request-id"), id);
    assert.equal(await res.text(), `hello ${id}`);
    ids.push(id);
  }));
  return ids;
}

/** The request ids of the JSON log lines among `texts`, with their counts. */
function countById(texts: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts) {
    if (!text.startsWith("{")) continue;
    const line = JSON.parse(text);
    if (line.logger === "request-context") continue;
    counts.set(line.request_id, (counts.get(line.request_id) ?? 0) + 1);
  }
  return counts;
}

Deno.test("configureLogging sink: a sink that always throws: every request answers, one report, every line on stderr", async () => {
  await withStderr(async (stderr) => {
    let calls = 0;
    configureLogging({
      sink: () => {
        calls++;
        throw new Error("disk full");
      },
    });
    await using srv = serve(handler);
    const ids = await hit(srv.url, 30, "throw");
    assert.equal(calls, 90);
    assert.equal(stderr.filter((l) => l.includes(REPORT)).length, 1);
    assert.ok(stderr.find((l) => l.includes(REPORT))!.includes("Error: disk full"));
    const counts = countById(stderr);
    for (const id of ids) assert.equal(counts.get(id), 3, id);
  });
});

Deno.test("configureLogging sink: a sink that fails now and then: what it took stays there, the rest goes to stderr, no line twice", async () => {
  await withStderr(async (stderr) => {
    const taken: string[] = [];
    let n = 0;
    configureLogging({
      sink: (line) => {
        if (n++ % 3 === 0) throw new TypeError("flaky");
        taken.push(line);
      },
    });
    await using srv = serve(handler);
    const ids = await hit(srv.url, 20, "flaky");
    assert.equal(stderr.filter((l) => l.includes(REPORT)).length, 1);
    const fromStderr = stderr.filter((l) => l.startsWith("{") && !l.includes(REPORT));
    assert.equal(taken.length + fromStderr.length, 60);
    assert.equal(new Set([...taken, ...fromStderr]).size, 60);
    const counts = countById([...taken, ...fromStderr]);
    for (const id of ids) assert.equal(counts.get(id), 3, id);
  });
});

Deno.test("configureLogging sink: a sink that logs through the logger and throws does not recurse", async () => {
  await withStderr(async (stderr) => {
    configureLogging({
      sink: () => {
        log.error("the sink is unhappy"); // would call the sink again
        throw new Error("nope");
      },
    });
    log.info("one");
    log.info("two");
    assert.equal(stderr.filter((l) => l.includes(REPORT)).length, 1);
    const lines = stderr.filter((l) => l.startsWith("{") && !l.includes(REPORT))
      .map((l) => JSON.parse(l).message);
    assert.deepEqual(lines, ["the sink is unhappy", "one", "the sink is unhappy", "two"]);
    await Promise.resolve();
  });
});

Deno.test("configureLogging sink: a slow async sink: requests do not wait for it and flushLogs waits for every line", async () => {
  await withStderr(async (stderr) => {
    const written: string[] = [];
    configureLogging({
      sink: (line) => sleep(300).then(() => void written.push(line)),
    });
    await using srv = serve(handler);
    const start = performance.now();
    const ids = await hit(srv.url, 10, "slow");
    const elapsed = performance.now() - start;
    assert.ok(written.length < 30, "some lines are still being written");
    assert.ok(elapsed < 3000, `requests took ${elapsed} ms`);
    await flushLogs();
    assert.equal(written.length, 30);
    const counts = countById(written);
    for (const id of ids) assert.equal(counts.get(id), 3);
    assert.equal(stderr.length, 0);
  });
});

Deno.test("configureLogging sink: an async sink that rejects: one report, the refused lines on stderr, flushLogs resolves", async () => {
  await withStderr(async (stderr) => {
    configureLogging({ sink: () => Promise.reject(new Error("remote down")) });
    for (let i = 0; i < 5; i++) log.info(`line ${i}`);
    await flushLogs();
    assert.equal(stderr.filter((l) => l.includes(REPORT)).length, 1);
    const messages = stderr.filter((l) => !l.includes(REPORT)).map((l) => JSON.parse(l).message);
    assert.deepEqual(messages, ["line 0", "line 1", "line 2", "line 3", "line 4"]);
  });
});

/** Whether `promise` settles within `ms` (the timer is cleared either way). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
  try {
    return await Promise.race([promise.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

const NEVER = () => new Promise<never>(() => {});

Deno.test("flushLogs({ timeoutMs }) gives up on writes that never settle, and says how many on stderr", async () => {
  await withStderr(async (stderr) => {
    configureLogging({ sink: NEVER });
    await using srv = serve(handler);
    await hit(srv.url, 2, "never"); // 2 requests, 3 lines each: 6 writes that never settle
    const start = performance.now();
    assert.ok(await settlesWithin(flushLogs({ timeoutMs: 100 }), 3000), "flushLogs hung");
    const waited = performance.now() - start;
    assert.ok(waited >= 90 && waited < 2000, `waited ${waited} ms`);
    const reports = stderr.map((l) => JSON.parse(l));
    assert.equal(reports.length, 1, stderr.join("\n"));
    assert.equal(reports[0].level, "WARN");
    assert.equal(reports[0].logger, "request-context");
    assert.equal(reports[0].pending_writes, 6);
    assert.equal(reports[0].timeout_ms, 100);
    assert.match(reports[0].message, /flushLogs.*100 ms.*6 writes/);
  });
});

Deno.test("flushLogs({ timeoutMs }): a flush() that never settles, behind bufferedSink too, is given up and reported", async () => {
  for (
    const sink of [
      { write() {}, flush: NEVER },
      bufferedSink({ write: NEVER }, { flushOnExit: false }),
      bufferedSink({ write() {}, flush: NEVER }, { flushOnExit: false }),
    ]
  ) {
    await withStderr(async (stderr) => {
      configureLogging({ sink });
      log.info("one");
      log.info("two");
      assert.ok(await settlesWithin(flushLogs({ timeoutMs: 50 }), 3000), "flushLogs hung");
      const reports = stderr.map((l) => JSON.parse(l));
      assert.equal(reports.length, 1, stderr.join("\n"));
      assert.match(reports[0].message, /flushLogs/);
      assert.equal(typeof reports[0].pending_writes, "number");
    });
  }
});

Deno.test("flushLogs: a flush that finishes in time reports nothing and leaves no timer", async () => {
  await withStderr(async (stderr) => {
    configureLogging({ sink: () => sleep(20) });
    log.info("a");
    await flushLogs({ timeoutMs: 60_000 }); // a leaked 60 s timer fails the test's sanitizer
    await flushLogs();
    assert.deepEqual(stderr, []);
  });
});

// ---------------------------------------------------------------------------
// bufferedSink

Deno.test("bufferedSink holds lines until maxLines or maxBytes, then writes one batch in order", async () => {
  const batches: string[] = [];
  const byLines = bufferedSink((b) => void batches.push(b), { maxLines: 3, flushIntervalMs: 0 });
  byLines.write("a");
  byLines.write("b");
  assert.deepEqual(batches, []);
  assert.equal(byLines.size, 2);
  byLines.write("c");
  assert.deepEqual(batches, ["a\nb\nc"]);
  assert.equal(byLines.size, 0);
  await byLines.close();

  const out: string[] = [];
  const byBytes = bufferedSink((b) => void out.push(b), { maxBytes: 10, flushIntervalMs: 0 });
  byBytes.write("12345");
  assert.equal(out.length, 0);
  byBytes.write("6789");
  assert.deepEqual([...out], ["12345\n6789"]);
  byBytes.write("tail");
  await byBytes.close();
  assert.deepEqual([...out], ["12345\n6789", "tail"]);
  byBytes.write("after close");
  assert.equal(out.at(-1), "after close");
});

Deno.test("bufferedSink writes its buffer out flushIntervalMs after the first line, and leaves no timer", async () => {
  const batches: string[] = [];
  const sink = bufferedSink((b) => void batches.push(b), { flushIntervalMs: 30 });
  sink.write("x");
  sink.write("y");
  assert.deepEqual(batches, []);
  await sleep(120);
  assert.deepEqual(batches, ["x\ny"]);
  await sink.close();
});

Deno.test("bufferedSink: each request's lines are written when it ends, through Deno.serve and Hono", async () => {
  const batches: string[] = [];
  configureLogging({ sink: bufferedSink((b) => void batches.push(b), { flushIntervalMs: 0 }) });
  const srv = serve(handler);
  try {
    const res = await fetch(srv.url, { headers: { "X-Request-ID": "buf-1" } });
    await res.text();
    const lines = batches.join("\n").split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.request_id), ["buf-1", "buf-1", "buf-1"]);
    assert.equal(lines[2].status_code, 201);

    batches.length = 0;
    const app = new Hono();
    app.use(requestContext());
    app.get("/", (c) => {
      log.info("in hono");
      return c.text("ok");
    });
    const honoRes = await app.request("/", { headers: { "X-Request-ID": "buf-2" } });
    assert.equal(await honoRes.text(), "ok");
    const honoLines = batches.join("\n").split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(honoLines.map((l) => l.message), ["GET /", "in hono", "GET / - 200"]);
  } finally {
    await srv.close();
    await flushLogs();
    configureLogging({});
  }
});

/** A Workers-style ExecutionContext: keeps the promises it is handed. */
function executionContext() {
  const kept: Promise<unknown>[] = [];
  return {
    kept,
    props: {},
    waitUntil: (p: Promise<unknown>) => void kept.push(p),
    passThroughOnException() {},
  };
}

Deno.test("bufferedSink on Workers: the flush of a request goes to ctx.waitUntil (Fetch wrapper and Hono)", async () => {
  const written: string[] = [];
  const slowTarget: Sink = (batch) => sleep(50).then(() => void written.push(...batch.split("\n")));
  configureLogging({ sink: bufferedSink(slowTarget, { flushIntervalMs: 0 }) });
  try {
    const worker = {
      fetch: withRequestContext((_req: Request, _env: unknown, _ctx: unknown) => {
        log.info("worker");
        return new Response("ok");
      }),
    };
    const ctx = executionContext();
    const res = await worker.fetch(new Request("http://w/x"), {}, ctx);
    assert.equal(res.status, 200);
    assert.equal(ctx.kept.length, 1);
    assert.equal(written.length, 0, "the target is still writing");
    await Promise.all(ctx.kept);
    assert.deepEqual(written.map((l) => JSON.parse(l).message), [
      "GET /x",
      "worker",
      "GET /x - 200",
    ]);

    written.length = 0;
    const app = new Hono();
    app.use(requestContext());
    app.get("/h", (c) => c.text("hono"));
    const honoCtx = executionContext();
    const honoRes = await app.fetch(new Request("http://w/h"), {}, honoCtx);
    assert.equal(await honoRes.text(), "hono");
    assert.equal(honoCtx.kept.length, 1);
    await Promise.all(honoCtx.kept);
    assert.equal(written.length, 2);
  } finally {
    await flushLogs();
    configureLogging({});
  }
});

Deno.test("bufferedSink with a failing target: one report and the batch on stderr", async () => {
  await withStderr(async (stderr) => {
    const sink = bufferedSink(() => {
      throw new Error("target gone");
    }, { flushIntervalMs: 0 });
    configureLogging({ sink });
    log.info("first");
    log.info("second");
    await flushLogs();
    log.info("third");
    await sink.close();
    assert.equal(stderr.filter((l) => l.includes(REPORT)).length, 1);
    const lines = stderr.filter((l) => !l.includes(REPORT)).join("\n").split("\n");
    assert.deepEqual(lines.map((l) => JSON.parse(l).message), ["first", "second", "third"]);
  });
});
