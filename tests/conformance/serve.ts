/**
 * What every runtime entry does: serve the app through each adapter on
 * 127.0.0.1, run the suite against it, stop the server, report. The entries
 * only say how to start a server on their runtime.
 *
 * @module
 */
import { type Counts, printResult, runCases, type Target } from "./runner.ts";
import { suite } from "./suite.ts";

/** A running server. */
export interface Running {
  /** Base URL on 127.0.0.1. */
  url: string;
  /** Stops the server. */
  close(): Promise<void>;
}

/** Starts the app's `adapter` shape on 127.0.0.1 and a random port. */
export type Start = (adapter: Target["adapter"]) => Promise<Running>;

/** Most a whole run may take before it stops itself. */
const WATCHDOG_MS = 240_000;

/**
 * Runs the suite through both adapters on one runtime, prints the result line,
 * and returns the exit code (0 when every case passed).
 *
 * @param runtime The runtime's name, as `/__info` reports it.
 * @param start Starts a server for an adapter.
 * @param extra Runtime-specific cases run after the suite (workerd has some).
 */
export async function runConformance(
  runtime: string,
  start: Start,
  extra: { name: string; run(): Promise<Counts> }[] = [],
): Promise<number> {
  const watchdog = setTimeout(() => {
    console.error(`conformance on ${runtime}: still running after ${WATCHDOG_MS} ms, stopping`);
    printResult(runtime, { passed: 0, failed: 1 });
    (globalThis as { process?: { exit(code: number): void } }).process?.exit(2);
  }, WATCHDOG_MS);
  const total: Counts = { passed: 0, failed: 0 };
  for (const adapter of ["fetch", "hono"] as const) {
    const server = await start(adapter);
    try {
      const counts = await runCases({ runtime, adapter, baseUrl: server.url }, suite);
      total.passed += counts.passed;
      total.failed += counts.failed;
    } finally {
      await server.close();
    }
  }
  for (const group of extra) {
    const counts = await group.run();
    total.passed += counts.passed;
    total.failed += counts.failed;
  }
  clearTimeout(watchdog);
  printResult(runtime, total);
  return total.failed === 0 ? 0 : 1;
}
