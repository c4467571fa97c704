import assert from "node:assert/strict";
import {
  bindContext,
  configureLogging,
  generateRequestId,
  getContext,
  getLogger,
  getRequestId,
  runWithContext,
  setContextFields,
  setRequestId,
  withContext,
} from "../mod.ts";
import { capture, sleep } from "./_helpers.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

Deno.test("runWithContext: outside any context: no context, id '-', setters refuse", () => {
  assert.equal(getContext(), undefined);
  assert.equal(getRequestId(), "-");
  assert.equal(setRequestId("abc"), false);
  assert.equal(setContextFields({ a: 1 }), false);
  assert.equal(getRequestId(), "-");
});

Deno.test("runWithContext(fn) generates a UUID and returns fn's value", () => {
  const id = runWithContext(() => getRequestId());
  assert.match(id, UUID);
  assert.notEqual(runWithContext(() => getRequestId()), id);
  assert.equal(getRequestId(), "-");
});

Deno.test("runWithContext(init, fn) keeps a given id and fields; a promise stays a promise", async () => {
  const result = runWithContext({ requestId: "job-42", fields: { queue: "mail" } }, async () => {
    await sleep(1);
    return getContext();
  });
  assert.ok(result instanceof Promise);
  const ctx = await result;
  assert.deepEqual(ctx, { requestId: "job-42", fields: { queue: "mail" } });
});

Deno.test("runWithContext replaces an unsafe requestId with a generated one", () => {
  assert.match(runWithContext({ requestId: "bad id\n" }, () => getRequestId()), UUID);
});

Deno.test("withContext nests fields and the outer scope is unchanged after it", () => {
  runWithContext({ fields: { a: 1 } }, () => {
    withContext({ b: 2 }, () => {
      assert.deepEqual(getContext()?.fields, { a: 1, b: 2 });
      withContext({ a: 3 }, () => assert.deepEqual(getContext()?.fields, { a: 3, b: 2 }));
      assert.deepEqual(getContext()?.fields, { a: 1, b: 2 });
    });
    assert.deepEqual(getContext()?.fields, { a: 1 });
  });
});

Deno.test("withContext outside a context carries fields with request id '-'", () => {
  const seen = withContext({ k: "v" }, () => [getRequestId(), getContext()?.fields]);
  assert.deepEqual(seen, ["-", { k: "v" }]);
  assert.equal(getContext(), undefined);
});

Deno.test("setContextFields inside a nested scope reaches the whole request", () => {
  runWithContext(() => {
    withContext({ inner: true }, () => assert.equal(setContextFields({ user_id: "u1" }), true));
    assert.deepEqual(getContext()?.fields, { user_id: "u1" });
  });
});

Deno.test("setRequestId changes the id in place and refuses unsafe ids", () => {
  runWithContext(() => {
    withContext({ x: 1 }, () => assert.equal(setRequestId("order-7"), true));
    assert.equal(getRequestId(), "order-7");
    assert.equal(setRequestId("no spaces"), false);
    assert.equal(setRequestId(""), false);
    assert.equal(getRequestId(), "order-7");
  });
});

Deno.test("getContext returns a frozen snapshot the caller cannot use to corrupt the context", () => {
  runWithContext({ fields: { a: 1 } }, () => {
    const ctx = getContext()!;
    assert.ok(Object.isFrozen(ctx.fields));
    assert.throws(() => (ctx.fields as Record<string, unknown>).a = 2);
    assert.equal(getContext()?.fields.a, 1);
  });
});

Deno.test("bindContext carries the context into a callback run later from elsewhere", async () => {
  const bound = runWithContext(
    { requestId: "r-bound" },
    () => bindContext((n: number) => `${getRequestId()}:${n}`),
  );
  assert.equal(bound(1), "r-bound:1");
  const later = await new Promise<string>((resolve) => queueMicrotask(() => resolve(bound(2))));
  assert.equal(later, "r-bound:2");
  const unbound = bindContext(() => getRequestId());
  assert.equal(runWithContext({ requestId: "other" }, unbound), "-");
});

Deno.test("runWithContext: concurrent contexts with random awaits never see each other's id or fields", async () => {
  using cap = capture();
  const log = getLogger("iso");
  const results = await Promise.all(
    Array.from(
      { length: 500 },
      (_, i) =>
        runWithContext({ requestId: `r-${i}`, fields: { i } }, async () => {
          for (let step = 0; step < 3; step++) {
            await sleep(Math.random() * 5);
            log.info("step", { step });
            if (getRequestId() !== `r-${i}` || getContext()?.fields.i !== i) {
              return false;
            }
          }
          return true;
        }),
    ),
  );
  assert.ok(results.every(Boolean));
  const lines = cap.lines();
  assert.equal(lines.length, 1500);
  for (const line of lines) assert.equal(line.request_id, `r-${line.i}`);
});

Deno.test("runWithContext: timers, microtasks and un-awaited promises started in a context inherit it", async () => {
  const seen = await runWithContext({ requestId: "inherit" }, () =>
    Promise.all([
      new Promise((r) => setTimeout(() => r(getRequestId()), 2)),
      new Promise((r) => queueMicrotask(() => r(getRequestId()))),
      Promise.resolve().then(() => getRequestId()),
    ]));
  assert.deepEqual(seen, ["inherit", "inherit", "inherit"]);
});

Deno.test("configureLogging({ generator }) changes generateRequestId; a broken generator falls back to a UUID", () => {
  try {
    let n = 0;
    configureLogging({ generator: () => `gen-${++n}` });
    assert.equal(generateRequestId(), "gen-1");
    assert.equal(runWithContext(() => getRequestId()), "gen-2");
    configureLogging({
      generator: () => {
        throw new Error("broken");
      },
    });
    assert.match(generateRequestId(), UUID);
    configureLogging({ generator: () => "bad id" });
    assert.match(generateRequestId(), UUID);
  } finally {
    configureLogging({});
  }
  assert.match(generateRequestId(), UUID);
});
