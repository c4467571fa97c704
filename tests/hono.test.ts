import assert from "node:assert/strict";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { getLogger, getRequestId, setContextFields, withRequestContext } from "../mod.ts";
import {
  requestContext,
  type RequestContextVariables,
  type RequestIdVariables,
  type Variables,
} from "../middleware/hono.ts";
import { capture, serve, sleep } from "./_helpers.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const log = getLogger("app");

function app(options?: Parameters<typeof requestContext>[0]) {
  const app = new Hono<{ Variables: RequestContextVariables }>();
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

Deno.test("requestContext: c.get('requestId') is the context's id and the header's", async () => {
  using cap = capture();
  const res = await app().request("/id", { headers: { "X-Request-ID": "hono-1" } });
  assert.deepEqual(await res.json(), { fromVar: "hono-1", fromContext: "hono-1" });
  assert.equal(res.headers.get("x-request-id"), "hono-1");
  assert.deepEqual(cap.lines().map((l) => [l.logger, l.message, l.request_id]), [
    ["http", "GET /id", "hono-1"],
    ["app", "in handler", "hono-1"],
    ["http", "GET /id - 200", "hono-1"],
  ]);
});

Deno.test("requestContext: unsafe incoming ids are replaced and not logged", async () => {
  using cap = capture();
  const res = await app().request("/id", { headers: { "X-Request-ID": "evil value\u00ff" } });
  const body = await res.json();
  assert.match(body.fromVar, UUID);
  assert.equal(res.headers.get("x-request-id"), body.fromVar);
  assert.ok(!cap.raw.join("").includes("evil"));
});

Deno.test("requestContext: 404 and redirects carry the header and a WARN/INFO finish line", async () => {
  using cap = capture();
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
});

Deno.test("requestContext: an uncaught error is logged once with its stack; onError shapes the body", async () => {
  using cap = capture();
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
});

Deno.test("requestContext: an HTTPException below 500 is a response, not an error: no ERROR line, its WARN finish line says all", async () => {
  using cap = capture();
  const a = app();
  a.get("/unauthorized", () => {
    throw new HTTPException(401, { message: "no token" });
  });
  a.get("/gone", () => {
    throw new HTTPException(404, { res: new Response("gone here", { status: 404 }) });
  });
  a.get("/unavailable", () => {
    throw new HTTPException(503, { message: "down" });
  });
  await using srv = serve(a.fetch);
  for (const [path, status] of [["/http-error", 403], ["/unauthorized", 401], ["/gone", 404]]) {
    const res = await fetch(`${srv.url}${path}`, {
      headers: { "x-request-id": `he${status}` },
    });
    await res.text();
    assert.equal(res.status, status);
    assert.equal(res.headers.get("x-request-id"), `he${status}`);
    const lines = cap.lines().filter((l) => l.request_id === `he${status}`);
    assert.deepEqual(lines.map((l) => [l.level, l.message]), [
      ["INFO", `GET ${path}`],
      ["WARN", `GET ${path} - ${status}`],
    ]);
  }
  const res = await fetch(`${srv.url}/unavailable`, { headers: { "x-request-id": "he503" } });
  await res.text();
  assert.equal(res.status, 503);
  const errors = cap.lines().filter((l) => l.request_id === "he503" && l.error !== undefined);
  assert.equal(errors.length, 1, "an HTTPException of 500 or more is still an error");
});

Deno.test("requestContext: setContextFields in a handler reaches the finish line", async () => {
  using cap = capture();
  await (await app().request("/user")).text();
  const [start, finish] = cap.lines();
  assert.equal(start.user_id, undefined);
  assert.equal(finish.user_id, "u-7");
});

Deno.test("requestContext: a response from fetch() gets the header (its headers are immutable)", async () => {
  using _cap = capture();
  await using upstream = serve(() => new Response("upstream body"));
  const a = new Hono();
  a.use(requestContext());
  a.get("/proxy", () => fetch(upstream.url));
  const res = await a.request("/proxy", { headers: { "x-request-id": "proxy-1" } });
  assert.equal(await res.text(), "upstream body");
  assert.equal(res.headers.get("x-request-id"), "proxy-1");
});

Deno.test("requestContext: Hono on a real Deno.serve: 500 concurrent requests stay isolated", async () => {
  using cap = capture();
  const a = new Hono<{ Variables: RequestContextVariables }>();
  a.use(requestContext());
  a.get("/w/:n", async (c) => {
    const n = c.req.param("n");
    await sleep(Math.random() * 10);
    log.info("work", { n });
    await sleep(Math.random() * 10);
    return c.text(`${n} ${getRequestId()} ${c.get("requestId")}`);
  });
  await using srv = serve(a.fetch);
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
});

Deno.test("requestContext: the root export loads nothing at run time but node:async_hooks (no hono)", async () => {
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

/** The lines of request `id`, as [logger, level, message]. */
function linesOfId(lines: Record<string, unknown>[], id: string | null) {
  return lines.filter((l) => l.request_id === id).map((l) => [l.logger, l.level, l.message]);
}

Deno.test("requestContext: when the app's onError throws, the original error and the onError failure are both logged", async () => {
  using cap = capture();
  const a = app();
  a.onError(() => {
    throw new Error("onError itself broke");
  });
  await using srv = serve(a.fetch);
  const res = await fetch(`${srv.url}/boom`, { headers: { "x-request-id": "onerror-1" } });
  await res.text();
  assert.equal(res.status, 500);
  assert.equal(res.headers.get("x-request-id"), "onerror-1");
  const errors = cap.lines().filter((l) => l.error !== undefined);
  const stacks = errors.map((l) => (l.error as Record<string, string>).stack);
  assert.equal(errors.length, 2, JSON.stringify(errors));
  assert.match(stacks[0], /^Error: handler exploded\n\s+at /);
  assert.match(stacks[1], /^Error: onError itself broke\n\s+at /);
  assert.ok(errors.every((l) => l.request_id === "onerror-1" && l.level === "ERROR"));
  assert.equal(cap.lines().at(-1)!.message, "GET /boom - 500");
});

/** Checks that the captured lines are one request's three (start, the handler's, finish), then clears them. */
function assertOneRequest(
  cap: ReturnType<typeof capture>,
  id: string,
  path: string,
  message: string,
): void {
  assert.deepEqual(linesOfId(cap.lines(), id), [
    ["http", "INFO", `GET ${path}`],
    ["app", "INFO", message],
    ["http", "INFO", `GET ${path} - 200`],
  ]);
  assert.equal(cap.lines().length, 3);
  cap.raw.length = 0;
}

Deno.test("requestContext: a sub-app with its own requestContext() mounted by app.route reuses the request's context", async () => {
  using cap = capture();
  const sub = new Hono<{ Variables: RequestContextVariables }>();
  sub.use(requestContext());
  sub.get("/x", (c) => {
    log.info("in sub-app");
    return c.json({ fromVar: c.get("requestId"), fromContext: getRequestId() });
  });
  sub.get("/boom", () => {
    throw new Error("sub exploded");
  });
  const a = new Hono();
  a.use(requestContext());
  a.route("/api", sub);
  await using srv = serve(a.fetch);
  const res = await fetch(`${srv.url}/api/x`, { headers: { "x-request-id": "client-7" } });
  assert.deepEqual(await res.json(), { fromVar: "client-7", fromContext: "client-7" });
  assert.equal(res.headers.get("x-request-id"), "client-7");
  assert.deepEqual(linesOfId(cap.lines(), "client-7"), [
    ["http", "INFO", "GET /api/x"],
    ["app", "INFO", "in sub-app"],
    ["http", "INFO", "GET /api/x - 200"],
  ]);
  assert.equal(cap.lines().length, 3, "no second context, no second pair of access lines");
  // Without a client id: the id the client gets is the one on the handler's line.
  cap.raw.length = 0;
  const fresh = await fetch(`${srv.url}/api/x`);
  const body = await fresh.json();
  assert.match(body.fromContext, UUID);
  assert.equal(fresh.headers.get("x-request-id"), body.fromContext);
  assert.equal(body.fromVar, body.fromContext);
  assert.equal(linesOfId(cap.lines(), body.fromContext).length, 3);
  assert.equal(cap.lines().length, 3);
  // An error in the sub-app: logged once.
  cap.raw.length = 0;
  const boom = await fetch(`${srv.url}/api/boom`, { headers: { "x-request-id": "client-8" } });
  await boom.text();
  assert.equal(boom.status, 500);
  assert.equal(cap.lines().filter((l) => l.error !== undefined).length, 1);
  assert.equal(cap.lines().length, 3);
});

Deno.test("withRequestContext inside Hono reuses Hono's request context: one id, one pair of access lines", async () => {
  using cap = capture();
  const legacy = withRequestContext((req: Request) => {
    log.info("in legacy handler");
    if (new URL(req.url).pathname.endsWith("/boom")) throw new Error("legacy exploded");
    return Response.json({ id: getRequestId() });
  });
  const a = new Hono();
  a.use(requestContext());
  a.onError((err, c) => c.json({ error: err.message }, 500));
  a.all("/legacy/*", (c) => legacy(c.req.raw));
  await using srv = serve(a.fetch);
  const res = await fetch(`${srv.url}/legacy/a`, { headers: { "x-request-id": "outer-1" } });
  assert.deepEqual(await res.json(), { id: "outer-1" });
  assert.equal(res.headers.get("x-request-id"), "outer-1");
  assertOneRequest(cap, "outer-1", "/legacy/a", "in legacy handler");
  const boom = await fetch(`${srv.url}/legacy/boom`, { headers: { "x-request-id": "outer-2" } });
  assert.deepEqual(await boom.json(), { error: "legacy exploded" }, "Hono's onError answers");
  const lines = cap.lines();
  assert.equal(lines.filter((l) => l.error !== undefined).length, 1);
  assert.ok(lines.every((l) => l.request_id === "outer-2"));
  assert.equal(lines.filter((l) => l.logger === "http").length, 3, "start, error, finish");
});

Deno.test("requestContext inside withRequestContext reuses the wrapper's request context; Hono's errors are logged once", async () => {
  using cap = capture();
  const a = new Hono<{ Variables: RequestContextVariables }>();
  a.use(requestContext());
  a.onError((err, c) => c.json({ error: err.message }, 500));
  a.get("/x", (c) => {
    log.info("in hono");
    return c.json({ fromVar: c.get("requestId"), fromContext: getRequestId() });
  });
  a.get("/boom", () => {
    throw new Error("hono exploded");
  });
  a.get("/denied", () => {
    throw new HTTPException(401, { message: "no" });
  });
  await using srv = serve(withRequestContext(a.fetch));
  const res = await fetch(`${srv.url}/x`, { headers: { "x-request-id": "wrap-1" } });
  assert.deepEqual(await res.json(), { fromVar: "wrap-1", fromContext: "wrap-1" });
  assert.equal(res.headers.get("x-request-id"), "wrap-1");
  assertOneRequest(cap, "wrap-1", "/x", "in hono");
  const boom = await fetch(`${srv.url}/boom`, { headers: { "x-request-id": "wrap-2" } });
  assert.deepEqual(await boom.json(), { error: "hono exploded" });
  const errors = cap.lines().filter((l) => l.error !== undefined);
  assert.equal(errors.length, 1, "the error Hono's onError answered is logged, once");
  assert.equal(errors[0].request_id, "wrap-2");
  assert.equal(cap.lines().length, 3);
  cap.raw.length = 0;
  const denied = await fetch(`${srv.url}/denied`);
  await denied.text();
  assert.equal(denied.status, 500, "this app's onError answers everything with 500");
  assert.equal(cap.lines().filter((l) => l.error !== undefined).length, 0);
});

/** Whether two types are the same (not merely assignable). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;

Deno.test("RequestContextVariables: Variables (deprecated) and RequestIdVariables are the same type; c.get is a string under each", async () => {
  const same: [
    Same<Variables, RequestContextVariables>,
    Same<RequestIdVariables, RequestContextVariables>,
  ] = [true, true];
  assert.deepEqual(same, [true, true]);
  for (
    const a of [
      new Hono<{ Variables: RequestContextVariables }>(),
      new Hono<{ Variables: RequestIdVariables }>(),
      new Hono<{ Variables: Variables }>(),
    ]
  ) {
    a.use(requestContext());
    a.get("/", (c) => {
      const id: string = c.get("requestId");
      return c.text(id);
    });
    const res = await a.request("/", { headers: { "X-Request-ID": "req-alias" } });
    assert.equal(await res.text(), "req-alias");
  }
});
