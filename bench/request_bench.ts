// `deno bench` form of the per-request benchmark (avg, p75, p99 per 10 requests):
// deno bench --allow-read --allow-env --allow-sys=hostname bench/request_bench.ts
import { configureLogging } from "../mod.ts";
import { discard, fetchCases, honoCases } from "./_request_cases.ts";

configureLogging({ level: "INFO", sink: discard });
for (const [group, cases] of [["hono", honoCases()], ["fetch", fetchCases()]] as const) {
  for (const [i, c] of cases.entries()) {
    Deno.bench({
      name: `${c.name} ×10`,
      group,
      baseline: i === 0,
      fn: async () => {
        await c.run(10);
      },
    });
  }
}
