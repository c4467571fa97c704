// Each store's preset against the names the store documents, on one real line per kind (the
// request line, an application line with fields, an error line with a stack) from a real
// Deno.serve. The names are the stores' own:
// - ECS: https://www.elastic.co/guide/en/ecs/current/ecs-field-reference.html
// - Google Cloud Logging: https://cloud.google.com/logging/docs/structured-logging (special
//   fields), https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry (LogSeverity,
//   HttpRequest), https://cloud.google.com/error-reporting/docs/formatting-error-messages
// - Datadog: https://docs.datadoghq.com/logs/log_configuration/attributes_naming_convention/ and
//   https://docs.datadoghq.com/tracing/other_telemetry/connect_logs_and_traces/opentelemetry/
import { deepStrictEqual, ok, strictEqual } from "node:assert";
import { configureLogging, getLogger, runWithContext } from "../mod.ts";
import { parseStrict } from "./_strict_json.ts";
import { GCP_PROJECT, PARENT_ID, SERVICE, storeLines, TRACE_ID } from "./_store_lines.ts";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SPAN = /^(?!0{16})[0-9a-f]{16}$/;
/** A V8 stack of the error the handler throws. */
const STACK = /^TypeError: run 42 has no owner\n {4}at /;

/** A whole number of nanoseconds for a request served here (less than a minute). */
function nanoseconds(value: unknown): number {
  ok(Number.isSafeInteger(value) && (value as number) >= 0, `${value} is whole nanoseconds`);
  ok((value as number) < 60e9);
  return value as number;
}

/** The low 64 bits of a W3C id as an unsigned decimal string, as Datadog's tracers write them. */
function low64(hex: string): string {
  return BigInt(`0x${hex.slice(-16)}`).toString();
}

Deno.test("configureLogging preset 'ecs': ECS names on the request, application and error lines", async () => {
  const { app, request, error, failed } = await storeLines("ecs");
  for (const line of [app, request, error, failed]) {
    ok(ISO.test(line["@timestamp"] as string));
    strictEqual(line["ecs.version"], "8.11.0");
    strictEqual(line["service.name"], SERVICE.name);
    strictEqual(line["service.version"], SERVICE.version);
    strictEqual(line["service.environment"], SERVICE.environment);
    strictEqual(line["trace.id"], TRACE_ID);
    ok(SPAN.test(line["span.id"] as string));
    ok(typeof line["http.request.id"] === "string");
  }
  strictEqual(app["log.level"], "INFO");
  strictEqual(app["log.logger"], "runs");
  strictEqual(app.message, "Creating run");
  strictEqual(app["user.id"], "u-7");
  strictEqual(app.attempt, 2);
  strictEqual(app.dry_run, false);

  strictEqual(request["http.request.id"], app["http.request.id"]);
  strictEqual(request["http.request.method"], "GET");
  strictEqual(request["url.path"], "/runs/42");
  strictEqual(request["http.response.status_code"], 201);
  nanoseconds(request["event.duration"]);
  for (const old of ["method", "path", "status_code", "duration_ms"]) ok(!(old in request), old);

  strictEqual(error["log.level"], "ERROR");
  strictEqual(error["error.type"], "TypeError");
  strictEqual(error["error.message"], "run 42 has no owner");
  ok(STACK.test(error["error.stack_trace"] as string), error["error.stack_trace"] as string);
  strictEqual((error["error.cause"] as Record<string, unknown>).message, "owner index -1");
  ok(!("error" in error) && !("error.name" in error) && !("error.stack" in error));

  strictEqual(failed["http.response.status_code"], 500);
  strictEqual(failed["error.type"], "TypeError");
  strictEqual(failed["error.message"], "run 42 has no owner");
});

Deno.test("configureLogging preset 'gcp': Cloud Logging's special fields, LogSeverity, httpRequest; the error line is one Error Reporting takes", async () => {
  const { app, request, error, failed } = await storeLines("gcp");
  for (const line of [app, request, error, failed]) {
    ok(ISO.test(line.time as string));
    strictEqual(line["logging.googleapis.com/trace"], `projects/${GCP_PROJECT}/traces/${TRACE_ID}`);
    ok(SPAN.test(line["logging.googleapis.com/spanId"] as string));
    strictEqual(line["logging.googleapis.com/trace_sampled"], true);
    for (const old of ["timestamp", "level", "trace_id", "span_id", "trace_flags"]) {
      ok(!(old in line), old);
    }
  }
  strictEqual(app.severity, "INFO");
  strictEqual(app.message, "Creating run");
  strictEqual(app.user_id, "u-7");
  strictEqual(app.attempt, 2);
  ok(!("httpRequest" in app));

  strictEqual(request.severity, "INFO");
  const http = request.httpRequest as Record<string, unknown>;
  deepStrictEqual(Object.keys(http), ["requestMethod", "requestUrl", "status", "latency"]);
  strictEqual(http.requestMethod, "GET");
  strictEqual(http.requestUrl, "/runs/42");
  strictEqual(http.status, 201);
  // A protobuf Duration in JSON: seconds, up to nine decimals, then "s".
  ok(/^\d+(\.\d{1,9})?s$/.test(http.latency as string), http.latency as string);

  strictEqual(error.severity, "ERROR");
  strictEqual(
    error["@type"],
    "type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent",
  );
  ok(STACK.test(error.stack_trace as string), error.stack_trace as string);
  deepStrictEqual({ ...error.serviceContext as object }, {
    service: SERVICE.name,
    version: SERVICE.version,
  });
  strictEqual((error.error as Record<string, unknown>).name, "TypeError");
  strictEqual((error.error as Record<string, unknown>).message, "run 42 has no owner");

  strictEqual(failed.severity, "ERROR");
  strictEqual((failed.httpRequest as Record<string, unknown>).status, 500);
});

Deno.test("configureLogging preset 'gcp': LogSeverity names for each level; the project from GOOGLE_CLOUD_PROJECT when no option gives one", () => {
  const raw: string[] = [];
  const before = Deno.env.get("GOOGLE_CLOUD_PROJECT");
  Deno.env.set("GOOGLE_CLOUD_PROJECT", "from-env");
  try {
    configureLogging({ preset: "gcp", level: "DEBUG", sink: (l) => raw.push(l) });
    runWithContext(
      { fields: { trace_id: TRACE_ID, span_id: PARENT_ID, trace_flags: "00" } },
      () => {
        for (const level of ["DEBUG", "INFO", "WARN", "ERROR", "CRITICAL"] as const) {
          getLogger("sev").log(level, level);
        }
      },
    );
    Deno.env.delete("GOOGLE_CLOUD_PROJECT");
    configureLogging({ preset: "gcp", sink: (l) => raw.push(l) });
    runWithContext({ fields: { trace_id: TRACE_ID } }, () => getLogger("sev").info("no project"));
  } finally {
    if (before === undefined) Deno.env.delete("GOOGLE_CLOUD_PROJECT");
    else Deno.env.set("GOOGLE_CLOUD_PROJECT", before);
    configureLogging({});
  }
  const lines = raw.map(parseStrict);
  deepStrictEqual(lines.slice(0, 5).map((l) => l.severity), [
    "DEBUG",
    "INFO",
    "WARNING",
    "ERROR",
    "CRITICAL",
  ]);
  strictEqual(lines[0]["logging.googleapis.com/trace"], `projects/from-env/traces/${TRACE_ID}`);
  strictEqual(lines[0]["logging.googleapis.com/spanId"], PARENT_ID);
  strictEqual(lines[0]["logging.googleapis.com/trace_sampled"], false);
  // Without a project the bare id is written: the field still names the trace.
  strictEqual(lines[5]["logging.googleapis.com/trace"], TRACE_ID);
});

Deno.test("configureLogging preset 'datadog': reserved and standard attributes; dd.trace_id and dd.span_id as Datadog's tracers write them", async () => {
  const { app, request, error, failed } = await storeLines("datadog");
  for (const line of [app, request, error, failed]) {
    ok(ISO.test(line.timestamp as string));
    strictEqual(line.service, SERVICE.name);
    strictEqual(line.version, SERVICE.version);
    strictEqual(line.env, SERVICE.environment);
    strictEqual(line["dd.trace_id"], low64(TRACE_ID));
    ok(/^[1-9][0-9]{0,19}$/.test(line["dd.span_id"] as string));
    ok(BigInt(line["dd.span_id"] as string) < 2n ** 64n);
    for (const old of ["level", "logger", "trace_id", "span_id", "environment"]) {
      ok(!(old in line), old);
    }
  }
  strictEqual(app.status, "info");
  strictEqual(app["logger.name"], "runs");
  strictEqual(app.message, "Creating run");
  strictEqual(app["usr.id"], "u-7");
  strictEqual(app.attempt, 2);

  strictEqual(request["http.request_id"], app["http.request_id"]);
  strictEqual(request["http.method"], "GET");
  strictEqual(request["http.url_details.path"], "/runs/42");
  strictEqual(request["http.status_code"], 201);
  nanoseconds(request.duration);

  strictEqual(error.status, "error");
  strictEqual(error["error.kind"], "TypeError");
  strictEqual(error["error.message"], "run 42 has no owner");
  ok(STACK.test(error["error.stack"] as string), error["error.stack"] as string);

  strictEqual(failed["http.status_code"], 500);
  strictEqual(failed["error.kind"], "TypeError");
});

Deno.test("configureLogging preset 'datadog': the low 64 bits of the W3C ids, as unsigned decimal strings, for any ids", () => {
  const raw: string[] = [];
  configureLogging({ preset: "datadog", sink: (l) => raw.push(l) });
  const ids: [string, string][] = [
    [TRACE_ID, PARENT_ID],
    ["0000000000000000ffffffffffffffff", "ffffffffffffffff"],
    ["ffffffffffffffff0000000000000001", "0000000000000001"],
  ];
  try {
    for (const [trace_id, span_id] of ids) {
      runWithContext({ fields: { trace_id, span_id } }, () => getLogger("dd").info("m"));
    }
  } finally {
    configureLogging({});
  }
  raw.map(parseStrict).forEach((line, i) => {
    strictEqual(line["dd.trace_id"], low64(ids[i][0]));
    strictEqual(line["dd.span_id"], low64(ids[i][1]));
  });
  strictEqual(parseStrict(raw[1])["dd.trace_id"], "18446744073709551615");
  strictEqual(parseStrict(raw[2])["dd.trace_id"], "1");
});
