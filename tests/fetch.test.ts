import assert from "node:assert/strict";
import {
  getLogger,
  getRequestId,
  setContextFields,
  setRequestId,
  withRequestContext,
} from "../mod.ts";
import { HTTPException } from "hono/http-exception";
import { capture, type Line, serve, sleep } from "./_helpers.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const log = getLogger("app");

/** Lines of one request id, in order. */
function linesOf(lines: Line[], id: string | null): Line[] {
  return lines.filter((l) => l.request_id === id);
}

Deno.test("withRequestContext on Deno.serve: a safe incoming X-Request-ID is kept, echoed and on every line", async () => {
  using cap = capture();
  await using srv = serve(withRequestContext(() => {
    log.info("handling");
    return new Response("ok", { status: 201 });
  }));
  const res = await fetch(`${srv.url}/runs/create?token=secret`, {
    method: "POST",
    headers: { "x-request-id": "client-abc.123:=+/_-" },
  });
  assert.equal(await res.text(), "ok");
  assert.equal(res.headers.get("X-Request-ID"), "client-abc.123:=+/_-");
  const lines = cap.lines();
  assert.deepEqual(lines.map((l) => [l.logger, l.level, l.message, l.request_id]), [
    ["http", "INFO", "POST /runs/create", "client-abc.123:=+/_-"],
    ["app", "INFO", "handling", "client-abc.123:=+/_-"],
    ["http", "INFO", "POST /runs/create - 201", "client-abc.123:=+/_-"],
  ]);
  assert.equal(lines[0].method, "POST");
  assert.equal(lines[0].path, "/runs/create");
  assert.equal(lines[2].status_code, 201);
  assert.equal(typeof lines[2].duration_ms, "number");
  assert.ok((lines[2].duration_ms as number) >= 0);
  assert.ok(!cap.raw.join("").includes("secret"), "query strings are never logged");
});

Deno.test("withRequestContext on Deno.serve: unsafe incoming ids are replaced, never echoed or logged raw", async () => {
  using cap = capture();
  await using srv = serve(withRequestContext(() => new Response("ok")));
  const hostile = [
    "has space",
    'quote"d',
    "comma,separated",
    "semi;colon",
    "caf\u00e9",
    "x".repeat(256),
    "",
    "<script>",
  ];
  for (const value of hostile) {
    const res = await fetch(srv.url, { headers: { "X-Request-ID": value } });
    await res.body?.cancel();
    const id = res.headers.get("x-request-id")!;
    assert.match(id, UUID, `replaced ${JSON.stringify(value)}`);
  }
  const all = cap.raw.join("\n");
  for (const value of hostile.filter((v) => v !== "")) {
    assert.ok(!all.includes(JSON.stringify(value).slice(1, -1)), `logged raw: ${value}`);
  }
  assert.equal(cap.lines().length, hostile.length * 2);
});

Deno.test("withRequestContext on Deno.serve: repeated X-Request-ID headers are combined by fetch and so replaced", async () => {
  using _cap = capture();
  await using srv = serve(withRequestContext(() => new Response("ok")));
  const headers = new Headers();
  headers.append("x-request-id", "a");
  headers.append("x-request-id", "b");
  const res = await fetch(srv.url, { headers });
  await res.body?.cancel();
  assert.match(res.headers.get("x-request-id")!, UUID);
});

Deno.test("options: headerName, trustIncoming:false, maxLength, generator, logRequests, logger", async () => {
  using cap = capture();
  let n = 0;
  await using custom = serve(withRequestContext(() => new Response("ok"), {
    headerName: "X-Trace",
    maxLength: 8,
    generator: () => `gen-${++n}`,
    logger: "access",
  }));
  await using untrusting = serve(withRequestContext(() => new Response("ok"), {
    trustIncoming: false,
    logRequests: false,
  }));
  const short = await fetch(custom.url, { headers: { "x-trace": "12345678" } });
  await short.body?.cancel();
  assert.equal(short.headers.get("x-trace"), "12345678");
  assert.equal(short.headers.get("x-request-id"), null);
  const long = await fetch(custom.url, { headers: { "x-trace": "123456789" } });
  await long.body?.cancel();
  assert.equal(long.headers.get("x-trace"), "gen-1");
  assert.deepEqual(new Set(cap.lines().map((l) => l.logger)), new Set(["access"]));
  const before = cap.raw.length;
  const res = await fetch(untrusting.url, { headers: { "x-request-id": "client-id" } });
  await res.body?.cancel();
  assert.match(res.headers.get("x-request-id")!, UUID);
  assert.equal(cap.raw.length, before, "logRequests: false writes no access lines");
});

Deno.test("withRequestContext: as hono/request-id: ids up to 255 kept by default, limitLength, generator(request), headerName ''", async () => {
  const cap = capture();
  const plain = serve(withRequestContext(() => new Response("ok")));
  const limited = serve(withRequestContext(() => new Response("ok"), { limitLength: 4 }));
  const both = serve(withRequestContext(() => new Response("ok"), {
    limitLength: 4,
    maxLength: 6,
  }));
  const generated = serve(withRequestContext(() => new Response("ok"), {
    generator: (request) =>
      `${request.method.toLowerCase()}-${new URL(request.url).pathname.slice(1)}`,
  }));
  const silent = serve(withRequestContext(() => Response.json({ id: getRequestId() }), {
    headerName: "",
  }));
  const idOf = async (url: string, sent?: string) => {
    const res = await fetch(url, sent === undefined ? {} : { headers: { "x-request-id": sent } });
    await res.body?.cancel();
    return res.headers.get("x-request-id");
  };
  try {
    assert.equal(await idOf(plain.url, "h".repeat(255)), "h".repeat(255));
    assert.match((await idOf(plain.url, "h".repeat(256)))!, UUID);
    assert.equal(await idOf(limited.url, "abcd"), "abcd");
    assert.match((await idOf(limited.url, "abcde"))!, UUID);
    assert.equal(await idOf(both.url, "abcdef"), "abcdef", "maxLength wins over limitLength");
    assert.equal(await idOf(`${generated.url}/orders`), "get-orders");
    const res = await fetch(silent.url, { headers: { "x-request-id": "not-read" } });
    const { id } = await res.json();
    assert.match(id, UUID, "headerName '': the incoming id is not read");
    assert.equal(res.headers.get("x-request-id"), null, "and no header is set");
    assert.throws(
      () => withRequestContext(() => new Response(), { headerName: "Bad Name" }),
      TypeError,
    );
  } finally {
    for (const s of [plain, limited, both, generated, silent]) await s.close();
    cap.restore();
  }
});

Deno.test("withRequestContext: every response carries the header: 404, redirect, fetch() responses, streams, sync handlers", async () => {
  using cap = capture();
  await using upstream = serve(() => new Response("from upstream", { headers: { "x-up": "1" } }));
  await using srv = serve(withRequestContext(async (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/redirect") return Response.redirect(`${upstream.url}/target`, 302);
    if (path === "/proxy") return await fetch(upstream.url);
    if (path === "/stream") {
      let i = 0;
      return new Response(
        new ReadableStream({
          async pull(controller) {
            await sleep(1);
            controller.enqueue(new TextEncoder().encode(`${getRequestId()}\n`));
            if (++i === 3) controller.close();
          },
        }),
      );
    }
    return new Response("not found", { status: 404 });
  }));
  await using sync = serve(withRequestContext(() => new Response("sync")));
  const missing = await fetch(`${srv.url}/nope`);
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
  assert.match(missing.headers.get("x-request-id")!, UUID);

  const redirect = await fetch(`${srv.url}/redirect`, { redirect: "manual" });
  assert.equal(redirect.status, 302);
  assert.equal(redirect.headers.get("location"), `${upstream.url}/target`);
  assert.match(redirect.headers.get("x-request-id")!, UUID);

  const proxied = await fetch(`${srv.url}/proxy`);
  assert.equal(await proxied.text(), "from upstream");
  assert.equal(proxied.headers.get("x-up"), "1");
  assert.match(proxied.headers.get("x-request-id")!, UUID);

  const stream = await fetch(`${srv.url}/stream`);
  const id = stream.headers.get("x-request-id")!;
  assert.equal(
    await stream.text(),
    `${id}\n${id}\n${id}\n`,
    "the body's pull() runs in the request's context",
  );

  const plain = await fetch(sync.url);
  assert.equal(await plain.text(), "sync");
  assert.match(plain.headers.get("x-request-id")!, UUID);

  const finish = cap.lines().filter((l) => typeof l.status_code === "number");
  assert.deepEqual(finish.map((l) => [l.status_code, l.level]), [
    [404, "WARN"],
    [302, "INFO"],
    [200, "INFO"],
    [200, "INFO"],
    [200, "INFO"],
  ]);
});

Deno.test("withRequestContext: an uncaught error: logged once with its stack, 500 JSON with the id, header set", async () => {
  using cap = capture();
  await using srv = serve(withRequestContext((req) => {
    if (new URL(req.url).pathname === "/string") throw "a thrown string";
    log.info("about to fail");
    throw new Error("database unreachable");
  }));
  const res = await fetch(`${srv.url}/boom`, { headers: { "x-request-id": "req-err" } });
  assert.equal(res.status, 500);
  assert.equal(res.headers.get("x-request-id"), "req-err");
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.deepEqual(await res.json(), { error: "Internal Server Error", request_id: "req-err" });
  const lines = linesOf(cap.lines(), "req-err");
  const errors = lines.filter((l) => l.error !== undefined);
  assert.equal(errors.length, 1, "the error is logged once");
  const e = errors[0];
  assert.equal(e.level, "ERROR");
  assert.equal(e.path, "/boom");
  const error = e.error as Record<string, string>;
  assert.equal(error.message, "database unreachable");
  assert.match(error.stack, /Error: database unreachable\n\s+at /);
  assert.equal(lines.at(-1)!.message, "GET /boom - 500");
  assert.equal(lines.at(-1)!.level, "ERROR");

  const str = await fetch(`${srv.url}/string`);
  assert.equal(str.status, 500);
  const strId = str.headers.get("x-request-id")!;
  assert.equal((await str.json()).request_id, strId);
  const strErrors = linesOf(cap.lines(), strId).filter((l) => l.error !== undefined);
  assert.deepEqual(strErrors.map((l) => l.error), ["a thrown string"]);
});

Deno.test("withRequestContext: a thrown error that carries its own response below 500 (an HTTPException) is that response, not an error", async () => {
  using cap = capture();
  await using srv = serve(withRequestContext((req) => {
    const status = Number(new URL(req.url).pathname.slice(1));
    throw new HTTPException(status as 401, { message: `status ${status}` });
  }));
  const res = await fetch(`${srv.url}/401`, { headers: { "x-request-id": "own-401" } });
  assert.equal(res.status, 401);
  assert.equal(await res.text(), "status 401");
  assert.equal(res.headers.get("x-request-id"), "own-401");
  assert.deepEqual(linesOf(cap.lines(), "own-401").map((l) => [l.level, l.message]), [
    ["INFO", "GET /401"],
    ["WARN", "GET /401 - 401"],
  ]);
  const down = await fetch(`${srv.url}/503`, { headers: { "x-request-id": "own-503" } });
  assert.equal(down.status, 503, "the error's own response, still");
  await down.body?.cancel();
  const downLines = linesOf(cap.lines(), "own-503");
  assert.equal(downLines.filter((l) => l.error !== undefined).length, 1, "500 and above: logged");
});

Deno.test("withRequestContext: a handler that returns something other than a Response gets a 500 and one error line", async () => {
  using cap = capture();
  // deno-lint-ignore no-explicit-any
  await using srv = serve(withRequestContext((() => ({ not: "a response" })) as any));
  const res = await fetch(srv.url);
  assert.equal(res.status, 500);
  await res.body?.cancel();
  const errors = cap.lines().filter((l) => l.error !== undefined);
  assert.equal(errors.length, 1);
  assert.match((errors[0].error as Record<string, string>).message, /instead of a Response/);
});

Deno.test("setContextFields and setRequestId reach the finish line and the header", async () => {
  using cap = capture();
  await using srv = serve(withRequestContext(() => {
    setContextFields({ user_id: "u-42" });
    setRequestId("renamed-1");
    return new Response("ok");
  }));
  const res = await fetch(srv.url, { headers: { "x-request-id": "original" } });
  await res.body?.cancel();
  assert.equal(res.headers.get("x-request-id"), "renamed-1");
  const [start, finish] = cap.lines();
  assert.equal(start.request_id, "original");
  assert.equal(start.user_id, undefined);
  assert.equal(finish.request_id, "renamed-1");
  assert.equal(finish.user_id, "u-42");
});

Deno.test("withRequestContext: the rest of the handler's arguments (Deno's info) are passed through", async () => {
  await using srv = serve(withRequestContext((_req, info) => {
    const addr = (info as Deno.ServeHandlerInfo<Deno.NetAddr>).remoteAddr;
    return new Response(addr.hostname);
  }, { logRequests: false }));
  const res = await fetch(srv.url);
  assert.equal(await res.text(), "127.0.0.1");
});

Deno.test("withRequestContext: 500 concurrent requests with random awaits never see each other's context", async () => {
  using cap = capture();
  await using srv = serve(withRequestContext(async (req) => {
    const n = new URL(req.url).searchParams.get("n");
    setContextFields({ n });
    for (let i = 0; i < 3; i++) {
      await sleep(Math.random() * 10);
      log.info("step", { i });
    }
    return new Response(`${n} ${getRequestId()}`);
  }));
  const results = await Promise.all(Array.from({ length: 500 }, async (_, n) => {
    const res = await fetch(`${srv.url}/work?n=${n}`, { headers: { "x-request-id": `c-${n}` } });
    return [res.headers.get("x-request-id"), await res.text()];
  }));
  results.forEach(([header, body], n) => {
    assert.equal(header, `c-${n}`);
    assert.equal(body, `${n} c-${n}`);
  });
  const lines = cap.lines();
  assert.equal(lines.length, 500 * 5);
  for (const line of lines) {
    if (line.n !== undefined) assert.equal(line.request_id, `c-${line.n}`);
  }
  for (let n = 0; n < 500; n++) {
    const own = linesOf(lines, `c-${n}`);
    assert.equal(own.length, 5);
    assert.deepEqual(own.slice(1).map((l) => l.n), [`${n}`, `${n}`, `${n}`, `${n}`]);
  }
  assert.equal(getRequestId(), "-", "no context leaks out of a request");
});

Deno.test("withRequestContext: a 101 WebSocket upgrade passes through untouched and the socket works in context", async () => {
  using cap = capture();
  await using srv = serve(withRequestContext((req) => {
    const { socket, response } = Deno.upgradeWebSocket(req);
    const id = getRequestId();
    socket.onmessage = (e) => socket.send(`${id}:${e.data}`);
    return response;
  }));
  const ws = new WebSocket(srv.url.replace("http", "ws"));
  const reply = await new Promise<string>((resolve, reject) => {
    ws.onopen = () => ws.send("ping");
    ws.onmessage = (e) => resolve(String(e.data));
    ws.onerror = () => reject(new Error("websocket failed"));
  });
  const closed = new Promise((resolve) => (ws.onclose = resolve));
  ws.close();
  await closed;
  assert.match(reply, /^[^:]+:ping$/);
  const finish = cap.lines().find((l) => l.status_code !== undefined)!;
  assert.equal(finish.status_code, 101);
  assert.equal(reply, `${finish.request_id}:ping`);
});

Deno.test("withRequestContext: an adapter called in the context of a request that ended answers a request of its own", async () => {
  using cap = capture();
  const inner = withRequestContext(() => {
    log.info("inner handling");
    return new Response("inner");
  });
  let later: Promise<Response> | undefined;
  await using srv = serve(withRequestContext(() => {
    // Work the request starts and that outlives its answer (a job, a self-call).
    later = sleep(20).then(() => {
      log.info("after the answer");
      return inner(new Request("http://127.0.0.1/inner"));
    });
    return new Response("outer");
  }));
  const res = await fetch(srv.url);
  await res.text();
  const outerId = res.headers.get("x-request-id");
  const innerRes = await later!;
  const innerId = innerRes.headers.get("x-request-id");
  assert.equal(await innerRes.text(), "inner");
  assert.match(innerId!, UUID);
  assert.notEqual(innerId, outerId);
  // The job still logs under the request that started it...
  assert.equal(cap.lines().find((l) => l.message === "after the answer")?.request_id, outerId);
  // ...and the inner adapter's request has its own lines, start and finish included.
  assert.deepEqual(
    linesOf(cap.lines(), innerId).map((l) => l.message),
    ["GET /inner", "inner handling", "GET /inner - 200"],
  );
  assert.deepEqual(
    linesOf(cap.lines(), outerId).map((l) => l.message),
    ["GET /", "GET / - 200", "after the answer"],
  );
});
