/**
 * A very small test runner for the conformance suite: runs cases one after
 * the other against a target, prints one line per case, and counts.
 *
 * @module
 */

/** A server under test, seen from the HTTP client side. */
export interface Target {
  /** The runtime the server runs on: `deno`, `workerd`, `bun` or `node`. */
  runtime: string;
  /** Which adapter serves the app: the Fetch wrapper or the Hono middleware. */
  adapter: "fetch" | "hono";
  /** Base URL, such as `http://127.0.0.1:41234`. */
  baseUrl: string;
}

/** One conformance case. */
export interface Case {
  /** What the case shows, printed on its result line. */
  name: string;
  /** Throws (an assertion error) when the target does not conform. */
  run(target: Target): Promise<void>;
}

/** Passed and failed counts. */
export interface Counts {
  /** Cases that passed. */
  passed: number;
  /** Cases that failed. */
  failed: number;
}

const CASE_TIMEOUT_MS = 60_000;

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs `cases` against `target` in order, printing `ok` or `FAIL` per case.
 *
 * @returns the counts for this target.
 */
export async function runCases(target: Target, cases: Case[]): Promise<Counts> {
  const counts: Counts = { passed: 0, failed: 0 };
  for (const c of cases) {
    const label = `${target.runtime}/${target.adapter} - ${c.name}`;
    const start = performance.now();
    try {
      await withTimeout(c.run(target), CASE_TIMEOUT_MS);
      counts.passed++;
      console.log(`ok   ${label} (${Math.round(performance.now() - start)} ms)`);
    } catch (err) {
      counts.failed++;
      const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
      console.log(`FAIL ${label}\n${detail.replace(/^/gm, "     ")}`);
    }
  }
  return counts;
}

/**
 * Prints the machine-readable result line the matrix runner parses.
 *
 * @param runtime The runtime the counts belong to.
 * @param counts The totals for that runtime.
 */
export function printResult(runtime: string, counts: Counts): void {
  console.log(`CONFORMANCE-RESULT ${JSON.stringify({ runtime, ...counts })}`);
}
