// The log tool's `stats` over a large generated log: MB/s and peak memory (the child's peak
// resident set, from GNU time), at two sizes, to show memory does not grow with the log.
//
//   deno run --allow-read --allow-write=.tmp --allow-run bench/cli_stats.ts [MB] [small MB]
//
// Defaults: 500 MB and 50 MB. Lines are the module's own (default preset): per request a start
// line, an app line and a finish line, over 40 endpoints, 10% of lines in ECS or OTel form, and
// a few lines that are not JSON. The files are written under .tmp/bench/ and removed after.
// Not part of CI: run it alone, on a quiet machine.
const ROOT = new URL("..", import.meta.url).pathname;
const DIR = `${ROOT}.tmp/bench`;
const MB = 1024 * 1024;

function* lines(seed: number): Generator<string> {
  let x = seed >>> 0;
  const rand = () => ((x = (x * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const routes = Array.from({ length: 40 }, (_, i) => `/api/v1/resource${i}/:id`);
  let t = Date.parse("2026-01-01T00:00:00Z");
  for (let n = 0;; n++) {
    t += Math.floor(rand() * 3);
    const ts = new Date(t).toISOString();
    const rid = `${
      (n * 2654435761 >>> 0).toString(16).padStart(8, "0")
    }-e29b-41d4-a716-446655440000`;
    const trace = `${rid.slice(0, 8)}${"0".repeat(24)}`;
    const i = Math.floor(rand() * rand() * 40);
    const route = routes[i];
    const path = route.replace(":id", String(Math.floor(rand() * 1000)));
    const method = i % 4 === 0 ? "POST" : "GET";
    const r = rand();
    const status = r < 0.02 ? 500 : r < 0.08 ? 404 : 200;
    const ms = Math.round(Math.exp(rand() * 6 + i / 10) * 100) / 100;
    const ctx = `"service":"bench-api","version":"1.0.0","trace_id":"${trace}",` +
      `"span_id":"${rid.slice(0, 8)}a1b2c3d4","trace_flags":"00","route":"${route}"`;
    const level = status >= 500 ? "ERROR" : status >= 400 ? "WARN" : "INFO";
    if (n % 10 === 7) {
      yield `{"@timestamp":"${ts}","log.level":"${level}","log.logger":"http","message":"${method} ${path} - ${status}","http.request.id":"${rid}","ecs.version":"8.11.0","service.name":"bench-api","trace.id":"${trace}","route":"${route}","http.request.method":"${method}","url.path":"${path}","http.response.status_code":${status},"event.duration":${
        Math.round(ms * 1e6)
      }}`;
      continue;
    }
    if (n % 10 === 3) {
      yield `{"timestamp":"${ts}","severity_text":"${level}","severity_number":9,"body":"${method} ${path} - ${status}","trace_id":"${trace}","span_id":"${
        rid.slice(0, 8)
      }a1b2c3d4","instrumentation_scope":{"name":"http"},"resource":{"service.name":"bench-api"},"attributes":{"request_id":"${rid}","route":"${route}","method":"${method}","path":"${path}","status_code":${status},"duration_ms":${ms}}}`;
      continue;
    }
    if (n % 1000 === 999) yield "Listening on http://127.0.0.1:8000/";
    yield `{"timestamp":"${ts}","level":"INFO","logger":"http","message":"${method} ${path}","request_id":"${rid}",${ctx},"method":"${method}","path":"${path}"}`;
    yield `{"timestamp":"${ts}","level":"INFO","logger":"app","message":"Loaded resource","request_id":"${rid}",${ctx},"resource_id":${n},"user_id":"u-${
      n % 977
    }","cache":"miss"}`;
    yield `{"timestamp":"${ts}","level":"${level}","logger":"http","message":"${method} ${path} - ${status}","request_id":"${rid}",${ctx},"method":"${method}","path":"${path}","status_code":${status},"duration_ms":${ms}}`;
  }
}

async function generate(file: string, size: number): Promise<number> {
  const f = await Deno.open(file, { write: true, create: true, truncate: true });
  const enc = new TextEncoder();
  let written = 0;
  let chunk: string[] = [];
  let chunkLen = 0;
  for (const line of lines(42)) {
    chunk.push(line);
    chunkLen += line.length + 1;
    if (chunkLen >= MB) {
      const bytes = enc.encode(chunk.join("\n") + "\n");
      for (let n = 0; n < bytes.length;) n += await f.write(bytes.subarray(n));
      written += bytes.length;
      chunk = [];
      chunkLen = 0;
      if (written >= size) break;
    }
  }
  f.close();
  return written;
}

/** Runs `stats` on `file` under GNU time: wall time and peak RSS (maximum resident set). */
async function runStats(file: string): Promise<{ seconds: number; peakMB: number; out: string }> {
  const { code, stdout, stderr } = await new Deno.Command("/usr/bin/time", {
    args: [
      "-f",
      "%M %e",
      Deno.execPath(),
      "run",
      "--allow-read",
      `${ROOT}cli/mod.ts`,
      "stats",
      file,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(stderr).trim().split("\n");
  if (code !== 0) throw new Error(`stats exited ${code}: ${err.join("\n")}`);
  const [kb, seconds] = err[err.length - 1].split(" ").map(Number);
  return { seconds, peakMB: kb / 1024, out: new TextDecoder().decode(stdout) };
}

const big = Number(Deno.args[0] ?? 500) * MB;
const small = Number(Deno.args[1] ?? 50) * MB;
await Deno.mkdir(DIR, { recursive: true });
const results: string[] = [];
for (const size of [small, big]) {
  const file = `${DIR}/stats_${Math.round(size / MB)}mb.log`;
  const bytes = await generate(file, size);
  try {
    // Once to warm the page cache and Deno's module cache, then the measured run.
    await runStats(file);
    const r = await runStats(file);
    const mb = bytes / MB;
    results.push(
      `${mb.toFixed(0)} MB: ${r.seconds.toFixed(2)} s, ${(mb / r.seconds).toFixed(1)} MB/s, ` +
        `peak RSS ${r.peakMB.toFixed(0)} MB, ${r.out.trim().split("\n").length - 1} endpoints`,
    );
    console.log(results[results.length - 1]);
    if (size === big) console.log(r.out.split("\n").slice(0, 6).join("\n"));
  } finally {
    await Deno.remove(file);
  }
}
