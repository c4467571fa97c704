// Runs every benchmark on Deno and Node and writes BENCHMARKS.md (`deno task bench`,
// `npm run bench`). With --smoke (`deno task bench:smoke`) each one runs for a few iterations
// only, nothing is written, and any failure is a failure: the closing line is
// `N passed, M failed` and the exit code is non-zero when M > 0.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "node_modules", ".bin");
const smoke = process.argv.includes("--smoke");
const env = {
  ...process.env,
  PATH: `${bin}:${process.env.PATH}`,
  NO_COLOR: "1",
  ...(smoke ? { BENCH_SMOKE: "1" } : {}),
};
const DENO_PERMS = "--allow-read --allow-env --allow-sys=hostname --allow-write=/dev/null";

/** Each step: the command line that reruns it (from the repository root) and what it measures. */
const steps = [
  { suite: "logger", cmd: `deno run ${DENO_PERMS} bench/logger.ts` },
  { suite: "logger", cmd: "node --import tsx bench/logger.ts" },
  { suite: "request", cmd: `deno run ${DENO_PERMS} bench/request.ts` },
  { suite: "request", cmd: "node --import tsx bench/request.ts" },
  { suite: "http", cmd: "node bench/http.mjs" },
  { suite: "bundle", cmd: "node bench/bundle.mjs" },
  { suite: "memory", cmd: "deno run --v8-flags=--expose-gc --allow-env bench/memory.ts" },
  { suite: "memory", cmd: "node --expose-gc --import tsx bench/memory.ts" },
];

function run(cmd) {
  return new Promise((resolve) => {
    const child = spawn("sh", ["-c", cmd], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
      process.stdout.write(c);
    });
    child.stderr.on("data", (c) => process.stderr.write(c));
    child.on("close", (code) => resolve({ code, out }));
  });
}

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(", ");
// --render-only writes BENCHMARKS.md again from the last full run's results (kept in .tmp/).
const saved = join(root, ".tmp", "bench", "results.json");
const renderOnly = process.argv.includes("--render-only");
const last = renderOnly ? JSON.parse(readFileSync(saved, "utf8")) : undefined;
const loadBefore = last?.loadBefore ?? load();
const started = last ? new Date(last.started) : new Date();
const collected = last?.collected ?? [];
let passed = 0;
let failed = 0;
for (const step of renderOnly ? [] : steps) {
  console.log(`\n[bench] ${step.cmd}`);
  const { code, out } = await run(step.cmd);
  const results = [...out.matchAll(/^BENCH-RESULT (.*)$/gm)].map((m) => JSON.parse(m[1]));
  if (code !== 0 || results.length === 0) {
    failed++;
    console.log(`[bench] FAILED (exit code ${code}, ${results.length} results): ${step.cmd}`);
  } else {
    passed++;
    for (const r of results) collected.push({ ...r, cmd: step.cmd });
  }
}
const loadAfter = last?.loadAfter ?? load();
console.log(`\n[bench] ${passed} passed, ${failed} failed`);
if (smoke || failed > 0) {
  process.exitCode = failed === 0 ? 0 : 1;
} else {
  if (!renderOnly) {
    mkdirSync(dirname(saved), { recursive: true });
    writeFileSync(saved, JSON.stringify({ started, loadBefore, loadAfter, collected }));
  }
  writeFileSync(join(root, "BENCHMARKS.md"), render());
  // The file is part of the repository: formatted as `deno fmt --check` wants it.
  spawnSync("deno", ["fmt", "BENCHMARKS.md"], { cwd: root, env, stdio: "inherit" });
  console.log("[bench] wrote BENCHMARKS.md");
}

// ---------------------------------------------------------------- the report

function pkg(name) {
  return JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")).version;
}

function tool(command, args = ["--version"]) {
  const r = spawnSync(command, args, { encoding: "utf8", env });
  return (r.stdout || r.stderr || "").split("\n")[0].trim() || "not installed";
}

function fmtNs(ns) {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  return ns >= 1e3 ? `${(ns / 1e3).toFixed(2)} µs` : `${ns.toFixed(1)} ns`;
}
function fmtInt(n) {
  return Math.round(n).toLocaleString("en-US");
}
function x(r) {
  return `${r.toFixed(2)}x`;
}
function pct(r) {
  return `${(r * 100).toFixed(1)}%`;
}
function verdict(ok) {
  return ok ? "**met**" : "**missed**";
}

function resultTable(results, baseName) {
  const base = results.find((r) => r.name === baseName);
  const rows = results.map((r) =>
    `| ${r.name} | ${fmtNs(r.ns)} | ${fmtInt(r.opsPerSec)} | ${
      base ? x(base.ns / r.ns) : ""
    } | ${r.rounds.length} |`
  );
  return [
    `| contender | median time/op | ops/s | speed vs ${baseName} | rounds |`,
    "|---|---:|---:|---:|---:|",
    ...rows,
  ].join("\n");
}

function byName(results, prefix) {
  return results.find((r) => r.name.startsWith(prefix));
}

function loggerSection(rt) {
  const [main, buffered] = ["logger", "logger-buffered"].map((suite) =>
    collected.find((r) => r.suite === suite && r.runtime.startsWith(rt))
  );
  if (!main) return "";
  const ours = byName(main.results, "this module (fdSink)");
  const pino = byName(main.results, "pino");
  const logtape = byName(main.results, "LogTape");
  const floor = byName(main.results, "floor");
  const below = byName(main.results, "this module, call below");
  const vsPino = pino.ns / ours.ns;
  const vsLogtape = logtape.ns / ours.ns;
  const vsFloor = ours.ns / floor.ns;
  const belowShare = below.ns / ours.ns;
  const lines = [
    `### Logger throughput on ${main.runtime}`,
    "",
    resultTable(main.results, "this module (fdSink)"),
    "",
    "| target | measured | |",
    "|---|---|---|",
    `| ≥ 1.25x pino's records/s | ${x(vsPino)} | ${verdict(vsPino >= 1.25)} |`,
    `| ≥ 3x LogTape's records/s | ${x(vsLogtape)} | ${verdict(vsLogtape >= 3)} |`,
    `| ≤ 1.3x the floor's time | ${x(vsFloor)} | ${verdict(vsFloor <= 1.3)} |`,
    `| a call below the level < 2% of a written one | ${pct(belowShare)} | ${
      verdict(belowShare < 0.02)
    } |`,
    "",
    `Rerun: \`${main.cmd}\``,
  ];
  if (buffered) {
    lines.push(
      "",
      `Buffered, measured apart (pino's asynchronous writes go on in the background):`,
      "",
      resultTable(buffered.results, "this module (bufferedSink over fdSink)"),
    );
  }
  return lines.join("\n");
}

function requestSection(rt) {
  const out = [];
  for (const suite of ["request-hono", "request-fetch"]) {
    const r = collected.find((c) => c.suite === suite && c.runtime.startsWith(rt));
    if (!r) continue;
    const bare = r.results[0];
    const added = (res) => res.ns - bare.ns;
    out.push(
      `### Per request, ${
        suite === "request-hono" ? "Hono app.request()" : "Fetch handler called directly"
      }, on ${r.runtime}`,
      "",
      "| variant | median time/request | added over bare |",
      "|---|---:|---:|",
      ...r.results.map((res, i) =>
        `| ${res.name} | ${fmtNs(res.ns)} | ${i === 0 ? "" : fmtNs(added(res))} |`
      ),
      "",
    );
    if (suite === "request-hono") {
      const ours = byName(r.results, "hono: this module (access");
      const hono = byName(r.results, "hono: requestId()");
      const hp = byName(r.results, "hono: hono-pino");
      out.push(
        "| target | measured | |",
        "|---|---|---|",
        `| added cost ≤ requestId() + logger()'s | ${fmtNs(added(ours))} vs ${
          fmtNs(added(hono))
        } (${x(added(ours) / added(hono))}) | ${verdict(added(ours) <= added(hono))} |`,
        `| added cost < hono-pino's | ${fmtNs(added(ours))} vs ${fmtNs(added(hp))} (${
          x(added(ours) / added(hp))
        }) | ${verdict(added(ours) < added(hp))} |`,
        "",
      );
    }
    out.push(`Rerun: \`${r.cmd}\``, "");
  }
  return out.join("\n");
}

/** What each contender of the HTTP suite is, as the report names it. */
function httpLabel(name) {
  return {
    "bare": 'bare `() => new Response("ok")`',
    "floor-header": "floor: read one request header, set one response header",
    "floor-console": "floor: that, plus two `JSON.stringify` lines through `console.log`",
    "floor-batched": "floor: that, the two lines written once per event-loop turn",
    "hono-logger": "Hono `requestId()` + `logger()`",
    "hono-pino": "`hono-pino`",
    "logtape-hono": "`@logtape/hono` (JSON Lines to stdout)",
    "module-fetch": "this module, `withRequestContext`, default sink, two access lines",
    "module-hono": "this module, Hono `requestContext()`, default sink, two access lines",
    "module-fetch-one":
      'this module, `withRequestContext`, one access line (`accessLog: "finish"`)',
    "module-hono-one": "this module, Hono `requestContext()`, one access line",
    "module-fetch-quiet": 'this module, `withRequestContext`, no line (`accessLog: "none"`)',
    "module-hono-quiet": "this module, Hono `requestContext()`, no line",
  }[name] ?? name;
}

/** The short names of the target table. */
function shortName(name) {
  return {
    "module-fetch": "`withRequestContext`, two lines",
    "module-hono": "`requestContext()`, two lines",
    "hono-logger": "`requestId()` + `logger()`",
    "hono-pino": "`hono-pino`",
    "logtape-hono": "`@logtape/hono`",
    "floor-batched": "the batched floor",
  }[name];
}

/** The median of the per-round ratios `a[r] / b[r]`: each pair measured close in time. */
function pairedRatio(a, b) {
  const ratios = a.map((v, i) => v / b[i]).sort((p, q) => p - q);
  const mid = ratios.length >> 1;
  return ratios.length % 2 ? ratios[mid] : (ratios[mid - 1] + ratios[mid]) / 2;
}

function httpSection(run) {
  const by = Object.fromEntries(run.results.map((r) => [r.name, r]));
  const bare = by.bare.rps;
  const cpuKnown = run.results.every((r) => r.cpuMicros !== undefined);
  const rows = run.results.map((r) =>
    `| ${httpLabel(r.name)} | ${fmtInt(r.rps)} | ${pct(r.rps / bare)} | ${
      cpuKnown ? `${r.cpuMicros.toFixed(1)} | ` : ""
    }${r.rounds.map(fmtInt).join(", ")} |`
  );
  const target = (ours, peer, need) => {
    const ratio = pairedRatio(by[ours].rounds, by[peer].rounds);
    const cpu = cpuKnown ? `${x(pairedRatio(by[peer].cpuRounds, by[ours].cpuRounds))} | ` : "";
    return `| ${shortName(ours)} vs ${shortName(peer)} | ≥ ${need}x | ${x(ratio)} | ${cpu}${
      verdict(ratio >= need)
    } |`;
  };
  const targets = [];
  if (run.runtimeName === "deno") {
    targets.push(
      target("module-fetch", "hono-logger", 2),
      target("module-fetch", "hono-pino", 3),
      target("module-fetch", "logtape-hono", 2.5),
      target("module-fetch", "floor-batched", 0.9),
      target("module-hono", "hono-logger", 2),
      target("module-hono", "hono-pino", 3),
      target("module-hono", "logtape-hono", 2.5),
    );
  } else {
    for (const ours of ["module-fetch", "module-hono"]) {
      for (const peer of ["hono-logger", "hono-pino", "logtape-hono"]) {
        targets.push(target(ours, peer, 1.5));
      }
    }
  }
  return [
    `### ${run.runtime}`,
    "",
    `| server | median req/s | % of bare | ${cpuKnown ? "CPU µs/request | " : ""}rounds (req/s) |`,
    `|---|---:|---:|${cpuKnown ? "---:|" : ""}---|`,
    ...rows,
    "",
    `| target (same run) | needed | req/s, median of per-round ratios | ${
      cpuKnown ? "CPU time per request, same | " : ""
    }by req/s |`,
    `|---|---:|---:|${cpuKnown ? "---:|" : ""}---|`,
    ...targets,
    "",
    `Rerun: \`BENCH_RUNTIMES=${run.runtimeName} ${run.cmd}\``,
    "",
  ].join("\n");
}

function render() {
  const cpus = os.cpus();
  const http = collected.filter((r) => r.suite === "http");
  const bundle = collected.find((r) => r.suite === "bundle");
  const memory = collected.filter((r) => r.suite === "memory");
  const parts = [
    "# Benchmarks",
    "",
    "Generated by `deno task bench` (`node bench/run.mjs`); do not edit by hand — the notes at the",
    "end come from `bench/NOTES.md`. Every figure is a median; ratios compare contenders measured",
    "in the same run, in interleaved rounds (A, B, C, A, B, C, …), so that a change of machine load",
    "hits every contender alike. Absolute times are only comparable within one run.",
    "",
    "## Machine",
    "",
    `- ${cpus.length} × ${cpus[0]?.model ?? "unknown CPU"}, ${
      (os.totalmem() / 2 ** 30).toFixed(1)
    } GiB, ${os.type()} ${os.release()}`,
    `- run ${started.toISOString()}; load average (1, 5, 15 min) ${loadBefore} before, ${loadAfter} after` +
    " (a shared machine: other work ran alongside)",
    `- ${tool("deno")}; node ${process.version}; pino ${pkg("pino")}; @logtape/logtape ${
      pkg("@logtape/logtape")
    }; hono ${pkg("hono")}; hono-pino ${pkg("hono-pino")}; esbuild ${pkg("esbuild")}; ${
      http[0]?.tool ?? "autocannon"
    } (${
      http[0]?.tool?.startsWith("wrk") ? tool("wrk", ["-v"]) : `autocannon ${pkg("autocannon")}`
    }); @logtape/hono ${pkg("@logtape/hono")}; @hono/node-server ${pkg("@hono/node-server")}`,
    "",
    "## 1. Logger throughput",
    "",
    "The same record everywhere: logger `app`, a message, a context of `request_id` and two fields,",
    "a call extra of two fields, an ISO timestamp; one line at a time by a synchronous write to",
    "`/dev/null`. This module writes through `fdSink` (the same write the floor and LogTape use);",
    "pino through `pino.destination({ sync: true })` with a child logger holding the context;",
    "LogTape with `jsonLinesFormatter` and its implicit context (`withContext`); the floor is",
    "`JSON.stringify` of the finished object plus the same write.",
    "",
    loggerSection("deno"),
    "",
    loggerSection("node"),
    "",
    "## 2. Per-request overhead, in process",
    "",
    "Access lines go to a discarding sink (they are still formatted); hono-pino to a pino with a",
    "discarding destination; Hono's `logger()` to a no-op print function.",
    "",
    requestSection("deno"),
    requestSection("node"),
    "## 3. Real HTTP on 127.0.0.1",
    "",
  ];
  if (http.length) {
    parts.push(
      "Each contender of `bench/http_server.ts` answers `ok` on 127.0.0.1; every server's stdout",
      "goes to /dev/null, as a deployed server's goes to a collector. Load from " +
        `${http[0].tool}, every contender of a runtime once per round (alternating rounds, each`,
      "round starting one contender further on). This machine's speed drifts within a run (other",
      "tenants): a target's ratio is the median of its per-round ratios, each pair measured",
      "seconds apart, and the servers' own CPU time per request (Linux /proc) is shown beside it.",
      "The floors are hand-written: `floor-header` reads `X-Request-ID` (else a UUID) and sets it",
      "on the response; `floor-console` adds two `JSON.stringify` access lines through",
      "`console.log`; `floor-batched` the same lines gathered and written once per event-loop turn.",
      "",
    );
    for (const run of http) parts.push(httpSection(run));
  }
  parts.push("## 4. Edge cost", "");
  if (bundle) {
    const v = Object.fromEntries(bundle.results.map((r) => [r.name, r.value]));
    const gz = v["gzipped bytes"];
    const imports = bundle.results.filter((r) => r.name.startsWith("import ms"));
    parts.push(
      "The root export plus `./hono`, bundled by esbuild (ESM, minified, `node:*` external), gzip -9.",
      "",
      "| measure | value |",
      "|---|---:|",
      `| minified | ${fmtInt(v["minified bytes"])} B |`,
      `| minified + gzipped | ${fmtInt(gz)} B |`,
      `| a Worker importing only withRequestContext + getLogger, tree-shaken, gzipped | ${
        fmtInt(v["worker (wrapper + logger) gzipped bytes"])
      } B |`,
      ...imports.map((r) =>
        `| ${
          r.name.replace("import ms", "import time of the bundle")
        } (median of ${bundle.runs} fresh processes) | ${r.value.toFixed(2)} ms |`
      ),
      "",
      `Target ≤ 5 KB (5,120 B) gzipped: ${fmtInt(gz)} B — ${verdict(gz <= 5120)}${
        gz > 5120 ? `, by ${fmtInt(gz - 5120)} B (${x(gz / 5120)})` : ""
      }.`,
      "",
      "Minified bytes by source file: " +
        bundle.files.map((f) => `${f.file} ${fmtInt(f.bytes)}`).join(", ") + ".",
      "",
      `Rerun: \`${bundle.cmd}\``,
      "",
    );
  }
  parts.push("## 5. Memory", "");
  if (memory.length) {
    parts.push(
      "A million requests through the Fetch wrapper in one process (the wrapped handler called",
      "directly, one log line per request besides the access lines, to a discarding sink). Heap after",
      "forced GC; every request's scope registered with a FinalizationRegistry, and one in a thousand",
      "held through a WeakRef.",
      "",
      "| runtime | heap before | heap after | growth | scopes created / collected | sampled scopes still alive | |",
      "|---|---:|---:|---:|---:|---:|---|",
      ...memory.map(({ runtime, results: m }) =>
        `| ${runtime} | ${m.heapBeforeMB.toFixed(2)} MB | ${m.heapAfterMB.toFixed(2)} MB | ${
          m.growthMB.toFixed(2)
        } MB | ${fmtInt(m.scopesCreated)} / ${
          fmtInt(m.scopesFinalized)
        } | ${m.sampledScopesAlive} of ${m.sampledScopes} | ${
          verdict(m.growthMB <= 5 && m.sampledScopesAlive === 0)
        } |`
      ),
      "",
      ...memory.map((m) => `- Rerun on ${m.runtime}: \`${m.cmd}\``),
      "",
    );
  }
  let notes = "";
  try {
    notes = readFileSync(join(root, "bench", "NOTES.md"), "utf8");
  } catch { /* no notes */ }
  parts.push(notes);
  return parts.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd() + "\n";
}
