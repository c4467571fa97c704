// Requests per second over real HTTP on 127.0.0.1: Deno.serve bare against Deno.serve with
// this module (access lines to /dev/null), and with logRequests: false (what the context alone
// costs), measured in alternating rounds in one run.
// The load comes from wrk when it is installed (Debian's `wrk`), else from autocannon.
import { spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// Deno from PATH: npx puts the pinned one there (.ci/matrix.mjs); node_modules holds no deno.
const deno = "deno";
const smoke = process.env.BENCH_SMOKE === "1";
const rounds = smoke ? 1 : Number(process.env.BENCH_ROUNDS) || 5;
const seconds = smoke ? 1 : 5;
const connections = 32;
const hasWrk = !smoke && spawnSync("wrk", ["--version"]).error === undefined;

function startServer(mode) {
  const child = spawn(deno, [
    "run",
    "--allow-net=127.0.0.1",
    "--allow-write=/dev/null",
    "--allow-env",
    join(root, "bench", "http_server.ts"),
    mode,
  ], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, NO_COLOR: "1" } });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = /LISTENING (\d+)/.exec(out);
      if (m) resolve({ child, url: `http://127.0.0.1:${m[1]}/` });
    });
    child.on("exit", (code) => reject(new Error(`server ${mode} exited with ${code}`)));
  });
}

function loadWrk(url) {
  const r = spawnSync("wrk", ["-t1", `-c${connections}`, `-d${seconds}s`, url], {
    encoding: "utf8",
  });
  const m = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout);
  if (!m) throw new Error(`wrk gave no rate: ${r.stdout}${r.stderr}`);
  if (/Non-2xx|Socket errors/.test(r.stdout)) throw new Error(`wrk saw errors: ${r.stdout}`);
  return Number(m[1]);
}

async function loadAutocannon(url) {
  const result = await autocannon({ url, connections, duration: seconds });
  if (result.errors > 0 || result.non2xx > 0) {
    throw new Error(`autocannon saw ${result.errors} errors, ${result.non2xx} non-2xx`);
  }
  return result.requests.average;
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const modes = ["bare", "module", "module-quiet"];
const servers = {};
for (const mode of modes) servers[mode] = await startServer(mode);
const rps = Object.fromEntries(modes.map((mode) => [mode, []]));
try {
  for (let r = 0; r < rounds; r++) {
    for (const mode of modes) {
      const url = servers[mode].url;
      rps[mode].push(hasWrk ? loadWrk(url) : await loadAutocannon(url));
    }
  }
} finally {
  for (const s of Object.values(servers)) {
    s.child.removeAllListeners("exit");
    s.child.kill("SIGTERM");
  }
}
const version = spawnSync(deno, ["--version"], { encoding: "utf8" }).stdout.split("\n")[0];
const results = Object.entries(rps).map(([name, values]) => ({
  name,
  rps: median(values),
  rounds: values,
}));
const tool = hasWrk
  ? `wrk -t1 -c${connections} -d${seconds}s`
  : `autocannon -c ${connections} -d ${seconds}`;
console.log(`\nhttp on ${version} (${tool}, ${rounds} alternating rounds)`);
for (const r of results) console.log(`  ${r.name.padEnd(8)} ${Math.round(r.rps)} req/s`);
console.log(`  module/bare: ${(results[1].rps / results[0].rps * 100).toFixed(1)}%`);
console.log(
  `BENCH-RESULT ${JSON.stringify({ suite: "http", runtime: version, tool, results })}`,
);
