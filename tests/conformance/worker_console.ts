/**
 * A Worker that keeps the module's default sink (no `configureLogging`) and
 * reports what one log line handed to `console.log`: what Workers Logs gets.
 *
 * @module
 */
import { getLogger, withRequestContext } from "../../mod.ts";

const log = getLogger("probe");

function probe(): Response {
  const calls: unknown[][] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => calls.push(args);
  try {
    log.info("probe line", { user_id: 7 });
  } finally {
    console.log = original;
  }
  return Response.json(calls.map((args) => ({ type: typeof args[0], value: args[0] })));
}

export default { fetch: withRequestContext(probe, { logRequests: false }) };
