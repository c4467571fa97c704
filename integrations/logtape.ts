/**
 * For LogTape (`@logtape/logtape`): {@linkcode contextLocalStorage} makes this
 * module's request context LogTape's implicit context, so LogTape records carry
 * `request_id` and the context fields in their `properties`, and LogTape's own
 * `withContext` adds fields to this module's scope; {@linkcode logTapeSink}
 * writes LogTape records as this module's lines. Nothing here imports LogTape:
 * the types below are the shapes it uses.
 *
 * @example Both at once
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure, getLogger, reset } from "@logtape/logtape";
 * import { configureLogging, runWithContext } from "@ctx/request-context";
 * import { contextLocalStorage, logTapeSink } from "@ctx/request-context/logtape";
 *
 * const lines: string[] = [];
 * configureLogging({ sink: (line) => lines.push(line) });
 * await configure({
 *   contextLocalStorage,
 *   sinks: { json: logTapeSink() },
 *   loggers: [{ category: ["app"], lowestLevel: "debug", sinks: ["json"] }],
 *   reset: true,
 * });
 * runWithContext({ requestId: "r-1" }, () => {
 *   getLogger(["app", "runs"]).info("Creating run {id}", { id: 42 });
 * });
 * await reset();
 * // {…,"level":"INFO","logger":"app.runs","message":"Creating run 42","request_id":"r-1","id":42}
 * const { level, logger, message, request_id, id } = JSON.parse(lines[0]);
 * assert.deepEqual([level, logger, message, request_id, id], ["INFO", "app.runs", "Creating run 42", "r-1", 42]);
 * ```
 *
 * @module
 */

import {
  currentScope,
  mergedFields,
  putField,
  rootScope,
  type Scope,
  storage,
} from "../src/_storage.ts";
import { isSafeId } from "../src/ids.ts";
import { MAX_ID_LENGTH, NO_REQUEST_ID } from "../src/_ids.ts";
import { emit } from "../src/_emit.ts";
import { isString, optionOr } from "../src/_invalid.ts";
import type { LogLevel } from "../src/levels.ts";
import { config } from "../src/_config.ts";
import {
  isRedacted,
  REDACTED,
  type SafeOptions,
  stringifySafe,
  toSafe,
} from "../src/_serialize.ts";

/**
 * LogTape's implicit context: string keys are fields, symbol keys are LogTape's own state.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runWithContext } from "@ctx/request-context";
 * import { contextLocalStorage, type LogTapeStore } from "@ctx/request-context/logtape";
 *
 * runWithContext({ requestId: "r-1", fields: { tenant: "t-1" } }, () => {
 *   const store: LogTapeStore | undefined = contextLocalStorage.getStore();
 *   assert.deepEqual({ ...store }, { tenant: "t-1", request_id: "r-1" });
 * });
 * ```
 */
export type LogTapeStore = Record<string, unknown>;

/**
 * The shape of LogTape's `ContextLocalStorage`: an `AsyncLocalStorage`-like store.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { contextLocalStorage, type ContextLocalStorageLike } from "@ctx/request-context/logtape";
 *
 * const storage: ContextLocalStorageLike = contextLocalStorage;
 * storage.run({ tenant: "t-1" }, () => assert.equal(storage.getStore()?.tenant, "t-1"));
 * ```
 */
export interface ContextLocalStorageLike {
  /** Runs `callback` with `store` as the implicit context. */
  run<R>(store: LogTapeStore, callback: () => R): R;
  /** The implicit context here, or `undefined` outside any. */
  getStore(): LogTapeStore | undefined;
}

/**
 * What {@linkcode logTapeSink} reads of a LogTape `LogRecord`.
 *
 * @example A record made by hand, as a test would
 * ```ts
 * import assert from "node:assert/strict";
 * import { configureLogging } from "@ctx/request-context";
 * import { logTapeSink, type LogTapeRecord } from "@ctx/request-context/logtape";
 *
 * const lines: string[] = [];
 * configureLogging({ sink: (line) => lines.push(line) });
 * const record: LogTapeRecord = {
 *   category: ["app"],
 *   level: "info",
 *   message: ["Hello, ", "ann", "!"],
 *   timestamp: Date.now(),
 *   properties: { user: "ann" },
 * };
 * logTapeSink()(record); // {…,"logger":"app","message":"Hello, \"ann\"!",…,"user":"ann"}
 * const { logger, message, user } = JSON.parse(lines[0]);
 * assert.deepEqual([logger, message, user], ["app", 'Hello, "ann"!', "ann"]);
 * ```
 */
export interface LogTapeRecord {
  /** The logger's category, such as `["app", "db"]`. */
  readonly category: readonly string[];
  /** `"trace" | "debug" | "info" | "warning" | "error" | "fatal"`. */
  readonly level: string;
  /** The message: text parts at even indices, the values put in at odd ones. */
  readonly message: readonly unknown[];
  /**
   * The template the message came from (`"login {password}"`), when LogTape has it:
   * it names the property behind each value, so a redacted one is not rendered.
   */
  readonly rawMessage?: string | readonly string[];
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  /** The record's properties: the implicit context, then the call's own. */
  readonly properties: Record<string, unknown>;
}

/**
 * The shape of a LogTape `Sink`.
 *
 * @example
 * ```ts
 * import { logTapeSink, type LogTapeSink } from "@ctx/request-context/logtape";
 *
 * const sink: LogTapeSink = logTapeSink();
 * ```
 */
export type LogTapeSink = (record: LogTapeRecord) => void;

/** The default of {@linkcode LogTapeSinkOptions.categorySeparator}. */
const DEFAULT_SEPARATOR = ".";

/**
 * Options of {@linkcode logTapeSink}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configureLogging } from "@ctx/request-context";
 * import { logTapeSink } from "@ctx/request-context/logtape";
 *
 * const lines: string[] = [];
 * configureLogging({ sink: (line) => lines.push(line) });
 * const sink = logTapeSink({ categorySeparator: "/" });
 * sink({ category: ["app", "db"], level: "info", message: ["ok"], timestamp: Date.now(), properties: {} });
 * assert.equal(JSON.parse(lines[0]).logger, "app/db");
 * ```
 */
export interface LogTapeSinkOptions {
  /**
   * Joins the category into the line's `logger`, as LogTape's JSON Lines formatter.
   *
   * @default {"."}
   */
  categorySeparator?: string;
}

/** The store LogTape gets for a scope, rebuilt when the request's fields or id change. */
interface StoreCache {
  version: number;
  requestId: string;
  store: LogTapeStore;
}
const stores = new WeakMap<Scope, StoreCache>();
/** LogTape's symbol-keyed state (category prefix, scoped configuration) given to `run`. */
const symbolState = new WeakMap<Scope, Record<symbol, unknown>>();

function storeOf(scope: Scope): LogTapeStore {
  const root = scope.root;
  const cached = stores.get(scope);
  if (
    cached !== undefined && cached.version === root.version && cached.requestId === root.requestId
  ) {
    return cached.store;
  }
  const store: LogTapeStore = { ...mergedFields(scope) };
  // No request (withContext outside one): LogTape records carry no request_id, as before.
  if (root.requestId !== NO_REQUEST_ID) store.request_id = root.requestId;
  for (let s: Scope | undefined = scope; s !== undefined; s = s.parent) {
    const state = symbolState.get(s);
    if (state !== undefined) {
      Object.assign(store, state);
      break;
    }
  }
  Object.freeze(store);
  stores.set(scope, { version: root.version, requestId: root.requestId, store });
  return store;
}

/**
 * The request context as LogTape's implicit context: pass it as
 * `contextLocalStorage` to LogTape's `configure`. `getStore()` gives the current
 * `request_id` and context fields (and `undefined` outside any context), so
 * every LogTape record made during a request carries them in `properties`.
 * `run(store, fn)` is what LogTape's `withContext` calls: the fields it adds
 * become a nested scope of this module, seen by `getLogger` lines too, and a
 * different safe `request_id` starts a new root context with that id.
 * Fields cannot be removed by `run`, only added or changed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure, getLogger, reset, withContext } from "@logtape/logtape";
 * import { contextLocalStorage } from "@ctx/request-context/logtape";
 * import {
 *   configureLogging,
 *   getLogger as getContextLogger,
 *   runWithContext,
 * } from "@ctx/request-context";
 *
 * const lines: string[] = [];
 * configureLogging({ sink: (line) => lines.push(line) });
 * const seen: Record<string, unknown>[] = [];
 * await configure({
 *   contextLocalStorage,
 *   sinks: { seen: (record) => seen.push(record.properties) },
 *   loggers: [{ category: ["app"], lowestLevel: "info", sinks: ["seen"] }],
 *   reset: true,
 * });
 * runWithContext({ requestId: "r-1" }, () => {
 *   withContext({ tenant: "t-1" }, () => {
 *     getLogger(["app"]).info("in LogTape"); // properties: { request_id: "r-1", tenant: "t-1" }
 *     getContextLogger("app").info("and here"); // a line with "request_id":"r-1","tenant":"t-1"
 *   });
 * });
 * await reset();
 * assert.deepEqual([seen[0].request_id, seen[0].tenant], ["r-1", "t-1"]);
 * const line = JSON.parse(lines[0]);
 * assert.deepEqual([line.request_id, line.tenant], ["r-1", "t-1"]);
 * ```
 */
export const contextLocalStorage: ContextLocalStorageLike = {
  getStore(): LogTapeStore | undefined {
    const scope = currentScope();
    return scope === undefined ? undefined : storeOf(scope);
  },
  run<R>(store: LogTapeStore, callback: () => R): R {
    const parent = currentScope();
    const current = parent === undefined ? undefined : storeOf(parent);
    const given: LogTapeStore = store !== null && typeof store === "object" ? store : {};
    const fields: Record<string, unknown> = {};
    let changed = false;
    for (const key of Object.keys(given)) {
      if (key === "request_id") continue;
      const value = given[key];
      if (current !== undefined && Object.hasOwn(current, key) && current[key] === value) continue;
      putField(fields, key, value);
      changed = true;
    }
    const rid = given.request_id;
    let scope: Scope;
    if (
      typeof rid === "string" && rid !== parent?.root.requestId && isSafeId(rid, MAX_ID_LENGTH)
    ) {
      // Another request id: a new root, as runWithContext, carrying every field given.
      const all: Record<string, unknown> = {};
      for (const key of Object.keys(given)) {
        if (key !== "request_id") putField(all, key, given[key]);
      }
      scope = rootScope(rid, all);
      scope.root.idHeader = parent?.root.idHeader;
    } else {
      const base = parent ?? rootScope(NO_REQUEST_ID);
      scope = { root: base.root, parent: base, own: changed ? fields : undefined };
    }
    const symbols = Object.getOwnPropertySymbols(given);
    if (symbols.length > 0) {
      const state: Record<symbol, unknown> = {};
      for (const sym of symbols) state[sym] = (given as Record<symbol, unknown>)[sym];
      symbolState.set(scope, state);
    }
    return storage.run(scope, callback);
  },
};

const LEVELS: Readonly<Record<string, LogLevel>> = {
  trace: "DEBUG",
  debug: "DEBUG",
  info: "INFO",
  warning: "WARN",
  error: "ERROR",
  fatal: "CRITICAL",
};

/**
 * The placeholders of a LogTape message template, in order, as LogTape's own
 * `parseMessageTemplate` finds them (`{{` and `}}` are literal braces): the k-th
 * is the name behind the message's value at index `2k + 1`.
 */
function placeholders(template: string): string[] {
  const keys: string[] = [];
  for (let i = 0; i < template.length; i++) {
    const ch = template[i];
    if (ch === "{") {
      if (template[i + 1] === "{") {
        i++;
        continue;
      }
      const close = template.indexOf("}", i + 1);
      if (close === -1) continue;
      keys.push(template.slice(i + 1, close));
      i = close;
    } else if (ch === "}" && template[i + 1] === "}") i++;
  }
  return keys;
}

/**
 * The property path a placeholder names (`user.password`, `obj?.["x"]`,
 * `list[0].token`), as the names of its steps: array indices are left out, as
 * in the serializer's dotted paths.
 */
function pathSteps(key: string): string[] {
  const steps: string[] = [];
  for (const raw of key.trim().split(/\?\.|\.|\[|\]/)) {
    const step = /^(["']).*\1$/.test(raw) ? raw.slice(1, -1) : raw;
    if (step !== "" && !/^\d+$/.test(step)) steps.push(step);
  }
  return steps;
}

/** Whether a value reached by `steps` is redacted: a step with a redacted name, or under a redacted path. */
function redactedPath(steps: readonly string[], o: SafeOptions): boolean {
  let path = "";
  for (const step of steps) {
    path = path === "" ? step : `${path}.${step}`;
    if (isRedacted(step, path, o)) return true;
  }
  return false;
}

/** `{*}`: the properties as the line's fields, each redacted by its own name and path. */
function allProperties(value: unknown, o: SafeOptions): string {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return stringifySafe(value, o) ?? "undefined";
  }
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    out[key] = isRedacted(key, key, o) ? REDACTED : toSafe(v, o, key);
  }
  return JSON.stringify(out);
}

/** Values of top-level properties under a redacted name: a message value equal to one is a secret. */
function secretValues(properties: unknown, o: SafeOptions): Set<unknown> | undefined {
  if (properties === null || typeof properties !== "object") return undefined;
  let secrets: Set<unknown> | undefined;
  for (const key of Object.keys(properties)) {
    if (!isRedacted(key, key, o)) continue;
    const v = (properties as Record<string, unknown>)[key];
    if (v !== null && typeof v !== "object" && typeof v !== "function") {
      (secrets ??= new Set()).add(v);
    }
  }
  return secrets;
}

/** `get()`, or `undefined` when it throws (a hostile record: its other parts still make the line). */
function readOr(get: () => unknown): unknown {
  try {
    return get();
  } catch {
    return undefined;
  }
}

/**
 * The message as LogTape's JSON Lines formatter renders it, values put in as
 * JSON, with the redaction of the line's fields: a value whose placeholder names
 * a redacted property (`{password}`, `{user.password}`, `{req.headers.cookie}`)
 * is `"[REDACTED]"`, an object is rendered with its redacted keys hidden, `{*}`
 * hides what the fields hide, and a value equal to a redacted property's value
 * is hidden when the template is unknown (a tagged template).
 */
function messageText(record: LogTapeRecord): string {
  const parts = record.message;
  if (!Array.isArray(parts)) return String(parts);
  if (parts.length === 1 && typeof parts[0] === "string") return parts[0];
  const safe = config().safe;
  const redacting = safe.redactKeys !== undefined || safe.redactPaths !== undefined;
  let names: string[] | undefined;
  let secrets: Set<unknown> | undefined;
  if (redacting) {
    const raw = readOr(() => record.rawMessage);
    names = typeof raw === "string" ? placeholders(raw) : undefined;
    // A template that does not line up with the values tells nothing about them.
    if (names !== undefined && names.length !== (parts.length - 1) >> 1) names = undefined;
    secrets = secretValues(readOr(() => record.properties), safe);
  }
  let text = "";
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (i % 2 === 0) {
      text += typeof part === "string" ? part : String(part);
      continue;
    }
    if (!redacting) {
      text += stringifySafe(part, safe) ?? "undefined";
      continue;
    }
    const name = names?.[(i - 1) >> 1];
    if (secrets?.has(part)) text += JSON.stringify(REDACTED);
    else if (name === undefined) text += stringifySafe(part, safe) ?? "undefined";
    else if (name.trim() === "*") text += allProperties(part, safe);
    else {
      const steps = pathSteps(name);
      text += redactedPath(steps, safe)
        ? JSON.stringify(REDACTED)
        : stringifySafe(part, safe, steps.join(".")) ?? "undefined";
    }
  }
  return text;
}

/**
 * A LogTape sink that writes each record as this module's line, through the
 * configured formatter (format, preset, redaction) and sink: `logger` is the
 * category joined with `"."`, levels map `trace`/`debug` to `DEBUG`, `warning`
 * to `WARN` and `fatal` to `CRITICAL`, the time is the record's, and the
 * record's properties become fields. Properties that are the context itself
 * (from {@linkcode contextLocalStorage}) are not written twice. LogTape's
 * `lowestLevel` decides what reaches the sink; `configureLogging`'s level does
 * not apply here.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure, getLogger, reset } from "@logtape/logtape";
 * import { configureLogging } from "@ctx/request-context";
 * import { logTapeSink } from "@ctx/request-context/logtape";
 *
 * const lines: string[] = [];
 * configureLogging({ preset: "ecs", redact: ["password"], sink: (line) => lines.push(line) });
 * await configure({
 *   sinks: { json: logTapeSink() },
 *   loggers: [{ category: [], lowestLevel: "info", sinks: ["json"] }],
 *   reset: true,
 * });
 * getLogger(["auth"]).warn("login failed", { user: "ann", password: "hunter2" });
 * await reset();
 * // {"@timestamp":"…","log.level":"WARN","log.logger":"auth",…,"password":"[REDACTED]"}
 * const line = lines.map((l) => JSON.parse(l)).find((l) => l.message === "login failed");
 * assert.deepEqual(
 *   [line["log.level"], line["log.logger"], line.password],
 *   ["WARN", "auth", "[REDACTED]"],
 * );
 * ```
 */
export function logTapeSink(options?: LogTapeSinkOptions): LogTapeSink {
  const separator = optionOr(
    "logTapeSink",
    "categorySeparator",
    options?.categorySeparator,
    isString,
    DEFAULT_SEPARATOR,
  );
  return (record: LogTapeRecord): void => {
    let level: LogLevel = "INFO";
    let logger = "";
    let message = "";
    let extra: Record<string, unknown> | undefined;
    let time: number | undefined;
    try {
      level = Object.hasOwn(LEVELS, record.level) ? LEVELS[record.level] : "INFO";
      const category = record.category;
      logger = Array.isArray(category) ? category.join(separator) : String(category);
      message = messageText(record);
      time = Number.isFinite(record.timestamp) ? record.timestamp : undefined;
      const properties = record.properties;
      const scope = currentScope();
      const context = scope === undefined ? undefined : storeOf(scope);
      if (properties !== null && typeof properties === "object") {
        for (const key of Object.keys(properties)) {
          const value = properties[key];
          // The core writes the context itself; an equal property would be a copy.
          if (context !== undefined && Object.hasOwn(context, key) && context[key] === value) {
            continue;
          }
          putField(extra ??= {}, key, value);
        }
      }
    } catch (e) {
      // A hostile record still gives a line, with what could be read and why the rest could not.
      (extra ??= {}).record_error = e;
    }
    emit(level, logger, undefined, message, extra, time);
  };
}
