/**
 * Outgoing calls: the headers that carry the current request's trace, request
 * id and correlation id to the next service, and `fetch` with them added.
 *
 * @example Call another service
 * ```ts
 * import assert from "node:assert/strict";
 * import { fetchWithContext, withRequestContext } from "@ctx/request-context";
 *
 * // A stock service that answers with the request id and trace it was sent.
 * const stock = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) =>
 *   Response.json({
 *     requestId: req.headers.get("X-Request-ID"),
 *     traceparent: req.headers.get("traceparent"),
 *   }));
 * const handler = withRequestContext(async () => {
 *   // sends traceparent, tracestate, X-Request-ID and X-Correlation-ID
 *   const res = await fetchWithContext(`http://127.0.0.1:${stock.addr.port}/stock/42`);
 *   return new Response(await res.text());
 * }, { logRequests: false });
 *
 * const res = await handler(new Request("http://127.0.0.1/orders", { headers: { "X-Request-ID": "r-9" } }));
 * const seen = await res.json();
 * await stock.shutdown();
 * assert.equal(seen.requestId, "r-9");
 * assert.match(seen.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[0-3]$/);
 * ```
 *
 * @module
 */

import { currentScope, mergedFields, ownField, patchRoot } from "./_storage.ts";
import {
  activeSpan,
  contextSpan,
  CORRELATION_HEADER,
  type SpanIds,
  traceFields,
} from "./_trace.ts";
import { isSafeId } from "./ids.ts";
import { MAX_ID_LENGTH } from "./_ids.ts";
import { formatTraceparent } from "./traceparent.ts";

/** The header that carries the request id to the next service, unless the adapter was given another `headerName`. */
const REQUEST_ID_HEADER = "X-Request-ID";

/**
 * The headers to send to a downstream service from the current context:
 * `traceparent` (the current span as the parent: the active OpenTelemetry span
 * when `./otel` is in use and one is active, else the request's own span),
 * `tracestate` when the trace has one, `X-Request-ID` (under the adapter's
 * `headerName` when it was given one, as the service uses it) and
 * `X-Correlation-ID` when the request has one. A context without a trace yet (a job started by
 * `runWithContext` outside any request) starts one here, so that its lines and
 * the downstream lines share the `trace_id`. The user (`setUser`) is not sent:
 * user ids and emails are personal data that should not leave the service in
 * headers, and a downstream service must not trust a user id a caller claims.
 *
 * Outside any context it returns an empty object. Every value is checked before
 * it is returned, so nothing unsafe goes into a header.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { propagationHeaders, runWithContext } from "@ctx/request-context";
 *
 * assert.deepEqual(propagationHeaders(), {}); // outside any context
 * runWithContext({ requestId: "r-1" }, () => {
 *   const headers = propagationHeaders();
 *   // { traceparent: "00-…-…-00", "X-Request-ID": "r-1" }
 *   assert.match(headers.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
 *   assert.equal(headers["X-Request-ID"], "r-1");
 * });
 * ```
 */
export function propagationHeaders(): Record<string, string> {
  const scope = currentScope();
  const headers: Record<string, string> = {};
  if (scope === undefined) return headers;
  const root = scope.root;
  let span: SpanIds | undefined = activeSpan() ?? contextSpan(scope);
  if (span === undefined) {
    const fields = mergedFields(scope);
    if (ownField(fields, "trace_id") === undefined && ownField(fields, "span_id") === undefined) {
      const started = traceFields(undefined);
      patchRoot(root, started);
      span = contextSpan(scope);
    }
  }
  if (span !== undefined) {
    const traceparent = formatTraceparent(span.traceId, span.spanId, span.traceFlags);
    if (traceparent !== undefined) {
      headers.traceparent = traceparent;
      if (span.tracestate !== undefined) headers.tracestate = span.tracestate;
    }
  }
  if (isSafeId(root.requestId, MAX_ID_LENGTH)) {
    headers[root.idHeader || REQUEST_ID_HEADER] = root.requestId;
  }
  const correlation = ownField(mergedFields(scope), "correlation_id");
  if (isSafeId(correlation, MAX_ID_LENGTH)) headers[CORRELATION_HEADER] = correlation;
  return headers;
}

/**
 * `fetch` with {@linkcode propagationHeaders} added to the request. A header the
 * caller set (in `init.headers`, or on a `Request` passed as `input`) is never
 * overwritten. Outside any context it is plain `fetch`.
 *
 * @example
 * ```ts ignore
 * // Not run by the docs tests: it calls a stock service on 127.0.0.1:8001 (the module example
 * // above runs one).
 * import { fetchWithContext } from "@ctx/request-context";
 *
 * const res = await fetchWithContext("http://127.0.0.1:8001/stock", {
 *   headers: { "X-Correlation-ID": "batch-12" }, // kept as is
 * });
 * ```
 */
export function fetchWithContext(
  input: string | URL | Request,
  init?: RequestInit,
): Promise<Response> {
  const extra = propagationHeaders();
  const names = Object.keys(extra);
  if (names.length === 0) return fetch(input, init);
  const headers = new Headers(
    init?.headers ?? (input instanceof Request ? input.headers : undefined),
  );
  for (const name of names) {
    if (!headers.has(name)) headers.set(name, extra[name]);
  }
  return fetch(input, { ...init, headers });
}
