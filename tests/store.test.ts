// A real store: the lines of a real server, in each preset, loaded into ClickHouse (in process,
// npm `chdb`, run under Node by tests/_clickhouse.mjs) as they are, then read back by request id:
// every field equals the line's value. The `otel` preset's lines go into the `otel_logs` table of
// the OpenTelemetry Collector's ClickHouse exporter, through the mapping documented in
// docs/presets.md (the one `otelLogsRow` below).
import { deepStrictEqual, ok, strictEqual } from "node:assert";
import type { Preset } from "../mod.ts";
import { storeLines } from "./_store_lines.ts";

type Obj = Record<string, unknown>;

/** Runs one job in ClickHouse (see tests/_clickhouse.mjs) and returns each query's rows. */
async function clickhouse(job: {
  statements: string[];
  inserts: { table: string; values: string; settings?: Obj }[];
  queries: { sql: string; params?: Obj }[];
}): Promise<Obj[][]> {
  const child = new Deno.Command("node", {
    args: [new URL("./_clickhouse.mjs", import.meta.url).pathname],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(job)));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  const err = new TextDecoder().decode(stderr);
  if (code !== 0) throw new Error(`clickhouse job failed (${code}): ${err}`);
  return JSON.parse(new TextDecoder().decode(stdout)).results;
}

/**
 * A line's fields by path, as a store that expands dotted names reads them (ClickHouse's JSON
 * type, Elasticsearch): `{"a.b":1}` and `{"a":{"b":1}}` are both `a.b = 1`. The module never
 * writes a name beside one that makes it an object (`k` beside `k.x`), so no two paths meet.
 */
function paths(value: unknown, prefix = "", out: [string, unknown][] = []): [string, unknown][] {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) paths(v, prefix === "" ? k : `${prefix}.${k}`, out);
  } else {
    out.push([prefix, value]);
  }
  return out;
}

function sorted(entries: [string, unknown][]): [string, unknown][] {
  return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The JSON path of the request id in each flat preset. */
const REQUEST_ID: Record<Exclude<Preset, "otel">, string> = {
  default: "request_id",
  ecs: "http.request.id",
  gcp: "request_id",
  datadog: "http.request_id",
};

/**
 * The settings that keep a line's values as they are: strings stay strings (no guessing of
 * dates), and 64-bit integers are written back as numbers.
 */
const KEEP_STRINGS = { input_format_try_infer_datetimes: 0, input_format_try_infer_dates: 0 };
const NUMBERS = "SETTINGS output_format_json_quote_64bit_integers = 0";

Deno.test("configureLogging presets in ClickHouse: each flat preset's lines, loaded as they are into a JSON column, read back by request id equal field by field", async () => {
  const presets = Object.keys(REQUEST_ID) as (keyof typeof REQUEST_ID)[];
  const runs = [];
  for (const preset of presets) runs.push({ preset, lines: await storeLines(preset) });
  const statements: string[] = [];
  const inserts = [];
  const queries = [];
  const expected: Obj[][] = [];
  for (const { preset, lines } of runs) {
    const table = `logs_${preset}`;
    statements.push(`CREATE TABLE ${table} (line JSON) ENGINE = MergeTree ORDER BY tuple()`);
    // Each line as the store receives it: its text, byte for byte, in a JSONEachRow row.
    inserts.push({
      table,
      values: lines.raw.map((line) => `{"line":${line}}`).join("\n"),
      settings: KEEP_STRINGS,
    });
    const byRequest = [[lines.app, lines.request], [lines.error, lines.failed]];
    for (const group of byRequest) {
      const id = paths(group[0]).find(([p]) => p === REQUEST_ID[preset])?.[1];
      ok(typeof id === "string", `${preset}: the request id at ${REQUEST_ID[preset]}`);
      queries.push({
        sql: `SELECT line FROM ${table} WHERE line.${REQUEST_ID[preset]}::String = {id:String} ` +
          `ORDER BY line.${
            preset === "gcp" ? "time" : preset === "ecs" ? "`@timestamp`" : "timestamp"
          }::String ${NUMBERS}`,
        params: { id },
      });
      expected.push(group);
    }
  }
  const results = await clickhouse({ statements, inserts, queries });
  results.forEach((rows, i) => {
    const want = expected[i];
    strictEqual(rows.length, want.length, `query ${i}: ${JSON.stringify(rows)}`);
    // Lines of one request in one millisecond have the same time: matched by their message.
    for (const line of want) {
      const row = rows.find((r) => (r.line as Obj).message === line.message);
      ok(row !== undefined, `a row for ${line.message}`);
      deepStrictEqual(sorted(paths(row.line)), sorted(paths(line)));
    }
  });
});

// The `otel_logs` table as the OpenTelemetry Collector's ClickHouse exporter creates it
// (open-telemetry/opentelemetry-collector-contrib, exporter/clickhouseexporter/internal/
// sql_templates/logs_table.sql at cd1a250122ef040ce6747acaa7293f223ee20192): its columns, types,
// codecs, skip indexes, engine and keys, for database `otel` and no TTL.
const OTEL_LOGS = `
CREATE TABLE IF NOT EXISTS "otel"."otel_logs" (
  Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
  TimestampTime DateTime DEFAULT toDateTime(Timestamp),
  TraceId String CODEC(ZSTD(1)),
  SpanId String CODEC(ZSTD(1)),
  TraceFlags UInt8,
  SeverityText LowCardinality(String) CODEC(ZSTD(1)),
  SeverityNumber UInt8,
  ServiceName LowCardinality(String) CODEC(ZSTD(1)),
  Body String CODEC(ZSTD(1)),
  ResourceSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
  ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  ScopeSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
  ScopeName String CODEC(ZSTD(1)),
  ScopeVersion LowCardinality(String) CODEC(ZSTD(1)),
  ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  LogAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
  INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_log_attr_key mapKeys(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_log_attr_value mapValues(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_body Body TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
) ENGINE = MergeTree()
PARTITION BY toDate(TimestampTime)
PRIMARY KEY (ServiceName, TimestampTime)
ORDER BY (ServiceName, TimestampTime, Timestamp)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`;

/** The column each top-level key of an `otel` line goes to (see `otelLogsRow`). */
const COLUMN_OF: Record<string, string> = {
  timestamp: "Timestamp",
  trace_id: "TraceId",
  span_id: "SpanId",
  flags: "TraceFlags",
  severity_text: "SeverityText",
  severity_number: "SeverityNumber",
  body: "Body",
  instrumentation_scope: "ScopeName",
  resource: "ServiceName, ResourceAttributes",
  attributes: "LogAttributes",
};

/**
 * An attribute value as the exporter stores it in a `Map(String, String)` (pdata's
 * `Value.AsString`): a string as it is, a number or boolean as its text, an object or array as
 * its JSON text.
 */
function asString(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

function stringMap(obj: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((obj ?? {}) as Obj)) out[k] = asString(v);
  return out;
}

/** THE mapping of an `otel` line to an `otel_logs` row (docs/presets.md). */
function otelLogsRow(line: Obj): Obj {
  const resource = (line.resource ?? {}) as Obj;
  return {
    Timestamp: line.timestamp,
    TraceId: line.trace_id ?? "",
    SpanId: line.span_id ?? "",
    TraceFlags: parseInt((line.flags as string | undefined) ?? "00", 16),
    SeverityText: line.severity_text,
    SeverityNumber: line.severity_number,
    ServiceName: resource["service.name"] ?? "",
    Body: asString(line.body),
    ResourceSchemaUrl: "",
    ResourceAttributes: stringMap(resource),
    ScopeSchemaUrl: "",
    ScopeName: (line.instrumentation_scope as Obj).name,
    ScopeVersion: "",
    ScopeAttributes: {},
    LogAttributes: stringMap(line.attributes),
  };
}

Deno.test("configureLogging presets in ClickHouse: the otel preset's lines fit the Collector exporter's otel_logs table and read back by request id equal field by field", async () => {
  const lines = await storeLines("otel");
  const all = [lines.app, lines.request, lines.error, lines.failed];
  for (const line of all) {
    for (const key of Object.keys(line)) ok(Object.hasOwn(COLUMN_OF, key), `${key} has a column`);
  }
  const ids = [lines.app, lines.error].map((l) => (l.attributes as Obj).request_id as string);
  const [tables, ...results] = await clickhouse({
    statements: ["CREATE DATABASE otel", OTEL_LOGS],
    inserts: [{
      table: "otel.otel_logs",
      values: all.map((l) => JSON.stringify(otelLogsRow(l))).join("\n"),
      settings: { date_time_input_format: "best_effort", input_format_skip_unknown_fields: 0 },
    }],
    queries: [
      { sql: "SELECT name FROM system.tables WHERE database = 'otel'" },
      ...ids.map((id) => ({
        sql:
          "SELECT toUnixTimestamp64Milli(Timestamp) AS ms, * EXCEPT (Timestamp, TimestampTime) " +
          `FROM otel.otel_logs WHERE LogAttributes['request_id'] = {id:String} ORDER BY Body ${NUMBERS}`,
        params: { id },
      })),
    ],
  });
  deepStrictEqual(tables, [{ name: "otel_logs" }]);
  const groups = [[lines.app, lines.request], [lines.error, lines.failed]];
  results.forEach((rows, i) => {
    strictEqual(rows.length, 2);
    for (const line of groups[i]) {
      const row = rows.find((r) => r.Body === line.body);
      ok(row !== undefined, `a row for ${line.body}`);
      strictEqual(row.ms, Date.parse(line.timestamp as string));
      strictEqual(row.TraceId, line.trace_id);
      strictEqual(row.SpanId, line.span_id);
      strictEqual(row.TraceFlags, parseInt(line.flags as string, 16));
      strictEqual(row.SeverityText, line.severity_text);
      strictEqual(row.SeverityNumber, line.severity_number);
      strictEqual(row.ScopeName, (line.instrumentation_scope as Obj).name);
      strictEqual(row.ServiceName, (line.resource as Obj)["service.name"]);
      deepStrictEqual(row.ResourceAttributes, stringMap(line.resource));
      // Every attribute back, and each string back to the line's own value.
      const attributes = line.attributes as Obj;
      const stored = row.LogAttributes as Record<string, string>;
      deepStrictEqual(Object.keys(stored).sort(), Object.keys(attributes).sort());
      for (const [key, value] of Object.entries(attributes)) {
        const text = stored[key];
        const back = typeof value === "string"
          ? text
          : typeof value === "number"
          ? Number(text)
          : typeof value === "boolean"
          ? text === "true"
          : JSON.parse(text);
        // (parseStrict's objects have no prototype: compared as plain JSON values)
        deepStrictEqual(back, JSON.parse(JSON.stringify(value)), key);
      }
    }
  });
});
