// Internal: finished log lines to an OTLP/HTTP JSON logs request body
// (opentelemetry-proto's ExportLogsServiceRequest, in its JSON encoding).
//
// A sink only ever sees the finished line, so the line is parsed back. The JSON
// form of each field-name preset is read (default, ecs, otel): its core keys go
// to their own places (time, severity, body, scope, trace ids, resource), every
// other key becomes a typed attribute. Anything else (a logfmt line, a line that
// is not one JSON object) becomes the body as it is, with the time and level a
// logfmt line starts with.
//
// The shape and the value encoding are the OpenTelemetry JS SDK's
// (@opentelemetry/otlp-transformer, JSON_ENCODER): time as a string of
// nanoseconds, ids as hex, an integer as a JSON number in `intValue`.

import { SEVERITY_NUMBER } from "./_presets.ts";
import { parseLevel } from "./_levels.ts";

/** An OTLP `AnyValue` in JSON; `{}` is the empty value (a `null` field). */
export type AnyValue =
  | { stringValue: string }
  | { intValue: number }
  | { doubleValue: number }
  | { boolValue: boolean }
  | { arrayValue: { values: AnyValue[] } }
  | { kvlistValue: { values: KeyValue[] } }
  | Record<string, never>;

/** An OTLP `KeyValue`. */
export interface KeyValue {
  key: string;
  value: AnyValue;
}

/** An OTLP `LogRecord`, keys in the order the JS SDK writes them. */
export interface OtlpLogRecord {
  timeUnixNano: string;
  observedTimeUnixNano: string;
  severityNumber?: number;
  severityText?: string;
  body: AnyValue;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  flags?: number;
  traceId?: string;
  spanId?: string;
}

/** An OTLP `ExportLogsServiceRequest`. */
export interface ExportLogsRequest {
  resourceLogs: {
    resource: { attributes: KeyValue[]; droppedAttributesCount: number };
    scopeLogs: { scope: { name: string }; logRecords: OtlpLogRecord[] }[];
  }[];
}

/** Where a preset writes the keys that are not attributes. */
interface Keys {
  time: string;
  level: string;
  logger: string;
  message: string;
  traceId: string;
  spanId: string;
  flags: string;
  /** Line key -> resource attribute (the service fields). */
  resource: Readonly<Record<string, string>>;
  /** A key about the line's own format (ECS's `ecs.version`), which OTLP replaces: left out. */
  format?: string;
  /**
   * The keys an error is written under (ECS: `error.type`, `error.message`, `error.stack_trace`,
   * its other keys as `error.<key>`): with a stack they are one error, as the `error` field of the
   * default preset; without, attributes under their own names.
   */
  error?: { type: string; message: string; stack: string; prefix: string };
}

const ENVIRONMENT = "deployment.environment.name";

const DEFAULT_KEYS: Keys = {
  time: "timestamp",
  level: "level",
  logger: "logger",
  message: "message",
  traceId: "trace_id",
  spanId: "span_id",
  flags: "trace_flags",
  resource: { service: "service.name", version: "service.version", environment: ENVIRONMENT },
};

const ECS_KEYS: Keys = {
  time: "@timestamp",
  level: "log.level",
  logger: "log.logger",
  message: "message",
  traceId: "trace.id",
  spanId: "span.id",
  flags: "trace_flags",
  resource: {
    "service.name": "service.name",
    "service.version": "service.version",
    "service.environment": ENVIRONMENT,
  },
  format: "ecs.version",
  error: {
    type: "error.type",
    message: "error.message",
    stack: "error.stack_trace",
    prefix: "error.",
  },
};

/** The `otel` preset nests scope, resource and attributes; its other keys are these. */
const OTEL_KEYS: Keys = {
  time: "timestamp",
  level: "severity_text",
  logger: "",
  message: "body",
  traceId: "trace_id",
  spanId: "span_id",
  flags: "flags",
  resource: {},
};

/** One record on its way into a request: its group keys and the record. */
interface Parsed {
  resourceKey: string;
  resource: KeyValue[];
  scope: string;
  record: OtlpLogRecord;
}

const HEX_TRACE = /^[0-9a-f]{32}$/;
const HEX_SPAN = /^[0-9a-f]{16}$/;
const HEX_FLAGS = /^[0-9a-f]{2}$/;
const LOGFMT_HEAD = /^(\S+) level=(\S+)/;
const NO_RESOURCE: KeyValue[] = [];
/** The request id of a line written outside any request. */
const NO_ID = "-";

/** Nanoseconds since the epoch, as the decimal string OTLP/JSON takes, of a time in milliseconds. */
export function nanos(ms: number): string {
  // ms * 1e6 is past 2^53: written out as digits instead.
  if (!(ms > 0)) return "0";
  const whole = Math.floor(ms);
  const frac = Math.round((ms - whole) * 1e6);
  return `${whole}${String(frac).padStart(6, "0")}`;
}

/**
 * The body of one OTLP/HTTP JSON logs request for `lines`: records grouped by
 * resource (the service fields) and scope (the logger name), in line order.
 */
export function toExportRequest(lines: readonly string[], observedMs: number): ExportLogsRequest {
  const observed = nanos(observedMs);
  const resources = new Map<
    string,
    { resource: KeyValue[]; scopes: Map<string, OtlpLogRecord[]> }
  >();
  for (const line of lines) {
    const p = parseLine(line, observed);
    let group = resources.get(p.resourceKey);
    if (group === undefined) {
      group = { resource: p.resource, scopes: new Map() };
      resources.set(p.resourceKey, group);
    }
    const records = group.scopes.get(p.scope);
    if (records === undefined) group.scopes.set(p.scope, [p.record]);
    else records.push(p.record);
  }
  const resourceLogs: ExportLogsRequest["resourceLogs"] = [];
  for (const { resource, scopes } of resources.values()) {
    const scopeLogs = [];
    for (const [name, logRecords] of scopes) scopeLogs.push({ scope: { name }, logRecords });
    resourceLogs.push({ resource: { attributes: resource, droppedAttributesCount: 0 }, scopeLogs });
  }
  return { resourceLogs };
}

/** One line as a record; never throws. */
function parseLine(line: string, observed: string): Parsed {
  if (line.charCodeAt(0) === 123 /* { */) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // a line cut short, or not JSON after all: kept whole as the body below
    }
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      return fromObject(value as Record<string, unknown>, observed);
    }
  }
  return fromText(line, observed);
}

/** A line that is not one JSON object: the body is the line; logfmt's time and level are read. */
function fromText(line: string, observed: string): Parsed {
  const record = newRecord(observed, { stringValue: line });
  const head = LOGFMT_HEAD.exec(line);
  if (head !== null) {
    const ms = Date.parse(head[1]);
    if (ms === ms) record.timeUnixNano = nanos(ms);
    setSeverity(record, head[2]);
  }
  return { resourceKey: "", resource: NO_RESOURCE, scope: "", record };
}

function newRecord(observed: string, body: AnyValue): OtlpLogRecord {
  return {
    timeUnixNano: observed,
    observedTimeUnixNano: observed,
    severityNumber: undefined,
    severityText: undefined,
    body,
    attributes: [],
    droppedAttributesCount: 0,
    flags: undefined,
    traceId: undefined,
    spanId: undefined,
  };
}

function setSeverity(record: OtlpLogRecord, text: unknown): void {
  if (typeof text !== "string") return;
  record.severityText = text;
  const level = parseLevel(text);
  if (level !== undefined) record.severityNumber = SEVERITY_NUMBER[level];
}

function fromObject(obj: Record<string, unknown>, observed: string): Parsed {
  const otel = typeof obj.attributes === "object" && obj.attributes !== null &&
    "severity_text" in obj;
  const keys = otel ? OTEL_KEYS : "@timestamp" in obj ? ECS_KEYS : DEFAULT_KEYS;
  const record = newRecord(observed, {});
  let resource = NO_RESOURCE;
  let resourceKey = "";
  let scope = "";
  let error: unknown;
  let hasError = false;
  /** The keys of an error written under several (ECS), in order. */
  let parts: [string, unknown][] | undefined;
  const attrs = record.attributes;
  const take = (source: Record<string, unknown>): void => {
    for (const key of Object.keys(source)) {
      const value = source[key];
      if (key === "error" && !hasError) {
        hasError = true;
        error = value;
      } else if (!(value === NO_ID && key === "request_id")) {
        attribute(key, value);
      }
    }
  };
  /** An attribute; an empty key, which OTLP does not allow, is counted as dropped instead. */
  const attribute = (key: string, value: unknown): void => {
    if (key === "") record.droppedAttributesCount++;
    else attrs.push({ key, value: anyValue(value) });
  };
  for (const key of Object.keys(obj)) {
    const value = obj[key];
    if (key === keys.time) {
      const ms = typeof value === "string" ? Date.parse(value) : NaN;
      if (ms === ms) record.timeUnixNano = nanos(ms);
      else attribute(key, value);
    } else if (key === keys.level) {
      setSeverity(record, value);
    } else if (key === keys.message) {
      record.body = anyValue(value);
    } else if (key === keys.logger && typeof value === "string") {
      scope = value;
    } else if (key === keys.traceId && typeof value === "string" && HEX_TRACE.test(value)) {
      record.traceId = value;
    } else if (key === keys.spanId && typeof value === "string" && HEX_SPAN.test(value)) {
      record.spanId = value;
    } else if (key === keys.flags && isFlags(value)) {
      record.flags = typeof value === "number" ? value : parseInt(value as string, 16);
    } else if (key in keys.resource && typeof value === "string") {
      if (resource === NO_RESOURCE) resource = [];
      resource.push({ key: keys.resource[key], value: { stringValue: value } });
      resourceKey += `${key}\u0000${value}\u0000`;
    } else if (key === keys.format) {
      // ecs.version: what the line's field names follow, not something that happened
    } else if (otel && key === "severity_number") {
      // recomputed from the level: the same table wrote it
    } else if (otel && key === "instrumentation_scope" && isObject(value)) {
      if (typeof value.name === "string") scope = value.name;
    } else if (otel && key === "resource" && isObject(value)) {
      resource = toKeyValues(value);
      resourceKey = JSON.stringify(value);
    } else if (otel && key === "attributes" && isObject(value)) {
      take(value);
    } else if (key === "error" && !hasError) {
      hasError = true;
      error = value;
    } else if (value === NO_ID && (key === "request_id" || key === "http.request.id")) {
      // a line outside any request: "-" says there is no id, and no attribute says it better
    } else if (keys.error !== undefined && key.startsWith(keys.error.prefix)) {
      (parts ??= []).push([key, value]);
    } else {
      attribute(key, value);
    }
  }
  if (parts !== undefined) {
    const joined = joinError(parts, keys.error!);
    if (joined === undefined) { for (const [key, value] of parts) attribute(key, value); }
    else if (!hasError) {
      hasError = true;
      error = joined;
    } else attribute("error", joined);
  }
  if (hasError) addException(attrs, error);
  return { resourceKey, resource, scope, record };
}

/** An error written under several keys as one (name, message, stack, the rest); none without a stack. */
function joinError(
  parts: [string, unknown][],
  names: NonNullable<Keys["error"]>,
): Record<string, unknown> | undefined {
  if (typeof parts.find(([key]) => key === names.stack)?.[1] !== "string") return undefined;
  const error: Record<string, unknown> = {};
  for (const [key, value] of parts) {
    if (key === names.type) error.name = value;
    else if (key === names.message) error.message = value;
    else if (key === names.stack) error.stack = value;
    else error[key.slice(names.prefix.length)] = value;
  }
  return error;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isFlags(value: unknown): boolean {
  return typeof value === "string"
    ? HEX_FLAGS.test(value)
    : typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 255;
}

/**
 * The line's `error` field as OpenTelemetry's exception attributes, as the JS SDK
 * writes a record's `exception`: `exception.type` (the name), `exception.message`,
 * `exception.stacktrace`; an error's other keys (cause, code, ...) stay under `error`.
 * A string is the message. Any other value stays an `error` attribute.
 */
function addException(attrs: KeyValue[], error: unknown): void {
  if (typeof error === "string") {
    attrs.push({ key: "exception.message", value: { stringValue: error } });
    return;
  }
  if (!isObject(error) || (typeof error.message !== "string" && typeof error.stack !== "string")) {
    attrs.push({ key: "error", value: anyValue(error) });
    return;
  }
  const rest: KeyValue[] = [];
  for (const key of Object.keys(error)) {
    if (key !== "name" && key !== "message" && key !== "stack") {
      rest.push({ key, value: anyValue(error[key]) });
    }
  }
  if (rest.length > 0) attrs.push({ key: "error", value: { kvlistValue: { values: rest } } });
  if (typeof error.name === "string" && error.name !== "") {
    attrs.push({ key: "exception.type", value: { stringValue: error.name } });
  }
  if (typeof error.message === "string" && error.message !== "") {
    attrs.push({ key: "exception.message", value: { stringValue: error.message } });
  }
  if (typeof error.stack === "string" && error.stack !== "") {
    attrs.push({ key: "exception.stacktrace", value: { stringValue: error.stack } });
  }
}

function toKeyValues(obj: Record<string, unknown>): KeyValue[] {
  const out: KeyValue[] = [];
  for (const key of Object.keys(obj)) out.push({ key, value: anyValue(obj[key]) });
  return out;
}

/**
 * A parsed JSON value as an OTLP `AnyValue`. An integer is `intValue` while it is
 * exact (a safe integer); a larger one, which int64 may not hold, is `doubleValue`.
 */
export function anyValue(value: unknown): AnyValue {
  switch (typeof value) {
    case "string":
      return { stringValue: value };
    case "number":
      return Number.isSafeInteger(value) ? { intValue: value } : { doubleValue: value };
    case "boolean":
      return { boolValue: value };
    case "object":
      if (value === null) return {};
      if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } };
      return { kvlistValue: { values: toKeyValues(value as Record<string, unknown>) } };
  }
  return {};
}
