// A Hono app's own request-id tests, as its author would have written them against
// `requestId()` from `hono/request-id`, with only the import changed: the id, the
// header, custom header names, `limitLength`, `generator(c)` and `headerName: ""`
// behave as in Hono. Plain `new Hono()`, no type parameters: `c.get("requestId")` is
// typed by the middleware's module.
import assert from "node:assert/strict";
import { type Context, Hono } from "hono";
import { requestContext as requestId } from "../middleware/hono.ts";
import { configureLogging } from "../mod.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// The access lines are not what these tests are about: keep them off the test output.
configureLogging({ sink: () => {} });

function appWith(...middleware: Parameters<Hono["use"]>[1][]) {
  const app = new Hono();
  for (const m of middleware) app.use("*", m);
  app.get("/id", (c) => c.text(c.get("requestId") ?? "none"));
  return app;
}

Deno.test("requestContext as hono/request-id: a new id when the client sends none, in the header and c.get", async () => {
  const res = await appWith(requestId()).request("http://localhost/id");
  assert.equal(res.status, 200);
  const id = res.headers.get("X-Request-Id");
  assert.match(id!, UUID);
  assert.equal(await res.text(), id);
});

Deno.test("requestContext as hono/request-id: the client's id is kept, every character Hono allows", async () => {
  const app = appWith(requestId());
  for (const sent of ["hono-rocks", "AZaz09-_=", "a".repeat(255)]) {
    const res = await app.request("http://localhost/id", { headers: { "X-Request-Id": sent } });
    assert.equal(res.headers.get("X-Request-Id"), sent);
    assert.equal(await res.text(), sent);
  }
});

Deno.test("requestContext as hono/request-id: an id with characters Hono refuses, or longer than 255, is replaced", async () => {
  const app = appWith(requestId());
  for (const sent of ["Hi!there@*^", "a".repeat(256)]) {
    const res = await app.request("http://localhost/id", { headers: { "X-Request-Id": sent } });
    const id = res.headers.get("X-Request-Id");
    assert.match(id!, UUID);
    assert.equal(await res.text(), id);
  }
});

Deno.test("requestContext as hono/request-id: limitLength", async () => {
  const app = appWith(requestId({ limitLength: 300 }));
  const long = "b".repeat(300);
  const res = await app.request("http://localhost/id", { headers: { "X-Request-Id": long } });
  assert.equal(await res.text(), long);
  const short = appWith(requestId({ limitLength: 4 }));
  const cut = await short.request("http://localhost/id", { headers: { "X-Request-Id": "abcde" } });
  assert.match(await cut.text(), UUID);
});

Deno.test("requestContext as hono/request-id: generator(c) gets the Context", async () => {
  const fromHeaders = (c: Context) => {
    const a = c.req.header("A-Part");
    const b = c.req.header("B-Part");
    return a && b ? `${a}${b}` : crypto.randomUUID();
  };
  const app = new Hono();
  app.use("/fixed", requestId({ generator: () => "AlwaysThisOne" }));
  app.use("/joined", requestId({ generator: fromHeaders }));
  app.get("/fixed", (c) => c.text(c.get("requestId")));
  app.get("/joined", (c) => c.text(c.get("requestId")));
  const fixed = await app.request("http://localhost/fixed");
  assert.equal(fixed.headers.get("X-Request-Id"), "AlwaysThisOne");
  assert.equal(await fixed.text(), "AlwaysThisOne");
  const joined = await app.request("http://localhost/joined", {
    headers: { "A-Part": "Left", "B-Part": "Right" },
  });
  assert.equal(joined.headers.get("X-Request-Id"), "LeftRight");
  assert.equal(await joined.text(), "LeftRight");
});

Deno.test("requestContext as hono/request-id: a custom headerName, and headerName '' (no id read, no header set)", async () => {
  const app = new Hono();
  app.use("/custom", requestId({ headerName: "Hono-Request-Id" }));
  app.get("/none", requestId({ headerName: "" }));
  app.get("/custom", (c) => c.text(c.get("requestId")));
  app.get("/none", (c) => c.text(c.get("requestId")));
  const custom = await app.request("http://localhost/custom", {
    headers: { "Hono-Request-Id": "from-client" },
  });
  assert.equal(custom.headers.get("Hono-Request-Id"), "from-client");
  assert.equal(await custom.text(), "from-client");
  const none = await app.request("http://localhost/none", {
    headers: { "X-Request-Id": "ignored-id" },
  });
  assert.equal(none.headers.get("X-Request-Id"), null);
  assert.match(await none.text(), UUID);
});
