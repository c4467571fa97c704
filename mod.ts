/**
 * Per-request context and structured JSON logs for Deno, Cloudflare Workers, Bun
 * and Node: every line written while a request is handled carries its
 * `request_id`, with no id passed through function signatures.
 *
 * @example Deno.serve
 * ```ts
 * import assert from "node:assert/strict";
 * import { configureLogging, getLogger, withRequestContext } from "@ctx/request-context";
 *
 * const lines: string[] = [];
 * configureLogging({ sink: (line) => lines.push(line) }); // left out: JSON lines to stdout
 *
 * const log = getLogger("app");
 * const server = Deno.serve(
 *   { hostname: "127.0.0.1", port: 0, onListen() {} },
 *   withRequestContext(() => {
 *     log.info("Creating run", { user_id: "abc" });
 *     return new Response("created", { status: 201 });
 *   }),
 * );
 *
 * const res = await fetch(`http://127.0.0.1:${server.addr.port}/runs`, { method: "POST" });
 * assert.equal(await res.text(), "created");
 * await server.shutdown();
 *
 * const [start, app, finish] = lines.map((line) => JSON.parse(line));
 * assert.equal(start.message, "POST /runs"); // logger "http", method, path
 * assert.deepEqual([app.logger, app.message, app.user_id], ["app", "Creating run", "abc"]);
 * assert.equal(finish.message, "POST /runs - 201"); // status_code, duration_ms
 * // Every line of the request carries its id, the one the response's header names.
 * const id = res.headers.get("X-Request-ID");
 * assert.deepEqual([start.request_id, app.request_id, finish.request_id], [id, id, id]);
 * ```
 *
 * @module
 */

export {
  annotateRequest,
  bindContext,
  type ContextInit,
  getContext,
  getRequestId,
  type RequestContext,
  runWithContext,
  setContextFields,
  setRequestId,
  withContext,
} from "./src/context.ts";
export { getLogger, type LogFields, type Logger } from "./src/logger.ts";
export {
  configureLogging,
  flushLogs,
  type FlushLogsOptions,
  type LoggingOptions,
  type Preset,
  type RequestBufferOptions,
  type SampleOptions,
  type ServiceInfo,
} from "./src/config.ts";
export { LOG_LEVELS, type LogLevel } from "./src/levels.ts";
export { generateRequestId, isSafeId, type RequestIdGenerator } from "./src/ids.ts";
export { consoleSink, type Sink, type SinkFunction, type SinkObject } from "./src/sinks.ts";
export { type BufferedSink, bufferedSink, type BufferedSinkOptions } from "./src/buffered_sink.ts";
export { type FdSink, fdSink } from "./src/fd_sink.ts";
export { type StdoutSink, stdoutSink, type StdoutSinkOptions } from "./src/stdout_sink.ts";
export {
  flushLogsOnSignals,
  type FlushLogsOnSignalsOptions,
  type ShutdownSignal,
} from "./src/signals.ts";
export type { AccessLog, RequestContextOptions } from "./src/options.ts";
export { type FetchHandler, withRequestContext } from "./middleware/fetch.ts";
export { setTraceContext } from "./src/trace.ts";
export {
  formatTraceparent,
  generateSpanId,
  generateTraceId,
  isSpanId,
  isTraceId,
  parseTraceparent,
  type TraceParent,
} from "./src/traceparent.ts";
export { setCorrelationId, setUser, type UserInfo } from "./src/correlation.ts";
export { fetchWithContext, propagationHeaders } from "./src/propagation.ts";
