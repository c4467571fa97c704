/**
 * Per-request context on `AsyncLocalStorage`: a request id and fields that every
 * log line written inside the context carries, with no id passed around.
 *
 * @example A background job with its own id
 * ```ts
 * import { getLogger, runWithContext, withContext } from "@ctx/request-context";
 *
 * const log = getLogger("jobs");
 * await runWithContext({ fields: { job: "nightly-report" } }, async () => {
 *   log.info("started"); // carries a fresh request_id and job=nightly-report
 *   await withContext({ step: "render" }, () => log.info("rendering"));
 * });
 * ```
 *
 * @module
 */

import {
  currentScope,
  mergedFields,
  newScope,
  patchRoot,
  rootScope,
  type Scope,
  storage,
} from "./_storage.ts";
import { generateRequestId, isSafeId } from "./ids.ts";
import { MAX_ID_LENGTH, NO_REQUEST_ID } from "./_ids.ts";
import { inherited } from "./_trace.ts";

/** What {@linkcode getContext} returns: a snapshot of the current context. */
export interface RequestContext {
  /** The request id every line of this context carries. */
  readonly requestId: string;
  /** The fields every line of this context carries (root fields, then nested scopes). */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** How {@linkcode runWithContext} starts a new root context. */
export interface ContextInit {
  /** The id to use; without one (or with one that is not a safe id) a new id is generated. */
  requestId?: string;
  /** Fields every line of the context carries. */
  fields?: Record<string, unknown>;
  /**
   * Started inside another context (a background job started from a request), keep
   * its trace and correlation: the new context continues the trace as a child span
   * (`parent_span_id` is the request's `span_id`) and keeps `correlation_id` (the
   * request's own id when it had none), while it gets its own request id and span id.
   * `false` starts from nothing.
   *
   * @default {true}
   */
  inherit?: boolean;
}

/**
 * Runs `fn` in a new root context with a fresh request id, and returns what `fn`
 * returns (a promise stays a promise). Everything `fn` starts, awaited or not,
 * sees this context; code outside does not. Started inside a request, it keeps
 * the request's trace (as a child span) and correlation id: see
 * {@linkcode ContextInit.inherit}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRequestId, runWithContext } from "@ctx/request-context";
 *
 * const id = runWithContext(() => getRequestId()); // a new UUID
 * assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
 * ```
 */
export function runWithContext<T>(fn: () => T): T;
/**
 * Runs `fn` in a new root context started from `init`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRequestId, runWithContext } from "@ctx/request-context";
 *
 * runWithContext({ requestId: "job-42", fields: { queue: "mail" } }, () => {
 *   assert.equal(getRequestId(), "job-42");
 * });
 * ```
 */
export function runWithContext<T>(init: ContextInit, fn: () => T): T;
export function runWithContext<T>(a: ContextInit | (() => T), b?: () => T): T {
  const init = typeof a === "function" ? {} : (a ?? {});
  const fn = typeof a === "function" ? a : b!;
  const id = isSafeId(init.requestId, MAX_ID_LENGTH) ? init.requestId : generateRequestId();
  const parent = init.inherit === false ? undefined : currentScope();
  const from = parent === undefined ? undefined : inherited(parent);
  const scope = from === undefined
    ? rootScope(id, plainFields(init.fields))
    : rootScope(id, { ...from.fields, ...plainFields(init.fields) });
  if (from?.hidden !== undefined) scope.root.hidden = from.hidden;
  // A job of this service sends its id under the header name the service uses.
  if (parent !== undefined) scope.root.idHeader = parent.root.idHeader;
  return storage.run(scope, fn);
}

/**
 * Runs `fn` in a nested scope whose log lines also carry `fields`. The outer
 * scope is unchanged once `fn` returns. Outside any context, it starts one whose
 * request id is `"-"`, like a line written outside a context.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configureLogging, getLogger, runWithContext, withContext } from "@ctx/request-context";
 *
 * const lines: string[] = [];
 * configureLogging({ sink: (line) => lines.push(line) });
 * const log = getLogger("orders");
 * runWithContext(() => {
 *   withContext({ order_id: "o-1" }, () => log.info("charging"));
 *   log.info("done");
 * });
 * const [charging, done] = lines.map((line) => JSON.parse(line));
 * assert.equal(charging.order_id, "o-1");
 * assert.equal(done.order_id, undefined);
 * ```
 */
export function withContext<T>(fields: Record<string, unknown>, fn: () => T): T {
  const parent = currentScope() ?? rootScope(NO_REQUEST_ID);
  const scope = newScope(parent.root, parent, plainFields(fields));
  return storage.run(scope, fn);
}

/**
 * The current context (request id and fields), or `undefined` outside one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getContext, runWithContext } from "@ctx/request-context";
 *
 * assert.equal(getContext(), undefined);
 * runWithContext({ fields: { tenant: "t1" } }, () => assert.equal(getContext()?.fields.tenant, "t1"));
 * ```
 */
export function getContext(): RequestContext | undefined {
  const scope = currentScope();
  if (scope === undefined) return undefined;
  return Object.freeze({
    requestId: scope.root.requestId,
    fields: Object.freeze({ ...mergedFields(scope) }),
  });
}

/**
 * The current request id, or `"-"` outside any context.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRequestId } from "@ctx/request-context";
 *
 * assert.equal(getRequestId(), "-"); // outside any context
 * ```
 */
export function getRequestId(): string {
  return currentScope()?.root.requestId ?? NO_REQUEST_ID;
}

/**
 * Changes the current request's id in place: every later line of the request
 * carries it, the finish line too, and the response's `X-Request-ID` header.
 * Returns `false` and changes nothing outside a context, or when `id` is not a
 * safe id (1..256 characters of `A-Z a-z 0-9 - _ . : = + /`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRequestId, runWithContext, setRequestId } from "@ctx/request-context";
 *
 * assert.equal(setRequestId("abc"), false); // no context here
 * runWithContext(() => {
 *   assert.equal(setRequestId("order-7"), true);
 *   assert.equal(getRequestId(), "order-7");
 * });
 * ```
 */
export function setRequestId(id: string): boolean {
  const scope = currentScope();
  if (scope === undefined || !isSafeId(id, MAX_ID_LENGTH)) return false;
  scope.root.requestId = id;
  return true;
}

/**
 * Adds `fields` to the current request's context in place: every later line of
 * the request carries them, the finish line too, even when called inside a
 * nested scope. Returns `false` and does nothing outside a context.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configureLogging, getLogger, runWithContext, setContextFields } from "@ctx/request-context";
 *
 * const lines: string[] = [];
 * configureLogging({ sink: (line) => lines.push(line) });
 * runWithContext(() => {
 *   setContextFields({ user_id: "u-1" });
 *   getLogger().info("loaded");
 * });
 * assert.equal(JSON.parse(lines[0]).user_id, "u-1");
 * ```
 */
export function setContextFields(fields: Record<string, unknown>): boolean {
  const scope = currentScope();
  if (scope === undefined) return false;
  patchRoot(scope.root, plainFields(fields));
  return true;
}

/**
 * Adds `fields` to the current request's finish line only: the context's fields go on
 * every line, these go on the one line that sums the request up (with `accessLog:
 * "finish"`, the canonical log line). Later calls merge, later values winning. Returns
 * `false` and does nothing outside a request served by `withRequestContext` or the Hono
 * middleware (a `runWithContext` job has no finish line), or once its finish line is written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { annotateRequest, configureLogging, withRequestContext } from "@ctx/request-context";
 *
 * const lines: string[] = [];
 * configureLogging({ sink: (line) => lines.push(line) });
 * const handler = withRequestContext(() => {
 *   annotateRequest({ user_id: "u-1", cache: "hit" });
 *   annotateRequest({ rows: 12 }); // merged: the finish line has all three
 *   return new Response("ok");
 * }, { accessLog: "finish" });
 * await (await handler(new Request("http://127.0.0.1/runs"))).text();
 * const finish = JSON.parse(lines[0]);
 * assert.deepEqual([finish.user_id, finish.cache, finish.rows], ["u-1", "hit", 12]);
 * assert.equal(annotateRequest({ ignored: true }), false); // not in a request
 * ```
 */
export function annotateRequest(fields: Record<string, unknown>): boolean {
  const request = currentScope()?.root.request;
  if (request === undefined || request.ended) return false;
  const plain = plainFields(fields);
  if (plain !== undefined) request.annotations = Object.assign(request.annotations ?? {}, plain);
  return true;
}

/**
 * Returns `fn` bound to the current context, for callbacks that a library calls
 * later from somewhere the context does not reach (an event emitter, a pool).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bindContext, getRequestId, runWithContext } from "@ctx/request-context";
 *
 * const later = runWithContext({ requestId: "r-1" }, () => bindContext(() => getRequestId()));
 * assert.equal(later(), "r-1"); // called outside, it runs in the context it was bound in
 * ```
 */
export function bindContext<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  const scope = currentScope();
  return (...args: A): R => storage.run(scope as Scope, fn, ...args);
}

/** A shallow copy of the caller's fields that ignores anything that is not an object. */
function plainFields(fields: unknown): Record<string, unknown> | undefined {
  if (fields === null || typeof fields !== "object") return undefined;
  try {
    return { ...fields };
  } catch {
    return undefined;
  }
}
