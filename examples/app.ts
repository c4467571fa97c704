/**
 * The example app, a Fetch handler wrapped with `withRequestContext`: every line
 * it writes while it handles a request carries that request's `request_id`, and
 * so does the background job it starts, under an id of its own. The same handler
 * is served by `deno_serve.ts` (Deno.serve), `bun.ts` (Bun.serve) and `node.ts`
 * (@hono/node-server), and by the demo.
 *
 * @module
 */
import {
  getLogger,
  getRequestId,
  runWithContext,
  setContextFields,
  withContext,
  withRequestContext,
} from "../mod.ts";

const log = getLogger("runs");
const jobs = getLogger("jobs");

/** Background jobs started by requests, so a caller can wait for them. */
export const pending = new Set<Promise<void>>();

async function createRun(groupId: string): Promise<string> {
  log.info("Creating run", { group_id: groupId });
  await new Promise((resolve) => setTimeout(resolve, 5)); // the database
  const runId = `run-${crypto.randomUUID().slice(0, 8)}`;
  log.info("Run created successfully", { run_id: runId });
  return runId;
}

function sendWelcomeEmail(runId: string): void {
  const startedBy = getRequestId();
  const job = runWithContext(
    { fields: { job: "welcome-email", started_by: startedBy } },
    async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      jobs.info("Email sent", { run_id: runId });
    },
  );
  pending.add(job);
  job.finally(() => pending.delete(job));
}

/** The app: POST /runs/create creates a run, /fail throws, anything else is a 404. */
export const handler: (request: Request) => Promise<Response> = withRequestContext(
  async (request) => {
    const { pathname } = new URL(request.url);
    if (request.method === "POST" && pathname === "/runs/create") {
      setContextFields({ user_id: "abc123" }); // after authentication: on every later line
      const runId = await withContext({ step: "create" }, () => createRun("def456"));
      sendWelcomeEmail(runId);
      return Response.json({ run_id: runId }, { status: 201 });
    }
    if (pathname === "/fail") {
      log.warn("About to call a flaky dependency");
      throw new Error("database connection lost");
    }
    return new Response("not found", { status: 404 });
  },
);
