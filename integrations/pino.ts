/**
 * For pino: {@linkcode contextMixin} adds the current request's `request_id`
 * and context fields to every pino line written during a request. Nothing here
 * imports pino: the types below are the shapes pino passes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import pino from "pino";
 * import { runWithContext } from "@ctx/request-context";
 * import { contextMixin } from "@ctx/request-context/pino";
 *
 * const out: string[] = [];
 * const log = pino({ mixin: contextMixin }, { write: (line: string) => void out.push(line) });
 * runWithContext({ requestId: "r-1" }, () => log.info({ user_id: "abc" }, "Creating run"));
 * // {"level":30,"time":…,"pid":…,"hostname":"…","request_id":"r-1","user_id":"abc","msg":"Creating run"}
 * const { level, request_id, user_id, msg } = JSON.parse(out[0]);
 * assert.deepEqual([level, request_id, user_id, msg], [30, "r-1", "abc", "Creating run"]);
 * ```
 *
 * @module
 */

import { currentScope, mergedFields, putField } from "../src/_storage.ts";

/**
 * The part of a pino logger the mixin looks at: its child bindings, when it has them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { contextMixin, type PinoLoggerLike } from "@ctx/request-context/pino";
 *
 * const logger: PinoLoggerLike = { bindings: () => ({ module: "billing" }) };
 * assert.deepEqual(contextMixin({}, 30, logger), {}); // outside a context
 * ```
 */
export interface PinoLoggerLike {
  /** The child bindings (`logger.child({...})`), without `pid` and `hostname`. */
  bindings?(): Record<string, unknown>;
}

/**
 * The shape of pino's `mixin` option: `(mergeObject, level, logger) => object`.
 *
 * @example
 * ```ts
 * import { contextMixin, type PinoMixin } from "@ctx/request-context/pino";
 *
 * const mixin: PinoMixin = (obj, level, logger) => ({ ...contextMixin(obj, level, logger), app: "runs" });
 * ```
 */
export type PinoMixin = (
  mergeObject: object,
  level: number,
  logger: PinoLoggerLike,
) => Record<string, unknown>;

/** The keys pino writes itself in every line with its default options. */
const PINO_KEYS = ["level", "time", "pid", "hostname", "msg", "err"];

interface LoggerKeys {
  chindings: string;
  keys: ReadonlySet<string>;
}
const keysByLogger = new WeakMap<object, LoggerKeys>();
const symbols = new Map<string, symbol | null>();

/** One of pino's own symbols (its public `pino.symbols`), found by description. */
function pinoSymbol(logger: object, description: string): symbol | undefined {
  const known = symbols.get(description);
  if (known !== undefined) {
    if (known !== null && known in logger) return known;
    if (known === null) return undefined;
  }
  for (let o: object | null = logger; o !== null; o = Object.getPrototypeOf(o)) {
    for (const sym of Object.getOwnPropertySymbols(o)) {
      if (sym.description === description) {
        symbols.set(description, sym);
        return sym;
      }
    }
  }
  symbols.set(description, null);
  return undefined;
}

function read(logger: object, description: string): unknown {
  const sym = pinoSymbol(logger, description);
  return sym === undefined ? undefined : (logger as Record<symbol, unknown>)[sym];
}

/** The keys this logger already writes: pino's own, its message/error keys, its bindings. */
function loggerKeys(logger: PinoLoggerLike): ReadonlySet<string> {
  if (logger === null || typeof logger !== "object") return new Set(PINO_KEYS);
  const chindings = read(logger, "pino.chindings");
  const cached = keysByLogger.get(logger);
  if (cached !== undefined && cached.chindings === chindings) return cached.keys;
  const keys = new Set(PINO_KEYS);
  for (const key of ["pino.messageKey", "pino.errorKey", "pino.nestedKey"]) {
    const name = read(logger, key);
    if (typeof name === "string") keys.add(name);
  }
  try {
    if (typeof chindings === "string" && chindings.length > 1) {
      for (const key of Object.keys(JSON.parse(`{${chindings.slice(1)}}`))) keys.add(key);
    } else if (typeof logger.bindings === "function") {
      for (const key of Object.keys(logger.bindings())) keys.add(key);
    }
  } catch {
    // bindings pino cannot give back: the fixed keys still hold
  }
  if (typeof chindings === "string") keysByLogger.set(logger, { chindings, keys });
  return keys;
}

/** Sets `key` on `out`, as `extra_<key>` while the line already has that name. */
function put(
  out: Record<string, unknown>,
  key: string,
  value: unknown,
  taken: ReadonlySet<string>,
  own: object,
): void {
  let name = key;
  while (taken.has(name) || Object.hasOwn(own, name) || Object.hasOwn(out, name)) {
    name = `extra_${name}`;
  }
  // A field named __proto__ stays data, never the object's prototype.
  putField(out, name, value);
}

/**
 * A pino `mixin`: during a request it returns `request_id` and the context
 * fields, which pino merges into the line; outside any context it returns `{}`.
 * A context key that the line already has, from the call's object, the child
 * logger's bindings or pino itself (`level`, `time`, `pid`, `hostname`, `msg`),
 * is kept as `extra_<key>`, so pino never writes a key twice and nothing is lost.
 * The call's own values stay under their names, as pino's default merge does.
 *
 * pino's `redact` option, not `configureLogging`'s, applies to pino lines.
 *
 * @example With a child logger and a per-call object
 * ```ts
 * import assert from "node:assert/strict";
 * import pino from "pino";
 * import { runWithContext } from "@ctx/request-context";
 * import { contextMixin } from "@ctx/request-context/pino";
 *
 * const out: string[] = [];
 * const root = pino({ mixin: contextMixin }, { write: (line: string) => void out.push(line) });
 * const log = root.child({ module: "billing" });
 * runWithContext({ requestId: "r-1", fields: { tenant: "t-1" } }, () => {
 *   log.info({ amount_cents: 1299 }, "charged");
 *   // {"level":30,…,"module":"billing","request_id":"r-1","tenant":"t-1","amount_cents":1299,"msg":"charged"}
 * });
 * const { module, request_id, tenant, amount_cents } = JSON.parse(out[0]);
 * assert.deepEqual([module, request_id, tenant, amount_cents], ["billing", "r-1", "t-1", 1299]);
 * ```
 */
export const contextMixin: PinoMixin = (
  mergeObject: object,
  _level: number,
  logger: PinoLoggerLike,
): Record<string, unknown> => {
  const scope = currentScope();
  if (scope === undefined) return {};
  const taken = loggerKeys(logger);
  const own = mergeObject !== null && typeof mergeObject === "object" ? mergeObject : {};
  const out: Record<string, unknown> = {};
  put(out, "request_id", scope.root.requestId, taken, own);
  const fields = mergedFields(scope);
  for (const key of Object.keys(fields)) put(out, key, fields[key], taken, own);
  return out;
};
