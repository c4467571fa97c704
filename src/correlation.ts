/**
 * Who a request is for and which workflow it belongs to: `user_id` (and the
 * user's other fields) and `correlation_id` on every later line of the request.
 *
 * @example After authentication
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   configureLogging,
 *   getLogger,
 *   runWithContext,
 *   setCorrelationId,
 *   setUser,
 * } from "@ctx/request-context";
 *
 * const lines: string[] = [];
 * configureLogging({ sink: (line) => lines.push(line) });
 * const log = getLogger("orders");
 * runWithContext(() => {
 *   setUser({ id: "u-42", email: "ada@example.com", plan: "pro" });
 *   setCorrelationId("checkout-7f3a");
 *   log.info("order placed");
 * });
 * const line = JSON.parse(lines[0]);
 * assert.deepEqual(
 *   [line.user_id, line.user_email, line.user_plan, line.correlation_id],
 *   ["u-42", "ada@example.com", "pro", "checkout-7f3a"],
 * );
 * ```
 *
 * @module
 */

import { currentScope, patchRoot } from "./_storage.ts";
import { isSafeId } from "./ids.ts";
import { MAX_ID_LENGTH } from "./_ids.ts";

/** The user of a request: an `id`, an optional `email`, and any other fields to log. */
export interface UserInfo {
  /** The user's id: `user_id` in each line. */
  id: string | number;
  /** The user's email: `user_email`. */
  email?: string;
  /** Any other field `key`, logged as `user_<key>`. */
  [key: string]: unknown;
}

/**
 * Sets the current request's user: every later line of the request carries
 * `user_id`, `user_email` when given, and `user_<key>` for each other key, the
 * finish line too. A second call replaces the fields of the first. The user is
 * not sent to other services (see `propagationHeaders`): a downstream service
 * sets its own from its own authentication.
 *
 * Returns `false` and changes nothing outside a context, or when `user.id` is
 * not a non-empty string or a finite number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getContext, runWithContext, setUser } from "@ctx/request-context";
 *
 * assert.equal(setUser({ id: "u-1" }), false); // no context
 * runWithContext(() => {
 *   assert.equal(setUser({ id: 42, email: "ada@example.com", role: "admin" }), true);
 *   const { user_id, user_email, user_role } = getContext()!.fields; // on every line from now on
 *   assert.deepEqual([user_id, user_email, user_role], [42, "ada@example.com", "admin"]);
 * });
 * ```
 */
export function setUser(user: UserInfo): boolean {
  const scope = currentScope();
  if (scope === undefined || user === null || typeof user !== "object") return false;
  let fields: Record<string, unknown>;
  try {
    const id = user.id;
    const okId = (typeof id === "string" && id !== "") ||
      (typeof id === "number" && Number.isFinite(id));
    if (!okId) return false;
    fields = { user_id: id };
    for (const key of Object.keys(user)) {
      if (key === "id") continue;
      const value = user[key];
      if (value !== undefined) fields[`user_${key}`] = value;
    }
  } catch {
    return false; // a throwing getter or proxy: nothing is applied
  }
  const root = scope.root;
  const previous = root.hidden?.userKeys;
  root.hidden = { ...root.hidden, userKeys: Object.keys(fields) };
  patchRoot(root, fields, Array.isArray(previous) ? previous : undefined);
  return true;
}

/**
 * Sets the current request's correlation id, the id of the whole workflow a
 * request belongs to: every later line carries `correlation_id`, outgoing calls
 * send it as `X-Correlation-ID`, and a background job started from the request
 * with `runWithContext` keeps it. Requests receive it from a safe incoming
 * `X-Correlation-ID` header.
 *
 * Returns `false` and changes nothing outside a context or when `id` is not a
 * safe id (1..256 characters of `A-Z a-z 0-9 - _ . : = + /`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getContext, runWithContext, setCorrelationId } from "@ctx/request-context";
 *
 * runWithContext(() => {
 *   setCorrelationId("signup-flow-9");
 *   assert.equal(getContext()?.fields.correlation_id, "signup-flow-9");
 * });
 * ```
 */
export function setCorrelationId(id: string): boolean {
  const scope = currentScope();
  if (scope === undefined || !isSafeId(id, MAX_ID_LENGTH)) return false;
  patchRoot(scope.root, { correlation_id: id });
  return true;
}
