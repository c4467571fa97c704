/**
 * A Hono app with the `requestContext()` middleware: `c.get("requestId")` is
 * typed, and every line written while a request is handled carries its id.
 *
 * Run: `deno run --allow-net=127.0.0.1 --allow-env examples/hono_app.ts`, then
 * `curl -i localhost:8000/runs/42` (needs `npm install` first, for hono).
 *
 * @module
 */
import { Hono } from "hono";
import { getLogger, setContextFields } from "../mod.ts";
import { requestContext, type RequestContextVariables } from "../middleware/hono.ts";

const log = getLogger("runs");

/** The app: GET /runs/:id answers with the run and the request id, /fail throws. */
export const app: Hono<{ Variables: RequestContextVariables }> = new Hono<
  { Variables: RequestContextVariables }
>();

app.use(requestContext());

app.get("/runs/:id", (c) => {
  setContextFields({ user_id: "abc123" });
  log.info("Loading run", { run_id: c.req.param("id") });
  return c.json({ run_id: c.req.param("id"), request_id: c.get("requestId") });
});

app.get("/fail", () => {
  throw new Error("database connection lost");
});

app.onError((err, c) => c.json({ error: err.message, request_id: c.get("requestId") }, 500));

if (import.meta.main) {
  Deno.serve({ hostname: "127.0.0.1", port: 8000 }, app.fetch);
}
