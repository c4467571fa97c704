// Per-request overhead, in process (no network): a Hono app through app.request() and a Fetch
// handler called directly, bare and with each contender. Runs on Deno and Node (tsx); the
// contenders are in bench/_request_cases.ts. The added cost of a contender is its time per
// request minus the bare time of the same run.
import { configureLogging } from "../mod.ts";
import { compare, report } from "./_harness.ts";
import { discard, fetchCases, honoCases } from "./_request_cases.ts";

configureLogging({ level: "INFO", sink: discard });
report("request-hono", await compare(honoCases()));
report("request-fetch", await compare(fetchCases()));
configureLogging({});
