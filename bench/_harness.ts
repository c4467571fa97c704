// A small benchmark harness that runs unchanged on Deno, Node (through tsx) and Bun.
//
// Each case runs `n` operations per call, so its loop stays in its own function. The harness
// calibrates `n` per case, warms every case up, then runs the rounds interleaved (case A, B, C,
// A, B, C, …) so that a change of machine load hits every contender alike, and reports the
// median time per operation over the rounds. Ratios between cases of one run are what count.

/** One contender: `run(n)` performs `n` operations (awaiting them when it returns a promise). */
export interface Case {
  name: string;
  run(n: number): void | Promise<void>;
}

/** The outcome of one case. */
export interface Result {
  name: string;
  /** Median nanoseconds per operation over the rounds. */
  ns: number;
  /** Operations per second at the median. */
  opsPerSec: number;
  /** Every round's nanoseconds per operation, in the order they ran. */
  rounds: number[];
}

/** How long and how often to measure. */
export interface Settings {
  rounds: number;
  roundMs: number;
  warmupMs: number;
}

/** Full runs measure for real; `BENCH_SMOKE=1` only checks that every case runs. */
export function settings(full: Settings = { rounds: 9, roundMs: 400, warmupMs: 500 }): Settings {
  if (env("BENCH_SMOKE") === "1") return { rounds: 1, roundMs: 1, warmupMs: 0 };
  const rounds = Number(env("BENCH_ROUNDS"));
  return Number.isInteger(rounds) && rounds > 0 ? { ...full, rounds } : full;
}

/** Whether this is a smoke pass. */
export function smoke(): boolean {
  return env("BENCH_SMOKE") === "1";
}

/** An environment variable, on any runtime, without a permission prompt. */
export function env(name: string): string | undefined {
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  if (deno !== undefined) {
    return deno.permissions.querySync({ name: "env", variable: name }).state === "granted"
      ? deno.env.get(name)
      : undefined;
  }
  return (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env[
    name
  ];
}

/** `deno 2.9.6`, `node v20.20.2` or `bun 1.4.5`. */
export function runtime(): string {
  const g = globalThis as {
    Deno?: { version: { deno: string } };
    Bun?: { version: string };
    process?: { version: string };
  };
  if (g.Deno !== undefined) return `deno ${g.Deno.version.deno}`;
  if (g.Bun !== undefined) return `bun ${g.Bun.version}`;
  return `node ${g.process?.version}`;
}

async function timed(c: Case, n: number): Promise<number> {
  const start = performance.now();
  const done = c.run(n);
  if (done !== undefined) await done;
  return performance.now() - start;
}

/** The batch size that takes about `ms` milliseconds. */
async function calibrate(c: Case, ms: number): Promise<number> {
  let n = 1;
  for (;;) {
    const took = await timed(c, n);
    if (took >= ms || n >= 1 << 24) return n;
    n = took <= 0 ? n * 16 : Math.max(n * 2, Math.ceil((n * ms) / took));
  }
}

/** Measures every case, interleaved; resolves with one result per case, in order. */
export async function compare(cases: Case[], s: Settings = settings()): Promise<Result[]> {
  const batch = Math.max(1, s.roundMs / 8);
  const sizes: number[] = [];
  for (const c of cases) sizes.push(smoke() ? 3 : await calibrate(c, batch));
  for (const [i, c] of cases.entries()) {
    const end = performance.now() + s.warmupMs;
    while (performance.now() < end) await timed(c, sizes[i]);
  }
  const rounds: number[][] = cases.map(() => []);
  for (let r = 0; r < s.rounds; r++) {
    for (const [i, c] of cases.entries()) {
      let ops = 0;
      let ms = 0;
      do {
        ms += await timed(c, sizes[i]);
        ops += sizes[i];
      } while (ms < s.roundMs);
      rounds[i].push((ms * 1e6) / ops);
    }
  }
  return cases.map((c, i) => {
    const ns = median(rounds[i]);
    return { name: c.name, ns, opsPerSec: 1e9 / ns, rounds: rounds[i] };
  });
}

/** The median of `values`. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Prints the results for people, then one machine-readable line
 * `BENCH-RESULT {...}` that `bench/run.mjs` collects.
 */
export function report(suite: string, results: Result[], extra: Record<string, unknown> = {}) {
  const rt = runtime();
  console.log(`\n${suite} on ${rt}`);
  for (const r of results) {
    console.log(
      `  ${r.name.padEnd(44)} ${fmtNs(r.ns).padStart(10)}/op ${
        Math.round(r.opsPerSec).toLocaleString("en-US").padStart(12)
      } ops/s`,
    );
  }
  console.log(`BENCH-RESULT ${JSON.stringify({ suite, runtime: rt, results, ...extra })}`);
}

function fmtNs(ns: number): string {
  return ns >= 1e6
    ? `${(ns / 1e6).toFixed(2)} ms`
    : ns >= 1e3
    ? `${(ns / 1e3).toFixed(2)} µs`
    : `${ns.toFixed(1)} ns`;
}
