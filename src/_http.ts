// Internal: the one path every HTTP request takes, whichever adapter received it:
// id intake (request id, trace context, correlation id), context, access lines,
// error line, response header.

import type { RequestContextOptions } from "./options.ts";
import { currentGenerator, isSafeId, safeGenerate } from "./ids.ts";
import { getLogger, type Logger } from "./logger.ts";
import { config } from "./config.ts";
import {
  currentScope,
  type ReportError,
  rootScope,
  type RootState,
  type Scope,
  storage,
} from "./_storage.ts";
import { intakeTrace } from "./_trace.ts";

/** Options with their defaults applied, once per adapter. */
export interface ResolvedOptions {
  /** The id header; `""` reads none and sets none. */
  header: string;
  trust: boolean;
  maxLength: number;
  /** The adapter's own generator, called with the request's subject; else the configured one. */
  generator: ((subject: never) => string) | undefined;
  logRequests: boolean;
  log: Logger;
}

/** The longest incoming id kept by default: 255, as `hono/request-id`. */
export const DEFAULT_MAX_LENGTH = 255;

/** An HTTP header name (RFC 9110 `token`). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Applies the defaults of {@linkcode RequestContextOptions}. A `headerName` that is
 * not a header name throws here, when the adapter is made, rather than on every request.
 */
export function resolveOptions<S>(options: RequestContextOptions<S> = {}): ResolvedOptions {
  const header = options.headerName ?? "X-Request-ID";
  if (typeof header !== "string" || (header !== "" && !HEADER_NAME.test(header))) {
    throw new TypeError(`headerName ${JSON.stringify(header)} is not a valid header name`);
  }
  const maxLength = options.maxLength ?? options.limitLength;
  const generator = options.generator;
  return {
    header,
    trust: options.trustIncoming ?? true,
    maxLength: typeof maxLength === "number" && maxLength > 0 ? maxLength : DEFAULT_MAX_LENGTH,
    generator: typeof generator === "function" ? generator : undefined,
    logRequests: options.logRequests ?? true,
    log: getLogger(options.logger ?? "http"),
  };
}

/**
 * What an adapter runs inside the request's context. `reportError` is for errors
 * the framework already turned into a response (Hono's `onError`): they are logged
 * like errors thrown out of `inner`, which become a 500, and each error once.
 * `nested` is true when the adapter runs inside another adapter's request and
 * reuses it: the outer one writes the access lines and answers errors.
 */
export type Inner = (
  requestId: string,
  reportError: ReportError,
  nested: boolean,
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
  if (outer?.reportError !== undefined) return reuse(outer, o, inner);
  const scope = rootScope(intakeId(request, o, subject));
  scope.root.idHeader = o.header;
  intakeTrace(request, scope.root, o.trust, o.maxLength);
  return storage.run(scope, () => run(request, o, scope, inner, host));
}

/**
 * An adapter inside another adapter's request: `inner` runs in the same context
 * and its errors go out to the outer adapter, which logs and answers them.
 */
function reuse(root: RootState, o: ResolvedOptions, inner: Inner): Promise<Response> {
  const finish = (result: unknown): Response =>
    result instanceof Response ? withHeader(result, o.header, root.requestId) : result as Response;
  let result: unknown;
  try {
    result = inner(root.requestId, root.reportError!, true);
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
): Promise<Response> {
  // Method, path and start time are read only when a line needs them: over Deno.serve each
  // is a call into the runtime, and `logRequests: false` writes no line unless a request fails.
  let method = "";
  let path = "";
  let start = 0;
  if (o.logRequests) {
    method = request.method;
    path = pathOf(request.url);
    start = performance.now();
    o.log.info(`${method} ${path}`, { method, path });
  }
  // Each error once, however many adapters or handlers see it; none that carries its own
  // response below 500 (an HTTPException for a 401): that is an answer, and the finish line
  // (WARN) says all.
  let reported: unknown[] | undefined;
  const reportError: ReportError = (error, message = "Unhandled error") => {
    if (reported?.includes(error)) return;
    (reported ??= []).push(error);
    const status = ownStatus(error);
    if (status !== undefined && status < 500) return;
    // A rejection with `undefined` still says so: JSON would drop the field.
    o.log.error(message, {
      method: o.logRequests ? method : request.method,
      path: o.logRequests ? path : pathOf(request.url),
      error: error === undefined ? "undefined" : error,
    });
  };
  scope.root.reportError = reportError;
  const fail = (error: unknown): Response => {
    reportError(error);
    return ownResponse(error) ?? errorResponse(scope.root.requestId);
  };
  const finish = (result: unknown): Response => {
    let response = result instanceof Response ? result : fail(
      new TypeError(`the handler returned ${typeName(result)} instead of a Response`),
    );
    response = withHeader(response, o.header, scope.root.requestId);
    if (o.logRequests) {
      const status = response.status;
      const duration_ms = Math.round((performance.now() - start) * 100) / 100;
      o.log.log(
        status >= 500 ? "ERROR" : status >= 400 ? "WARN" : "INFO",
        `${method} ${path} - ${status}`,
        { method, path, status_code: status, duration_ms },
      );
    }
    flushAtEnd(host);
    return response;
  };
  let result: unknown;
  try {
    result = inner(scope.root.requestId, reportError, false);
  } catch (error) {
    return settled(() => finish(fail(error)));
  }
  // A handler that answers synchronously is finished synchronously: no async frame and no
  // extra turn of the microtask queue inside the context, which costs most on Deno.
  if (result instanceof Response) return settled(() => finish(result));
  return Promise.resolve(result).then(finish, (error) => finish(fail(error)));
}

/** `fn()` as a promise, a throw as a rejection. */
function settled(fn: () => Response): Promise<Response> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
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
