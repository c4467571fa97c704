// LogTape, the real package: the context as LogTape's implicit context, and a sink
// that writes LogTape records as the module's lines.
import { deepStrictEqual, ok, strictEqual } from "node:assert";
import {
  configure,
  getLogger as getLogTapeLogger,
  type LogRecord,
  reset,
  withCategoryPrefix,
  withContext as logTapeWithContext,
} from "@logtape/logtape";
import {
  configureLogging,
  getContext,
  getLogger,
  getRequestId,
  runWithContext,
  setContextFields,
  withContext,
  withRequestContext,
} from "../mod.ts";
import { contextLocalStorage, logTapeSink } from "../integrations/logtape.ts";
import fc from "fast-check";
import { parseStrict } from "./_strict_json.ts";
import { params } from "./_fuzz.ts";
import { serve, sleep } from "./_helpers.ts";

const META = { category: ["logtape", "meta"], lowestLevel: "warning" as const, sinks: [] };

/** LogTape configured with our storage; records land in `records`, our lines in `lines`. */
async function setUp(withSink = false): Promise<{ records: LogRecord[]; lines: string[] }> {
  const records: LogRecord[] = [];
  const lines: string[] = [];
  configureLogging({ level: "DEBUG", sink: (line) => lines.push(line) });
  await configure({
    reset: true,
    contextLocalStorage,
    sinks: { memory: (r: LogRecord) => records.push(r), ours: logTapeSink() },
    loggers: [
      {
        category: ["app"],
        lowestLevel: "trace",
        sinks: withSink ? ["memory", "ours"] : ["memory"],
      },
      META,
    ],
  });
  return { records, lines };
}

async function tearDown(): Promise<void> {
  await reset();
  configureLogging({});
}

Deno.test("contextLocalStorage: LogTape records made in a request carry request_id and the context", async () => {
  const { records } = await setUp();
  try {
    const log = getLogTapeLogger(["app"]);
    log.info("outside");
    runWithContext({ requestId: "r-lt", fields: { tenant: "t-1" } }, () => {
      withContext({ step: "load" }, () => log.info("inside {id}", { id: 42 }));
      setContextFields({ user_id: "u-1" });
      log.warn("after set");
    });
  } finally {
    await tearDown();
  }
  strictEqual(records.length, 3);
  deepStrictEqual({ ...records[0].properties }, {}, "outside a context: nothing added");
  deepStrictEqual({ ...records[1].properties }, {
    tenant: "t-1",
    step: "load",
    request_id: "r-lt",
    id: 42,
  });
  deepStrictEqual({ ...records[2].properties }, {
    tenant: "t-1",
    user_id: "u-1",
    request_id: "r-lt",
  });
});

Deno.test("contextLocalStorage: LogTape's withContext adds to this module's scope, and only inside", async () => {
  const { records, lines } = await setUp();
  try {
    runWithContext({ requestId: "r-2", fields: { tenant: "t-1" } }, () => {
      logTapeWithContext({ order_id: "o-9" }, () => {
        strictEqual(getRequestId(), "r-2");
        deepStrictEqual({ ...getContext()?.fields }, { tenant: "t-1", order_id: "o-9" });
        getLogger("ours").info("in LogTape's scope");
        getLogTapeLogger(["app"]).info("LogTape too");
      });
      deepStrictEqual({ ...getContext()?.fields }, { tenant: "t-1" });
      getLogger("ours").info("after");
    });
  } finally {
    await tearDown();
  }
  const [inside, after] = lines.map(parseStrict);
  strictEqual(inside.order_id, "o-9");
  strictEqual(inside.request_id, "r-2");
  ok(!("order_id" in after));
  strictEqual(records[0].properties.order_id, "o-9");
  strictEqual(records[0].properties.request_id, "r-2");
});

Deno.test("contextLocalStorage: LogTape's withContext outside a request, and with another request_id", async () => {
  const { records } = await setUp();
  try {
    logTapeWithContext({ job: "nightly" }, () => {
      getLogTapeLogger(["app"]).info("no request");
      strictEqual(getRequestId(), "-");
    });
    runWithContext({ requestId: "r-outer" }, () => {
      logTapeWithContext({ request_id: "job-7", queue: "mail" }, () => {
        strictEqual(getRequestId(), "job-7");
        getLogTapeLogger(["app"]).info("a job of its own");
      });
      strictEqual(getRequestId(), "r-outer");
      logTapeWithContext(
        { request_id: "bad id\r\n" },
        () => strictEqual(getRequestId(), "r-outer"),
      );
    });
  } finally {
    await tearDown();
  }
  deepStrictEqual({ ...records[0].properties }, { job: "nightly" });
  deepStrictEqual({ ...records[1].properties }, { queue: "mail", request_id: "job-7" });
});

Deno.test("contextLocalStorage: LogTape's own state in the store survives (withCategoryPrefix)", async () => {
  const { records } = await setUp();
  try {
    await configure({
      reset: true,
      contextLocalStorage,
      sinks: { memory: (r: LogRecord) => records.push(r) },
      loggers: [{ category: ["sdk"], lowestLevel: "info", sinks: ["memory"] }, META],
    });
    runWithContext({ requestId: "r-p" }, () =>
      withCategoryPrefix(["sdk"], () => {
        logTapeWithContext({ k: 1 }, () => getLogTapeLogger(["inner"]).info("prefixed"));
      }));
  } finally {
    await tearDown();
  }
  strictEqual(records.length, 1);
  deepStrictEqual(records[0].category, ["sdk", "inner"]);
  deepStrictEqual({ ...records[0].properties }, { k: 1, request_id: "r-p" });
});

Deno.test("contextLocalStorage: 300 concurrent requests each see only their own id in LogTape records", async () => {
  const { records } = await setUp();
  try {
    const log = getLogTapeLogger(["app"]);
    await Promise.all(
      Array.from(
        { length: 300 },
        (_, i) =>
          runWithContext({ requestId: `req-${i}`, fields: { n: i } }, async () => {
            await sleep(Math.random() * 5);
            log.info("a");
            await logTapeWithContext({ phase: i }, async () => {
              await sleep(Math.random() * 5);
              log.info("b");
            });
          }),
      ),
    );
  } finally {
    await tearDown();
  }
  strictEqual(records.length, 600);
  for (const r of records) {
    const n = r.properties.n as number;
    strictEqual(r.properties.request_id, `req-${n}`);
    if ("phase" in r.properties) strictEqual(r.properties.phase, n);
  }
});

Deno.test("logTapeSink: a LogTape record as the module's line; the context is written once", async () => {
  const { lines } = await setUp(true);
  const before = Date.now();
  try {
    runWithContext({ requestId: "r-sink", fields: { tenant: "t-1" } }, () => {
      getLogTapeLogger(["app", "runs"]).info("Creating run {id} for {user}", {
        id: 42,
        user: "ann",
        tenant: "other",
      });
    });
  } finally {
    await tearDown();
  }
  strictEqual(lines.length, 1);
  const line = parseStrict(lines[0]); // throws on a repeated key
  deepStrictEqual(Object.keys(line), [
    "timestamp",
    "level",
    "logger",
    "message",
    "request_id",
    "tenant",
    "extra_tenant",
    "id",
    "user",
  ]);
  strictEqual(line.level, "INFO");
  strictEqual(line.logger, "app.runs");
  strictEqual(line.message, 'Creating run 42 for "ann"');
  strictEqual(line.request_id, "r-sink");
  strictEqual(line.tenant, "t-1");
  strictEqual(line.extra_tenant, "other", "a property that differs from the context is kept");
  ok(Date.parse(line.timestamp as string) >= before - 1);
});

Deno.test("logTapeSink: LogTape's levels map to the module's; LogTape's lowestLevel decides", async () => {
  const { lines } = await setUp(true);
  configureLogging({ level: "CRITICAL", sink: (line) => lines.push(line) });
  try {
    const log = getLogTapeLogger(["app"]);
    log.trace("t");
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");
    log.fatal("f");
  } finally {
    await tearDown();
  }
  deepStrictEqual(lines.map((l) => parseStrict(l).level), [
    "DEBUG",
    "DEBUG",
    "INFO",
    "WARN",
    "ERROR",
    "CRITICAL",
  ]);
});

Deno.test("logTapeSink: the configured preset and redaction apply; the record's time is the line's", () => {
  const lines: string[] = [];
  configureLogging({ preset: "otel", redact: ["password"], sink: (line) => lines.push(line) });
  try {
    const sink = logTapeSink({ categorySeparator: "/" });
    runWithContext({ requestId: "r-o" }, () =>
      sink({
        category: ["auth", "login"],
        level: "warning",
        message: ["failed for ", { user: "ann", password: "hunter2" }, ""],
        timestamp: Date.UTC(2025, 0, 2, 3, 4, 5, 6),
        properties: { password: "hunter2", attempt: 3 },
      }));
  } finally {
    configureLogging({});
  }
  ok(!lines[0].includes("hunter2"), lines[0]);
  const line = parseStrict(lines[0]);
  strictEqual(line.timestamp, "2025-01-02T03:04:05.006Z");
  strictEqual(line.severity_text, "WARN");
  strictEqual(line.body, 'failed for {"user":"ann","password":"[REDACTED]"}');
  deepStrictEqual({ ...line.instrumentation_scope as object }, { name: "auth/login" });
  deepStrictEqual({ ...line.attributes as object }, {
    request_id: "r-o",
    password: "[REDACTED]",
    attempt: 3,
  });
});

/** Placeholder forms of LogTape's message templates that name `name` (held under `obj`/`list`). */
const PLACEHOLDERS:
  readonly ((name: string) => { template: string; props: (v: string) => object })[] = [
    (n) => ({ template: `{${n}}`, props: (v) => ({ [n]: v }) }),
    (n) => ({ template: `{ ${n} }`, props: (v) => ({ [n]: v }) }),
    (n) => ({ template: `{obj.${n}}`, props: (v) => ({ obj: { [n]: v } }) }),
    (n) => ({ template: `{obj?.${n}}`, props: (v) => ({ obj: { [n]: v } }) }),
    (n) => ({ template: `{obj["${n}"]}`, props: (v) => ({ obj: { [n]: v } }) }),
    (n) => ({ template: `{obj['${n}']}`, props: (v) => ({ obj: { [n]: v } }) }),
    (n) => ({ template: `{list[0].${n}}`, props: (v) => ({ list: [{ [n]: v }] }) }),
    (n) => ({ template: `{obj}`, props: (v) => ({ obj: { [n]: v, other: 1 } }) }),
    (n) => ({ template: `{*}`, props: (v) => ({ [n]: v, other: 1 }) }),
    (n) => ({ template: `{req.headers}`, props: (v) => ({ req: { headers: { [n]: v } } }) }),
  ];

Deno.test("logTapeSink property: a LogTape placeholder that is a redacted property never shows the secret in the message", async () => {
  const lines: string[] = [];
  configureLogging({
    redact: ["password", "authorization", "req.headers.cookie"],
    sink: (line) => lines.push(line),
  });
  await configure({
    reset: true,
    sinks: { ours: logTapeSink() },
    loggers: [{ category: ["app"], lowestLevel: "trace", sinks: ["ours"] }, META],
  });
  const log = getLogTapeLogger(["app"]);
  try {
    fc.assert(
      fc.property(
        fc.constantFrom(...PLACEHOLDERS),
        fc.constantFrom("password", "Authorization", "PASSWORD", "cookie"),
        fc.stringMatching(/^[A-Za-z0-9]{8,16}$/).map((s) => `S3cret-${s}`),
        fc.constantFrom("login ", "", "{{literal}} "),
        (form, name, secret, before) => {
          // `cookie` is redacted only as the path req.headers.cookie.
          const { template, props } = form(name);
          if (name === "cookie" && template !== "{req.headers}") return;
          lines.length = 0;
          log.info(`${before}${template} done`, props(secret) as Record<string, unknown>);
          strictEqual(lines.length, 1);
          ok(!lines[0].includes(secret), `${template}: ${lines[0]}`);
          const message = parseStrict(lines[0]).message as string;
          ok(message.includes("[REDACTED]"), message);
          ok(message.endsWith(" done"), message);
        },
      ),
      params(300),
    );
    // A record without its template (made by hand, or a tagged template): a value equal
    // to a redacted property's value is still hidden.
    lines.length = 0;
    logTapeSink()({
      category: ["app"],
      level: "info",
      message: ["token ", "S3cret-hand", ""],
      timestamp: Date.now(),
      properties: { Password: "S3cret-hand" },
    });
    ok(!lines[0].includes("S3cret-hand"), lines[0]);
    // A value under a name that is not redacted is still rendered.
    lines.length = 0;
    log.info("user {user} ({obj.role})", { user: "ann", obj: { role: "admin" } });
    strictEqual(parseStrict(lines[0]).message, 'user "ann" ("admin")');
  } finally {
    await tearDown();
  }
});

Deno.test("logTapeSink: a hostile record still gives a line and never throws", () => {
  const lines: string[] = [];
  configureLogging({ sink: (line) => lines.push(line) });
  try {
    const sink = logTapeSink();
    sink({
      category: ["x"],
      level: "error",
      message: ["boom"],
      timestamp: NaN,
      get properties(): Record<string, unknown> {
        throw new Error("properties getter");
      },
    });
  } finally {
    configureLogging({});
  }
  const line = parseStrict(lines[0]);
  strictEqual(line.level, "ERROR");
  strictEqual(line.message, "boom");
  strictEqual((line.record_error as Record<string, unknown>).message, "properties getter");
});

Deno.test("LogTape in a real Deno.serve request: its records and our lines carry the response's id", async () => {
  const { records, lines } = await setUp(true);
  const server = serve(withRequestContext(async () => {
    await sleep(2);
    getLogTapeLogger(["app", "handler"]).info("handling");
    return new Response("ok");
  }, { logRequests: false }));
  try {
    const response = await fetch(`${server.url}/`);
    await response.text();
    const id = response.headers.get("x-request-id");
    ok(id);
    strictEqual(records[0].properties.request_id, id);
    strictEqual(parseStrict(lines[0]).request_id, id);
  } finally {
    await server.close();
    await tearDown();
  }
});
