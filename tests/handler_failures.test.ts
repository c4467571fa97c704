// Handlers that fail in every way a handler can, through the Fetch wrapper on a
// real Deno.serve and through Hono: one error line each (with the stack when there
// is one), the right status, the X-Request-ID header, and no context left behind.
import assert from "node:assert/strict";
import { Hono } from "hono";
import { bindContext, getLogger, getRequestId, withRequestContext } from "../mod.ts";
import { requestContext } from "../middleware/hono.ts";
import { capture, type Line, serve, sleep } from "./_helpers.ts";

const log = getLogger("app");

/** Each way a handler can fail, and what its error line must say. */
const FAILURES: {
  name: string;
  run: () => unknown;
  error: (e: unknown) => void;
}[] = [
  {
    name: "throws an Error synchronously",
    run: () => {
      throw new RangeError("sync boom");
    },
    error: (e) => {
      const err = e as Record<string, string>;
      assert.equal(err.name, "RangeError");
      assert.equal(err.message, "sync boom");
      assert.match(err.stack, /sync boom\n\s+at /);
    },
  },
  {
    name: "rejects with an Error",
    run: async () => {
      await sleep(1);
      throw new Error("async boom", { cause: new Error("root cause") });
    },
    error: (e) => {
      const err = e as Record<string, Record<string, string>>;
      assert.match(String(err.stack), /async boom/);
      assert.equal(err.cause.message, "root cause");
    },
  },
  {
    name: "rejects with a string",
    run: () => Promise.reject("just a string"),
    error: (e) => assert.equal(e, "just a string"),
  },
  {
    name: "rejects with a plain object",
    run: () => Promise.reject({ code: 42, detail: "nope" }),
    error: (e) => assert.deepEqual(e, { code: 42, detail: "nope" }),
  },
  {
    name: "rejects with null",
    run: () => Promise.reject(null),
    error: (e) => assert.equal(e, null),
  },
  {
    name: "rejects with undefined",
    run: () => Promise.reject(undefined),
    error: (e) => assert.equal(e, "undefined"),
  },
  {
    name: "returns undefined",
    run: () => undefined,
    error: (e) =>
      assert.match((e as { message: string }).message, /returned undefined instead of a Response/),
  },
  {
    name: "returns a plain object",
    run: () => Promise.resolve({ status: 200 }),
    error: (e) =>
      assert.match((e as { message: string }).message, /returned Object instead of a Response/),
  },
];

function errorLines(lines: Line[]): Line[] {
  return lines.filter((l) => l.message === "Unhandled error");
}

for (const failure of FAILURES) {
  Deno.test(`withRequestContext: Fetch wrapper on Deno.serve: a handler that ${failure.name}`, async () => {
    using cap = capture();
    await using srv = serve(withRequestContext(() => {
      log.info("about to fail");
      return failure.run() as Response;
    }));
    const res = await fetch(srv.url + "/fail?token=secret", {
      headers: { "X-Request-ID": "fail-1" },
    });
    assert.equal(res.status, 500);
    assert.equal(res.headers.get("x-request-id"), "fail-1");
    assert.deepEqual(await res.json(), { error: "Internal Server Error", request_id: "fail-1" });
    const lines = cap.lines();
    assert.deepEqual(lines.map((l) => l.request_id), ["fail-1", "fail-1", "fail-1", "fail-1"]);
    const errors = errorLines(lines);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].level, "ERROR");
    assert.equal(errors[0].path, "/fail");
    failure.error(errors[0].error);
    assert.equal(lines.at(-1)!.status_code, 500);
    assert.ok(!cap.raw.some((l) => l.includes("secret")));
    assert.equal(getRequestId(), "-");
  });

  Deno.test(`withRequestContext: Hono: a handler that ${failure.name}`, async () => {
    using cap = capture();
    const app = new Hono();
    app.use(requestContext());
    app.get("/fail", () => failure.run() as Response);
    app.onError((_e, c) => c.json({ oops: true, id: getRequestId() }, 503));
    const res = await app.request("/fail", { headers: { "X-Request-ID": "hono-fail" } });
    assert.equal(res.headers.get("x-request-id"), "hono-fail");
    const lines = cap.lines();
    const errors = errorLines(lines);
    assert.equal(errors.length, 1, JSON.stringify(lines));
    assert.equal(errors[0].request_id, "hono-fail");
    if (res.status === 503) {
      // Hono's onError shaped the answer, inside the request's context
      assert.deepEqual(await res.json(), { oops: true, id: "hono-fail" });
      failure.error(errors[0].error);
    } else {
      // No Response from the handler: the middleware answers like the Fetch wrapper
      assert.equal(res.status, 500);
      assert.deepEqual(await res.json(), {
        error: "Internal Server Error",
        request_id: "hono-fail",
      });
      failure.error(errors[0].error);
    }
    assert.equal(lines.at(-1)!.status_code, res.status);
    assert.equal(getRequestId(), "-");
  });
}

Deno.test("withRequestContext: a client that aborts mid-stream: the server stays up, the stream is cancelled, no error line, no context leaks", async () => {
  using cap = capture();
  let cancelled: (reason: unknown) => void;
  const cancelledInContext = new Promise<string>((
    resolve,
  ) => (cancelled = resolve as typeof cancelled));
  await using srv = serve(withRequestContext(() => {
    const id = getRequestId();
    // The runtime calls pull/cancel from outside the request's context: bind them to keep it.
    const wentAway = bindContext(() => log.info("client went away"));
    let n = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        await sleep(5);
        controller.enqueue(new TextEncoder().encode(`chunk ${n++}\n`));
      },
      cancel() {
        wentAway();
        cancelled(id);
      },
    });
    return new Response(body);
  }));
  const abort = new AbortController();
  const res = await fetch(srv.url + "/stream", {
    headers: { "X-Request-ID": "stream-1" },
    signal: abort.signal,
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-request-id"), "stream-1");
  const reader = res.body!.getReader();
  const first = await reader.read();
  assert.match(new TextDecoder().decode(first.value), /^chunk 0/);
  abort.abort();
  await reader.read().catch(() => {});
  assert.equal(await cancelledInContext, "stream-1");
  const next = await fetch(srv.url + "/after", { headers: { "X-Request-ID": "after-1" } });
  next.body?.cancel();
  assert.equal(next.headers.get("x-request-id"), "after-1");
  const lines = cap.lines();
  assert.equal(errorLines(lines).length, 0);
  const mine = lines.filter((l) => l.request_id === "stream-1").map((l) => l.message);
  assert.deepEqual(mine, ["GET /stream", "GET /stream - 200", "client went away"]);
  assert.equal(getRequestId(), "-");
});
