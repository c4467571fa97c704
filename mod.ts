/**
 * Per-request context and structured JSON logs for Deno, Cloudflare Workers, Bun
 * and Node: every line written while a request is handled carries its
 * `request_id`, with no id passed through function signatures.
 *
 * @example Deno.serve
 * ```ts ignore
 * import { getLogger, withRequestContext } from "@ctx/request-context";
 *
 * const log = getLogger("app");
 * Deno.serve(withRequestContext(async (req) => {
 *   log.info("Creating run", { user_id: "abc" });
 *   return new Response("created", { status: 201 });
 * }));
 * // {"timestamp":"…","level":"INFO","logger":"http","message":"POST /runs","request_id":"…","method":"POST","path":"/runs"}
 * // {"timestamp":"…","level":"INFO","logger":"app","message":"Creating run","request_id":"…","user_id":"abc"}
 * // {"timestamp":"…","level":"INFO","logger":"http","message":"POST /runs - 201","request_id":"…","method":"POST","path":"/runs","status_code":201,"duration_ms":0.41}
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
