/**
 * A Cloudflare Worker with per-request context: every line logged while a
 * request is handled, and by the work it hands to `ctx.waitUntil`, carries the
 * request's id. Needs the `nodejs_als` (or `nodejs_compat`) compatibility flag:
 * see `wrangler.jsonc` beside this file.
 *
 * Run: `npx wrangler dev` in this folder, then `curl -i localhost:8787/runs/42`.
 *
 * @module
 */
import {
  getLogger,
  getRequestId,
  runWithContext,
  setContextFields,
  withRequestContext,
} from "../../mod.ts";

/** The part of Workers' `ExecutionContext` this Worker uses. */
export interface ExecutionContext {
  /** Keeps the Worker alive until `promise` settles, after the response is sent. */
  waitUntil(promise: Promise<unknown>): void;
}

const log = getLogger("runs");

/** Runs after the response; `run_id` comes from the context it was started in, not from here. */
async function audit(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 10));
  log.info("Audit entry written");
}

/** The Worker: GET /runs/:id answers with the run; an audit entry is written after the response. */
export default {
  fetch: withRequestContext((request: Request, _env: unknown, ctx: ExecutionContext) => {
    const runId = new URL(request.url).pathname.split("/")[2];
    if (!runId) return new Response("not found", { status: 404 });
    setContextFields({ run_id: runId });
    log.info("Loading run");
    // Keeps this request's id: the promise is created inside the request's context.
    ctx.waitUntil(audit());
    // A job of its own, with an id of its own, that records which request started it.
    const fields = { run_id: runId, started_by: getRequestId() };
    ctx.waitUntil(runWithContext({ fields }, audit));
    return Response.json({ run_id: runId });
  }),
};
