/**
 * Logging configuration: level, format, sink, service fields, presets,
 * redaction and limits.
 *
 * Nothing happens at import: until `configureLogging` is called, the first log
 * line sets up the defaults: the level from `LOG_LEVEL` and the format from
 * `LOG_FORMAT` where the runtime lets the module read them, else INFO, and pretty
 * lines on a terminal or JSON elsewhere; lines to stdout in batches on Deno, Node
 * and Bun, one `console` call per line on Workers (see {@linkcode LoggingOptions}).
 *
 * @example Configure once at start-up
 * ```ts
 * import { configureLogging } from "@ctx/request-context";
 *
 * configureLogging({
 *   level: "DEBUG",
 *   format: "json",
 *   service: { name: "runs-api", version: "1.4.0", environment: "production" },
 *   redact: ["authorization", "password"],
 * });
 * ```
 *
 * @module
 */

import { LOG_LEVELS, type LogLevel, parseLevel } from "./levels.ts";
import { consoleSink, flushWithin, type GuardedSink, guardSink, type Sink } from "./sinks.ts";
import { defaultSink, resolveFormat, stdoutIsTerminal } from "./_default_sink.ts";
import type { FormatConfig } from "./_format.ts";
import { PRESETS } from "./_presets.ts";
import { type RequestIdGenerator, setGenerator } from "./ids.ts";
import { resolveSignal, type SignalConfig } from "./_signal.ts";
import { colorWanted } from "./_pretty.ts";

/** Service fields added to every line. */
export interface ServiceInfo {
  /** The service's name: `service` in each line (`service.name` in the ECS and OTel presets). */
  name?: string;
  /** The service's version: `version` (`service.version`). */
  version?: string;
  /** The deployment environment: `environment` (`service.environment`, `deployment.environment.name`). */
  environment?: string;
}

/**
 * Field-name presets of the JSON form, for the log store lines are shipped to:
 * - `"default"`: snake_case (`timestamp`, `level`, `logger`, `message`, `request_id`, …);
 * - `"ecs"`: the Elastic Common Schema (`@timestamp`, `log.level`, `http.request.id`, …);
 * - `"otel"`: the OpenTelemetry log data model (`severity_text`, `body`, `attributes`, …);
 * - `"gcp"`: Google Cloud Logging's structured format (`severity`, `time`,
 *   `logging.googleapis.com/trace`, `httpRequest`, …), errors as Error Reporting takes them;
 * - `"datadog"`: Datadog's reserved and standard attributes (`status`, `logger.name`,
 *   `dd.trace_id`, `http.status_code`, …).
 *
 * @example Lines for Elasticsearch
 * ```ts
 * import { configureLogging, type Preset } from "@ctx/request-context";
 *
 * const preset: Preset = "ecs";
 * configureLogging({ preset });
 * ```
 */
export type Preset = "default" | "ecs" | "otel" | "gcp" | "datadog";

/**
 * `requestBuffer` of {@linkcode configureLogging}: a request's lines at `level` and below
 * are held, even below the configured level, and written only if the request fails.
 *
 * @example Debug lines of failed requests only
 * ```ts
 * import { configureLogging } from "@ctx/request-context";
 *
 * configureLogging({ level: "INFO", requestBuffer: { level: "DEBUG", maxLines: 100 } });
 * ```
 */
export interface RequestBufferOptions {
  /**
   * Lines of a request at this level and below are held. Default `"DEBUG"`; at most
   * `"WARN"` (an ERROR line is what sets the held lines free).
   */
  level?: LogLevel;
  /** At most this many lines are held per request; the oldest go first. Default 200. */
  maxLines?: number;
  /** A request that ends with this status or higher writes its held lines. Default 500. */
  flushOnStatus?: number;
}

/**
 * `sample` of {@linkcode configureLogging}: the ordinary lines of a fraction of requests,
 * chosen by trace id, so that every service of a trace makes the same choice.
 *
 * @example A tenth of requests, and every slow or failed one
 * ```ts
 * import { configureLogging } from "@ctx/request-context";
 *
 * configureLogging({ sample: { rate: 0.1, keepSlowMs: 1000 } });
 * ```
 */
export interface SampleOptions {
  /**
   * The fraction of requests (0 to 1) whose lines are all written. The decision comes
   * from the trace id (OpenTelemetry's consistent probability sampling: kept when the
   * id's last 56 bits are at least `(1 - rate) * 2^56`); an incoming `traceparent`
   * marked sampled is always kept.
   */
  rate: number;
  /** A request not kept still writes its lines if it ends with this status or higher. Default 500. */
  keepStatus?: number;
  /** A request not kept still writes its lines if it takes this long or longer. Default: never. */
  keepSlowMs?: number;
}

/** Options of {@linkcode configureLogging}. Every call sets all of them: what is left out takes its default. */
export interface LoggingOptions {
  /** The lowest level written. Default: `LOG_LEVEL` from the environment (or `DEBUG=1`/`true`), else `"INFO"`. */
  level?: LogLevel;
  /**
   * `"json"`: one JSON object per line; `"logfmt"`: `key=value` pairs for people and grep;
   * `"pretty"`: one compact line per record for a terminal (local time, level, logger,
   * message, the request id's first 8 characters, the fields dimmed; an error's stack below,
   * indented). Default: the `LOG_FORMAT` environment variable (`json`, `logfmt` or `pretty`,
   * read where that needs no permission prompt, as `LOG_LEVEL`); without it, `"pretty"` when
   * the default sink writes to a terminal (`Deno.stdout.isTerminal()`,
   * `process.stdout.isTTY`) and `"json"` otherwise, so a sink given here gets JSON unless
   * told otherwise. Pretty lines are coloured when the default sink (or `consoleSink`)
   * writes to a terminal and `NO_COLOR` is not set; `FORCE_COLOR` forces colours, with any
   * sink.
   */
  format?: "json" | "logfmt" | "pretty";
  /**
   * Where lines go. Default, chosen where the lines can be seen:
   * - Deno, Node and Bun: {@linkcode stdoutSink}, lines gathered and written to stdout
   *   once per event-loop turn;
   * - Deno with its OpenTelemetry on (`OTEL_DENO=true`, which exports console calls only),
   *   Cloudflare Workers and browsers: {@linkcode consoleSink}, one `console` call per line
   *   through the method of its level.
   *
   * Override either way: `sink: consoleSink` for a line per console call, `sink: stdoutSink()`
   * for batches to stdout while Deno's OpenTelemetry is on.
   */
  sink?: Sink;
  /** Service fields added to every line. */
  service?: ServiceInfo;
  /**
   * Field names of the JSON form: `"default"` (snake_case), `"ecs"` (Elastic Common Schema),
   * `"otel"` (the OpenTelemetry log data model), `"gcp"` (Google Cloud Logging) or `"datadog"`.
   * logfmt always uses the default names.
   */
  preset?: Preset;
  /**
   * The Google Cloud project of `preset: "gcp"`, for `logging.googleapis.com/trace`
   * (`projects/<project>/traces/<trace_id>`). Default: `GOOGLE_CLOUD_PROJECT` from the
   * environment, where the runtime lets the module read it without a prompt; without either the
   * bare trace id is written.
   */
  gcpProjectId?: string;
  /**
   * Keys whose values are written as `"[REDACTED]"`: a bare name (`"password"`) wherever it
   * appears, at any depth, case-insensitively; a dotted path (`"req.headers.cookie"`) only there.
   */
  redact?: readonly string[];
  /** The longest line written; a longer one is cut value by value and marked `"truncated": true`. Default 65536. */
  maxLineLength?: number;
  /** Objects nested deeper are written as `"[Object]"`. Default 10. */
  maxDepth?: number;
  /** At most this many keys of one object or items of one array are written. Default 1000. */
  maxKeys?: number;
  /** The function {@linkcode generateRequestId} uses, and so the adapters' default. Default: `crypto.randomUUID`. */
  generator?: RequestIdGenerator;
  /**
   * Hold each request's lines at a level and below (DEBUG by default), even below
   * `level`, and write them, in order and with their own timestamps, only if the request
   * writes an ERROR line, throws, or ends with a status of `flushOnStatus` (500) or more.
   * Outside a request these lines follow `level`. Default: off.
   */
  requestBuffer?: RequestBufferOptions;
  /**
   * Write the ordinary lines (below WARN) of a fraction `rate` of requests, decided by
   * trace id; the lines of the others are held and written only if they fail, are slow
   * or reach `keepStatus`. Lines of requests carry `sample_rate`. Default: off.
   */
  sample?: SampleOptions;
}

/** Internal: the configuration in force. Replaced whole by each `configureLogging` call. */
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
 * Sets how and where the module logs. Each call replaces the whole configuration:
 * an option left out takes its default, so `configureLogging({})` restores the defaults.
 * Bad values are not thrown at the caller: an unknown level or format falls back to
 * its default.
 *
 * @example Human-readable logs while developing
 * ```ts
 * import { configureLogging, getLogger } from "@ctx/request-context";
 *
 * configureLogging({ level: "DEBUG", format: "logfmt" });
 * getLogger("app").debug("ready", { port: 8000 });
 * // 2025-10-11T14:32:15.123Z level=DEBUG logger=app message=ready request_id=- port=8000
 * ```
 */
export function configureLogging(options: LoggingOptions = {}): void {
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
  const format = resolveFormat(options.format, options.sink !== undefined, readEnv);
  const preset = typeof options.preset === "string" && Object.hasOwn(PRESETS, options.preset)
    ? options.preset
    : "default";
  current = {
    level,
    threshold,
    gate: signal === undefined || signal.bufferWeight === 0
      ? threshold
      : Math.min(threshold, signal.bufferWeight),
    signal,
    format,
    color: format === "pretty" && prettyColor(options.sink),
    preset,
    gcpProject: preset === "gcp" ? gcpProject(options.gcpProjectId) : undefined,
    safe: {
      maxDepth: positive(options.maxDepth, 10),
      maxKeys: positive(options.maxKeys, 1000),
      redactKeys: keys.length ? new Set(keys.map((k) => k.toLowerCase())) : undefined,
      redactPaths: paths.length ? new Set(paths) : undefined,
    },
    maxLineLength: positive(options.maxLineLength, 65536),
    service,
    sink: guardSink(options.sink ?? defaultSink(readEnv)),
  };
}

/** The project of `preset: "gcp"`: the option, else `GOOGLE_CLOUD_PROJECT`; a project id is never empty. */
function gcpProject(option: unknown): string | undefined {
  if (typeof option === "string" && option !== "") return option;
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

function denoNoColor(): boolean {
  try {
    return (globalThis as { Deno?: { noColor?: boolean } }).Deno?.noColor === true;
  } catch {
    return false;
  }
}

function positive(value: number | undefined, fallback: number): number {
  return typeof value === "number" && value > 0 ? value : fallback;
}

/** Internal: the configuration in force, set up with the defaults on first use. */
export function config(): ResolvedConfig {
  if (current === undefined) configureLogging();
  return current!;
}

/**
 * Options of {@linkcode flushLogs}.
 *
 * @example Wait at most one second
 * ```ts
 * import { flushLogs } from "@ctx/request-context";
 *
 * await flushLogs({ timeoutMs: 1000 });
 * ```
 */
export interface FlushLogsOptions {
  /**
   * The longest wait, in milliseconds. Past it `flushLogs` resolves and writes one line on
   * stderr saying how many writes were still pending. `Infinity` waits as long as it takes.
   * Default 5000.
   */
  timeoutMs?: number;
}

/** The default bound of {@linkcode flushLogs}, in milliseconds. */
const FLUSH_TIMEOUT_MS = 5000;

/**
 * Waits until the sink has written out what it holds: the writes of an async sink still
 * in flight, then its `flush()` (a {@linkcode bufferedSink} writes its buffer). The wait is
 * bounded: after `timeoutMs` (default 5000) it resolves anyway and reports on stderr how
 * many writes were still pending, so a sink whose promise never settles cannot hold up a
 * shutdown. Never rejects; the timer never keeps the process alive.
 *
 * @example Before a short-lived process exits
 * ```ts
 * import { flushLogs, getLogger } from "@ctx/request-context";
 *
 * getLogger("job").info("done");
 * await flushLogs(); // at most 5 s; flushLogs({ timeoutMs: 1000 }) for another bound
 * ```
 */
export function flushLogs(options: FlushLogsOptions = {}): Promise<void> {
  const t = options?.timeoutMs;
  const timeoutMs = typeof t === "number" && t >= 0 ? t : FLUSH_TIMEOUT_MS;
  return flushWithin(config().sink, timeoutMs);
}

/** The level set by the environment, read only where that needs no permission prompt and cannot throw. */
function levelFromEnv(): LogLevel | undefined {
  const level = parseLevel(readEnv("LOG_LEVEL"));
  if (level !== undefined) return level;
  const debug = readEnv("DEBUG")?.toLowerCase();
  return debug === "1" || debug === "true" ? "DEBUG" : undefined;
}

interface DenoLike {
  permissions?: { querySync?(d: { name: "env"; variable: string }): { state: string } };
  env: { get(name: string): string | undefined };
}

/** Internal: an environment variable, where reading it needs no permission prompt and cannot throw. */
export function readEnv(name: string): string | undefined {
  try {
    const deno = (globalThis as { Deno?: DenoLike }).Deno;
    if (deno !== undefined) {
      const state = deno.permissions?.querySync?.({ name: "env", variable: name }).state;
      return state === "granted" ? deno.env.get(name) : undefined;
    }
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
      ?.env;
    return env?.[name];
  } catch {
    return undefined;
  }
}
