// Internal: the configuration in force, and how `configureLogging`'s options become it.

import type { LoggingOptions } from "./config.ts";
import { LOG_LEVELS, type LogLevel } from "./levels.ts";
import { parseLevel } from "./_levels.ts";
import { consoleSink, type Sink } from "./sinks.ts";
import { type GuardedSink, guardSink } from "./_sinks.ts";
import type { FormatConfig } from "./_format.ts";
import { PRESETS } from "./_presets.ts";
import { setGenerator } from "./_ids.ts";
import { resolveSignal, type SignalConfig } from "./_signal.ts";
import { colorWanted } from "./_pretty.ts";
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
 * The configuration `options` ask for: each option left out, or invalid, takes its default.
 * Sets the default request id generator too.
 */
export function resolveConfig(options: LoggingOptions): ResolvedConfig {
  const level = parseLevel(options.level) ?? levelFromEnv() ?? "INFO";
  const redact = options.redact ?? [];
  const keys = redact.filter((r) => typeof r === "string" && !r.includes("."));
  const paths = redact.filter((r) => typeof r === "string" && r.includes("."));
  const s = options.service ?? {};
  const service: Record<string, unknown> = {};
  if (s.name !== undefined) service.service = s.name;
  if (s.version !== undefined) service.version = s.version;
  if (s.environment !== undefined) service.environment = s.environment;
  setGenerator(options.generator);
  const signal = resolveSignal(options.requestBuffer, options.sample);
  const threshold = LOG_LEVELS[level];
  const format = options.format === "logfmt" || options.format === "pretty"
    ? options.format
    : "json";
  return {
    level,
    threshold,
    gate: signal === undefined || signal.bufferWeight === 0
      ? threshold
      : Math.min(threshold, signal.bufferWeight),
    signal,
    format,
    color: format === "pretty" && prettyColor(options.sink),
    preset: typeof options.preset === "string" && Object.hasOwn(PRESETS, options.preset)
      ? options.preset
      : "default",
    safe: {
      maxDepth: positive(options.maxDepth, 10),
      maxKeys: positive(options.maxKeys, 1000),
      redactKeys: keys.length ? new Set(keys.map((k) => k.toLowerCase())) : undefined,
      redactPaths: paths.length ? new Set(paths) : undefined,
    },
    maxLineLength: positive(options.maxLineLength, 65536),
    service,
    sink: guardSink(options.sink ?? consoleSink),
  };
}

/** Pretty lines are coloured for a terminal: see `colorWanted`. */
function prettyColor(sink: Sink | undefined): boolean {
  const env = { NO_COLOR: readEnv("NO_COLOR"), FORCE_COLOR: readEnv("FORCE_COLOR") };
  // Deno tells NO_COLOR without a permission.
  if (env.NO_COLOR === undefined && denoNoColor()) env.NO_COLOR = "1";
  return colorWanted(env, (sink === undefined || sink === consoleSink) && stdoutIsTerminal());
}

function positive(value: number | undefined, fallback: number): number {
  return typeof value === "number" && value > 0 ? value : fallback;
}

/** The configuration in force, set up with the defaults on first use. */
export function config(): ResolvedConfig {
  return current ??= resolveConfig({});
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
