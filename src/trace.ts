/**
 * Setting the trace of the current context by hand, for code that received one
 * some other way than an HTTP request (a queue consumer, a cron job).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configureLogging, getLogger, runWithContext, setTraceContext } from "@ctx/request-context";
 *
 * const lines: string[] = [];
 * configureLogging({ sink: (line) => lines.push(line) });
 * await runWithContext(async () => {
 *   setTraceContext("4bf92f3577b34da6a3ce929d0e0e4736", "b7ad6b7169203331", "00f067aa0ba902b7");
 *   getLogger("worker").info("consumed");
 * });
 * const { trace_id, span_id, parent_span_id, trace_flags } = JSON.parse(lines[0]);
 * assert.deepEqual(
 *   [trace_id, span_id, parent_span_id, trace_flags],
 *   ["4bf92f3577b34da6a3ce929d0e0e4736", "b7ad6b7169203331", "00f067aa0ba902b7", "00"],
 * );
 * ```
 *
 * @module
 */

import { currentScope, ownField, patchRoot } from "./_storage.ts";
import { NEW_TRACE_FLAGS } from "./_trace.ts";
import { isSpanId, isTraceId } from "./traceparent.ts";
import { isTraceFlags } from "./_traceparent.ts";

/**
 * Sets the trace of the current request in place: every later line of it
 * carries `trace_id`, `span_id`, `parent_span_id` (only when given) and
 * `trace_flags`, the finish line too, and outgoing calls send them on. Ids are
 * lowercase hex, 32 characters for the trace and 16 for spans, not all zero.
 * `traceFlags` defaults to the flags the context already has (else `"00"`).
 * A new trace id drops the `tracestate` of the old trace.
 *
 * Returns `false` and changes nothing outside a context or when any id or the
 * flags are invalid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runWithContext, setTraceContext } from "@ctx/request-context";
 *
 * const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
 * assert.equal(setTraceContext(traceId, "b7ad6b7169203331"), false); // no context
 * runWithContext(() => {
 *   assert.equal(setTraceContext(traceId, "b7ad6b7169203331"), true);
 *   assert.equal(setTraceContext("not-hex", "b7ad6b7169203331"), false);
 * });
 * ```
 */
export function setTraceContext(
  traceId: string,
  spanId: string,
  parentSpanId?: string,
  traceFlags?: string,
): boolean {
  const scope = currentScope();
  if (scope === undefined || !isTraceId(traceId) || !isSpanId(spanId)) return false;
  if (parentSpanId !== undefined && !isSpanId(parentSpanId)) return false;
  if (traceFlags !== undefined && !isTraceFlags(traceFlags)) return false;
  const root = scope.root;
  const current = ownField(root.fields, "trace_flags");
  const flags = traceFlags ?? (isTraceFlags(current) ? current : NEW_TRACE_FLAGS);
  const set: Record<string, unknown> = { trace_id: traceId, span_id: spanId };
  if (parentSpanId !== undefined) set.parent_span_id = parentSpanId;
  set.trace_flags = flags;
  if (ownField(root.fields, "trace_id") !== traceId && root.hidden?.tracestate !== undefined) {
    const { tracestate: _, ...rest } = root.hidden;
    root.hidden = rest;
  }
  patchRoot(root, set, parentSpanId === undefined ? ["parent_span_id"] : undefined);
  return true;
}
