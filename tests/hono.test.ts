import assert from "node:assert/strict";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { getLogger, getRequestId, setContextFields } from "../mod.ts";
import { requestContext, type Variables } from "../middleware/hono.ts";
import { capture, serve, sleep } from "./_helpers.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const log = getLogger("app");

function app(options?: Parameters<typeof requestContext>[0]) {
  const app = new Hono<{ Variables: Variables }>();
  app.use(requestContext(options));
  app.get("/id", (c) => {
    log.info("in handler");
    return c.json({ fromVar: c.get("requestId"), fromContext: getRequestId() });
  });
  app.get("/boom", () => {
    throw new Error("handler exploded");
  });
  app.get("/http-error", () => {
    throw new HTTPException(403, { message: "forbidden" });
  });
  app.get("/redirect", (c) => c.redirect("/id", 301));
  app.get("/user", (c) => {
    setContextFields({ user_id: "u-7" });
    return c.text("ok");
  });
  return app;
}

Deno.test("Hono: c.get('requestId') is the context's id and the header's", async () => {
  const cap = capture();
  try {
    const res = await app().request("/id", { headers: { "X-Request-ID": "hono-1" } });
    assert.deepEqual(await res.json(), { fromVar: "hono-1", fromContext: "hono-1" });
    assert.equal(res.headers.get("x-request-id"), "hono-1");
    assert.deepEqual(cap.lines().map((l) => [l.logger, l.message, l.request_id]), [
      ["http", "GET /id", "hono-1"],
      ["app", "in handler", "hono-1"],
      ["http", "GET /id - 200", "hono-1"],
    ]);
  } finally {
    cap.restore();
  }
});

Deno.test("Hono: unsafe incoming ids are replaced and not logged", async () => {
  const cap = capture();
  try {
    const res = await app().request("/id", { headers: { "X-Request-ID": "evil value\u00ff" } });
    const body = await res.json();
    assert.match(body.fromVar, UUID);
    assert.equal(res.headers.get("x-request-id"), body.fromVar);
    assert.ok(!cap.raw.join("").includes("evil"));
  } finally {
    cap.restore();
  }
});

Deno.test("Hono: 404 and redirects carry the header and a WARN/INFO finish line", async () => {
  const cap = capture();
  try {
    const missing = await app().request("/nowhere");
    assert.equal(missing.status, 404);
    assert.match(missing.headers.get("x-request-id")!, UUID);
    const redirect = await app().request("/redirect");
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get("location"), "/id");
    assert.match(redirect.headers.get("x-request-id")!, UUID);
    const finish = cap.lines().filter((l) => l.status_code !== undefined);
    assert.deepEqual(finish.map((l) => [l.message, l.level]), [
      ["GET /nowhere - 404", "WARN"],
      ["GET /redirect - 301", "INFO"],
    ]);
  } finally {
    cap.restore();
  }
});

Deno.test("Hono: an uncaught error is logged once with its stack; onError shapes the body", async () => {
  const cap = capture();
  try {
    const a = app();
    a.onError((err, c) => c.json({ custom: true, message: err.message }, 500));
    const res = await a.request("/boom", { headers: { "x-request-id": "hono-err" } });
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), { custom: true, message: "handler exploded" });
    assert.equal(res.headers.get("x-request-id"), "hono-err");
    const errors = cap.lines().filter((l) => l.error !== undefined);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].request_id, "hono-err");
    assert.match(
      (errors[0].error as Record<string, string>).stack,
      /Error: handler exploded\n\s+at /,
    );
    assert.equal(cap.lines().at(-1)!.message, "GET /boom - 500");

    const plain = await app().request("/boom");
    assert.equal(plain.status, 500, "Hono's default onError still answers");
    assert.match(plain.headers.get("x-request-id")!, UUID);
  } finally {
    cap.restore();
  }
});

Deno.test("Hono: an HTTPException is logged like any uncaught error and keeps its status", async () => {
  const cap = capture();
  try {
    const res = await app().request("/http-error");
    assert.equal(res.status, 403);
    assert.match(res.headers.get("x-request-id")!, UUID);
    const errors = cap.lines().filter((l) => l.error !== undefined);
    assert.equal(errors.length, 1);
    assert.equal(cap.lines().at(-1)!.level, "WARN");
  } finally {
    cap.restore();
  }
});

Deno.test("Hono: setContextFields in a handler reaches the finish line", async () => {
  const cap = capture();
  try {
    await (await app().request("/user")).text();
    const [start, finish] = cap.lines();
    assert.equal(start.user_id, undefined);
    assert.equal(finish.user_id, "u-7");
  } finally {
    cap.restore();
  }
});

Deno.test("Hono: a response from fetch() gets the header (its headers are immutable)", async () => {
  const cap = capture();
  const upstream = serve(() => new Response("upstream body"));
  try {
    const a = new Hono();
    a.use(requestContext());
    a.get("/proxy", () => fetch(upstream.url));
    const res = await a.request("/proxy", { headers: { "x-request-id": "proxy-1" } });
    assert.equal(await res.text(), "upstream body");
    assert.equal(res.headers.get("x-request-id"), "proxy-1");
  } finally {
    await upstream.close();
    cap.restore();
  }
});

Deno.test("Hono on a real Deno.serve: 500 concurrent requests stay isolated", async () => {
  const cap = capture();
  const a = new Hono<{ Variables: Variables }>();
  a.use(requestContext());
  a.get("/w/:n", async (c) => {
    const n = c.req.param("n");
    await sleep(Math.random() * 10);
    log.info("work", { n });
    await sleep(Math.random() * 10);
    return c.text(`${n} ${getRequestId()} ${c.get("requestId")}`);
  });
  const srv = serve(a.fetch);
  try {
    const results = await Promise.all(Array.from({ length: 500 }, async (_, n) => {
      const res = await fetch(`${srv.url}/w/${n}`, { headers: { "x-request-id": `h-${n}` } });
      return [res.headers.get("x-request-id"), await res.text()];
    }));
    results.forEach(([header, body], n) => {
      assert.equal(header, `h-${n}`);
      assert.equal(body, `${n} h-${n} h-${n}`);
    });
    const work = cap.lines().filter((l) => l.message === "work");
    assert.equal(work.length, 500);
    for (const line of work) assert.equal(line.request_id, `h-${line.n}`);
  } finally {
    await srv.close();
    cap.restore();
  }
});

Deno.test("the root export loads nothing at run time but node:async_hooks (no hono)", async () => {
  const seen = new Set<string>();
  const external = new Set<string>();
  const walk = async (url: URL) => {
    if (seen.has(url.href)) return;
    seen.add(url.href);
    const source = await Deno.readTextFile(url);
    const statics = /^\s*(?:import|export)\s(?!type\b)[^;]*?from\s+"([^"]+)"/gm;
    const dynamics = /\bimport\(\s*"([^"]+)"\s*\)/g;
    for (const m of [...source.matchAll(statics), ...source.matchAll(dynamics)]) {
      const spec = m[1];
      if (spec.startsWith(".")) await walk(new URL(spec, url));
      else external.add(spec);
    }
  };
  await walk(new URL("../mod.ts", import.meta.url));
  assert.deepEqual([...external].sort(), ["node:async_hooks"]);
  assert.ok(seen.size > 5, "the walk followed the module's own files");
});
