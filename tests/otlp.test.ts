// otlpSink against a real OTLP/HTTP receiver on 127.0.0.1: the payload equals, field by field,
// what the OpenTelemetry JS SDK (sdk-logs + exporter-logs-otlp-http) sends for the same records;
// endpoints and headers from options and the OTEL_* variables; retries, the bounded queue and
// the exit flush with a receiver that fails on purpose. The workerd case (ctx.waitUntil) is in
// tests/conformance/workerd_cases.ts.
import assert from "node:assert/strict";
import fc from "fast-check";
import { context as otelContext, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { type AnyValueMap, SeverityNumber } from "@opentelemetry/api-logs";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  configureLogging,
  flushLogs,
  getLogger,
  type LoggingOptions,
  runWithContext,
  setTraceContext,
  withRequestContext,
} from "../mod.ts";
import { otlpSink, type OtlpSinkOptions } from "../integrations/otlp.ts";
import { type Receiver, recordsOf, startReceiver } from "./_otlp_receiver.ts";
import { params } from "./_fuzz.ts";
import { serve } from "./_helpers.ts";

const canRun = Deno.permissions.querySync({ name: "run" }).state === "granted";
const TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const SPAN_ID = "b7ad6b7169203331";
const SERVICE = { name: "runs-api", version: "1.4.0", environment: "production" };

type Level = "DEBUG" | "INFO" | "WARN" | "ERROR" | "CRITICAL";

/** One log call, as data: what the module logs and what the SDK is told. */
interface Call {
  logger: string;
  level: Level;
  message: string;
  fields: Record<string, unknown>;
  error?: Error;
}

const SDK_SEVERITY: Record<Level, SeverityNumber> = {
  DEBUG: SeverityNumber.DEBUG,
  INFO: SeverityNumber.INFO,
  WARN: SeverityNumber.WARN,
  ERROR: SeverityNumber.ERROR,
  CRITICAL: SeverityNumber.FATAL,
};

/**
 * Logs `calls` through the module with `otlpSink`, in one request context with a trace,
 * and returns the lines written (a tee before the sink) and what the receiver got.
 */
async function viaModule(
  receiver: Receiver,
  calls: Call[],
  requestId: string,
  options: Omit<LoggingOptions, "sink"> = {},
): Promise<{ lines: Record<string, unknown>[]; body: Record<string, unknown> }> {
  const before = receiver.received.length;
  const sink = otlpSink({ endpoint: receiver.url, flushIntervalMs: 0, headers: { "x-key": "k" } });
  const lines: string[] = [];
  configureLogging({
    level: "DEBUG",
    service: SERVICE,
    ...options,
    sink: {
      write: (line) => {
        lines.push(line);
        sink.write(line);
      },
      flush: () => sink.flush(),
    },
  });
  runWithContext({ requestId }, () => {
    setTraceContext(TRACE_ID, SPAN_ID, undefined, "01");
    for (const c of calls) {
      const fields = c.error === undefined ? c.fields : { ...c.fields, error: c.error };
      getLogger(c.logger).log(c.level, c.message, fields);
    }
  });
  await flushLogs();
  configureLogging({});
  assert.equal(receiver.received.length, before + 1, "one request for the batch");
  const got = receiver.received[before];
  assert.equal(got.path, "/v1/logs");
  assert.equal(got.headers.get("content-type"), "application/json");
  assert.equal(got.headers.get("x-key"), "k");
  assert.equal(sink.dropped, 0);
  return { lines: lines.map((l) => JSON.parse(l)), body: got.body };
}

/** Emits the same records through the OpenTelemetry JS SDK to the receiver; returns its body. */
async function viaSdk(
  receiver: Receiver,
  calls: Call[],
  times: string[],
  requestId: string,
): Promise<Record<string, unknown>> {
  const before = receiver.received.length;
  const exporter = new OTLPLogExporter({
    url: `${receiver.url}/v1/logs`,
    headers: { "x-key": "k" },
  });
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({
      "service.name": SERVICE.name,
      "service.version": SERVICE.version,
      "deployment.environment.name": SERVICE.environment,
    }),
    processors: [new BatchLogRecordProcessor({ exporter })],
  });
  const ctx = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    traceFlags: 1,
  });
  calls.forEach((c, i) => {
    provider.getLogger(c.logger).emit({
      timestamp: new Date(times[i]),
      severityNumber: SDK_SEVERITY[c.level],
      severityText: c.level,
      body: c.message,
      attributes: { request_id: requestId, ...c.fields } as AnyValueMap,
      exception: c.error,
      context: ctx,
    });
  });
  await provider.forceFlush();
  await provider.shutdown();
  assert.equal(receiver.received.length, before + 1, "the SDK sent one request");
  const got = receiver.received[before];
  assert.equal(got.path, "/v1/logs");
  assert.equal(got.headers.get("content-type"), "application/json");
  assert.equal(got.headers.get("x-key"), "k");
  return got.body;
}

/** Without the times: for bodies of two separate runs. */
function withoutTimes(body: Record<string, unknown>): Record<string, unknown> {
  const copy = withoutObserved(body);
  for (const { record } of recordsOf(copy)) delete record.timeUnixNano;
  return copy;
}

/** The one field that must differ: when each side observed the record. */
function withoutObserved(body: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(body);
  for (const { record } of recordsOf(copy)) {
    assert.match(String(record.observedTimeUnixNano), /^\d{19}$/);
    delete record.observedTimeUnixNano;
  }
  return copy;
}

async function compare(receiver: Receiver, calls: Call[], requestId: string): Promise<void> {
  const ours = await viaModule(receiver, calls, requestId);
  const times = ours.lines.map((l) => String(l.timestamp));
  const sdk = await viaSdk(receiver, calls, times, requestId);
  assert.deepEqual(withoutObserved(ours.body), withoutObserved(sdk));
}

const CALLS: Call[] = [
  {
    logger: "app",
    level: "INFO",
    message: "Creating run",
    fields: {
      user_id: "abc",
      count: 3,
      ratio: 0.25,
      negative: -7,
      ok: true,
      off: false,
      tags: ["a", 1, 2.5, true, null, ["nested"]],
      meta: { plan: "pro", limits: { runs: 10, burst: 1.5 }, empty: {}, list: [] },
      none: null,
      text: 'quotes " and \\ and \n newline, unicode é 😀',
    },
  },
  { logger: "app", level: "DEBUG", message: "cache miss", fields: { key: "k1" } },
  { logger: "db", level: "WARN", message: "slow query", fields: { duration_ms: 1234.56 } },
  {
    logger: "app",
    level: "ERROR",
    message: "Run failed",
    fields: { run_id: 42 },
    error: new TypeError("boom"),
  },
  { logger: "db", level: "CRITICAL", message: "pool exhausted", fields: {} },
];

Deno.test("otlpSink: the payload equals the OpenTelemetry JS SDK's for the same records, field by field", async () => {
  const receiver = startReceiver();
  try {
    await compare(receiver, CALLS, "req-1");
    const body = receiver.received[0].body;
    const records = recordsOf(body);
    // The SDK agreeing is not the whole claim: the mapping itself, read from one record.
    assert.deepEqual(records.map((r) => r.scope), ["app", "app", "app", "db", "db"]);
    const [info] = records;
    assert.deepEqual(info.resource, {
      attributes: [
        { key: "service.name", value: { stringValue: "runs-api" } },
        { key: "service.version", value: { stringValue: "1.4.0" } },
        { key: "deployment.environment.name", value: { stringValue: "production" } },
      ],
      droppedAttributesCount: 0,
    });
    assert.equal(info.record.severityNumber, 9);
    assert.equal(info.record.severityText, "INFO");
    assert.deepEqual(info.record.body, { stringValue: "Creating run" });
    assert.equal(info.record.traceId, TRACE_ID);
    assert.equal(info.record.spanId, SPAN_ID);
    assert.equal(info.record.flags, 1);
    const error = records.find((r) => r.record.severityText === "ERROR")!.record;
    // deno-lint-ignore no-explicit-any
    const keys = (error.attributes as any[]).map((a) => a.key);
    assert.deepEqual(keys, [
      "request_id",
      "run_id",
      "exception.type",
      "exception.message",
      "exception.stacktrace",
    ]);
  } finally {
    await receiver.close();
  }
});

/** Field names the line itself uses (core, service, trace, error): a call field of that name is renamed. */
const RESERVED = new Set(
  ["timestamp", "level", "logger", "message", "request_id", "service", "version", "environment"]
    .concat(["trace_id", "span_id", "trace_flags", "parent_span_id", "error", "__proto__"])
    .concat([""]), // OTLP allows no empty key: dropped and counted (see below)
);

/** A JSON value the SDK and OTLP agree on: no integer past 2^53 (see the next test). */
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", maxDepth: 3 },
    fc.string({ unit: "binary" }),
    fc.maxSafeInteger(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) =>
      !Number.isInteger(d) || Number.isSafeInteger(d)
    ),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.string().filter((k) => k !== "__proto__"), tie("value"), { maxKeys: 4 }),
  ),
})).value;

const callArb: fc.Arbitrary<Call> = fc.record({
  logger: fc.constantFrom("app", "db", "http"),
  level: fc.constantFrom<Level>("DEBUG", "INFO", "WARN", "ERROR", "CRITICAL"),
  message: fc.string({ unit: "binary" }),
  fields: fc.dictionary(fc.string().filter((k) => !RESERVED.has(k)), jsonValue, { maxKeys: 6 }),
});

Deno.test("otlpSink: any fields give the SDK's payload (property)", async () => {
  const receiver = startReceiver();
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(callArb, { minLength: 1, maxLength: 6 }), async (calls) => {
        await compare(receiver, calls, "req-prop");
      }),
      params(25),
    );
  } finally {
    await receiver.close();
  }
});

/** The one record the module sends for one INFO line with `fields`. */
async function oneRecord(
  fields: Record<string, unknown>,
  requestId: string,
): Promise<Record<string, unknown>> {
  const receiver = startReceiver();
  try {
    await viaModule(
      receiver,
      [{ logger: "app", level: "INFO", message: "one", fields }],
      requestId,
    );
    const records = recordsOf(receiver.received[0].body);
    assert.equal(records.length, 1);
    return records[0].record;
  } finally {
    await receiver.close();
  }
}

Deno.test("otlpSink: an integer int64 cannot hold exactly is a double (the SDK sends an invalid intValue)", async () => {
  const record = await oneRecord({ big: 1e21, safe: Number.MAX_SAFE_INTEGER }, "req-big");
  assert.deepEqual(record.attributes, [
    { key: "request_id", value: { stringValue: "req-big" } },
    { key: "big", value: { doubleValue: 1e21 } },
    { key: "safe", value: { intValue: Number.MAX_SAFE_INTEGER } },
  ]);
});

Deno.test("otlpSink: an empty key, which OTLP does not allow, is dropped and counted in droppedAttributesCount", async () => {
  const record = await oneRecord({ "": 1, nested: { "": 2 } }, "req-empty");
  assert.equal(record.droppedAttributesCount, 1);
  assert.deepEqual(record.attributes, [
    { key: "request_id", value: { stringValue: "req-empty" } },
    { key: "nested", value: { kvlistValue: { values: [{ key: "", value: { intValue: 2 } }] } } },
  ]);
});

/** Logs `n` lines through a fresh sink and returns it once flushed. */
async function logThrough(options: OtlpSinkOptions, n = 1): Promise<ReturnType<typeof otlpSink>> {
  const sink = otlpSink({ flushIntervalMs: 0, ...options });
  configureLogging({ sink });
  for (let i = 0; i < n; i++) getLogger("app").info(`line ${i}`, { i });
  await flushLogs();
  configureLogging({});
  return sink;
}

Deno.test("otlpSink: the JSON lines of every preset give the same records", async () => {
  const receiver = startReceiver();
  try {
    const bodies = [];
    for (const preset of ["default", "otel", "ecs"] as const) {
      const { body } = await viaModule(receiver, CALLS, "req-preset", { preset });
      bodies.push(withoutTimes(body));
    }
    const [plain, otel, ecs] = bodies;
    // The presets rename the request id (ECS) and the user fields (both), and ECS writes the
    // duration in nanoseconds under its own name; nothing else moves.
    const rename = (b: Record<string, unknown>) =>
      JSON.parse(
        JSON.stringify(b).replaceAll('"http.request.id"', '"request_id"')
          .replaceAll('"user.id"', '"user_id"'),
        function (key, value) {
          if (key === "" || value?.key !== "event.duration") return value;
          return { key: "duration_ms", value: { doubleValue: Number(value.value.intValue) / 1e6 } };
        },
      );
    assert.deepEqual(rename(otel), plain);
    assert.deepEqual(rename(ecs), plain);
  } finally {
    await receiver.close();
  }
});

Deno.test("otlpSink: a logfmt line or any text is the body, with the logfmt line's time and level", async () => {
  const receiver = startReceiver();
  try {
    const sink = otlpSink({ endpoint: receiver.url, flushIntervalMs: 0 });
    configureLogging({ format: "logfmt", sink });
    getLogger("app").warn("disk low", { free: 3 });
    sink.write("2020-01-02T03:04:05.678Z level=ERROR logger=app message=old");
    sink.write("plain text, no JSON");
    sink.write('{"cut": "a line cut sh');
    sink.write("[1,2]");
    await flushLogs();
    configureLogging({});
    const records = recordsOf(receiver.received[0].body).map((r) => r.record);
    assert.equal(records.length, 5);
    assert.equal(records[0].severityText, "WARN");
    assert.equal(records[0].severityNumber, 13);
    // deno-lint-ignore no-explicit-any
    assert.match((records[0].body as any).stringValue, /level=WARN logger=app message="disk low"/);
    assert.match(String(records[0].timeUnixNano), /^\d{19}$/);
    assert.equal(records[1].timeUnixNano, "1577934245678000000");
    assert.equal(records[1].severityNumber, 17);
    assert.deepEqual(records.slice(2).map((r) => r.body), [
      { stringValue: "plain text, no JSON" },
      { stringValue: '{"cut": "a line cut sh' },
      { stringValue: "[1,2]" },
    ]);
    assert.equal(records[2].severityNumber, undefined);
  } finally {
    await receiver.close();
  }
});

Deno.test("otlpSink: endpoint option: /v1/logs appended to its path, or kept when the path ends with it", async () => {
  const receiver = startReceiver();
  try {
    for (
      const endpoint of [
        receiver.url,
        `${receiver.url}/`,
        `${receiver.url}/otlp`,
        `${receiver.url}/otlp/v1/logs`,
      ]
    ) {
      const sink = await logThrough({ endpoint });
      assert.equal(sink.dropped, 0);
    }
    assert.deepEqual(receiver.received.map((r) => r.path), [
      "/v1/logs",
      "/v1/logs",
      "/otlp/v1/logs",
      "/otlp/v1/logs",
    ]);
  } finally {
    await receiver.close();
  }
});

/** Runs `fn` with the OTEL_* variables set as given (others unset), then restores them. */
async function withEnv(vars: Record<string, string>, fn: () => Promise<void>): Promise<void> {
  const names = [
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
    "OTEL_EXPORTER_OTLP_HEADERS",
    "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
  ];
  const saved = names.map((n) => Deno.env.get(n));
  for (const n of names) {
    if (n in vars) Deno.env.set(n, vars[n]);
    else Deno.env.delete(n);
  }
  try {
    await fn();
  } finally {
    names.forEach((n, i) =>
      saved[i] === undefined ? Deno.env.delete(n) : Deno.env.set(n, saved[i]!)
    );
  }
}

Deno.test("otlpSink: OTEL_EXPORTER_OTLP_* variables, with the spec's precedence and path rules", async () => {
  const receiver = startReceiver();
  try {
    // The generic endpoint: /v1/logs appended to its path.
    await withEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.url}/base/`,
      OTEL_EXPORTER_OTLP_HEADERS: "api-key=generic%20key,x-both=generic,bad",
      OTEL_EXPORTER_OTLP_LOGS_HEADERS: "x-both=logs%2Cwins",
    }, async () => {
      const sink = await logThrough({});
      assert.equal(sink.url, `${receiver.url}/base/v1/logs`);
    });
    // The logs endpoint: used as it is, over the generic one.
    await withEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9/never",
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${receiver.url}/custom/path`,
    }, async () => {
      await logThrough({});
    });
    // Options win over the variables, headers included (no merge).
    await withEnv({
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: "http://127.0.0.1:9/never",
      OTEL_EXPORTER_OTLP_HEADERS: "api-key=from-env",
    }, async () => {
      await logThrough({ endpoint: receiver.url, headers: { authorization: "Bearer t" } });
    });
    const [generic, logs, option] = receiver.received;
    assert.equal(generic.path, "/base/v1/logs");
    assert.equal(generic.headers.get("api-key"), "generic key");
    assert.equal(generic.headers.get("x-both"), "logs,wins");
    assert.equal(logs.path, "/custom/path");
    assert.equal(logs.headers.get("api-key"), null);
    assert.equal(option.path, "/v1/logs");
    assert.equal(option.headers.get("api-key"), null);
    assert.equal(option.headers.get("authorization"), "Bearer t");
  } finally {
    await receiver.close();
  }
});

Deno.test("otlpSink: without options or variables it posts to http://localhost:4318/v1/logs", async () => {
  await withEnv({}, async () => {
    const sink = otlpSink({ flushOnExit: false });
    assert.equal(sink.url, "http://localhost:4318/v1/logs");
    await sink.close();
  });
});

/** Captures what the module reports on stderr while `fn` runs. */
async function stderrOf(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...data: unknown[]) => void lines.push(data.map(String).join(" "));
  try {
    await fn();
  } finally {
    console.error = original;
  }
  return lines;
}

Deno.test("otlpSink: 429 with Retry-After, then 200: sent again after the wait the endpoint asked for", async () => {
  const receiver = startReceiver([{ status: 429, retryAfter: "1" }]);
  try {
    const sink = await logThrough({ endpoint: receiver.url, initialBackoffMs: 10 }, 3);
    assert.equal(receiver.received.length, 2);
    const [first, second] = receiver.received;
    assert.ok(second.at - first.at >= 950, `retried after ${second.at - first.at} ms`);
    assert.deepEqual(second.body, first.body, "the same batch");
    assert.equal(recordsOf(second.body).length, 3);
    assert.equal(sink.dropped, 0);
  } finally {
    await receiver.close();
  }
});

Deno.test("otlpSink: 503s back off exponentially with jitter, then delivered; out of attempts it drops and reports once", async () => {
  const receiver = startReceiver([{ status: 503 }, { status: 502 }, { status: 500 }]);
  try {
    const sink = await logThrough({ endpoint: receiver.url, initialBackoffMs: 100 }, 2);
    assert.equal(receiver.received.length, 4);
    const gaps = receiver.received.slice(1).map((r, i) => r.at - receiver.received[i].at);
    // 100, 150, 225 ms, each ±20%.
    assert.ok(gaps[0] >= 75 && gaps[0] < 200, `gaps ${gaps}`);
    assert.ok(gaps[1] >= 115, `gaps ${gaps}`);
    assert.ok(gaps[2] >= 175, `gaps ${gaps}`);
    assert.equal(sink.dropped, 0);

    receiver.received.length = 0;
    receiver.answers.push(...Array(10).fill({ status: 503 }));
    let dropped = -1;
    const reports = await stderrOf(async () => {
      const s = await logThrough({
        endpoint: `${receiver.url}/?token=secret`,
        initialBackoffMs: 5,
        maxAttempts: 3,
      }, 2);
      const t = await logThrough(
        { endpoint: receiver.url, initialBackoffMs: 5, maxAttempts: 3 },
        1,
      );
      dropped = s.dropped + t.dropped;
      // A second batch of the same sink: counted, not reported again.
      configureLogging({ sink: s });
      getLogger("app").info("again");
      await flushLogs();
      configureLogging({});
      dropped = s.dropped + t.dropped;
    });
    assert.equal(receiver.received.length, 9);
    assert.equal(dropped, 4);
    assert.equal(reports.length, 2, reports.join("\n")); // one per sink
    const report = JSON.parse(reports[0]);
    assert.match(report.message, /otlpSink dropped log lines/);
    assert.equal(report.reason, "HTTP 503 (2 lines)");
    assert.equal(report.dropped, 2);
    assert.ok(!reports[0].includes("secret"), "the query (a key) is not reported");
  } finally {
    await receiver.close();
  }
});

Deno.test("otlpSink: a refusal (400) is not retried: the batch is dropped and counted", async () => {
  const receiver = startReceiver([{ status: 400 }]);
  try {
    let sink: ReturnType<typeof otlpSink> | undefined;
    const reports = await stderrOf(async () => {
      sink = await logThrough({ endpoint: receiver.url, initialBackoffMs: 5 }, 2);
    });
    assert.equal(receiver.received.length, 1);
    assert.equal(sink!.dropped, 2);
    assert.equal(JSON.parse(reports[0]).reason, "HTTP 400 (2 lines)");
  } finally {
    await receiver.close();
  }
});

/** A port on 127.0.0.1 that refuses connections: one a server just gave up. */
async function refusedPort(): Promise<string> {
  const receiver = startReceiver();
  await receiver.close();
  return receiver.url;
}

Deno.test("otlpSink: connection refused is retried, then dropped; flush resolves and nothing throws", async () => {
  const url = await refusedPort();
  let sink: ReturnType<typeof otlpSink> | undefined;
  const start = Date.now();
  const reports = await stderrOf(async () => {
    sink = await logThrough({ endpoint: url, initialBackoffMs: 20, maxAttempts: 3 }, 2);
  });
  assert.ok(Date.now() - start >= 30, "two backoffs were waited");
  assert.equal(sink!.dropped, 2);
  assert.equal(reports.length, 1);
  assert.match(JSON.parse(reports[0]).reason, /^network error: /);
});

Deno.test("otlpSink: a batch whose retries would outlast timeoutMs is dropped when the next wait would end past it", async () => {
  const receiver = startReceiver([{ status: 503, retryAfter: "30" }]);
  try {
    const start = Date.now();
    let sink: ReturnType<typeof otlpSink> | undefined;
    await stderrOf(async () => {
      sink = await logThrough({ endpoint: receiver.url, timeoutMs: 2000 }, 1);
    });
    assert.ok(Date.now() - start < 1500, "did not wait the 30 s");
    assert.equal(receiver.received.length, 1);
    assert.equal(sink!.dropped, 1);
  } finally {
    await receiver.close();
  }
});

Deno.test("otlpSink: the queue is bounded: lines beyond maxQueueLines while batches retry are dropped and counted", async () => {
  // Every request fails for a while: batches wait for their retries and the queue fills.
  const receiver = startReceiver(Array(40).fill({ status: 503 }));
  try {
    const sink = otlpSink({
      endpoint: receiver.url,
      maxLines: 5,
      maxQueueLines: 10,
      flushIntervalMs: 0,
      initialBackoffMs: 200,
      maxAttempts: 2,
    });
    const reports = await stderrOf(async () => {
      configureLogging({ sink });
      for (let i = 0; i < 25; i++) getLogger("app").info(`line ${i}`);
      assert.equal(sink.dropped, 15, "5 batches of 5: 2 held, 3 dropped at once");
      await flushLogs();
      configureLogging({});
    });
    assert.equal(sink.dropped, 25, "the 2 held batches ran out of attempts too");
    assert.equal(receiver.received.length, 4);
    assert.equal(reports.length, 1, reports.join("\n"));
    assert.match(JSON.parse(reports[0]).reason, /^queue full \(10 lines waiting\)/);
  } finally {
    await receiver.close();
  }
});

Deno.test("otlpSink: the fetch option sends (a Workers service binding, a proxy); a queue smaller than a batch still takes one", async () => {
  const receiver = startReceiver();
  try {
    const urls: string[] = [];
    const sink = await logThrough({
      endpoint: receiver.url,
      maxLines: 50,
      maxQueueLines: 10,
      fetch: (url, init) => {
        urls.push(url);
        const headers = new Headers(init.headers);
        headers.set("x-via", "binding");
        return fetch(url, { ...init, headers });
      },
    }, 20);
    assert.deepEqual(urls, [`${receiver.url}/v1/logs`]);
    assert.equal(receiver.received[0].headers.get("x-via"), "binding");
    assert.equal(recordsOf(receiver.received[0].body).length, 20);
    assert.equal(sink.dropped, 0);
  } finally {
    await receiver.close();
  }
});

Deno.test("otlpSink: never blocks a request: a collector that hangs does not delay the answer", async () => {
  let release: () => void = () => {};
  const hold = new Promise<void>((resolve) => (release = resolve));
  const arrived: string[] = [];
  const collector = serve(async (req) => {
    arrived.push(await req.text());
    await hold;
    return new Response("{}");
  });
  const sink = otlpSink({ endpoint: collector.url, flushIntervalMs: 10 });
  configureLogging({ sink });
  const app = serve(withRequestContext(() => {
    getLogger("app").info("inside");
    return new Response("ok");
  }));
  try {
    const start = performance.now();
    for (let i = 0; i < 5; i++) {
      const res = await fetch(app.url, { headers: { "X-Request-ID": `hang-${i}` } });
      assert.equal(await res.text(), "ok");
    }
    assert.ok(performance.now() - start < 1000, "answers did not wait for the collector");
    while (arrived.length === 0) await new Promise((r) => setTimeout(r, 10));
    release();
    await flushLogs();
    const ids = arrived.flatMap((text) =>
      recordsOf(JSON.parse(text)).map((r) =>
        // deno-lint-ignore no-explicit-any
        (r.record.attributes as any[]).find((a) => a.key === "request_id")?.value.stringValue
      )
    );
    for (let i = 0; i < 5; i++) assert.ok(ids.includes(`hang-${i}`), `hang-${i} in ${ids}`);
    assert.equal(sink.dropped, 0);
  } finally {
    release();
    configureLogging({});
    await app.close();
    await collector.close();
  }
});

Deno.test("otlpSink: hostile settings and input never throw: a bad endpoint drops and reports, bad headers are left out", async () => {
  let sink: ReturnType<typeof otlpSink> | undefined;
  const reports = await stderrOf(async () => {
    sink = otlpSink({ endpoint: "not a url", headers: { "bad header": "x", ok: "line\nbreak" } });
    sink.write("x");
    // deno-lint-ignore no-explicit-any
    sink.write(undefined as any);
    await sink.close();
  });
  assert.equal(sink!.dropped, 2);
  assert.equal(reports.length, 2, reports.join("\n")); // the setting, then the drop
  assert.ok(!reports.join("").includes("line\nbreak"));
});

async function runChild(
  runtime: "deno" | "node",
  mode: string,
  endpoint: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new URL("./fixtures/otlp_child.ts", import.meta.url).pathname;
  const tsx = new URL("../node_modules/tsx/dist/cli.mjs", import.meta.url).pathname;
  const [exe, args] = runtime === "deno"
    ? [Deno.execPath(), ["run", "--quiet", "--no-check", "--allow-net=127.0.0.1,localhost"]]
    : ["node", [tsx]];
  const cmd = new Deno.Command(exe, {
    args: [...args, child, mode, endpoint],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  });
  const out = await cmd.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

for (const runtime of ["deno", "node"] as const) {
  Deno.test({
    name: `otlpSink (${runtime}): lines still held when the process ends by itself are sent`,
    ignore: !canRun,
    async fn() {
      const receiver = startReceiver([{ status: 503 }]);
      try {
        const { code, stderr } = await runChild(runtime, "exit", receiver.url);
        assert.equal(code, 0, stderr);
        assert.equal(receiver.received.length, 2, "sent at exit, and again after the 503");
        const records = recordsOf(receiver.received[1].body);
        assert.deepEqual(
          records.map((r) => r.record.body),
          [0, 1, 2].map((i) => ({
            stringValue: `line ${i}`,
          })),
        );
        assert.equal(records[0].scope, "child");
      } finally {
        await receiver.close();
      }
    },
  });

  Deno.test({
    name: `otlpSink (${runtime}): drops are counted and reported once on stderr`,
    ignore: !canRun,
    async fn() {
      const { code, stdout, stderr } = await runChild(runtime, "drops", await refusedPort());
      assert.equal(code, 0, stderr);
      assert.deepEqual(JSON.parse(stdout.trim()), { dropped: 10 });
      const reports = stderr.split("\n").filter((l) => l.includes("otlpSink dropped"));
      assert.equal(reports.length, 1, stderr);
    },
  });
}

// The OpenTelemetry API's global context manager is untouched by these tests.
Deno.test("otlpSink tests leave the OpenTelemetry API's context alone", () => {
  assert.equal(otelContext.active(), ROOT_CONTEXT);
});
