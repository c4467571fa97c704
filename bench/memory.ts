// Memory: a million requests through the Fetch wrapper in one process, the wrapped handler called
// directly. Reports the heap after GC before and after (target: grows by at most 5 MB) and
// whether any request's context outlived it: every scope is registered with a
// FinalizationRegistry, and a sample of them is held through WeakRefs.
//
// Needs a callable gc: `node --expose-gc --import tsx` or `deno run --v8-flags=--expose-gc`.
import { configureLogging, getLogger, withRequestContext } from "../mod.ts";
import { currentScope } from "../src/_storage.ts";
import { runtime, smoke } from "./_harness.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc (Deno: --v8-flags=--expose-gc)");
const total = smoke() ? 2_000 : 1_000_000;
const warmup = smoke() ? 200 : 20_000;
const SAMPLE_EVERY = Math.max(1, Math.floor(total / 1000));

let created = 0;
let finalized = 0;
const registry = new FinalizationRegistry<number>(() => finalized++);
const sample: WeakRef<object>[] = [];

configureLogging({ level: "INFO", sink: () => {} });
const log = getLogger("app");
const handler = withRequestContext((request: Request) => {
  const scope = currentScope()!;
  registry.register(scope, 0);
  if (created++ % SAMPLE_EVERY === 0) sample.push(new WeakRef(scope));
  log.info("handled", { path: request.url.length });
  return new Response("ok");
});

function heapUsed(): number {
  const g = globalThis as {
    process?: { memoryUsage(): { heapUsed: number } };
    Deno?: { memoryUsage(): { heapUsed: number } };
  };
  return (g.Deno ?? g.process)!.memoryUsage().heapUsed;
}

async function settledHeap(): Promise<number> {
  // Let WeakRefs and finalizers run: they need turns of the event loop between collections.
  for (let i = 0; i < 6; i++) {
    gc!();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return heapUsed();
}

async function requests(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const response = await handler(new Request(`http://localhost/items/${i}`));
    await response.body?.cancel();
  }
}

await requests(warmup);
const before = await settledHeap();
const startedAt = performance.now();
await requests(total);
const seconds = (performance.now() - startedAt) / 1000;
const after = await settledHeap();
const alive = sample.filter((ref) => ref.deref() !== undefined).length;
const growthMB = (after - before) / 1024 / 1024;
const results = {
  requests: total,
  seconds,
  heapBeforeMB: before / 1024 / 1024,
  heapAfterMB: after / 1024 / 1024,
  growthMB,
  scopesCreated: created,
  scopesFinalized: finalized,
  sampledScopesAlive: alive,
  sampledScopes: sample.length,
};
console.log(`\nmemory on ${runtime()}: ${JSON.stringify(results, null, 1)}`);
console.log(`BENCH-RESULT ${JSON.stringify({ suite: "memory", runtime: runtime(), results })}`);
configureLogging({});
