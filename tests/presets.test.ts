// Field-name presets: default (snake_case), ECS and the OpenTelemetry log data model.
import { deepStrictEqual, ok, strictEqual } from "node:assert";
import {
  configureLogging,
  getLogger,
  LOG_LEVELS,
  type LogLevel,
  runWithContext,
  withContext,
  withRequestContext,
} from "../mod.ts";
import { keysOf, parseStrict } from "./_strict_json.ts";

function capture(options: Parameters<typeof configureLogging>[0]): {
  raw: string[];
  lines: () => Record<string, unknown>[];
} {
  const raw: string[] = [];
  configureLogging({ level: "DEBUG", ...options, sink: (line) => raw.push(line) });
  return { raw, lines: () => raw.map(parseStrict) };
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SERVICE = { name: "runs-api", version: "1.4.0", environment: "production" };
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";

Deno.test("configureLogging preset 'ecs': the ECS names, core keys first, ecs.version and service fields, then context and call", () => {
  const c = capture({ preset: "ecs", service: SERVICE });
  try {
    runWithContext(
      { requestId: "r-ecs", fields: { trace_id: TRACE_ID, span_id: SPAN_ID, tenant: "t-1" } },
      () => getLogger("runs").info("Creating run", { user_id: "abc", user_email: "a@b.c" }),
    );
  } finally {
    configureLogging({});
  }
  const [text] = c.raw;
  deepStrictEqual(keysOf(text), [
    "@timestamp",
    "log.level",
    "log.logger",
    "message",
    "http.request.id",
    "ecs.version",
    "service.name",
    "service.version",
    "service.environment",
    "trace.id",
    "span.id",
    "tenant",
    "user.id",
    "user.email",
  ]);
  const line = parseStrict(text);
  ok(ISO.test(line["@timestamp"] as string));
  strictEqual(line["log.level"], "INFO");
  strictEqual(line["log.logger"], "runs");
  strictEqual(line.message, "Creating run");
  strictEqual(line["http.request.id"], "r-ecs");
  ok(/^\d+\.\d+\.\d+$/.test(line["ecs.version"] as string));
  strictEqual(line["service.name"], "runs-api");
  strictEqual(line["service.version"], "1.4.0");
  strictEqual(line["service.environment"], "production");
  strictEqual(line["trace.id"], TRACE_ID);
  strictEqual(line["span.id"], SPAN_ID);
  strictEqual(line["user.id"], "abc");
  strictEqual(line["user.email"], "a@b.c");
  for (const snake of ["timestamp", "level", "logger", "request_id", "service", "trace_id"]) {
    ok(!(snake in line), `no default name ${snake} in an ECS line`);
  }
});

Deno.test("configureLogging preset 'ecs': fields that would take a core name keep their value under extra_<name>; no key twice", () => {
  const c = capture({ preset: "ecs", service: { name: "svc" } });
  try {
    runWithContext(
      { requestId: "r-1", fields: { level: "ctx", "@timestamp": 1 } },
      () =>
        getLogger("app").warn("m", {
          message: "call",
          "log.level": "call-dotted",
          service: "other",
          request_id: "forged",
          "http.request.id": "forged-too",
        }),
    );
  } finally {
    configureLogging({});
  }
  const line = parseStrict(c.raw[0]); // throws on a repeated key
  strictEqual(line["log.level"], "WARN");
  strictEqual(line["@timestamp"] !== 1, true);
  strictEqual(line.message, "m");
  strictEqual(line["http.request.id"], "r-1");
  strictEqual(line["service.name"], "svc");
  const values = Object.entries(line).filter(([k]) => k.startsWith("extra_")).map(([, v]) => v);
  for (const v of ["ctx", 1, "call", "call-dotted", "other", "forged", "forged-too"]) {
    ok(values.includes(v), `${JSON.stringify(v)} kept under an extra_ name: ${c.raw[0]}`);
  }
});

/** The severity ranges of the OpenTelemetry log data model (SeverityNumber). */
const OTEL_RANGES: Record<string, [number, number]> = {
  TRACE: [1, 4],
  DEBUG: [5, 8],
  INFO: [9, 12],
  WARN: [13, 16],
  ERROR: [17, 20],
  FATAL: [21, 24],
};

Deno.test("configureLogging preset 'otel': severity_number is the first number of the level's range in the data model", () => {
  const c = capture({ preset: "otel" });
  const levels = Object.keys(LOG_LEVELS) as LogLevel[];
  try {
    for (const level of levels) getLogger("sev").log(level, `at ${level}`);
  } finally {
    configureLogging({});
  }
  const lines = c.lines();
  strictEqual(lines.length, levels.length);
  let previous = 0;
  lines.forEach((line, i) => {
    const level = levels[i];
    const range = OTEL_RANGES[level === "CRITICAL" ? "FATAL" : level];
    const n = line.severity_number as number;
    strictEqual(line.severity_text, level);
    ok(Number.isInteger(n) && n >= 1 && n <= 24, `${n} within 1..24`);
    strictEqual(n, range[0], `${level}: ${n} is the start of ${range}`);
    ok(n > previous, "more severe levels get larger numbers");
    previous = n;
  });
});

Deno.test("configureLogging preset 'otel': the data model's fields; service in resource, logger as instrumentation scope, the rest attributes", () => {
  const c = capture({ preset: "otel", service: SERVICE });
  try {
    runWithContext(
      { requestId: "r-otel", fields: { trace_id: TRACE_ID, span_id: SPAN_ID, trace_flags: "01" } },
      () => getLogger("runs").error("failed", { user_id: "abc", attempt: 2 }),
    );
  } finally {
    configureLogging({});
  }
  const [text] = c.raw;
  deepStrictEqual(keysOf(text), [
    "timestamp",
    "severity_text",
    "severity_number",
    "body",
    "trace_id",
    "span_id",
    "flags",
    "instrumentation_scope",
    "resource",
    "attributes",
  ]);
  const line = parseStrict(text);
  ok(ISO.test(line.timestamp as string));
  strictEqual(line.body, "failed");
  strictEqual(line.trace_id, TRACE_ID);
  strictEqual(line.span_id, SPAN_ID);
  strictEqual(line.flags, "01");
  deepStrictEqual({ ...line.instrumentation_scope as object }, { name: "runs" });
  deepStrictEqual({ ...line.resource as object }, {
    "service.name": "runs-api",
    "service.version": "1.4.0",
    "deployment.environment.name": "production",
  });
  deepStrictEqual({ ...line.attributes as object }, {
    request_id: "r-otel",
    "user.id": "abc",
    attempt: 2,
  });
});

Deno.test("configureLogging preset 'otel': a line outside a context, without service, has no trace ids and no resource", () => {
  const c = capture({ preset: "otel" });
  try {
    getLogger().info("boot");
  } finally {
    configureLogging({});
  }
  deepStrictEqual(keysOf(c.raw[0]), [
    "timestamp",
    "severity_text",
    "severity_number",
    "body",
    "instrumentation_scope",
    "attributes",
  ]);
  deepStrictEqual({ ...parseStrict(c.raw[0]).attributes as object }, { request_id: "-" });
});

Deno.test("configureLogging preset 'otel': context and call fields named like the line's own keys stay attributes; no key twice", () => {
  const c = capture({ preset: "otel", service: { name: "svc" } });
  const hostile = {
    timestamp: 1,
    level: "ctx-level",
    message: "ctx-message",
    logger: "ctx-logger",
    body: "ctx-body",
    severity_text: "x",
    severity_number: 99,
    attributes: "a",
    resource: "r",
    instrumentation_scope: "s",
  };
  try {
    runWithContext(
      { requestId: "r-2", fields: hostile },
      () =>
        withContext(
          { request_id: "forged" },
          () =>
            getLogger("real").child({ message: "bound" }).info("the body", {
              logger: "call",
              trace_id: "call-trace",
            }),
        ),
    );
  } finally {
    configureLogging({});
  }
  const line = parseStrict(c.raw[0]);
  strictEqual(line.timestamp !== 1, true);
  strictEqual(line.severity_text, "INFO");
  strictEqual(line.severity_number, 9);
  strictEqual(line.body, "the body");
  deepStrictEqual({ ...line.instrumentation_scope as object }, { name: "real" });
  deepStrictEqual({ ...line.resource as object }, { "service.name": "svc" });
  ok(!("trace_id" in line), "a call's trace_id is an attribute, not the line's trace id");
  const attributes = line.attributes as Record<string, unknown>;
  strictEqual(attributes.request_id, "r-2");
  const values = Object.values(attributes);
  for (const v of [...Object.values(hostile), "forged", "bound", "call", "call-trace"]) {
    ok(values.includes(v), `${JSON.stringify(v)} kept among the attributes: ${c.raw[0]}`);
  }
});

Deno.test("configureLogging preset: an oversize line is cut under every preset and stays one valid object", () => {
  for (const preset of ["default", "ecs", "otel"] as const) {
    const c = capture({ preset, maxLineLength: 2000 });
    try {
      runWithContext(
        { requestId: "r-big", fields: { trace_id: TRACE_ID, blob: "x".repeat(5000) } },
        () => getLogger("big").info("y".repeat(5000), { more: "z".repeat(5000) }),
      );
    } finally {
      configureLogging({});
    }
    const [text] = c.raw;
    ok(text.length <= 2000, `${preset}: ${text.length} <= 2000`);
    const line = parseStrict(text);
    const fields = preset === "otel" ? line.attributes as Record<string, unknown> : line;
    strictEqual(fields.truncated, true, `${preset} marks the cut`);
    const rid = preset === "ecs" ? line["http.request.id"] : fields.request_id;
    strictEqual(rid, "r-big", `${preset} keeps the request id whole`);
  }
});

Deno.test("configureLogging preset: logfmt keeps the default names; an unknown preset is the default", () => {
  const c = capture({ preset: "ecs", format: "logfmt" });
  try {
    runWithContext({ requestId: "r-3" }, () => getLogger("app").info("hi", { user_id: "u" }));
    configureLogging({
      level: "DEBUG",
      preset: "elastic" as never,
      sink: (line) => c.raw.push(line),
    });
    runWithContext({ requestId: "r-4" }, () => getLogger("app").info("hi"));
  } finally {
    configureLogging({});
  }
  ok(/ level=INFO logger=app message=hi request_id=r-3 user_id=u$/.test(c.raw[0]), c.raw[0]);
  deepStrictEqual(keysOf(c.raw[1]), ["timestamp", "level", "logger", "message", "request_id"]);
});

Deno.test("configureLogging preset: the access lines of a request use the preset's names, with the response's id", async () => {
  for (const preset of ["ecs", "otel"] as const) {
    const c = capture({ preset });
    let response: Response;
    try {
      const handler = withRequestContext(() => new Response("created", { status: 201 }));
      response = await handler(new Request("http://127.0.0.1/runs", { method: "POST" }));
      await response.text();
    } finally {
      configureLogging({});
    }
    const id = response.headers.get("x-request-id");
    ok(id !== null && id.length > 0);
    const lines = c.lines();
    strictEqual(lines.length, 2);
    for (const line of lines) {
      if (preset === "ecs") strictEqual(line["http.request.id"], id);
      else strictEqual((line.attributes as Record<string, unknown>).request_id, id);
    }
    const finish = lines[1];
    if (preset === "ecs") strictEqual(finish.message, "POST /runs - 201");
    else strictEqual(finish.body, "POST /runs - 201");
  }
});

Deno.test("configureLogging preset: redaction uses the names the fields are logged with, under every preset", () => {
  for (const preset of ["default", "ecs", "otel"] as const) {
    const c = capture({ preset, redact: ["user_id", "password"] });
    try {
      runWithContext(
        { requestId: "r-5" },
        () =>
          getLogger("auth").info("login", { user_id: "u-secret", creds: { password: "p-secret" } }),
      );
    } finally {
      configureLogging({});
    }
    const [text] = c.raw;
    ok(!text.includes("u-secret") && !text.includes("p-secret"), `${preset}: ${text}`);
    ok(text.includes('"[REDACTED]"'), text);
  }
});
