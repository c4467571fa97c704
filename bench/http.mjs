// Requests per second over real HTTP on 127.0.0.1 (issue 11): the contenders of
// bench/http_server.ts on Deno (`Deno.serve`), on Node (`@hono/node-server`) and on Bun
// (`Bun.serve`), each server's stdout to /dev/null, measured in alternating rounds (every
// contender of a runtime once per round) in one run; medians.
// The load comes from wrk when it is installed (Debian's `wrk`), else from autocannon.
// BENCH_RUNTIMES=deno,node limits the runtimes, BENCH_CONTENDERS the contenders; BENCH_ROUNDS and BENCH_SECONDS the length.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "node_modules", ".bin");
const server = join(root, "bench", "http_server.ts");
const smoke = process.env.BENCH_SMOKE === "1";
const rounds = smoke ? 1 : Number(process.env.BENCH_ROUNDS) || 5;
const seconds = smoke ? 1 : Number(process.env.BENCH_SECONDS) || 3;
const connections = 32;
const hasWrk = !smoke && spawnSync("wrk", ["--version"]).error === undefined;

const ALL_CONTENDERS = [
  "bare",
  "floor-header",
  "floor-console",
  "floor-batched",
  "hono-logger",
  "hono-pino",
  "logtape-hono",
  "module-fetch",
  "module-hono",
  "module-fetch-one",
  "module-hono-one",
  "module-fetch-quiet",
  "module-hono-quiet",
];
// BENCH_CONTENDERS=bare,module-fetch limits the contenders (bare stays first: the % column).
export const CONTENDERS = process.env.BENCH_CONTENDERS
  ? ["bare", ...process.env.BENCH_CONTENDERS.split(",").filter((c) => c !== "bare")]
  : ALL_CONTENDERS;

// Deno from PATH: npx puts the pinned one there (.ci/matrix.mjs); node_modules holds no deno.
const RUNTIMES = [
  {
    name: "deno",
    argv: [
      "deno",
      "run",
      "--allow-net=127.0.0.1",
      "--allow-env",
      "--allow-read",
      "--allow-sys=hostname",
      server,
    ],
    version: () => spawnSync("deno", ["--version"], { encoding: "utf8" }).stdout.split("\n")[0],
    available: spawnSync("deno", ["--version"]).error === undefined,
  },
  {
    name: "node",
    argv: [process.execPath, "--import", "tsx", server],
    version: () => `node ${process.version} (@hono/node-server)`,
    available: true,
  },
  {
    name: "bun",
    argv: [join(bin, "bun"), server],
    version: () =>
      `bun ${spawnSync(join(bin, "bun"), ["--version"], { encoding: "utf8" }).stdout.trim()}`,
    available: existsSync(join(bin, "bun")),
  },
].filter((r) =>
  r.available &&
  (!process.env.BENCH_RUNTIMES || process.env.BENCH_RUNTIMES.split(",").includes(r.name))
);

function startServer(runtime, contender) {
  const [cmd, ...args] = runtime.argv;
  const child = spawn(cmd, [...args, contender], {
    cwd: root,
    stdio: ["ignore", "ignore", "pipe"], // stdout: /dev/null
    env: { ...process.env, NO_COLOR: "1", PATH: `${bin}:${process.env.PATH}` },
  });
  return new Promise((resolve, reject) => {
    let err = "";
    child.stderr.on("data", (chunk) => {
      err += chunk;
      const m = /LISTENING (\d+)/.exec(err);
      if (m) resolve({ child, url: `http://127.0.0.1:${m[1]}/` });
    });
    child.on(
      "exit",
      (code) => reject(new Error(`${runtime.name} ${contender} exited with ${code}: ${err}`)),
    );
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

const tool = hasWrk
  ? `wrk -t1 -c${connections} -d${seconds}s`
  : `autocannon -c ${connections} -d ${seconds}`;

/**
 * The CPU time (user and system) a process has used, in microseconds, from Linux's
 * /proc/<pid>/stat; `undefined` elsewhere. Throughput moves with what else the machine runs;
 * the server's own CPU time per request moves much less.
 */
function cpuMicros(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) * (1e6 / TICKS);
  } catch {
    return undefined;
  }
}
const TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout) || 100;

for (const runtime of RUNTIMES) {
  const servers = {};
  const rps = Object.fromEntries(CONTENDERS.map((c) => [c, []]));
  const cpu = Object.fromEntries(CONTENDERS.map((c) => [c, []]));
  try {
    for (const c of CONTENDERS) servers[c] = await startServer(runtime, c);
    for (let r = 0; r < rounds; r++) {
      // Each round starts one contender further on, so none is always measured first or last.
      for (let i = 0; i < CONTENDERS.length; i++) {
        const c = CONTENDERS[(i + r) % CONTENDERS.length];
        const { url, child } = servers[c];
        const before = cpuMicros(child.pid);
        const rate = hasWrk ? loadWrk(url) : await loadAutocannon(url);
        const after = cpuMicros(child.pid);
        rps[c].push(rate);
        cpu[c].push(
          before === undefined || after === undefined
            ? undefined
            : (after - before) / (rate * seconds),
        );
      }
    }
  } finally {
    for (const s of Object.values(servers)) {
      s.child.removeAllListeners("exit");
      s.child.kill("SIGTERM");
    }
  }
  const version = runtime.version();
  const results = CONTENDERS.map((name) => {
    const known = cpu[name].every((v) => v !== undefined);
    return {
      name,
      rps: median(rps[name]),
      rounds: rps[name],
      cpuMicros: known ? median(cpu[name]) : undefined,
      cpuRounds: known ? cpu[name] : undefined,
    };
  });
  const bare = results[0].rps;
  console.log(`\nhttp on ${version} (${tool}, ${rounds} alternating rounds)`);
  for (const r of results) {
    const cpuText = r.cpuMicros === undefined ? "" : `  ${r.cpuMicros.toFixed(1)} µs CPU/request`;
    console.log(
      `  ${r.name.padEnd(18)} ${String(Math.round(r.rps)).padStart(7)} req/s  ${
        (r.rps / bare * 100).toFixed(1)
      }% of bare${cpuText}`,
    );
  }
  console.log(
    `BENCH-RESULT ${
      JSON.stringify({ suite: "http", runtime: version, runtimeName: runtime.name, tool, results })
    }`,
  );
}
