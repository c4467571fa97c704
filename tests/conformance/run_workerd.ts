/**
 * Conformance on Cloudflare's workerd (run with Node: `tsx tests/conformance/run_workerd.ts`):
 * the Worker module and the Hono app, bundled from this repository's TypeScript.
 *
 * @module
 */
import process from "node:process";
import { runConformance } from "./serve.ts";
import { bundle, startWorker } from "./workerd.ts";
import { workerdGroups } from "./workerd_cases.ts";

const scripts = {
  fetch: await bundle("tests/conformance/worker_fetch.ts"),
  hono: await bundle("tests/conformance/worker_hono.ts"),
};
const consoleScript = await bundle("tests/conformance/worker_console.ts");
const otlpScript = await bundle("tests/conformance/worker_otlp.ts");
const code = await runConformance(
  "workerd",
  (adapter) => startWorker(scripts[adapter], { flags: ["nodejs_als"] }),
  workerdGroups(scripts.fetch, consoleScript, otlpScript),
);
process.exit(code);
