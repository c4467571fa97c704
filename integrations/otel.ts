/**
 * OpenTelemetry log correlation, opt-in: once {@linkcode useOpenTelemetry} is
 * called, a line written while an OpenTelemetry span is active carries that
 * span's `trace_id`, `span_id` and `trace_flags` (and no `parent_span_id`),
 * and `propagationHeaders`/`fetchWithContext` send that span as the parent, so
 * logs and traces join. This module never imports `@opentelemetry/api` itself:
 * pass it the API object you already use. Deno's built-in OpenTelemetry
 * (`OTEL_DENO=true`) exposes its spans through that same API.
 *
 * @example With the OpenTelemetry JS API (Deno, Node, Bun)
 * ```ts ignore
 * // Not run by the docs tests: the active span here is Deno's server span, which exists only
 * // with Deno's OpenTelemetry on (OTEL_DENO=true); tests/otel_deno.test.ts runs it so.
 * import { trace } from "@opentelemetry/api";
 * import { getLogger, withRequestContext } from "@ctx/request-context";
 * import { useOpenTelemetry } from "@ctx/request-context/otel";
 *
 * useOpenTelemetry({ trace });
 * const log = getLogger("app");
 * Deno.serve(withRequestContext(() => {
 *   log.info("hello"); // trace_id and span_id of the active span (Deno's server span)
 *   return new Response("ok");
 * }));
 * ```
 *
 * @module
 */

import { setSpanSource, type SpanIds, spanSource } from "../src/_trace.ts";
import { isSpanId, isTraceId } from "../src/traceparent.ts";
import { parseTracestate } from "../src/_traceparent.ts";

/** The part of an OpenTelemetry `SpanContext` this module reads. */
export interface SpanContextLike {
  /** 32 lowercase hex characters. */
  readonly traceId: string;
  /** 16 lowercase hex characters. */
  readonly spanId: string;
  /** The W3C trace flags as a number (`1`: sampled). */
  readonly traceFlags: number;
  /** The span's `tracestate`, sent on by `propagationHeaders`. */
  readonly traceState?: { serialize(): string } | undefined;
}

/** The part of an OpenTelemetry `Span` this module reads. */
export interface SpanLike {
  /** The span's ids. */
  spanContext(): SpanContextLike;
}

/**
 * The part of the `@opentelemetry/api` module this module uses: pass the module
 * itself (`import * as api`) or `{ trace }`. Written out here so that nothing
 * of OpenTelemetry is loaded by this module.
 */
export interface OpenTelemetryApiLike {
  /** The tracing API: only `getActiveSpan()` is called, once per log line. */
  readonly trace: { getActiveSpan(): SpanLike | undefined };
}

/** Stops what {@linkcode useOpenTelemetry} started; lines carry the context's own trace again. */
export type StopOpenTelemetry = () => void;

/**
 * Makes log lines and outgoing calls follow the active OpenTelemetry span.
 * Without an active span (or with an invalid one) nothing changes: lines carry
 * the request context's own trace fields. A call replaces an earlier one; the
 * returned function undoes it.
 *
 * @example
 * ```ts
 * import * as api from "@opentelemetry/api";
 * import { getLogger } from "@ctx/request-context";
 * import { useOpenTelemetry } from "@ctx/request-context/otel";
 *
 * const stop = useOpenTelemetry(api);
 * api.trace.getTracer("app").startActiveSpan("work", (span) => {
 *   getLogger().info("working"); // with a tracer provider registered: this span's ids
 *   span.end();
 * });
 * stop();
 * ```
 */
export function useOpenTelemetry(api: OpenTelemetryApiLike): StopOpenTelemetry {
  const trace = api.trace;
  // One SpanIds per span context (immutable in OpenTelemetry), so that the lines of
  // one span reuse its rendering; `null` remembers an invalid one.
  const seen = new WeakMap<SpanContextLike, SpanIds | null>();
  const source = (): SpanIds | undefined => {
    const span = trace.getActiveSpan();
    if (span === undefined) return undefined;
    const sc = span.spanContext();
    if (sc === null || typeof sc !== "object") return undefined;
    let ids = seen.get(sc);
    if (ids === undefined) {
      ids = toSpanIds(sc) ?? null;
      seen.set(sc, ids);
    }
    return ids ?? undefined;
  };
  setSpanSource(source);
  return () => {
    if (spanSource === source) setSpanSource(undefined);
  };
}

function toSpanIds(sc: SpanContextLike): SpanIds | undefined {
  const traceId = sc.traceId;
  const spanId = sc.spanId;
  if (!isTraceId(traceId) || !isSpanId(spanId)) return undefined;
  // Only the flag bits the W3C spec defines are kept (sampled, random), as it asks.
  const flags = typeof sc.traceFlags === "number" ? sc.traceFlags & 0x03 : 0;
  return {
    traceId,
    spanId,
    traceFlags: `0${flags}`,
    // Read only when a call is sent on, never for a log line.
    get tracestate(): string | undefined {
      try {
        const state = sc.traceState;
        return state === undefined ? undefined : parseTracestate(state.serialize());
      } catch {
        return undefined;
      }
    },
  };
}
