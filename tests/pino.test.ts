// pino, the real package: the mixin adds request_id and the context, never a key twice.
import { deepStrictEqual, ok, strictEqual } from "node:assert";
import pino from "pino";
import { runWithContext, setContextFields, withContext, withRequestContext } from "../mod.ts";
import { contextMixin } from "../integrations/pino.ts";
import { parseStrict } from "./_strict_json.ts";
import { serve, sleep } from "./_helpers.ts";

/** A pino logger writing into an array, with the mixin, and the parsed (strict) lines. */
function capture(options: pino.LoggerOptions = {}): {
  log: pino.Logger;
  raw: string[];
  lines: () => Record<string, unknown>[];
} {
  const raw: string[] = [];
  const stream = { write: (s: string) => void raw.push(s) };
  const log = pino({ mixin: contextMixin, ...options }, stream);
  return { log, raw, lines: () => raw.map((s) => parseStrict(s.trimEnd())) };
}

Deno.test("contextMixin: lines written in a request carry request_id and the context; outside, nothing", () => {
  const { log, lines } = capture();
  log.info("outside");
  runWithContext({ requestId: "r-pino", fields: { tenant: "t-1" } }, () => {
    withContext({ step: "charge" }, () => log.info({ amount_cents: 1299 }, "charged"));
    setContextFields({ user_id: "u-1" });
    log.warn("later");
  });
  const [outside, charged, later] = lines();
  ok(!("request_id" in outside));
  strictEqual(outside.msg, "outside");
  strictEqual(charged.request_id, "r-pino");
  strictEqual(charged.tenant, "t-1");
  strictEqual(charged.step, "charge");
  strictEqual(charged.amount_cents, 1299);
  strictEqual(charged.msg, "charged");
  strictEqual(charged.level, 30);
  strictEqual(later.user_id, "u-1");
  strictEqual(later.level, 40);
});

Deno.test("contextMixin: no key twice against pino's own keys, child bindings or the call's object", () => {
  const { log, raw } = capture();
  const child = log.child({ request_id: "bound-id", tenant: "bound-tenant", module: "billing" });
  runWithContext({
    requestId: "r-dup",
    fields: {
      level: "ctx-level",
      time: "ctx-time",
      msg: "ctx-msg",
      pid: "ctx-pid",
      hostname: "ctx-host",
      tenant: "ctx-tenant",
      order: "ctx-order",
      err: "ctx-err",
    },
  }, () => child.info({ order: "call-order" }, "the message"));
  const line = parseStrict(raw[0].trimEnd()); // throws on a repeated key
  strictEqual(line.level, 30);
  strictEqual(line.msg, "the message");
  strictEqual(line.request_id, "bound-id", "the child's binding stays");
  strictEqual(line.extra_request_id, "r-dup", "the context's id is kept too");
  strictEqual(line.tenant, "bound-tenant");
  strictEqual(line.order, "call-order", "the call's value stays under its name, as pino does");
  strictEqual(typeof line.time, "number");
  strictEqual(typeof line.pid, "number");
  const extras = Object.entries(line).filter(([k]) => k.startsWith("extra_")).map(([, v]) => v);
  for (
    const v of [
      "ctx-level",
      "ctx-time",
      "ctx-msg",
      "ctx-pid",
      "ctx-host",
      "ctx-tenant",
      "ctx-order",
      "ctx-err",
    ]
  ) {
    ok(extras.includes(v), `${v} kept: ${raw[0]}`);
  }
});

Deno.test("contextMixin: a custom messageKey and errorKey are the logger's own keys too", () => {
  const { log, raw } = capture({ messageKey: "message", errorKey: "error" });
  runWithContext(
    { requestId: "r-k", fields: { message: "ctx", error: "ctx-error" } },
    () => log.error(new Error("boom"), "failed"),
  );
  const line = parseStrict(raw[0].trimEnd());
  strictEqual(line.message, "failed");
  strictEqual((line.error as Record<string, unknown>).message, "boom");
  strictEqual(line.extra_message, "ctx");
  strictEqual(line.extra_error, "ctx-error");
});

Deno.test("contextMixin: bindings changed with setBindings are seen at the next line", () => {
  const { log, raw } = capture();
  const child = log.child({ a: 1 });
  runWithContext({ requestId: "r-s", fields: { tenant: "ctx" } }, () => {
    child.info("before");
    child.setBindings({ tenant: "bound" });
    child.info("after");
  });
  const before = parseStrict(raw[0].trimEnd());
  const after = parseStrict(raw[1].trimEnd());
  strictEqual(before.tenant, "ctx");
  strictEqual(after.tenant, "bound");
  strictEqual(after.extra_tenant, "ctx");
});

Deno.test("contextMixin: with pino's nestedKey, base: null and a custom mixinMergeStrategy", () => {
  const nested = capture({ nestedKey: "payload" });
  const bare = capture({ base: null, timestamp: false });
  const deep = capture({ mixinMergeStrategy: (obj, mixin) => ({ ...mixin, ...obj }) });
  runWithContext({ requestId: "r-n", fields: { hostname: "ctx-host" } }, () => {
    nested.log.info({ a: 1 }, "n");
    bare.log.info("b");
    deep.log.info({ b: 2 }, "d");
  });
  const n = parseStrict(nested.raw[0].trimEnd());
  deepStrictEqual({ ...n.payload as object }, {
    request_id: "r-n",
    extra_hostname: "ctx-host",
    a: 1,
  });
  const b = parseStrict(bare.raw[0].trimEnd());
  deepStrictEqual(Object.keys(b), ["level", "request_id", "extra_hostname", "msg"]);
  const d = parseStrict(deep.raw[0].trimEnd());
  strictEqual(d.request_id, "r-n");
  strictEqual(d.b, 2);
});

Deno.test("contextMixin: 300 concurrent requests each see only their own id", async () => {
  const { log, lines } = capture();
  await Promise.all(
    Array.from(
      { length: 300 },
      (_, i) =>
        runWithContext({ requestId: `req-${i}`, fields: { n: i } }, async () => {
          await sleep(Math.random() * 5);
          log.info("a");
          await sleep(Math.random() * 5);
          log.info({ again: true }, "b");
        }),
    ),
  );
  const all = lines();
  strictEqual(all.length, 600);
  for (const line of all) strictEqual(line.request_id, `req-${line.n}`);
});

Deno.test("contextMixin: pino in a real Deno.serve request: the line has the response's request id", async () => {
  const { log, lines } = capture();
  await using server = serve(withRequestContext(async () => {
    await sleep(2);
    log.info({ route: "/runs" }, "handling");
    return new Response("ok");
  }, { logRequests: false }));
  const response = await fetch(`${server.url}/runs`);
  await response.text();
  const id = response.headers.get("x-request-id");
  ok(id);
  const [line] = lines();
  strictEqual(line.request_id, id);
  strictEqual(line.route, "/runs");
});
