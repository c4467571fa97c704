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

import type { LogLevel } from "./levels.ts";
import type { Sink } from "./sinks.ts";
import type { RequestIdGenerator } from "./ids.ts";
import { flushWithin } from "./_sinks.ts";
import { config, LOGGING_DEFAULTS, resolveConfig, setConfig } from "./_config.ts";
import { isDuration, optionOr } from "./_invalid.ts";

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
   * Lines of a request at this level and below are held; at most `"WARN"` (an ERROR line is
   * what sets the held lines free).
   *
   * @default {"DEBUG"}
   */
  level?: LogLevel;
  /**
   * At most this many lines are held per request; the oldest go first.
   *
   * @default {200}
   */
  maxLines?: number;
  /**
   * A request that ends with this status or higher writes its held lines.
   *
   * @default {500}
   */
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
  /**
   * A request not kept still writes its lines if it ends with this status or higher.
   *
   * @default {500}
   */
  keepStatus?: number;
  /** A request not kept still writes its lines if it takes this long (ms) or longer. Left out: never. */
  keepSlowMs?: number;
}

/**
 * Options of {@linkcode configureLogging}. Every call sets all of them: what is left out takes
 * its default. An invalid value takes its default too, and one line on stderr names the option,
 * the value given and the value used.
 */
export interface LoggingOptions {
  /**
   * The lowest level written. Left out: `LOG_LEVEL` from the environment (or `DEBUG=1`/`true`)
   * where the runtime lets the module read it, else the default.
   *
   * @default {"INFO"}
   */
  level?: LogLevel;
  /**
   * `"json"`: one JSON object per line; `"logfmt"`: `key=value` pairs for people and grep;
   * `"pretty"`: one compact line per record for a terminal (local time, level, logger,
   * message, the request id's first 8 characters, the fields dimmed; an error's stack below,
   * indented). Left out: the `LOG_FORMAT` environment variable (`json`, `logfmt` or `pretty`,
   * read where that needs no permission prompt, as `LOG_LEVEL`); without it, `"pretty"` when
   * the default sink writes to a terminal (`Deno.stdout.isTerminal()`,
   * `process.stdout.isTTY`) and the default otherwise, so a sink given here gets JSON unless
   * told otherwise. Pretty lines are coloured when the default sink (or `consoleSink`)
   * writes to a terminal and `NO_COLOR` is not set; `FORCE_COLOR` forces colours, with any
   * sink.
   *
   * @default {"json"}
   */
  format?: "json" | "logfmt" | "pretty";
  /**
   * Where lines go. Left out, chosen where the lines can be seen:
   * - Deno, Node and Bun: {@linkcode stdoutSink}, lines gathered and written to stdout
   *   once per event-loop turn;
   * - Deno with its OpenTelemetry on (`OTEL_DENO=true`, which exports console calls only),
   *   Cloudflare Workers and browsers: {@linkcode consoleSink}, one `console` call per line
   *   through the method of its level.
   *
   * Override either way: `sink: consoleSink` for a line per console call, `sink: stdoutSink()`
   * for batches to stdout while Deno's OpenTelemetry is on.
   *
   * @default {stdoutSink() on Deno, Node and Bun; consoleSink on Workers}
   */
  sink?: Sink;
  /** Service fields added to every line. */
  service?: ServiceInfo;
  /**
   * Field names of the JSON form: `"default"` (snake_case), `"ecs"` (Elastic Common Schema),
   * `"otel"` (the OpenTelemetry log data model), `"gcp"` (Google Cloud Logging) or `"datadog"`.
   * logfmt always uses the default names.
   *
   * @default {"default"}
   */
  preset?: Preset;
  /**
   * The Google Cloud project of `preset: "gcp"`, for `logging.googleapis.com/trace`
   * (`projects/<project>/traces/<trace_id>`). Left out: `GOOGLE_CLOUD_PROJECT` from the
   * environment, where the runtime lets the module read it without a prompt; without either the
   * bare trace id is written.
   */
  gcpProjectId?: string;
  /**
   * Keys whose values are written as `"[REDACTED]"`: a bare name (`"password"`) wherever it
   * appears, at any depth, case-insensitively; a dotted path (`"req.headers.cookie"`) only there.
   *
   * @default {[]}
   */
  redact?: readonly string[];
  /**
   * The longest line written; a longer one is cut value by value and marked `"truncated": true`.
   *
   * @default {65536}
   */
  maxLineLength?: number;
  /**
   * Objects nested deeper are written as `"[Object]"`.
   *
   * @default {10}
   */
  maxDepth?: number;
  /**
   * At most this many keys of one object or items of one array are written.
   *
   * @default {1000}
   */
  maxKeys?: number;
  /**
   * The function {@linkcode generateRequestId} uses, and so the adapters' default.
   *
   * @default {crypto.randomUUID}
   */
  generator?: RequestIdGenerator;
  /**
   * Hold each request's lines at a level and below (DEBUG by default), even below
   * `level`, and write them, in order and with their own timestamps, only if the request
   * writes an ERROR line, throws, or ends with a status of `flushOnStatus` (500) or more.
   * Outside a request these lines follow `level`. Off when left out.
   */
  requestBuffer?: RequestBufferOptions;
  /**
   * Write the ordinary lines (below WARN) of a fraction `rate` of requests, decided by
   * trace id; the lines of the others are held and written only if they fail, are slow
   * or reach `keepStatus`. Lines of requests carry `sample_rate`. Off when left out.
   */
  sample?: SampleOptions;
}

/**
 * Sets how and where the module logs. Each call replaces the whole configuration:
 * an option left out takes its default, so `configureLogging({})` restores the defaults.
 * Bad values are not thrown at the caller: an unknown level or format falls back to
 * its default.
 *
 * @example Human-readable logs while developing
 * ```ts
 * import assert from "node:assert/strict";
 * import { configureLogging, getLogger } from "@ctx/request-context";
 *
 * const lines: string[] = [];
 * configureLogging({ level: "DEBUG", format: "logfmt", sink: (line) => lines.push(line) });
 * getLogger("app").debug("ready", { port: 8000 });
 * // 2025-10-11T14:32:15.123Z level=DEBUG logger=app message=ready request_id=- port=8000
 * assert.match(lines[0], /^\S+Z level=DEBUG logger=app message=ready request_id=- port=8000$/);
 * ```
 */
export function configureLogging(options: LoggingOptions = {}): void {
  setConfig(resolveConfig(options));
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
   *
   * @default {5000}
   */
  timeoutMs?: number;
}

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
  const timeoutMs = optionOr(
    "flushLogs",
    "timeoutMs",
    options?.timeoutMs,
    isDuration,
    LOGGING_DEFAULTS.timeoutMs,
  );
  return flushWithin(config().sink, timeoutMs);
}
