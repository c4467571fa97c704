// Internal: the configuration in force, and how `configureLogging`'s options become it.

import type { LoggingOptions, Preset, ServiceInfo } from "./config.ts";
import type { RequestIdGenerator } from "./ids.ts";
import { isObject, isPositive, optionOr, reportInvalid } from "./_invalid.ts";
import { LOG_LEVELS, type LogLevel } from "./levels.ts";
import { parseLevel } from "./_levels.ts";
import { consoleSink, type Sink } from "./sinks.ts";
import { type GuardedSink, guardSink } from "./_sinks.ts";
import type { FormatConfig } from "./_format.ts";
import { PRESETS } from "./_presets.ts";
import { setGenerator } from "./_ids.ts";
import { resolveSignal, type SignalConfig } from "./_signal.ts";
import { colorWanted } from "./_pretty.ts";
import { defaultSink, parseFormat, resolveFormat } from "./_default_sink.ts";
import { denoNoColor, readEnv, stdoutIsTerminal } from "./_runtime.ts";

/** The configuration in force. Replaced whole by each `configureLogging` call. */
export interface ResolvedConfig extends FormatConfig {
  threshold: number;
  /** The lowest weight a line must have to go further than the logger: `threshold`, or lower with `requestBuffer`. */
  gate: number;
  level: LogLevel;
  /** `requestBuffer` and `sample`; `undefined` when both are off. */
  signal: SignalConfig | undefined;
  sink: GuardedSink;
}

let current: ResolvedConfig | undefined;

/**
 * The defaults of `configureLogging`'s options, each declared here once. `LoggingOptions` tags
 * them `@default` and docs/configuration.md lists them: tests/defaults.test.ts holds the three
 * together. `level`'s default applies when the environment (`LOG_LEVEL`, `DEBUG`) sets none.
 */
export const LOGGING_DEFAULTS = {
  level: "INFO",
  format: "json",
  preset: "default",
  maxLineLength: 65536,
  maxDepth: 10,
  maxKeys: 1000,
  /** `flushLogs({ timeoutMs })`. */
  timeoutMs: 5000,
} as const satisfies {
  level: LogLevel;
  format: ResolvedConfig["format"];
  preset: Preset;
  [option: string]: unknown;
};

const OWNER = "configureLogging";

/** Whether `value` names a level (`"warn"`, `"WARNING"` and `"FATAL"` too). */
function isLevel(value: unknown): value is string {
  return parseLevel(value) !== undefined;
}

function isFormat(value: unknown): boolean {
  return parseFormat(value) !== undefined;
}

function isPreset(value: unknown): value is Preset {
  return typeof value === "string" && Object.hasOwn(PRESETS, value);
}

function isSink(value: unknown): value is Sink {
  return typeof value === "function" ||
    (typeof value === "object" && value !== null &&
      typeof (value as { write?: unknown }).write === "function");
}

function isGenerator(value: unknown): value is RequestIdGenerator {
  return typeof value === "function";
}

/**
 * The configuration `options` ask for: each option left out takes its default; an invalid one
 * takes it too, and is reported once on stderr (the option, the value, the value used). Never
 * throws. Sets the default request id generator too.
 */
export function resolveConfig(given: LoggingOptions | undefined): ResolvedConfig {
  const options: LoggingOptions = optionOr(OWNER, "options", given, isObject, {});
  const d = LOGGING_DEFAULTS;
  const levelDefault = levelFromEnv() ?? d.level;
  const level = parseLevel(
    optionOr<unknown>(OWNER, "level", options.level, isLevel, levelDefault),
  )!;
  const redact = optionOr<readonly unknown[]>(OWNER, "redact", options.redact, Array.isArray, []);
  const keys = redact.filter((r): r is string => typeof r === "string" && !r.includes("."));
  const paths = redact.filter((r): r is string => typeof r === "string" && r.includes("."));
  const s = optionOr<ServiceInfo>(OWNER, "service", options.service, isObject, {});
  const service: Record<string, unknown> = {};
  if (s.name !== undefined) service.service = s.name;
  if (s.version !== undefined) service.version = s.version;
  if (s.environment !== undefined) service.environment = s.environment;
  setGenerator(optionOr(OWNER, "generator", options.generator, isGenerator, undefined));
  const signal = resolveSignal(options.requestBuffer, options.sample);
  const threshold = LOG_LEVELS[level];
  // Left out (or invalid): the default sink, and the format LOG_FORMAT or the terminal asks for.
  const sinkGiven = optionOr<Sink | undefined>(OWNER, "sink", options.sink, isSink, undefined);
  const formatDefault = resolveFormat(undefined, sinkGiven !== undefined, readEnv, d.format);
  const format = parseFormat(
    optionOr<unknown>(OWNER, "format", options.format, isFormat, formatDefault),
  )!;
  const preset = optionOr<Preset>(OWNER, "preset", options.preset, isPreset, d.preset);
  return {
    level,
    threshold,
    gate: signal === undefined || signal.bufferWeight === 0
      ? threshold
      : Math.min(threshold, signal.bufferWeight),
    signal,
    format,
    color: format === "pretty" && prettyColor(sinkGiven),
    preset,
    gcpProject: preset === "gcp" ? gcpProject(options.gcpProjectId) : undefined,
    safe: {
      maxDepth: optionOr(OWNER, "maxDepth", options.maxDepth, isPositive, d.maxDepth),
      maxKeys: optionOr(OWNER, "maxKeys", options.maxKeys, isPositive, d.maxKeys),
      redactKeys: keys.length ? new Set(keys.map((k) => k.toLowerCase())) : undefined,
      redactPaths: paths.length ? new Set(paths) : undefined,
    },
    maxLineLength: optionOr(
      OWNER,
      "maxLineLength",
      options.maxLineLength,
      isPositive,
      d.maxLineLength,
    ),
    service,
    sink: guardSink(sinkGiven ?? defaultSink(readEnv)),
  };
}

/** The project of `preset: "gcp"`: the option, else `GOOGLE_CLOUD_PROJECT`; a project id is never empty. */
function gcpProject(option: unknown): string | undefined {
  if (option !== undefined && (typeof option !== "string" || option === "")) {
    reportInvalid(OWNER, "gcpProjectId", option, "GOOGLE_CLOUD_PROJECT");
  } else if (option !== undefined) return option;
  const env = readEnv("GOOGLE_CLOUD_PROJECT");
  return env === undefined || env === "" ? undefined : env;
}

/** Pretty lines are coloured for a terminal: see `colorWanted`. */
function prettyColor(sink: Sink | undefined): boolean {
  const env = { NO_COLOR: readEnv("NO_COLOR"), FORCE_COLOR: readEnv("FORCE_COLOR") };
  // Deno tells NO_COLOR without a permission.
  if (env.NO_COLOR === undefined && denoNoColor()) env.NO_COLOR = "1";
  return colorWanted(env, (sink === undefined || sink === consoleSink) && stdoutIsTerminal());
}

/** The configuration in force, set up with the defaults on first use. */
export function config(): ResolvedConfig {
  return current ??= resolveConfig(undefined);
}

/** The level set by the environment, read only where that needs no permission prompt and cannot throw. */
function levelFromEnv(): LogLevel | undefined {
  const level = parseLevel(readEnv("LOG_LEVEL"));
  if (level !== undefined) return level;
  const debug = readEnv("DEBUG")?.toLowerCase();
  return debug === "1" || debug === "true" ? "DEBUG" : undefined;
}

/** Puts `resolved` in force, whole. */
export function setConfig(resolved: ResolvedConfig): void {
  current = resolved;
}
