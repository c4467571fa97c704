// The runtime matrix (`npm test`): the Deno test task, then the conformance
// suite on Deno, workerd, Bun and Node. Prints one summary line per runtime
// and ends with the totals line `N passed, M failed`; exits non-zero on any failure.
import { spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "node_modules", ".bin");
const STEP_TIMEOUT_MS = 300_000;

/**
 * Deno comes from npx at a pinned version, not from the project's node_modules: in
 * node_modules/.bin, Deno's task runner would take the native binary for an npm script.
 * Its own folder goes first on PATH, so `deno` and nested `deno task` calls find it.
 */
export const DENO_VERSION = "2.9.6";
const denoExe = spawnSync(
  "npx",
  ["--yes", `deno@${DENO_VERSION}`, "eval", "console.log(Deno.execPath())"],
  { encoding: "utf8" },
).stdout?.trim();
if (!denoExe) throw new Error(`could not run deno@${DENO_VERSION} through npx`);

const env = {
  ...process.env,
  PATH: `${dirname(denoExe)}:${bin}:${process.env.PATH}`,
  NO_COLOR: "1",
  // Bun's fetch client holds at most 256 requests in flight by default; the isolation case sends 500.
  BUN_CONFIG_MAX_HTTP_REQUESTS: "1024",
};

/** Runs `command` (argv, or a shell string) in its own process group, echoing and returning its output. */
function run(command) {
  const shell = typeof command === "string";
  const [file, ...args] = shell ? ["sh", "-c", command] : command;
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      cwd: root,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const take = (stream, out) =>
      stream.on("data", (chunk) => {
        output += chunk;
        out.write(chunk);
      });
    take(child.stdout, process.stdout);
    take(child.stderr, process.stderr);
    const timer = setTimeout(() => {
      output += `\n[matrix] timed out after ${STEP_TIMEOUT_MS} ms\n`;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch { /* already gone */ }
    }, STEP_TIMEOUT_MS);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), output });
    });
  });
}

/** Counts from Deno's closing line: `ok | 44 passed | 0 failed` (or `FAILED | ...`). */
function denoTestCounts({ code, output }) {
  const m = [...output.matchAll(/\|\s*(\d+) passed(?:\s*\(\d+ steps?\))?\s*\|\s*(\d+) failed/g)]
    .pop();
  if (!m) return { passed: 0, failed: 1, note: "no deno test summary" };
  const counts = { passed: Number(m[1]), failed: Number(m[2]) };
  if (code !== 0 && counts.failed === 0) return { ...counts, failed: 1, note: `exit code ${code}` };
  return counts;
}

/** Counts from the conformance entry's `CONFORMANCE-RESULT {...}` line. */
function conformanceCounts({ code, output }) {
  const m = [...output.matchAll(/^CONFORMANCE-RESULT (\{.*\})$/gm)].pop();
  if (!m) return { passed: 0, failed: 1, note: `no result line (exit code ${code})` };
  const { passed, failed } = JSON.parse(m[1]);
  if (code !== 0 && failed === 0) return { passed, failed: 1, note: `exit code ${code}` };
  return { passed, failed };
}

/** Counts from bench/run.mjs's closing line `[bench] N passed, M failed`. */
function benchCounts({ code, output }) {
  const m = [...output.matchAll(/^\[bench\] (\d+) passed, (\d+) failed$/gm)].pop();
  if (!m) return { passed: 0, failed: 1, note: `no bench summary (exit code ${code})` };
  const counts = { passed: Number(m[1]), failed: Number(m[2]) };
  if (code !== 0 && counts.failed === 0) return { ...counts, failed: 1, note: `exit code ${code}` };
  return counts;
}

function version(file, args = ["--version"]) {
  const out = spawnSync(file, args, { encoding: "utf8", env }).stdout ?? "";
  return out.split("\n")[0].trim() || "unknown";
}

const tsx = [join(bin, "tsx")];
const runtimes = [
  {
    name: `deno ${version("deno").replace(/^deno /, "").split(" ")[0]}`,
    steps: [
      { label: "deno task test", command: ["deno", "task", "test"], counts: denoTestCounts },
      {
        // Deno's built-in OpenTelemetry starts only when OTEL_DENO is set before Deno starts.
        label: "deno task test:otel-deno",
        command: ["deno", "task", "test:otel-deno"],
        counts: denoTestCounts,
      },
      {
        label: "conformance",
        command: [
          "deno",
          "run",
          "--allow-net=127.0.0.1",
          "--allow-env",
          "tests/conformance/run_deno.ts",
        ],
      },
    ],
  },
  {
    name: `workerd ${version("workerd").replace(/^workerd /, "")} (miniflare)`,
    steps: [{ label: "conformance", command: [...tsx, "tests/conformance/run_workerd.ts"] }],
  },
  {
    name: `bun ${version("bun")}`,
    steps: [{ label: "conformance", command: ["bun", "tests/conformance/run_bun.ts"] }],
  },
  {
    name: `node ${process.version}`,
    steps: [{ label: "conformance", command: [...tsx, "tests/conformance/run_node.ts"] }],
  },
  {
    // A few iterations of every benchmark (bench/run.mjs --smoke), so that they keep working;
    // one count per benchmark script.
    name: "benchmarks (smoke)",
    steps: [{
      label: "bench:smoke",
      command: ["node", "bench/run.mjs", "--smoke"],
      counts: benchCounts,
    }],
  },
];

const summaries = [];
const total = { passed: 0, failed: 0 };
for (const runtime of runtimes) {
  const parts = [];
  const sum = { passed: 0, failed: 0 };
  const started = Date.now();
  for (const step of runtime.steps) {
    console.log(`\n[matrix] ${runtime.name}: ${step.label}`);
    const counts = (step.counts ?? conformanceCounts)(await run(step.command));
    sum.passed += counts.passed;
    sum.failed += counts.failed;
    parts.push(
      `${step.label} ${counts.passed}/${counts.failed}${counts.note ? ` (${counts.note})` : ""}`,
    );
  }
  total.passed += sum.passed;
  total.failed += sum.failed;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  summaries.push(
    `${
      sum.failed === 0 ? "PASS" : "FAIL"
    } ${runtime.name}: passed ${sum.passed}, failed ${sum.failed}` +
      ` [${parts.join("; ")} passed/failed] in ${seconds} s`,
  );
}

console.log("\n[matrix] summary per runtime");
for (const line of summaries) console.log(line);
console.log(`${total.passed} passed, ${total.failed} failed`);
process.exitCode = total.failed === 0 ? 0 : 1;
