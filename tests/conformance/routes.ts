/**
 * The conformance app's routes, written once against the public API and
 * mounted both behind `withRequestContext` and behind the Hono middleware.
 *
 * @module
 */
import {
  getContext,
  getLogger,
  getRequestId,
  propagationHeaders,
  runWithContext,
  setContextFields,
  withContext,
  withRequestContext,
} from "../../mod.ts";
import { linesContaining } from "./capture.ts";

/** What a route gets besides the request. */
export interface RouteEnv {
  /** Keeps background work alive after the response (Workers' `ctx.waitUntil`), when there is one. */
  waitUntil?: (promise: Promise<unknown>) => void;
}

/** A route of the conformance app. */
export type Route = (request: Request, env: RouteEnv) => Response | Promise<Response>;

const log = getLogger("conformance");
let inFlight = 0;
let maxInFlight = 0;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function randomSleep(): Promise<void> {
  return sleep(Math.floor(Math.random() * 8));
}

/** Which runtime this code runs on, told by its own globals. */
export function detectRuntime(): string {
  const g = globalThis as Record<string, unknown>;
  if (typeof g.Deno === "object") return "deno";
  if (typeof g.Bun === "object") return "bun";
  const nav = g.navigator as { userAgent?: string } | undefined;
  if (nav?.userAgent === "Cloudflare-Workers") return "workerd";
  const proc = g.process as { versions?: { node?: string } } | undefined;
  return proc?.versions?.node ? "node" : "unknown";
}

/** Waits (polling, at most 3 s) until `count` `/ctx` requests are in flight together. */
async function gate(count: number): Promise<void> {
  const deadline = Date.now() + 3_000;
  while (inFlight < count && Date.now() < deadline) await sleep(2);
}

/**
 * Isolation probe: waits until `X-Gate` requests overlap, then reads the id at
 * many await points and logs each step with the id the client sent.
 */
async function ctx(request: Request): Promise<Response> {
  const expect = request.headers.get("x-expect") ?? "";
  inFlight++;
  maxInFlight = Math.max(maxInFlight, inFlight);
  const seen: string[] = [getRequestId()];
  try {
    log.info("ctx step", { expect, step: 0 });
    await gate(Number(request.headers.get("x-gate") ?? 0));
    await randomSleep();
    seen.push(getRequestId());
    await withContext({ scope: "inner" }, async () => {
      await randomSleep();
      seen.push(getRequestId());
      log.info("ctx step", { expect, step: 1 });
    });
    const branches = await Promise.all([0, 1].map(async () => {
      await randomSleep();
      return getRequestId();
    }));
    seen.push(...branches);
    seen.push(await new Promise<string>((resolve) => setTimeout(() => resolve(getRequestId()), 1)));
    await Promise.resolve();
    seen.push(getRequestId());
    log.info("ctx step", { expect, step: 2 });
  } finally {
    inFlight--;
  }
  return Response.json({ seen });
}

/** Nested `withContext` scopes: fields add up inside and are gone once a scope returns. */
async function nested(): Promise<Response> {
  const fieldsAt: Record<string, unknown>[] = [];
  const snap = () => fieldsAt.push({ ...(getContext()?.fields ?? {}) });
  await withContext({ outer: "o1" }, async () => {
    log.info("in outer");
    snap();
    await withContext({ inner: "i1" }, async () => {
      await sleep(1);
      log.info("in inner");
      snap();
    });
    log.info("back in outer");
    snap();
  });
  log.info("after scopes");
  snap();
  return Response.json({ fieldsAt });
}

/** `setContextFields` inside the request; the finish line must carry the fields. */
async function fields(): Promise<Response> {
  await sleep(1);
  const applied = setContextFields({ user_id: "u-42", plan: "pro" });
  log.info("fields set");
  return Response.json({ applied });
}

/**
 * A client's JSON (here from the `x-fields` header, as a body would be) handed to
 * `setContextFields` as it is: its keys are data, `__proto__` included, and the
 * headers sent downstream come only from the context's own fields.
 */
function jsonFields(request: Request): Response {
  const applied = setContextFields(JSON.parse(request.headers.get("x-fields") ?? "{}"));
  log.info("json fields set");
  return Response.json({ applied, sent: propagationHeaders() });
}

/** A handler wrapped by `withRequestContext` of its own, run inside the app's adapter: it reuses the request. */
const nestedAdapter: Route = withRequestContext(() => {
  log.info("nested handler");
  return Response.json({ id: getRequestId() });
});

/** An error that carries its own response (as Hono's `HTTPException` does), below 500. */
class Refused extends Error {
  readonly status = 401;
  getResponse(): Response {
    return new Response("refused", { status: 401 });
  }
}

/** Throws an error that carries its own 401: an answer, not an error to log. */
function refused(): Response {
  log.info("refusing");
  throw new Refused("no token");
}

/** Throws after an await: the adapters must answer 500 and log the error once. */
async function error(): Promise<Response> {
  await sleep(1);
  log.info("about to fail");
  throw new Error("conformance boom");
}

/**
 * Background work: a job with its own id through `runWithContext`, and a task
 * that outlives the response (through `waitUntil` where there is one) and keeps
 * the request's id.
 */
function background(request: Request, env: RouteEnv): Response {
  const expect = request.headers.get("x-expect") ?? "";
  const job = runWithContext(
    { requestId: `job-${expect}`, fields: { job: "reindex" } },
    async () => {
      await sleep(5);
      log.info("background job done", { parent: expect });
    },
  );
  const late = (async () => {
    await sleep(20);
    log.info("late task done", { expect });
  })();
  env.waitUntil?.(Promise.all([job, late]));
  return Response.json({ outside: getRequestId() });
}

/** A `setTimeout` callback logs with the request's id. */
async function timer(): Promise<Response> {
  const seen = await new Promise<string>((resolve) =>
    setTimeout(() => {
      log.info("timer fired");
      resolve(getRequestId());
    }, 30)
  );
  return Response.json({ seen });
}

/** A streamed body whose `pull()` reads the id for each chunk. */
function stream(): Response {
  let n = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await sleep(2);
      log.info("chunk", { n });
      controller.enqueue(new TextEncoder().encode(`${getRequestId()}\n`));
      if (++n === 5) controller.close();
    },
  });
  return new Response(body, { headers: { "content-type": "text/plain" } });
}

/**
 * CPU-only work, a fixed amount of it (a loop that watched the clock would never
 * end on Workers, whose clock stands still until the next I/O): `duration_ms` may be 0 there.
 */
function cpu(): Response {
  let x = 0;
  for (let i = 0; i < 5_000_000; i++) x += Math.sqrt(i);
  return Response.json({ x: x > 0 });
}

/**
 * Three DEBUG lines, held by the request buffer, then (with `?fail=1`) an error: the held
 * lines are written before the error line, and never for a request that succeeds.
 */
async function held(request: Request): Promise<Response> {
  for (let i = 0; i < 3; i++) {
    log.debug("held step", { i });
    await sleep(1);
  }
  if (new URL(request.url).searchParams.has("fail")) throw new Error("held boom");
  return Response.json({ held: 3 });
}

/** A health check the apps `skip`: 200, or 503 with `?down=1`. */
function health(request: Request): Response {
  const down = new URL(request.url).searchParams.has("down");
  return new Response(down ? "down" : "ok", { status: down ? 503 : 200 });
}

/** Test plumbing: captured lines containing `q` (JSON array of strings). */
function logs(request: Request): Response {
  const q = new URL(request.url).searchParams.get("q") ?? "";
  return Response.json(q ? linesContaining(q) : []);
}

/** Test plumbing: where the app runs, and the highest number of concurrent `/ctx` requests seen. */
function info(request: Request): Response {
  if (new URL(request.url).searchParams.has("reset")) maxInFlight = 0;
  return Response.json({ runtime: detectRuntime(), maxInFlight });
}

/** The routes, by path. */
export const routes: Record<string, Route> = {
  "/ping": () => new Response("pong"),
  "/ctx": ctx,
  "/nested": nested,
  "/fields": fields,
  "/json-fields": jsonFields,
  "/error": error,
  "/nested-adapter": nestedAdapter,
  "/refused": refused,
  "/background": background,
  "/timer": timer,
  "/stream": stream,
  "/cpu": cpu,
  "/held": held,
  "/health": health,
  "/__logs": logs,
  "/__info": info,
};
