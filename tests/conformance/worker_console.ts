/**
 * A Worker that keeps the module's default sink (`configureLogging` sets only the level)
 * and reports what each log line handed to the console: the method of its level and an
 * object, which is what Workers Logs indexes. `/print` writes one line per level to the
 * real console, for the test to read workerd's own output (what `wrangler dev` shows).
 *
 * @module
 */
import { configureLogging, getLogger, type LogLevel, withRequestContext } from "../../mod.ts";

configureLogging({ level: "DEBUG" });
const log = getLogger("probe");
const LEVELS: LogLevel[] = ["DEBUG", "INFO", "WARN", "ERROR", "CRITICAL"];
const METHODS = ["log", "debug", "info", "warn", "error"] as const;

function probe(request: Request): Response {
  if (new URL(request.url).pathname === "/print") {
    for (const level of LEVELS) {
      log.log(level, `print-${level}`, { user_id: 7, nested: { a: [1] } });
    }
    return new Response("printed");
  }
  const calls: { method: string; args: unknown[] }[] = [];
  const console_ = console as unknown as Record<string, (...args: unknown[]) => void>;
  const originals = METHODS.map((m) => console_[m]);
  for (const m of METHODS) console_[m] = (...args: unknown[]) => calls.push({ method: m, args });
  try {
    for (const level of LEVELS) log.log(level, "probe line", { user_id: 7 });
  } finally {
    METHODS.forEach((m, i) => (console_[m] = originals[i]));
  }
  return Response.json(calls.map(({ method, args }) => ({
    method,
    count: args.length,
    type: typeof args[0],
    value: args[0],
  })));
}

export default { fetch: withRequestContext(probe, { logRequests: false }) };
