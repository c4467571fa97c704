// `deno bench` form of the logger throughput benchmark (avg, p75, p99 per 100 calls):
// deno bench --allow-read --allow-env --allow-sys=hostname --allow-write=/dev/null bench/logger_bench.ts
import { pino } from "pino";
import { configureLogging, fdSink } from "../mod.ts";
import { DEV_NULL, syncCases } from "./_logger_cases.ts";

const sink = fdSink(DEV_NULL);
configureLogging({ level: "INFO", sink });
const cases = await syncCases(sink, pino.destination({ dest: DEV_NULL, sync: true }));
for (const [i, c] of cases.entries()) {
  Deno.bench({
    name: `${c.name} ×100`,
    group: "logger",
    baseline: i === 0,
    fn: () => void c.run(100),
  });
}
