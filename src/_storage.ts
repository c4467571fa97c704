// Internal: the one AsyncLocalStorage of the module and the shape of what it holds.
import type { AsyncLocalStorage } from "node:async_hooks";
import type { RequestState } from "./_signal.ts";

// Loaded with a dynamic import so that a runtime without it (Cloudflare Workers with
// neither `nodejs_als` nor `nodejs_compat`) fails when the module loads, at deploy or
// startup, with an error that names the flag, instead of workerd's bare
// `No such module "node:async_hooks"`.
const asyncHooks: typeof import("node:async_hooks") = await import("node:async_hooks").catch(
  (cause: unknown) => {
    throw new Error(
      '@ctx/request-context needs AsyncLocalStorage from "node:async_hooks". On Cloudflare ' +
        'Workers add the compatibility flag "nodejs_als" (or "nodejs_compat") to ' +
        "compatibility_flags in wrangler.jsonc.",
      { cause },
    );
  },
);

/**
 * The mutable state of one root context (a request, a background job). Every
 * nested scope of that root shares it, so `setContextFields` inside a nested
 * scope still reaches the request's finish line.
 */
export interface RootState {
  requestId: string;
  /** Fields set by `runWithContext({ fields })` and `setContextFields`. */
  fields: Record<string, unknown>;
  /** Bumped on every change, so cached renderings of the fields can be reused until then. */
  version: number;
  /** State kept for propagation that is not written to log lines (for example `tracestate`). */
  hidden?: Record<string, unknown>;
  /**
   * The header this service carries request ids in (the adapter's `headerName`):
   * `propagationHeaders` sends the id under it. A job started from a request keeps it.
   */
  idHeader: string | undefined;
  /**
   * Set on a root an HTTP adapter made for a request (a `runWithContext` job is not one):
   * what the request keeps for its finish line, its held lines, and its error log. An
   * adapter that runs inside such a root reuses it, and reports its errors here.
   */
  request: RequestState | undefined;
}

/** A scope: a root plus the fields of the `withContext` calls around the current code. */
export interface Scope {
  readonly root: RootState;
  readonly parent: Scope | undefined;
  readonly own: Readonly<Record<string, unknown>> | undefined;
  /** Cache: the merged fields, valid while `cacheVersion === root.version`. */
  merged?: Record<string, unknown>;
  mergedVersion?: number;
  /** Cache owned by the formatter, valid for `renderKey`. */
  rendered?: unknown;
  renderKey?: unknown;
  renderVersion?: number;
}

/** Versions wrap around here; a cache older than this many changes is never consulted. */
const MAX_FIELDS_VERSION = 2 ** 31;

/** Replaces the root's fields and bumps its version, so cached renderings are redone. */
export function setRootFields(root: RootState, fields: Record<string, unknown>): void {
  root.fields = fields;
  root.version = (root.version + 1) % MAX_FIELDS_VERSION;
}

/**
 * Sets `target[key] = value` as an own data property whatever the key: on Node, Bun
 * and workerd a plain assignment of `__proto__` (a key from `JSON.parse` of a
 * client's body) would set the object's prototype instead, and every later read of
 * a name through the fields (`correlation_id`) would see the attacker's object.
 */
export function putField(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else target[key] = value;
}

/** `Object.assign(target, source)` for fields: every own key of `source` is data (see {@linkcode putField}). */
export function assignFields(
  target: Record<string, unknown>,
  source: Record<string, unknown> | undefined,
): Record<string, unknown> {
  if (source !== undefined) {
    for (const key of Object.keys(source)) putField(target, key, source[key]);
  }
  return target;
}

/** The field `key` of `fields` if it is their own, never one reached through a prototype. */
export function ownField(fields: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(fields, key) ? fields[key] : undefined;
}

/**
 * Changes the root's fields copy-on-write (cached renderings hold the old object):
 * the keys of `remove` are dropped, then `set` is merged in, its keys as data.
 */
export function patchRoot(
  root: RootState,
  set: Record<string, unknown> | undefined,
  remove?: readonly string[],
): void {
  const fields = { ...root.fields };
  if (remove !== undefined) { for (const key of remove) delete fields[key]; }
  setRootFields(root, assignFields(fields, set));
}

export const storage: AsyncLocalStorage<Scope> = new asyncHooks.AsyncLocalStorage<Scope>();

/** The current scope, or `undefined` outside any context. */
export function currentScope(): Scope | undefined {
  return storage.getStore();
}

/**
 * A scope, with every cache slot it may get: a scope never changes shape, and so needs no
 * second block for its properties (the context keeps it, and a young-generation collection
 * copies what the context keeps).
 */
export function newScope(
  root: RootState,
  parent: Scope | undefined,
  own: Readonly<Record<string, unknown>> | undefined,
): Scope {
  return {
    root,
    parent,
    own,
    merged: undefined,
    mergedVersion: undefined,
    rendered: undefined,
    renderKey: undefined,
    renderVersion: undefined,
  };
}

/** A new root scope. */
export function rootScope(requestId: string, fields?: Record<string, unknown>): Scope {
  return newScope(
    {
      requestId,
      fields: fields ? { ...fields } : {},
      version: 0,
      hidden: undefined,
      idHeader: undefined,
      request: undefined,
    },
    undefined,
    undefined,
  );
}

/** The root fields, then each `withContext` layer from the outside in; inner values win. */
export function mergedFields(scope: Scope): Record<string, unknown> {
  const version = scope.root.version;
  if (scope.merged !== undefined && scope.mergedVersion === version) return scope.merged;
  let merged: Record<string, unknown>;
  if (scope.parent === undefined) merged = scope.root.fields;
  else if (scope.own === undefined) merged = mergedFields(scope.parent);
  else merged = { ...mergedFields(scope.parent), ...scope.own };
  scope.merged = merged;
  scope.mergedVersion = version;
  return merged;
}
