// Internal: the preset table, the one place a preset is defined. Each preset is one row
// (`PRESETS`): the names of the line's own keys, the level's text, the keys every line carries,
// and what becomes of the module's fields (name, place, value). A new preset is a new row here
// and its name in the public `Preset` type; the renderer (`_fields.ts`) and the line assembly
// (`_format.ts`) read rows and know no preset by name.

import type { Preset } from "./config.ts";
import type { LogLevel } from "./levels.ts";
import type { FormatConfig } from "./_format.ts";

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
   * out. Called with the configuration in force (a row's options, such as a project id, live
   * there). A throw writes the value as it came.
   */
  readonly value?: (value: unknown, cfg: FormatConfig) => unknown;
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
