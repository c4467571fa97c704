// Internal: trace, correlation and user state of a root context. The ids live in
// the root's ordinary fields (so every line carries them through the formatter's
// cached rendering); what is sent on but never logged (`tracestate`) lives in
// `root.hidden`.

import { mergedFields, ownField, type RootState, type Scope, setRootFields } from "./_storage.ts";
import { isSafeId } from "./ids.ts";
import { NO_REQUEST_ID } from "./_ids.ts";
import { isSpanId, isTraceId, parseTraceparent } from "./traceparent.ts";
import {
  generateChildSpanId,
  generateTraceAndSpanIds,
  isTraceFlags,
  knownFlags,
  parseTracestate,
} from "./_traceparent.ts";

/** The header that carries the correlation id, in and out. */
export const CORRELATION_HEADER = "X-Correlation-ID";

/** Google Cloud's trace header, sent by its load balancers and Cloud Run: `TRACE_ID/SPAN_ID;o=1`. */
export const CLOUD_TRACE_HEADER = "X-Cloud-Trace-Context";

/** `TRACE_ID/SPAN_ID` with `;o=0|1`: 32 hex digits, a decimal span id of at most 20 digits. */
const CLOUD_TRACE = /^([0-9a-fA-F]{32})\/([0-9]{1,20})(?:;o=([01]))?$/;

/**
 * The span an `X-Cloud-Trace-Context` value names, in W3C form (the decimal span id as 16 hex
 * digits, `o=1` as the sampled flag), or `undefined` for anything else: an all-zero id, a span id
 * of 0 or past 64 bits, any other text. The value is matched whole and goes nowhere else.
 */
export function parseCloudTraceContext(
  value: string | null,
): { traceId: string; spanId: string; traceFlags: string } | undefined {
  if (value === null || value.length > 64) return undefined;
  const m = CLOUD_TRACE.exec(value);
  if (m === null) return undefined;
  const span = BigInt(m[2]);
  if (span === 0n || span >= 1n << 64n) return undefined;
  const traceId = m[1].toLowerCase();
  const spanId = span.toString(16).padStart(16, "0");
  if (!isTraceId(traceId) || !isSpanId(spanId)) return undefined;
  return { traceId, spanId, traceFlags: m[3] === "1" ? "01" : "00" };
}

/** The flags of a trace this module starts: not sampled, since it records no trace data itself. */
export const NEW_TRACE_FLAGS = "00";

/** The span a line or an outgoing call belongs to. */
export interface SpanIds {
  traceId: string;
  spanId: string;
  traceFlags: string;
  /** A cleaned `tracestate` to send on, if any. */
  tracestate?: string;
}

/**
 * Where the active span comes from when OpenTelemetry is in use (set by the
 * `./otel` export); `undefined` otherwise, so a line costs one check.
 */
export let spanSource: (() => SpanIds | undefined) | undefined;

/** Sets (or, with `undefined`, removes) the source of the active span. */
export function setSpanSource(source: (() => SpanIds | undefined) | undefined): void {
  spanSource = source;
}

/** The active OpenTelemetry span, if a source is set and it has a valid one. Never throws. */
export function activeSpan(): SpanIds | undefined {
  const source = spanSource;
  if (source === undefined) return undefined;
  try {
    return source();
  } catch {
    return undefined;
  }
}

/** Trace fields of a new span: a child of `parent` (trace id, span id, flags) or a new trace. */
export function traceFields(
  parent: { traceId: string; spanId: string; traceFlags: string } | undefined,
): Record<string, unknown> {
  if (parent === undefined) {
    const ids = generateTraceAndSpanIds();
    return { trace_id: ids.traceId, span_id: ids.spanId, trace_flags: NEW_TRACE_FLAGS };
  }
  return {
    trace_id: parent.traceId,
    span_id: generateChildSpanId(),
    parent_span_id: parent.spanId,
    trace_flags: parent.traceFlags,
  };
}

/**
 * Seeds a request's root from its headers, before any line is written: a valid
 * `traceparent` continues that trace with a new span (and keeps `tracestate`), else a
 * valid `X-Cloud-Trace-Context` (Google's load balancers) does, anything else starts a new trace; a safe `X-Correlation-ID` becomes
 * `correlation_id`. With `trust` off, incoming values are all ignored. Invalid
 * values are dropped and go nowhere.
 */
export function intakeTrace(
  request: Request,
  root: RootState,
  trust: boolean,
  maxLength: number,
): void {
  const headers = request.headers;
  let parent: { traceId: string; spanId: string; traceFlags: string } | undefined;
  let fields: Record<string, unknown>;
  if (trust) {
    const tp = parseTraceparent(headers.get("traceparent"));
    if (tp !== undefined) {
      parent = { traceId: tp.traceId, spanId: tp.parentId, traceFlags: knownFlags(tp.traceFlags) };
    } else {
      parent = parseCloudTraceContext(headers.get(CLOUD_TRACE_HEADER));
    }
    fields = traceFields(parent);
    const correlation = headers.get(CORRELATION_HEADER);
    if (correlation !== null && isSafeId(correlation, maxLength)) {
      fields.correlation_id = correlation;
    }
  } else {
    fields = traceFields(undefined);
  }
  setRootFields(root, fields);
  if (parent !== undefined) {
    // The spec: tracestate is parsed only when traceparent was.
    const state = parseTracestate(headers.get("tracestate"));
    if (state !== undefined) root.hidden = { ...root.hidden, tracestate: state };
  }
}

/** The span of the current context's own fields, if they hold a valid one. */
export function contextSpan(scope: Scope): SpanIds | undefined {
  const fields = mergedFields(scope);
  const traceId = ownField(fields, "trace_id");
  const spanId = ownField(fields, "span_id");
  if (!isTraceId(traceId) || !isSpanId(spanId)) return undefined;
  const flags = ownField(fields, "trace_flags");
  const tracestate = scope.root.hidden?.tracestate;
  return {
    traceId,
    spanId,
    traceFlags: isTraceFlags(flags) ? flags : NEW_TRACE_FLAGS,
    tracestate: typeof tracestate === "string" ? tracestate : undefined,
  };
}

/**
 * What a root context started inside `parent` (a background job started from a
 * request) takes from it: the trace, as a child span of the request's span, and
 * the correlation id (the request's own id when it had none). The new root gets
 * its own request id and span id.
 */
export function inherited(
  parent: Scope,
): { fields: Record<string, unknown>; hidden?: Record<string, unknown> } | undefined {
  const root = parent.root;
  if (root.requestId === NO_REQUEST_ID) return undefined;
  const span = activeSpan() ?? contextSpan(parent);
  const fields: Record<string, unknown> = {};
  const correlation = ownField(mergedFields(parent), "correlation_id");
  fields.correlation_id = isSafeId(correlation, Infinity) ? correlation : root.requestId;
  if (span === undefined) return { fields };
  Object.assign(fields, traceFields(span));
  return {
    fields,
    hidden: span.tracestate === undefined ? undefined : { tracestate: span.tracestate },
  };
}
