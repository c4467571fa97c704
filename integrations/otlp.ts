/**
 * OTLP export: a sink that sends log lines to an OpenTelemetry collector (or any
 * OTLP/HTTP endpoint: Grafana, Honeycomb, Datadog, New Relic, ...) as OTLP/HTTP
 * JSON logs, `POST <endpoint>/v1/logs`.
 *
 * Each line becomes one log record: the level as `severityNumber` and
 * `severityText`, the message as the body, the logger name as the
 * instrumentation scope, `trace_id`/`span_id`/`trace_flags` as the record's
 * `traceId`/`spanId`/`flags`, an `error` as the `exception.*` attributes, every
 * other field as a typed attribute (string, int, double, bool, array, map), and
 * the service fields as the resource (`service.name`, `service.version`,
 * `deployment.environment.name`). The payload is the one the OpenTelemetry JS SDK
 * sends for the same records.
 *
 * The sink reads the JSON lines of every preset (`default`, `ecs`, `otel`); a
 * logfmt line, or any line that is not one JSON object, is sent whole as the body
 * (with the time and level a logfmt line starts with).
 *
 * Lines are sent in batches (`maxLines`, `maxBytes`, `flushIntervalMs`, as
 * {@linkcode bufferedSink}); a batch the endpoint refuses with 429 or 5xx, or
 * that meets a network error, is sent again after an exponential backoff with
 * jitter (or the `Retry-After` the endpoint asked for), within `timeoutMs`.
 * Lines waiting to be sent are bounded (`maxQueueLines`): what the sink drops
 * (queue full, a batch refused or out of retries) is counted in `dropped` and
 * reported once on stderr. Nothing of this blocks or throws into the code that
 * logs.
 *
 * On Cloudflare Workers the sink sends each request's lines when the request
 * ends, through `ctx.waitUntil` (the adapters hand it the flush); elsewhere it
 * sends in batches and flushes when the process ends, as {@linkcode bufferedSink}
 * does (Deno: `beforeunload`; Node and Bun: `beforeExit`; `process.exit()` and
 * `Deno.exit()` skip these: `await flushLogs()` first).
 *
 * Left out of the options, the endpoint and headers come from the standard
 * variables `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT` (used as it is) or
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (`/v1/logs` appended to its path), else
 * `http://localhost:4318/v1/logs`; and `OTEL_EXPORTER_OTLP_HEADERS` with
 * `OTEL_EXPORTER_OTLP_LOGS_HEADERS` over it (`key=value,key2=value2`,
 * URL-encoded values). They are read only where that needs no permission
 * prompt (Deno: `--allow-env` for them).
 *
 * @example Send logs to a local OpenTelemetry Collector
 * ```ts ignore
 * // Not run by the docs tests: it sends to an OTLP endpoint, which the docs tests do not
 * // start; tests/otlp.test.ts runs these calls against a receiver on 127.0.0.1.
 * import { configureLogging, getLogger } from "@ctx/request-context";
 * import { otlpSink } from "@ctx/request-context/otlp";
 *
 * configureLogging({
 *   service: { name: "runs-api", version: "1.4.0", environment: "production" },
 *   sink: otlpSink({ endpoint: "http://127.0.0.1:4318" }),
 * });
 * getLogger("app").info("ready", { port: 8000 });
 * ```
 *
 * @module
 */

import { bufferedSink } from "../src/buffered_sink.ts";
import { readEnv } from "../src/_runtime.ts";
import type { SinkObject } from "../src/sinks.ts";
import { onWorkers } from "../src/_runtime.ts";
import { describeThrown } from "../src/_serialize.ts";
import { writeConsole } from "../src/_console.ts";
import { toExportRequest } from "../src/_otlp.ts";

/**
 * Options of {@linkcode otlpSink}. Every one has a default.
 *
 * @example Smaller batches, sent sooner, and fewer retries
 * ```ts
 * import { otlpSink, type OtlpSinkOptions } from "@ctx/request-context/otlp";
 *
 * const options: OtlpSinkOptions = {
 *   endpoint: "http://127.0.0.1:4318",
 *   maxLines: 100,
 *   flushIntervalMs: 200,
 *   maxAttempts: 3,
 * };
 * const sink = otlpSink(options);
 * await sink.close(); // nothing was written: nothing is sent
 * ```
 */
export interface OtlpSinkOptions {
  /**
   * The collector's OTLP/HTTP address: `/v1/logs` is appended to its path unless
   * the path already ends with `/v1/logs`. Default: `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT`,
   * else `OTEL_EXPORTER_OTLP_ENDPOINT`, else `http://localhost:4318`.
   */
  endpoint?: string;
  /**
   * Headers sent with each request (an API key, `Authorization`). Default: the
   * `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_EXPORTER_OTLP_LOGS_HEADERS` variables.
   * `Content-Type` is always `application/json`.
   */
  headers?: Record<string, string>;
  /** The most lines in one request. Default 512. */
  maxLines?: number;
  /** Send once the lines waiting add up to this many characters. Default 1 MiB (1048576). */
  maxBytes?: number;
  /** Send this long after the first line of a batch; `0` for no timer. Default 1000. */
  flushIntervalMs?: number;
  /**
   * The most lines accepted but not yet delivered (batches in flight or waiting to
   * be sent again); lines beyond it are dropped and counted. Default 2048; never
   * less than `maxLines`.
   */
  maxQueueLines?: number;
  /** Attempts per batch, the first included. Default 5. */
  maxAttempts?: number;
  /** The wait before the second attempt; it grows 1.5 times per attempt, ±20% jitter. Default 1000. */
  initialBackoffMs?: number;
  /** The longest wait between attempts (a `Retry-After` is honoured as it is). Default 5000. */
  maxBackoffMs?: number;
  /**
   * The time one batch may take, every attempt and wait included; a retry that
   * would end later is not made. Default 10000.
   */
  timeoutMs?: number;
  /**
   * Send after each request's finish line (the adapters hand the send to
   * `ctx.waitUntil` on Workers). Default: `true` on Cloudflare Workers, else `false`.
   */
  flushOnRequestEnd?: boolean;
  /** Send what is left when the process ends. Default `true`. */
  flushOnExit?: boolean;
  /**
   * The `fetch` that sends (a Workers service binding's `fetch`, a proxy's).
   * Default: the global `fetch`.
   */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
}

/**
 * What {@linkcode otlpSink} returns: a sink object with `flush`, `close` and its drop count.
 *
 * @example Before a short job ends: send everything, then see what was lost
 * ```ts ignore
 * // Not run by the docs tests: it sends to an OTLP endpoint, which the docs tests do not
 * // start; tests/otlp.test.ts runs these calls against a receiver on 127.0.0.1.
 * import { configureLogging, getLogger } from "@ctx/request-context";
 * import { otlpSink } from "@ctx/request-context/otlp";
 *
 * const sink = otlpSink({ endpoint: "http://127.0.0.1:4318" });
 * configureLogging({ sink });
 * getLogger("job").info("done");
 * await sink.close();
 * if (sink.dropped > 0) console.error(`${sink.dropped} log lines were not delivered`);
 * ```
 */
export interface OtlpSink extends SinkObject {
  /** Takes one line into the current batch. Never throws. */
  write(line: string): void;
  /** Sends what is held and waits until each batch is delivered or dropped. Never rejects. */
  flush(): Promise<void>;
  /** Whether the HTTP adapters flush after each request. */
  readonly flushOnRequestEnd: boolean;
  /** The URL the sink posts to (`…/v1/logs`). */
  readonly url: string;
  /** The number of lines dropped so far: queue full, refused by the endpoint, or out of retries. */
  readonly dropped: number;
  /** Sends what is held, stops the timer and removes the exit hooks. Never rejects. */
  close(): Promise<void>;
}

const DEFAULT_ENDPOINT = "http://localhost:4318";
const LOGS_PATH = "/v1/logs";

/**
 * A sink that sends log lines to an OTLP/HTTP endpoint as JSON logs (see the
 * module notes for the mapping, batching, retries and limits).
 *
 * @example An OTLP endpoint that takes an API key
 * ```ts ignore
 * // Not run by the docs tests: it sends to an OTLP endpoint, which the docs tests do not
 * // start; tests/otlp.test.ts runs these calls against a receiver on 127.0.0.1.
 * import { configureLogging } from "@ctx/request-context";
 * import { otlpSink } from "@ctx/request-context/otlp";
 *
 * configureLogging({
 *   service: { name: "runs-api" },
 *   sink: otlpSink({
 *     endpoint: "https://otlp.example.com",
 *     headers: { authorization: `Bearer ${Deno.env.get("OTLP_TOKEN")}` },
 *   }),
 * });
 * ```
 *
 * @example Cloudflare Workers: each request's lines are sent through `ctx.waitUntil`
 * ```ts ignore
 * // Not run by the docs tests: it sends to an OTLP endpoint, which the docs tests do not
 * // start; tests/otlp.test.ts runs these calls against a receiver on 127.0.0.1.
 * import { configureLogging, getLogger, withRequestContext } from "@ctx/request-context";
 * import { otlpSink } from "@ctx/request-context/otlp";
 *
 * configureLogging({ sink: otlpSink({ endpoint: "https://otlp.example.com" }) });
 * export default {
 *   fetch: withRequestContext((_req: Request) => {
 *     getLogger("app").info("hello");
 *     return new Response("ok");
 *   }),
 * };
 * ```
 */
export function otlpSink(options: OtlpSinkOptions = {}): OtlpSink {
  const maxLines = positive(options.maxLines, 512);
  const exporter = new Exporter(options, maxLines);
  // bufferedSink batches, times and flushes at exit; each batch it writes is one send,
  // whose promise it waits for on flush (and counts as held at exit).
  const buffer = bufferedSink({ write: (batch: string) => exporter.enqueue(batch) }, {
    maxLines,
    maxBytes: options.maxBytes,
    flushIntervalMs: options.flushIntervalMs,
    flushOnRequestEnd: false,
    flushOnExit: options.flushOnExit,
  });
  let flushOnRequestEnd = options.flushOnRequestEnd;
  if (flushOnRequestEnd === undefined) {
    try {
      flushOnRequestEnd = onWorkers();
    } catch {
      flushOnRequestEnd = false;
    }
  }
  const flush = async (): Promise<void> => {
    await buffer.flush();
    await exporter.settled();
  };
  return {
    write(line: string): void {
      try {
        buffer.write(typeof line === "string" ? line : String(line));
      } catch {
        // a value that cannot even be a string: nothing to send
      }
    },
    flush,
    flushOnRequestEnd,
    url: exporter.url ?? "",
    get dropped(): number {
      return exporter.dropped;
    },
    async close(): Promise<void> {
      await buffer.close();
      await exporter.settled();
    },
  };
}

function positive(value: number | undefined, fallback: number): number {
  return typeof value === "number" && value > 0 ? value : fallback;
}

/** `base` with `/v1/logs` appended to its path, unless its path ends with it already. */
function logsUrl(base: string): string {
  const url = new URL(base);
  if (!url.pathname.endsWith(LOGS_PATH)) {
    url.pathname = url.pathname.replace(/\/$/, "") + LOGS_PATH;
  }
  return url.href;
}

/** The logs URL: the option, else the spec's variables, else the local collector. */
function resolveUrl(endpoint: string | undefined): string {
  if (typeof endpoint === "string" && endpoint.trim() !== "") return logsUrl(endpoint.trim());
  const logs = readEnv("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT")?.trim();
  if (logs) return new URL(logs).href;
  const base = readEnv("OTEL_EXPORTER_OTLP_ENDPOINT")?.trim();
  return logsUrl(base || DEFAULT_ENDPOINT);
}

/** `key=value,key2=value2` with URL-encoded values (W3C Baggage's form), as the spec reads it. */
function parseHeaderList(text: string | undefined, into: Record<string, string>): void {
  if (text === undefined) return;
  for (const item of text.split(",")) {
    const eq = item.indexOf("=");
    if (eq <= 0) continue;
    try {
      const key = decodeURIComponent(item.slice(0, eq).trim());
      if (key !== "") into[key] = decodeURIComponent(item.slice(eq + 1).trim());
    } catch {
      // a malformed escape: that header is left out
    }
  }
}

/** The headers: the option, else the generic variable with the logs one over it. */
function resolveHeaders(option: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (option !== undefined && option !== null && typeof option === "object") {
    for (const key of Object.keys(option)) out[key] = String(option[key]);
  } else {
    parseHeaderList(readEnv("OTEL_EXPORTER_OTLP_HEADERS"), out);
    parseHeaderList(readEnv("OTEL_EXPORTER_OTLP_LOGS_HEADERS"), out);
  }
  return out;
}

/** The endpoint for a report: origin and path only (a query or user info may hold a key). */
function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return u.origin + u.pathname;
  } catch {
    return "(invalid URL)";
  }
}

/** Statuses worth another attempt: too many requests, and the server's own failures. */
function retryable(status: number): boolean {
  return status === 429 || status >= 500;
}

/** A `Retry-After` value (seconds, or an HTTP date) in milliseconds from now. */
function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return date === date ? Math.max(0, date - now) : undefined;
}

/**
 * A wait between attempts. It keeps the process alive on purpose (a flush at exit
 * waits for the retry); `timeoutMs` bounds it.
 */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The sending side: the batches accepted and not yet delivered, their retries, the drops. */
class Exporter {
  readonly url: string | undefined;
  dropped = 0;
  #headers: Record<string, string> = {};
  #fetch: (url: string, init: RequestInit) => Promise<Response>;
  #maxQueue: number;
  #maxAttempts: number;
  #initialBackoff: number;
  #maxBackoff: number;
  #timeout: number;
  /** Lines accepted and not yet delivered or dropped. */
  #queued = 0;
  /** The batches in flight or waiting for a retry. */
  #sending = new Set<Promise<void>>();
  #reportedDrop = false;
  #reportedSetting = false;
  #invalid: string | undefined;

  constructor(o: OtlpSinkOptions, maxLines: number) {
    // A queue smaller than one batch would refuse every batch.
    this.#maxQueue = Math.max(positive(o.maxQueueLines, 2048), maxLines);
    this.#maxAttempts = Math.floor(positive(o.maxAttempts, 5));
    this.#initialBackoff = positive(o.initialBackoffMs, 1000);
    this.#maxBackoff = positive(o.maxBackoffMs, 5000);
    this.#timeout = positive(o.timeoutMs, 10_000);
    this.#fetch = typeof o.fetch === "function" ? o.fetch : (url, init) => fetch(url, init);
    try {
      this.url = resolveUrl(o.endpoint);
    } catch (e) {
      this.#invalid = `invalid endpoint: ${describeThrown(e)}`;
    }
    try {
      const headers = resolveHeaders(o.headers);
      // Checked once here (a name or value fetch refuses is left out), so a send never fails on them.
      for (const key of Object.keys(headers)) {
        try {
          new Headers([[key, headers[key]]]);
          this.#headers[key] = headers[key];
        } catch {
          this.#report(0, `header ${JSON.stringify(key)} is not a valid HTTP header: left out`);
        }
      }
    } catch (e) {
      this.#report(0, `headers unreadable: ${describeThrown(e)}`);
    }
    this.#headers["content-type"] = "application/json";
  }

  /** Whether batches are in flight or waiting for a retry. */
  get busy(): boolean {
    return this.#sending.size > 0;
  }

  /**
   * Takes one batch (lines joined by `"\n"`) and starts sending it; the promise settles
   * when it is delivered or dropped, and never rejects. Never throws.
   */
  enqueue(batch: string): Promise<void> | undefined {
    const lines = batch.split("\n");
    if (this.#invalid !== undefined || this.url === undefined) {
      this.#drop(lines.length, this.#invalid ?? "no endpoint");
      return;
    }
    if (this.#queued + lines.length > this.#maxQueue) {
      this.#drop(lines.length, `queue full (${this.#maxQueue} lines waiting)`);
      return;
    }
    this.#queued += lines.length;
    const done: Promise<void> = this.#send(this.url, lines).catch((e) => {
      this.#drop(lines.length, describeThrown(e));
    }).finally(() => {
      this.#queued -= lines.length;
      this.#sending.delete(done);
    });
    this.#sending.add(done);
    return done;
  }

  /** Resolves when every batch accepted so far is delivered or dropped. */
  async settled(): Promise<void> {
    while (this.#sending.size > 0) await Promise.all(this.#sending);
  }

  async #send(url: string, lines: string[]): Promise<void> {
    // The batch is parsed and encoded in a task of its own, never inside the log call or the
    // request's end that handed it over (a full batch is ~1 ms of JSON work).
    await new Promise((resolve) => setTimeout(resolve, 0));
    const start = Date.now();
    const deadline = start + this.#timeout;
    const body = JSON.stringify(toExportRequest(lines, start));
    let backoff = this.#initialBackoff;
    let reason = "";
    for (let attempt = 1;; attempt++) {
      let wait: number | undefined;
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), Math.max(1, deadline - Date.now()));
      try {
        const response = await this.#fetch(url, {
          method: "POST",
          headers: this.#headers,
          body,
          signal: abort.signal,
        });
        await discard(response);
        if (response.ok) return;
        reason = `HTTP ${response.status}`;
        if (!retryable(response.status)) break;
        wait = retryAfterMs(response.headers.get("retry-after"), Date.now());
      } catch (e) {
        reason = `network error: ${describeThrown(e).split(url).join(safeUrl(url))}`;
      } finally {
        clearTimeout(timer);
      }
      if (attempt >= this.#maxAttempts) break;
      if (wait === undefined) {
        wait = Math.min(backoff, this.#maxBackoff) * (0.8 + 0.4 * Math.random());
        backoff *= 1.5;
      }
      if (Date.now() + wait >= deadline) {
        reason += `; the next attempt would end after timeoutMs (${this.#timeout} ms)`;
        break;
      }
      await sleep(wait);
    }
    this.#drop(lines.length, `${reason} (${lines.length} lines)`);
  }

  #drop(count: number, reason: string): void {
    this.dropped += count;
    this.#report(count, reason);
  }

  /** Reports the first drop (and the first setting left out) on stderr; later ones are only counted. */
  #report(count: number, reason: string): void {
    if (count > 0 ? this.#reportedDrop : this.#reportedSetting) return;
    if (count > 0) this.#reportedDrop = true;
    else this.#reportedSetting = true;
    try {
      writeConsole(
        "error",
        JSON.stringify({
          timestamp: new Date().toISOString(),
          level: "ERROR",
          logger: "request-context",
          message: count > 0
            ? "otlpSink dropped log lines; further drops are counted in its `dropped`, not reported"
            : "otlpSink: a setting was left out; further problems are not reported",
          endpoint: this.url === undefined ? undefined : safeUrl(this.url),
          reason,
          dropped: count,
        }),
      );
    } catch {
      // stderr is gone too: the count remains
    }
  }
}

/** Reads a response's body to its end (or cancels it), so that its connection is freed. */
async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // already read or closed
  }
}
