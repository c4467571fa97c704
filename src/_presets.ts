// Internal: the preset table, the one place a preset is defined. Each preset is one row
// (`PRESETS`): the names of the line's own keys, the level's text, the keys every line carries,
// and what becomes of the module's fields (name, place, value). A new preset is a new row here
// and its name in the public `Preset` type; the renderer (`_fields.ts`) and the line assembly
// (`_format.ts`) read rows and know no preset by name.

import type { Preset } from "./config.ts";
import type { LogLevel } from "./levels.ts";
import type { FormatConfig } from "./_format.ts";
import { errorParts } from "./_serialize.ts";
import { isSpanId, isTraceId } from "./traceparent.ts";
import { isTraceFlags } from "./_traceparent.ts";

/** What becomes of one of the module's fields under a preset. */
export interface FieldRule {
  /** The key written, in place of the field's own name. */
  readonly name: string;
  /**
   * Where the key goes; left out: where the preset puts fields (the line itself, or the
   * `attributes` of an `"otel"` layout line).
   * - `"top"`: the top level of an `"otel"` layout line (a context field only; a call's own
   *   field of that name stays an attribute).
   * - any other string: an object of that name at the top level of a `"flat"` line, which
   *   gathers every field placed in it (Google Cloud's `httpRequest`). A key already taken
   *   there is written at the top level as `extra_<object>.<name>`.
   */
  readonly in?: string;
  /**
   * The value written, from the field's value (milliseconds to nanoseconds, a trace id as a
   * decimal string). It may return any value, an object included; `undefined` leaves the key
   * out; a {@linkcode Spread} writes several keys in place of this one. Called with the
   * configuration in force (a row's options, such as a project id, live there). A throw writes
   * the value as it came.
   */
  readonly value?: (value: unknown, cfg: FormatConfig) => unknown;
}

/**
 * What a rule's `value` returns to write one field as several keys, in order (an error as
 * `error.type`, `error.message` and `error.stack_trace`). Each name is claimed like any other
 * key (a name in use is renamed `extra_<name>`), each value written as a field's value.
 */
export class Spread {
  constructor(readonly entries: readonly (readonly [string, unknown])[]) {}
}

/** One preset: everything that makes its lines differ from the default ones. */
export interface PresetRow {
  /**
   * `"flat"`: one object, the core keys first, then the keys every line carries, the service
   * fields, the context's, the call's, and the objects rules place fields in. `"otel"`: the
   * OpenTelemetry log data model (the logger in `instrumentation_scope`, the service fields in
   * `resource`, the request id and fields in `attributes`, `severity_number` beside the level).
   */
  readonly layout: "flat" | "otel";
  /** The names of the line's own keys. */
  readonly core: {
    readonly timestamp: string;
    readonly level: string;
    readonly logger: string;
    readonly message: string;
    readonly request_id: string;
  };
  /** The level's text when the store names levels its own way; left out: the level itself. */
  readonly levels?: Readonly<Record<LogLevel, string>>;
  /** Keys every line carries after the core ones (before the service fields), with their values. */
  readonly constants?: Readonly<Record<string, string | number | boolean>>;
  /**
   * The module's fields (service, context, call) the store names otherwise, by their default
   * name. A field without a rule keeps its name. A Map, not an object literal: a field named
   * like an `Object.prototype` member (`toString`, `__proto__`) must find no rule.
   */
  readonly fields: ReadonlyMap<string, FieldRule>;
  /** Where the preset's names are documented. */
  readonly reference?: string;
}

/** OpenTelemetry severity numbers (1..24) for each level, as the log data model maps them. */
export const SEVERITY_NUMBER: Readonly<Record<LogLevel, number>> = {
  DEBUG: 5,
  INFO: 9,
  WARN: 13,
  ERROR: 17,
  CRITICAL: 21,
};

/** Milliseconds (the module's `duration_ms`) as whole nanoseconds, as ECS and Datadog count them. */
function nanoseconds(ms: unknown): unknown {
  return typeof ms === "number" && Number.isFinite(ms) ? Math.round(ms * 1e6) : ms;
}

/**
 * Milliseconds as a protobuf `Duration` in JSON, as Google's `httpRequest.latency` takes it:
 * seconds with up to nine decimals and an `s` (`45` → `"0.045s"`).
 */
function protobufDuration(ms: unknown): unknown {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) return ms;
  const ns = Math.round(ms * 1e6);
  const fraction = String(ns % 1e9).padStart(9, "0").replace(/0+$/, "");
  return `${Math.floor(ns / 1e9)}${fraction === "" ? "" : `.${fraction}`}s`;
}

/** A W3C id's low 64 bits as an unsigned decimal string: how Datadog's tracers write ids in logs. */
function datadogId(id: unknown): unknown {
  if (!isTraceId(id) && !isSpanId(id)) return id;
  return BigInt(`0x${id.slice(-16)}`).toString();
}

/** Google's trace resource name, `projects/<project>/traces/<trace_id>`; the bare id without a project. */
function gcpTrace(id: unknown, cfg: FormatConfig): unknown {
  return isTraceId(id) && cfg.gcpProject ? `projects/${cfg.gcpProject}/traces/${id}` : id;
}

/** The sampled bit of W3C trace flags as a boolean. */
function sampled(flags: unknown): unknown {
  return isTraceFlags(flags) ? (parseInt(flags, 16) & 1) === 1 : flags;
}

/**
 * An error under a store's three names (its name, message and stack) and its other keys (cause,
 * code, ...) as `<prefix><key>`; a string is the message; any other value stays as it is.
 */
function errorAs(
  type: string,
  message: string,
  stack: string,
  prefix: string,
): (value: unknown, cfg: FormatConfig) => unknown {
  return (value, cfg) => {
    if (typeof value === "string") return new Spread([[message, value]]);
    if (!(value instanceof Error)) return value;
    const e = errorParts(value, cfg.safe.maxKeys);
    const entries: [string, unknown][] = [[type, e.name], [message, e.message]];
    if (e.stack !== "") entries.push([stack, e.stack]);
    for (const [key, v] of e.rest) entries.push([`${prefix}${key}`, v]);
    return new Spread(entries);
  };
}

/** The `@type` that makes Google's Error Reporting take a log entry as an error event. */
export const REPORTED_ERROR_EVENT =
  "type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent";

/**
 * An error for Google Cloud: its stack in `stack_trace` (where Error Reporting looks first), the
 * `@type` of a `ReportedErrorEvent` and the `serviceContext` it groups errors by; its name,
 * message and other keys stay under `error`. An error without a stack stays as it is.
 */
function gcpError(value: unknown, cfg: FormatConfig): unknown {
  if (!(value instanceof Error)) return value;
  const e = errorParts(value, cfg.safe.maxKeys);
  if (e.stack === "") return value;
  const error: Record<string, unknown> = { name: e.name, message: e.message };
  for (const [key, v] of e.rest) if (key !== "name" && key !== "message") error[key] = v;
  const entries: [string, unknown][] = [
    ["@type", REPORTED_ERROR_EVENT],
    ["stack_trace", e.stack],
    ["error", error],
  ];
  const { service, version } = cfg.service;
  if (typeof service === "string") {
    entries.push([
      "serviceContext",
      typeof version === "string" ? { service, version } : { service },
    ]);
  }
  return new Spread(entries);
}

const CORE_DEFAULT = {
  timestamp: "timestamp",
  level: "level",
  logger: "logger",
  message: "message",
  request_id: "request_id",
} as const;

/** The presets, one row each. `Record<Preset, …>`: a name in `Preset` without a row does not compile. */
export const PRESETS: Readonly<Record<Preset, PresetRow>> = {
  default: { layout: "flat", core: CORE_DEFAULT, fields: new Map() },

  ecs: {
    reference: "https://www.elastic.co/guide/en/ecs/current/ecs-field-reference.html",
    layout: "flat",
    core: {
      timestamp: "@timestamp",
      level: "log.level",
      logger: "log.logger",
      message: "message",
      request_id: "http.request.id",
    },
    constants: { "ecs.version": "8.11.0" },
    fields: new Map<string, FieldRule>([
      // A field named like a core key takes the core key's ECS name (then renamed extra_…).
      ["timestamp", { name: "@timestamp" }],
      ["level", { name: "log.level" }],
      ["logger", { name: "log.logger" }],
      ["request_id", { name: "http.request.id" }],
      ["trace_id", { name: "trace.id" }],
      ["span_id", { name: "span.id" }],
      ["service", { name: "service.name" }],
      ["version", { name: "service.version" }],
      ["environment", { name: "service.environment" }],
      ["user_id", { name: "user.id" }],
      ["user_email", { name: "user.email" }],
      ["method", { name: "http.request.method" }],
      ["path", { name: "url.path" }],
      ["status_code", { name: "http.response.status_code" }],
      ["duration_ms", { name: "event.duration", value: nanoseconds }],
      ["error_name", { name: "error.type" }],
      ["error_message", { name: "error.message" }],
      ["error", {
        name: "error",
        value: errorAs("error.type", "error.message", "error.stack_trace", "error."),
      }],
    ]),
  },

  gcp: {
    reference: "https://cloud.google.com/logging/docs/structured-logging",
    layout: "flat",
    core: {
      timestamp: "time",
      level: "severity",
      logger: "logger",
      message: "message",
      request_id: "request_id",
    },
    // https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry#logseverity
    levels: { DEBUG: "DEBUG", INFO: "INFO", WARN: "WARNING", ERROR: "ERROR", CRITICAL: "CRITICAL" },
    fields: new Map<string, FieldRule>([
      ["timestamp", { name: "time" }],
      ["level", { name: "severity" }],
      ["trace_id", { name: "logging.googleapis.com/trace", value: gcpTrace }],
      ["span_id", { name: "logging.googleapis.com/spanId" }],
      ["trace_flags", { name: "logging.googleapis.com/trace_sampled", value: sampled }],
      // https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry#httprequest
      ["method", { name: "requestMethod", in: "httpRequest" }],
      ["path", { name: "requestUrl", in: "httpRequest" }],
      ["status_code", { name: "status", in: "httpRequest" }],
      ["duration_ms", { name: "latency", in: "httpRequest", value: protobufDuration }],
      // https://cloud.google.com/error-reporting/docs/formatting-error-messages
      ["error", { name: "error", value: gcpError }],
    ]),
  },

  datadog: {
    reference: "https://docs.datadoghq.com/logs/log_configuration/attributes_naming_convention/",
    layout: "flat",
    core: {
      timestamp: "timestamp",
      level: "status",
      logger: "logger.name",
      message: "message",
      request_id: "http.request_id",
    },
    levels: { DEBUG: "debug", INFO: "info", WARN: "warn", ERROR: "error", CRITICAL: "critical" },
    fields: new Map<string, FieldRule>([
      ["level", { name: "status" }],
      ["logger", { name: "logger.name" }],
      ["request_id", { name: "http.request_id" }],
      ["environment", { name: "env" }],
      // https://docs.datadoghq.com/tracing/other_telemetry/connect_logs_and_traces/opentelemetry/
      ["trace_id", { name: "dd.trace_id", value: datadogId }],
      ["span_id", { name: "dd.span_id", value: datadogId }],
      ["user_id", { name: "usr.id" }],
      ["user_email", { name: "usr.email" }],
      ["method", { name: "http.method" }],
      ["path", { name: "http.url_details.path" }],
      ["route", { name: "http.route" }],
      ["status_code", { name: "http.status_code" }],
      ["duration_ms", { name: "duration", value: nanoseconds }],
      ["error_name", { name: "error.kind" }],
      ["error_message", { name: "error.message" }],
      ["error", {
        name: "error",
        value: errorAs("error.kind", "error.message", "error.stack", "error."),
      }],
    ]),
  },

  otel: {
    reference: "https://opentelemetry.io/docs/specs/otel/logs/data-model/",
    layout: "otel",
    core: {
      timestamp: "timestamp",
      level: "severity_text",
      logger: "name",
      message: "body",
      request_id: "request_id",
    },
    fields: new Map<string, FieldRule>([
      ["trace_id", { name: "trace_id", in: "top" }],
      ["span_id", { name: "span_id", in: "top" }],
      ["trace_flags", { name: "flags", in: "top" }],
      ["service", { name: "service.name" }],
      ["version", { name: "service.version" }],
      ["environment", { name: "deployment.environment.name" }],
      ["user_id", { name: "user.id" }],
      ["user_email", { name: "user.email" }],
    ]),
  },
};
