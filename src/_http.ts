// Internal: the one path every HTTP request takes, whichever adapter received it:
// id intake (request id, trace context, correlation id), context, access lines,
// error line, response header.

import type { AccessLog, RequestContextOptions } from "./options.ts";
import { isSafeId } from "./ids.ts";
import { currentGenerator, safeGenerate } from "./_ids.ts";
import { getLogger, type Logger } from "./logger.ts";
import { send } from "./_emit.ts";
import { config, type ResolvedConfig } from "./_config.ts";
import { LOG_LEVELS, type LogLevel } from "./levels.ts";
import { describeThrown, jsonString } from "./_serialize.ts";
import { accessLine } from "./_format.ts";
import {
  endRequest,
  type Hold,
  holdFor,
  needsDuration,
  release,
  type RequestState,
} from "./_signal.ts";
import { currentScope, rootScope, type RootState, type Scope, storage } from "./_storage.ts";
import { intakeTrace, spanSource } from "./_trace.ts";
import {
  isBoolean,
  isFunction,
  isObject,
  isOneOf,
  isPositive,
  isString,
  optionOr,
} from "./_invalid.ts";

/** Options with their defaults applied, once per adapter. */
export interface ResolvedOptions {
  /** The id header; `""` reads none and sets none. */
  header: string;
  trust: boolean;
  maxLength: number;
  /** The adapter's own generator, called with the request's subject; else the configured one. */
  generator: ((subject: never) => string) | undefined;
  /** Which access lines are written; `logRequests` is `accessLog !== "none"`. */
  accessLog: AccessLog;
  logRequests: boolean;
  /** The adapter's `skip`, called with the request's subject. */
  skip: ((subject: never) => boolean) | undefined;
  accessLevel: ((status: number) => LogLevel) | undefined;
  log: Logger;
}

/**
 * The defaults of {@linkcode RequestContextOptions}, each declared here once; the options'
 * `@default` tags and docs/configuration.md say the same (tests/defaults.test.ts).
 */
export const REQUEST_CONTEXT_DEFAULTS = {
  headerName: "X-Request-ID",
  trustIncoming: true,
  /** The longest incoming id kept: 255, as `hono/request-id`. */
  maxLength: 255,
  logRequests: true,
  accessLog: "both",
  logger: "http",
} as const satisfies { accessLog: AccessLog; [option: string]: unknown };

type R = ResolvedOptions;

const isAccessLog = isOneOf<AccessLog>("both", "finish", "none");

/** An HTTP header name (RFC 9110 `token`). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Applies the defaults of {@linkcode RequestContextOptions}. A `headerName` that is
 * not a header name throws here, when the adapter is made, rather than on every request.
 */
export function resolveOptions<S>(
  given: RequestContextOptions<S> | undefined,
  owner: string,
): ResolvedOptions {
  const d = REQUEST_CONTEXT_DEFAULTS;
  const options: RequestContextOptions<S> = optionOr(
    owner,
    "options",
    given,
    isObject,
    {},
  );
  const header = options.headerName ?? d.headerName;
  if (typeof header !== "string" || (header !== "" && !HEADER_NAME.test(header))) {
    throw new TypeError(`headerName ${JSON.stringify(header)} is not a valid header name`);
  }
  const maxLength = options.maxLength === undefined
    ? optionOr(owner, "limitLength", options.limitLength, isPositive, d.maxLength)
    : optionOr(owner, "maxLength", options.maxLength, isPositive, d.maxLength);
  const logRequests = optionOr(owner, "logRequests", options.logRequests, isBoolean, d.logRequests);
  const accessLog = optionOr(
    owner,
    "accessLog",
    options.accessLog,
    isAccessLog,
    logRequests ? d.accessLog : "none",
  );
  return {
    header,
    trust: optionOr(owner, "trustIncoming", options.trustIncoming, isBoolean, d.trustIncoming),
    maxLength,
    generator: optionOr<R["generator"]>(
      owner,
      "generator",
      options.generator,
      isFunction,
      undefined,
    ),
    accessLog,
    logRequests: accessLog !== "none",
    skip: optionOr<R["skip"]>(owner, "skip", options.skip, isFunction, undefined),
    accessLevel: optionOr<R["accessLevel"]>(
      owner,
      "accessLevel",
      options.accessLevel,
      isFunction,
      undefined,
    ),
    log: getLogger(optionOr(owner, "logger", options.logger, isString, d.logger)),
  };
}

/**
 * What an adapter runs inside the request's context. `nested` is true when the adapter
 * runs inside another adapter's request and reuses it: the outer one writes the access
 * lines and answers errors. `state` takes what the adapter learns for the finish line
 * (Hono's route), and its `report` the errors the framework already turned into a
 * response (Hono's `onError`): they are logged like errors thrown out of `inner`, which
 * become a 500, and each error once.
 */
export type Inner = (
  requestId: string,
  nested: boolean,
  state: RequestState,
) => Response | Promise<Response>;

/**
 * The incoming id when it is safe to keep, else a new one (the adapter's generator
 * gets `subject`: the `Request`, or Hono's `Context`). The raw value goes nowhere else.
 */
export function intakeId(request: Request, o: ResolvedOptions, subject: unknown): string {
  if (o.trust && o.header !== "") {
    const incoming = request.headers.get(o.header);
    if (incoming !== null && isSafeId(incoming, o.maxLength)) return incoming;
  }
  return o.generator === undefined
    ? safeGenerate(currentGenerator())
    : safeGenerate(o.generator as (subject: unknown) => string, subject);
}

/**
 * Runs one request through the shared path and returns the response to send.
 * Inside a request another adapter already runs (a Hono sub-app with its own
 * middleware, a wrapped handler called from Hono, Hono behind the Fetch wrapper),
 * the request is reused: one id, one pair of access lines, errors logged once.
 */
export function handleRequest(
  request: Request,
  o: ResolvedOptions,
  inner: Inner,
  host?: () => unknown,
  subject: unknown = request,
): Promise<Response> {
  const outer = currentScope()?.root;
  // A request that already answered is over: an adapter called in its context starts its own.
  if (outer?.request !== undefined && !outer.request.ended) {
    return reuse(outer, outer.request, o, inner);
  }
  const scope = rootScope(intakeId(request, o, subject));
  scope.root.idHeader = o.header;
  intakeTrace(request, scope.root, o.trust, o.maxLength);
  return storage.run(scope, () => run(request, o, scope, inner, host, subject));
}

/**
 * An adapter inside another adapter's request: `inner` runs in the same context
 * and its errors go out to the outer adapter, which logs and answers them.
 */
function reuse(
  root: RootState,
  state: RequestState,
  o: ResolvedOptions,
  inner: Inner,
): Promise<Response> {
  const finish = (result: unknown): Response =>
    result instanceof Response ? withHeader(result, o.header, root.requestId) : result as Response;
  let result: unknown;
  try {
    result = inner(root.requestId, true, state);
  } catch (error) {
    return Promise.reject(error);
  }
  if (result instanceof Response) return Promise.resolve(finish(result));
  return Promise.resolve(result).then(finish);
}

/**
 * The status of an error that carries its own response, as Hono's `HTTPException`
 * does (`getResponse()` and a numeric `status`); `undefined` for any other error.
 */
function ownStatus(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  try {
    const e = error as { getResponse?: unknown; status?: unknown };
    return typeof e.getResponse === "function" && typeof e.status === "number"
      ? e.status
      : undefined;
  } catch {
    return undefined;
  }
}

/** The response an error carries (see {@linkcode ownStatus}), if it gives one. */
function ownResponse(error: unknown): Response | undefined {
  if (ownStatus(error) === undefined) return undefined;
  try {
    const response: unknown = (error as { getResponse: () => unknown }).getResponse();
    return response instanceof Response ? response : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Flushes a sink that asks for it after each request (a buffered sink), handing
 * the promise to `waitUntil` of what `host` returns (Workers' `ctx`), if it has one.
 */
function flushAtEnd(host: (() => unknown) | undefined): void {
  const sink = config().sink;
  if (!sink.flushOnRequestEnd) return;
  const done = sink.flush();
  try {
    const ctx = host?.() as { waitUntil?: unknown } | undefined;
    if (typeof ctx?.waitUntil === "function") ctx.waitUntil(done);
  } catch {
    // no ExecutionContext (Hono outside Workers throws here): the flush runs anyway
  }
}

function run(
  request: Request,
  o: ResolvedOptions,
  scope: Scope,
  inner: Inner,
  host: (() => unknown) | undefined,
  subject: unknown,
): Promise<Response> {
  const root = scope.root;
  const f = new Flight(request, o, config(), scope, subject);
  let result: unknown;
  try {
    result = inner(root.requestId, false, f);
  } catch (error) {
    return settle(f, error, true, host);
  }
  // A handler that answers synchronously is finished synchronously: no async frame and no
  // extra turn of the microtask queue inside the context, which costs most on Deno.
  if (result instanceof Response) return settle(f, result, false, host);
  return Promise.resolve(result).then(
    (response) => f.finish(response, host),
    (error) => f.finish(f.fail(error), host),
  );
}

/** The finish of a request that ended synchronously, as a promise; a throw as a rejection. */
function settle(
  f: Flight,
  outcome: unknown,
  thrown: boolean,
  host: (() => unknown) | undefined,
): Promise<Response> {
  try {
    return Promise.resolve(f.finish(thrown ? f.fail(outcome) : outcome, host));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * One request on the shared path, from its start line to its finish line: its
 * {@linkcode RequestState}, which the request's root holds. The context holds the root, so
 * this keeps only what the lines need, and lets go of the `Request` when the request ends:
 * on Deno the context's value sits in a WeakMap (Deno's `AsyncVariable`), whose values the
 * young-generation collector copies, and what they reach is copied with them for every
 * request, answered or not. A `Request` reachable from there cost a busy server a third of the
 * request path's time (bench/NOTES.md).
 */
class Flight implements RequestState {
  readonly o: ResolvedOptions;
  readonly cfg: ResolvedConfig;
  readonly root: RootState;
  /**
   * The request's root scope: the current one wherever an access line is written (its start,
   * and its finish, which runs in the context its promise was made in).
   */
  readonly scope: Scope;
  readonly skipped: boolean;
  // RequestState
  annotations: Record<string, unknown> | undefined = undefined;
  warnCount = 0;
  readonly logger: string;
  hold: Hold | undefined;
  ended = false;
  route: string | undefined = undefined;
  /** Read when the request starts if a line needs them, else at its first error. */
  method = "";
  path = "";
  /**
   * The JSON text of the fields every access line starts with (method, path), while it runs;
   * `undefined` when they cannot fit in a line (the general path cuts them, unescaped beyond
   * what fits) or once the request ended.
   */
  startText: string | undefined = undefined;
  /** The request, while it runs and only while its method and path may still be needed. */
  request: Request | undefined = undefined;
  start = 0;
  /** A skipped request's start line waits, with its own time, and is written only if it fails. */
  pendingStart = 0;
  /** The first failure, for the finish line. */
  failed = false;
  failure: unknown = undefined;
  /** The errors logged, each once however many adapters or handlers see it. */
  reported: unknown[] | undefined = undefined;

  constructor(
    request: Request,
    o: ResolvedOptions,
    cfg: ResolvedConfig,
    scope: Scope,
    subject: unknown,
  ) {
    const root = scope.root;
    this.o = o;
    this.cfg = cfg;
    this.scope = scope;
    this.root = root;
    this.logger = o.log.name;
    this.hold = holdFor(root, cfg.signal);
    root.request = this;
    // `skip` runs inside the request, as its lines and annotations do.
    const skipped = this.skipped = o.skip !== undefined && skips(o.skip, subject);
    // Method, path and start time are read only when a line needs them: over Deno.serve each
    // is a call into the runtime, and `"none"` writes no line unless a request fails.
    if (o.logRequests || needsDuration(cfg.signal)) this.start = performance.now();
    if (!o.logRequests) {
      this.request = request;
      return;
    }
    this.method = request.method;
    this.path = pathOf(request.url);
    if (this.method.length + this.path.length <= cfg.maxLineLength) {
      this.startText = `,"method":${jsonString(this.method)},"path":${jsonString(this.path)}`;
    }
    if (o.accessLog === "both") {
      if (skipped) this.pendingStart = Date.now();
      else this.access("INFO", `${this.method} ${this.path}`, undefined, undefined);
    }
  }

  /** Writes the start line a skipped request held back. */
  writeStart(): void {
    if (this.pendingStart === 0) return;
    const time = this.pendingStart;
    this.pendingStart = 0;
    this.access("INFO", `${this.method} ${this.path}`, undefined, undefined, time);
  }

  /**
   * Logs an error of the request, once; none that carries its own response below 500 (an
   * HTTPException for a 401): that is an answer, and the finish line (WARN) says all.
   */
  report(error: unknown, message = "Unhandled error"): void {
    if (this.reported?.includes(error)) return;
    (this.reported ??= []).push(error);
    const status = ownStatus(error);
    if (status !== undefined && status < 500) return;
    if (!this.failed) {
      this.failed = true;
      this.failure = error;
    }
    this.writeStart();
    // The request's held lines come before its error line, whatever the error line's level.
    release(this, this.root, this.cfg, true, true);
    const request = this.request;
    if (request !== undefined) {
      this.request = undefined;
      this.method = request.method;
      this.path = pathOf(request.url);
    }
    // A rejection with `undefined` still says so: JSON would drop the field.
    this.o.log.error(message, {
      method: this.method,
      path: this.path,
      error: error === undefined ? "undefined" : error,
    });
  }

  /** Logs an error that ends the request, and answers it. */
  fail(error: unknown): Response {
    this.report(error);
    return ownResponse(error) ?? errorResponse(this.root.requestId);
  }

  /** The response to send, with its header; writes the finish line. */
  finish(result: unknown, host: (() => unknown) | undefined): Response {
    const { o, root } = this;
    let response = result instanceof Response ? result : this.fail(
      new TypeError(`the handler returned ${typeName(result)} instead of a Response`),
    );
    this.request = undefined;
    response = withHeader(response, o.header, root.requestId);
    const status = response.status;
    const elapsed = this.start === 0 ? 0 : performance.now() - this.start;
    endRequest(this, root, this.cfg, status, elapsed, this.failed);
    if (o.logRequests && (!this.skipped || this.failed || status >= 500)) {
      this.writeStart();
      this.access(
        finishLevel(o, status),
        `${this.method} ${this.path} - ${status}`,
        status,
        Math.round(elapsed * 100) / 100,
      );
    }
    // What served the access lines is let go (see the class notes); what runs later in the
    // context renders it again. With no held lines to weigh, nothing needs this state once
    // the request ended (`ended`: an adapter called later starts a request of its own).
    this.startText = undefined;
    this.pendingStart = 0; // a skipped request that ended well: its start line is never written
    this.scope.rendered = undefined;
    if (this.hold === undefined && root.request === this) root.request = undefined;
    flushAtEnd(host);
    return response;
  }

  /**
   * Writes an access line of the adapter's logger, at `level` when the level lets it: the
   * start line, or with `status` the finish line. A line below WARN, with no annotations, no
   * held lines, no error and no active span to weigh, is assembled by `accessLine` from its
   * fields' text when the configuration allows: the same line as the general path's, for a
   * fraction of its work.
   */
  access(
    level: LogLevel,
    message: string,
    status: number | undefined,
    durationMs: number | undefined,
    time?: number,
  ): void {
    const cfg = config();
    const weight = LOG_LEVELS[level];
    if (weight < cfg.threshold) return;
    const name = this.logger;
    const annotations = status === undefined ? undefined : this.annotations;
    const start = this.startText;
    if (
      start !== undefined && weight < LOG_LEVELS.WARN && annotations === undefined &&
      this.hold === undefined && !this.failed && spanSource === undefined
    ) {
      let line: string | undefined;
      try {
        const route = this.route;
        const text = status === undefined
          ? start
          : `${start}${
            route === undefined ? "" : `,"route":${jsonString(route)}`
          },"status_code":${status},"duration_ms":${durationMs},"warn_count":${this.warnCount}`;
        line = accessLine(cfg, this.scope, level, name, message, text, time ?? Date.now());
      } catch {
        line = undefined; // the general path writes it, or its fallback line
      }
      if (line !== undefined) return void cfg.sink.write(line, level);
    }
    const fields: Record<string, unknown> = { method: this.method, path: this.path };
    if (status !== undefined) {
      if (this.route !== undefined) fields.route = this.route;
      fields.status_code = status;
      fields.duration_ms = durationMs;
      fields.warn_count = this.warnCount;
      // Flat, not an `error` object: the error line is the one line that carries the error.
      if (this.failed) errorFields(fields, this.failure);
    }
    send(level, name, fields, message, annotations, false, time, true);
  }
}

/** The `skip` predicate's answer; one that throws skips nothing. */
function skips(skip: (subject: never) => boolean, subject: unknown): boolean {
  try {
    return (skip as (subject: unknown) => boolean)(subject) === true;
  } catch {
    return false;
  }
}

/** The finish line's level: `accessLevel`'s answer when it is a level, else by status. */
function finishLevel(o: ResolvedOptions, status: number): LogLevel {
  if (o.accessLevel !== undefined) {
    try {
      const level = o.accessLevel(status);
      if (typeof level === "string" && Object.hasOwn(LOG_LEVELS, level)) return level;
    } catch {
      // the default below
    }
  }
  return status >= 500 ? "ERROR" : status >= 400 ? "WARN" : "INFO";
}

/** The name and message of what a failed request threw, as `error_name` and `error_message`. */
function errorFields(fields: Record<string, unknown>, error: unknown): void {
  try {
    if (error instanceof Error) {
      fields.error_name = String(error.name);
      fields.error_message = String(error.message);
      return;
    }
  } catch {
    // a hostile error: described below
  }
  fields.error_name = typeName(error);
  fields.error_message = describeThrown(error);
}

/** The 500 answer to an error the handler did not catch. */
function errorResponse(requestId: string): Response {
  return new Response(JSON.stringify({ error: "Internal Server Error", request_id: requestId }), {
    status: 500,
    headers: { "content-type": "application/json" },
  });
}

/**
 * `response` with the id header set (none when `name` is `""`). A response with immutable headers (from
 * `fetch()`, `Response.redirect()`) is copied, its body still streaming; a
 * `101 Switching Protocols` (WebSocket upgrade) is passed through untouched.
 */
export function withHeader(response: Response, name: string, requestId: string): Response {
  if (response.status === 101 || name === "") return response;
  try {
    response.headers.set(name, requestId);
    return response;
  } catch {
    try {
      const copy = new Response(response.body, response);
      copy.headers.set(name, requestId);
      return copy;
    } catch {
      return response;
    }
  }
}

/** The path of a URL, without query or fragment (they may carry secrets). */
export function pathOf(url: string): string {
  const scheme = url.indexOf("://");
  const start = scheme < 0 ? 0 : url.indexOf("/", scheme + 3);
  if (start < 0) return "/";
  let end = url.indexOf("?", start);
  if (end < 0) end = url.length;
  const hash = url.indexOf("#", start);
  if (hash >= 0 && hash < end) end = hash;
  return url.slice(start, end);
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  try {
    return value.constructor?.name ?? "an object";
  } catch {
    return "an object";
  }
}
