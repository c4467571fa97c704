import assert from "node:assert/strict";
import {
  configureLogging,
  getLogger,
  runWithContext,
  setContextFields,
  withContext,
} from "../mod.ts";
import type { LogLevel } from "../src/levels.ts";
import { parseLevel } from "../src/_levels.ts";
import { capture } from "./_helpers.ts";

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

Deno.test("getLogger: a JSON line: core keys first and in order, then service, context, extra", () => {
  using cap = capture({ service: { name: "runs-api", version: "1.4.0", environment: "test" } });
  runWithContext({ requestId: "r-1", fields: { tenant: "t1" } }, () => {
    withContext(
      { step: "load" },
      () => getLogger("runs").info("Creating run", { user_id: "abc" }),
    );
  });
  assert.equal(cap.raw.length, 1);
  assert.ok(!cap.raw[0].includes("\n"));
  const line = cap.lines()[0];
  assert.deepEqual(Object.keys(line), [
    "timestamp",
    "level",
    "logger",
    "message",
    "request_id",
    "service",
    "version",
    "environment",
    "tenant",
    "step",
    "user_id",
  ]);
  assert.match(line.timestamp as string, ISO_MS);
  assert.ok(Math.abs(Date.parse(line.timestamp as string) - Date.now()) < 5000);
  assert.deepEqual(
    { ...line, timestamp: 0 },
    {
      timestamp: 0,
      level: "INFO",
      logger: "runs",
      message: "Creating run",
      request_id: "r-1",
      service: "runs-api",
      version: "1.4.0",
      environment: "test",
      tenant: "t1",
      step: "load",
      user_id: "abc",
    },
  );
});

Deno.test("getLogger: outside a context request_id is '-'; getLogger() is named 'app'", () => {
  using cap = capture();
  getLogger().warn("no context");
  assert.deepEqual(
    [cap.lines()[0].logger, cap.lines()[0].request_id, cap.lines()[0].level],
    ["app", "-", "WARN"],
  );
});

Deno.test("getLogger: levels: each method writes its level; lines below the configured level are skipped", () => {
  using cap = capture({ level: "WARN" });
  const log = getLogger("lv");
  log.debug("d");
  log.info("i");
  log.warn("w");
  log.error("e");
  log.critical("c");
  assert.deepEqual(cap.lines().map((l) => l.level), ["WARN", "ERROR", "CRITICAL"]);
  assert.equal(log.isEnabled("INFO"), false);
  assert.equal(log.isEnabled("ERROR"), true);
});

Deno.test("getLogger: a logger taken at module level is never stale: it reads the context at each call", () => {
  using cap = capture();
  const log = getLogger("stale");
  runWithContext({ requestId: "first" }, () => log.info("a"));
  runWithContext({ requestId: "second" }, () => log.info("b"));
  assert.deepEqual(cap.lines().map((l) => l.request_id), ["first", "second"]);
});

Deno.test("setContextFields reaches every later line, including lines of other loggers", () => {
  using cap = capture();
  runWithContext({ requestId: "r" }, () => {
    getLogger("a").info("before");
    setContextFields({ user_id: "u-9" });
    getLogger("b").info("after");
    setContextFields({ user_id: "u-10", plan: "pro" });
    getLogger("c").info("later");
  });
  assert.deepEqual(cap.lines().map((l) => [l.user_id, l.plan]), [
    [undefined, undefined],
    ["u-9", undefined],
    ["u-10", "pro"],
  ]);
});

Deno.test("getLogger: child loggers carry their fields after the context's, before the call's", () => {
  using cap = capture();
  const child = getLogger("svc").child({ component: "db" }).child({ pool: "main" });
  runWithContext({ requestId: "r", fields: { tenant: "t" } }, () => child.info("q", { rows: 3 }));
  const line = cap.lines()[0];
  assert.deepEqual(Object.keys(line).slice(5), ["tenant", "component", "pool", "rows"]);
  assert.equal(line.logger, "svc");
});

Deno.test("getLogger: no key is overwritten and none appears twice: colliding keys become extra_<key>", () => {
  using cap = capture();
  runWithContext({ requestId: "real", fields: { message: "ctx-msg", tenant: "ctx" } }, () => {
    getLogger("x").info("real message", {
      timestamp: "fake",
      level: "CRITICAL",
      request_id: "forged",
      tenant: "extra",
      extra_tenant: "already",
    });
  });
  const raw = cap.raw[0];
  const keys = [...raw.matchAll(/"([^"]+)":/g)].map((m) => m[1]);
  assert.equal(new Set(keys).size, keys.length, `duplicate keys in ${raw}`);
  const line = cap.lines()[0];
  assert.equal(line.level, "INFO");
  assert.equal(line.message, "real message");
  assert.equal(line.request_id, "real");
  assert.equal(line.tenant, "ctx");
  assert.equal(line.extra_message, "ctx-msg");
  assert.equal(line.extra_timestamp, "fake");
  assert.equal(line.extra_level, "CRITICAL");
  assert.equal(line.extra_request_id, "forged");
  assert.equal(line.extra_tenant, "extra");
  assert.equal(line.extra_extra_tenant, "already");
});

Deno.test("getLogger: values JSON.stringify cannot take are still written", () => {
  using cap = capture();
  const circular: Record<string, unknown> = { name: "loop" };
  circular.self = circular;
  const shared = { v: 1 };
  const err = new TypeError("bad input", { cause: new Error("root cause") });
  const getter = {
    get boom(): never {
      throw new Error("getter exploded");
    },
    ok: 1,
  };
  const badJson = {
    toJSON() {
      throw new Error("toJSON exploded");
    },
  };
  getLogger().error("values", {
    err,
    big: 12345678901234567890n,
    circular,
    twice: [shared, shared],
    getter,
    badJson,
    when: new Date(0),
    nan: NaN,
    fn: function namedFn() {},
    sym: Symbol("s"),
    undef: undefined,
    map: new Map([["k", 1]]),
    set: new Set([1, 2]),
    bytes: new Uint8Array([1, 2]),
  });
  assert.equal(cap.raw.length, 1);
  const line = cap.lines()[0];
  const e = line.err as Record<string, unknown>;
  assert.equal(e.name, "TypeError");
  assert.equal(e.message, "bad input");
  assert.match(e.stack as string, /TypeError: bad input\n\s+at /);
  assert.equal((e.cause as Record<string, unknown>).message, "root cause");
  assert.equal(line.big, "12345678901234567890");
  assert.deepEqual(line.circular, { name: "loop", self: "[Circular]" });
  assert.deepEqual(line.twice, [{ v: 1 }, { v: 1 }]);
  assert.deepEqual(line.getter, { boom: "[Getter threw: Error: getter exploded]", ok: 1 });
  assert.equal(line.badJson, "[toJSON threw: Error: toJSON exploded]");
  assert.equal(line.when, "1970-01-01T00:00:00.000Z");
  assert.equal(line.nan, "NaN");
  assert.equal(line.fn, "[Function: namedFn]");
  assert.equal(line.sym, "Symbol(s)");
  assert.ok(!("undef" in line));
  assert.deepEqual(line.map, { k: 1 });
  assert.deepEqual(line.set, [1, 2]);
  assert.deepEqual(line.bytes, [1, 2]);
});

Deno.test("getLogger: logging never throws into the caller, whatever it is given", () => {
  using cap = capture();
  const log = getLogger();
  const hostile = new Proxy({}, {
    ownKeys() {
      throw new Error("ownKeys trap");
    },
    get() {
      throw new Error("get trap");
    },
  });
  // deno-lint-ignore no-explicit-any
  const anyLog = log as any;
  anyLog.info(undefined);
  anyLog.info({ not: "a string" });
  anyLog.info(Symbol("m"));
  anyLog.info(10n);
  log.info("proxy extra", hostile);
  log.info("proxy value", { p: hostile });
  anyLog.info("non-object extra", 42);
  assert.equal(cap.raw.length, 7);
  for (const raw of cap.raw) JSON.parse(raw);
  assert.deepEqual(cap.lines().slice(0, 4).map((l) => l.message), [
    "undefined",
    '{"not":"a string"}',
    "Symbol(m)",
    "10",
  ]);
});

Deno.test("getLogger: a throwing sink never reaches the caller; a sink object's write is used", () => {
  try {
    configureLogging({
      sink: () => {
        throw new Error("disk full");
      },
    });
    getLogger().info("does not throw");
    const written: string[] = [];
    configureLogging({ sink: { write: (line) => written.push(line) } });
    getLogger().info("object sink");
    assert.equal(JSON.parse(written[0]).message, "object sink");
  } finally {
    configureLogging({});
  }
});

Deno.test("getLogger: logfmt carries the same fields, quoted where needed, one line always", () => {
  using cap = capture({ format: "logfmt" });
  runWithContext(
    { requestId: "r-1", fields: { user_id: "abc" } },
    () =>
      getLogger("app").info("Creating run", {
        note: 'two\nlines "quoted"',
        count: 3,
        ok: true,
        obj: { a: 1 },
        "bad key": "x",
      }),
  );
  const raw = cap.raw[0];
  assert.ok(!raw.includes("\n"));
  assert.match(raw, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z /);
  assert.equal(
    raw.slice(25),
    'level=INFO logger=app message="Creating run" request_id=r-1 user_id=abc ' +
      'note="two\\nlines \\"quoted\\"" count=3 ok=true obj="{\\"a\\":1}" bad_key=x',
  );
});

Deno.test("getLogger: LOG_LEVEL and DEBUG from the environment set the default level", () => {
  const saved = [Deno.env.get("LOG_LEVEL"), Deno.env.get("DEBUG")];
  try {
    Deno.env.set("LOG_LEVEL", "error");
    configureLogging({});
    assert.equal(getLogger().isEnabled("WARN"), false);
    assert.equal(getLogger().isEnabled("ERROR"), true);
    Deno.env.delete("LOG_LEVEL");
    Deno.env.set("DEBUG", "1");
    configureLogging({});
    assert.equal(getLogger().isEnabled("DEBUG"), true);
    Deno.env.delete("DEBUG");
    configureLogging({});
    assert.equal(getLogger().isEnabled("DEBUG"), false);
    assert.equal(getLogger().isEnabled("INFO"), true);
    configureLogging({ level: "CRITICAL" });
    assert.equal(getLogger().isEnabled("ERROR"), false);
  } finally {
    saved[0] === undefined ? Deno.env.delete("LOG_LEVEL") : Deno.env.set("LOG_LEVEL", saved[0]);
    saved[1] === undefined ? Deno.env.delete("DEBUG") : Deno.env.set("DEBUG", saved[1]);
    configureLogging({});
  }
});

Deno.test("getLogger: levels: a name of an Object.prototype member is no level (parseLevel, isEnabled, log)", () => {
  using cap = capture();
  const log = getLogger("levels");
  for (const name of [...Object.getOwnPropertyNames(Object.prototype), "__proto__"]) {
    assert.equal(parseLevel(name), undefined, name);
    assert.equal(parseLevel(name.toUpperCase()), undefined, name);
    assert.equal(log.isEnabled(name as LogLevel), false, name);
    log.log(name as LogLevel, "never written");
  }
  assert.equal(cap.raw.length, 0, cap.raw.join("\n"));
});
