// The log tool (`./cli`) on logs that real servers of this module wrote: three services
// (gateway in the default preset, inventory in ECS, pricing in OpenTelemetry), each a
// Deno.serve subprocess on 127.0.0.1 writing to stdout, joined by one trace per request through
// fetchWithContext, with failures (thrown errors, 404s, a 502 from a failed upstream) on
// several endpoints. The tool runs as a subprocess on the captured files; every figure is
// checked against what the test reads from the same files on its own.
import assert from "node:assert/strict";
import { storeLines } from "./_store_lines.ts";

const assertEquals = (actual: unknown, expected: unknown, message?: string) =>
  assert.deepStrictEqual(actual, expected, message);
const assertMatch = (text: string, re: RegExp) => assert.match(text, re);

const DENO = Deno.execPath();
const ROOT = new URL("..", import.meta.url).pathname;
const CLI = `${ROOT}cli/mod.ts`;
const FIXTURE = `${ROOT}tests/fixtures/cli_service.ts`;
const DIR = `${ROOT}.tmp/cli`;
const RECORD = /^\d\d:\d\d:\d\d\.\d{3} /;
// deno-lint-ignore no-control-regex
const ESC = /\x1b/;

type Json = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// The services

interface Service {
  url: string;
  /** Closes its stdin (it shuts down), returns what it wrote on stdout. */
  stop(): Promise<string>;
}

async function startService(name: string, preset: string, next?: string): Promise<Service> {
  const child = new Deno.Command(DENO, {
    args: ["run", "--allow-net=127.0.0.1", "--allow-env", FIXTURE, name, preset, next ?? ""],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    cwd: ROOT,
  }).spawn();
  const out = new Response(child.stdout).text();
  const err = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  let port: string | undefined;
  while (port === undefined) {
    const { value, done } = await err.read();
    if (done) throw new Error(`${name} did not start: ${seen}`);
    seen += value;
    port = /listening (\d+)/.exec(seen)?.[1];
  }
  // Keep reading stderr so the child never blocks on it.
  const drained = (async () => {
    while (!(await err.read()).done) { /* drain */ }
  })();
  const stdin = child.stdin.getWriter();
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      await stdin.close();
      await child.status;
      await drained;
      return await out;
    },
  };
}

interface Logs {
  files: Record<"gateway" | "inventory" | "pricing", string>;
  /** Every JSON line of every file, parsed, with its file and raw text. */
  records: { file: string; raw: string; obj: Json }[];
  /** The request id and trace id of `GET /orders/3` at the gateway. */
  requestId: string;
  traceId: string;
}

async function writeLogs(): Promise<Logs> {
  await Deno.mkdir(DIR, { recursive: true });
  const pricing = await startService("pricing", "otel");
  const inventory = await startService("inventory", "ecs", pricing.url);
  const gateway = await startService("gateway", "default", inventory.url);
  let requestId = "";
  try {
    const calls: [string, string][] = [];
    for (let i = 1; i <= 20; i++) calls.push(["GET", `/orders/${i}`]);
    for (let i = 1; i <= 8; i++) calls.push(["POST", `/orders/${i}`]);
    for (let i = 0; i < 5; i++) calls.push(["GET", "/health"]);
    for (let i = 0; i < 2; i++) calls.push(["GET", "/boom"]);
    for (let i = 0; i < 3; i++) calls.push(["GET", "/nope"]);
    for (const [method, path] of calls) {
      const res = await fetch(gateway.url + path, { method });
      await res.body?.cancel();
      if (method === "GET" && path === "/orders/3") requestId = res.headers.get("x-request-id")!;
    }
  } finally {
    // The gateway first: its requests are over once its stdout is.
    const texts = {
      gateway: await gateway.stop(),
      inventory: await inventory.stop(),
      pricing: await pricing.stop(),
    };
    // A line that is not JSON and a blank one, as a log file may have: passed over.
    texts.gateway = `Listening on http://127.0.0.1\n\n${texts.gateway}{"cut": \n`;
    for (const [name, text] of Object.entries(texts)) {
      await Deno.writeTextFile(`${DIR}/${name}.log`, text);
    }
  }
  const files = {
    gateway: `${DIR}/gateway.log`,
    inventory: `${DIR}/inventory.log`,
    pricing: `${DIR}/pricing.log`,
  };
  const records: Logs["records"] = [];
  for (const file of Object.values(files)) {
    for (const raw of (await Deno.readTextFile(file)).split("\n")) {
      try {
        const obj = JSON.parse(raw);
        if (typeof obj === "object" && obj !== null) records.push({ file, raw, obj });
      } catch { /* not JSON */ }
    }
  }
  const first = records.find((r) => read(r.obj).request_id === requestId)!;
  return { files, records, requestId, traceId: read(first.obj).trace_id as string };
}

let logs: Promise<Logs> | undefined;
function getLogs(): Promise<Logs> {
  logs ??= writeLogs();
  return logs;
}

/** The test's own reading of a line of each preset (written from the preset docs, not the tool). */
function read(o: Json): Json {
  if ("severity_text" in o) {
    const a = (o.attributes ?? {}) as Json;
    return {
      ...a,
      timestamp: o.timestamp,
      level: o.severity_text,
      logger: (o.instrumentation_scope as Json).name,
      message: o.body,
      trace_id: o.trace_id,
      span_id: o.span_id,
      service: ((o.resource ?? {}) as Json)["service.name"],
    };
  }
  if ("@timestamp" in o) {
    return {
      ...o,
      timestamp: o["@timestamp"],
      level: o["log.level"],
      logger: o["log.logger"],
      request_id: o["http.request.id"],
      trace_id: o["trace.id"],
      span_id: o["span.id"],
      service: o["service.name"],
      method: o["http.request.method"],
      path: o["url.path"],
      status_code: o["http.response.status_code"],
      duration_ms: typeof o["event.duration"] === "number" ? o["event.duration"] / 1e6 : undefined,
    };
  }
  return o;
}

async function cli(
  args: string[],
  options: { stdin?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; out: string; err: string }> {
  const child = new Deno.Command(DENO, {
    args: ["run", "--allow-read", "--allow-write=.tmp", CLI, ...args],
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    cwd: ROOT,
    clearEnv: true,
    env: { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "", ...options.env },
  }).spawn();
  if (options.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(options.stdin));
    await w.close();
  }
  const { code, stdout, stderr } = await child.output();
  const dec = new TextDecoder();
  return { code, out: dec.decode(stdout), err: dec.decode(stderr) };
}

/** The tool in a pseudo-terminal (util-linux `script`), as a person at a terminal runs it. */
async function cliInTerminal(args: string[], env: Record<string, string> = {}): Promise<string> {
  const cmd = [DENO, "run", "--allow-read", CLI, ...args].map((a) => `'${a}'`).join(" ");
  const { stdout } = await new Deno.Command("script", {
    args: ["-qec", cmd, "/dev/null"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    cwd: ROOT,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "",
      TERM: "xterm",
      ...env,
    },
  }).output();
  return new TextDecoder().decode(stdout);
}

function recordLines(out: string): string[] {
  return out.split("\n").filter((l) => RECORD.test(l));
}

// ---------------------------------------------------------------------------------------------
// pretty

Deno.test("main pretty: one record line per JSON line of every preset, stacks indented below, non-JSON passed over", async () => {
  const { files, records } = await getLogs();
  const { code, out } = await cli(["pretty", files.gateway, files.inventory, files.pricing]);
  assertEquals(code, 0);
  const lines = out.trimEnd().split("\n");
  const recs = recordLines(out);
  assertEquals(recs.length, records.length);
  assert(!ESC.test(out), "no colour into a pipe");
  // Each record line: level, logger, message, request id cut to 8, fields; in file order.
  for (let i = 0; i < records.length; i++) {
    const r = read(records[i].obj);
    const line = recs[i];
    assertMatch(line, new RegExp(`^\\S+ ${r.level}\\s+${r.logger} `));
    if (r.request_id !== "-") assert(line.includes(`[${(r.request_id as string).slice(0, 8)}]`));
    assert(!line.includes(r.request_id as string) || r.request_id === "-");
    // Fields are shown under the line's own names (ECS: event.duration, in nanoseconds).
    const duration = records[i].obj.duration_ms ?? records[i].obj["event.duration"];
    if (duration !== undefined) {
      assert(/ (duration_ms|event\.duration)=/.test(line) && line.includes(`=${duration} `), line);
    }
  }
  // Every other line is an indented stack line under an error record.
  for (const l of lines) assert(RECORD.test(l) || /^ {4}/.test(l), l);
  const thrown = records.filter((r) => read(r.obj).message === "Unhandled error");
  assertEquals(thrown.length, 3); // 2 × /boom at the gateway, 1 × /stock/13 at inventory
  // The multi-line error message stays on its record line, escaped; in the stack it is indented.
  const locked = recs.find((l) => l.includes("stock table locked"))!;
  assert(locked.includes("stock table locked\\nfor order 13"), locked);
  assert(lines.some((l) => /^ {4,}for order 13$/.test(l)));
  assert(lines.some((l) => /^ {6}at /.test(l)), "stack frames indented");
  // The ANSI escape in the TypeError's message is written as text.
  assert(out.includes("\\u001b[31mred"));
  // stdin when no file: the same output.
  const piped = await cli(["pretty"], { stdin: await Deno.readTextFile(files.gateway) });
  assertEquals(piped.out, (await cli(["pretty", files.gateway])).out);
});

Deno.test("main pretty: colours on a terminal, not into a pipe; NO_COLOR off, FORCE_COLOR on (and wins)", async () => {
  const { files } = await getLogs();
  const args = ["pretty", files.pricing];
  assert(!ESC.test((await cli(args)).out));
  assert(ESC.test((await cli(args, { env: { FORCE_COLOR: "1" } })).out));
  assert(!ESC.test((await cli(args, { env: { FORCE_COLOR: "0" } })).out));
  assert(!ESC.test((await cli(args, { env: { NO_COLOR: "1" } })).out));
  assert(ESC.test((await cli(args, { env: { NO_COLOR: "1", FORCE_COLOR: "1" } })).out));
  assert(ESC.test((await cli([...args, "--color"])).out));
  assert(!ESC.test((await cli([...args, "--no-color"], { env: { FORCE_COLOR: "1" } })).out));
  const tty = await cliInTerminal(args);
  assert(recordLines(tty.replaceAll("\r", "")).length === 0, "records start with colour");
  // deno-lint-ignore no-control-regex
  assert(/\x1b\[2m\d\d:\d\d:\d\d\.\d{3}\x1b\[0m \x1b\[3\dm(INFO |DEBUG|WARN )/.test(tty), tty);
  assert(!ESC.test(await cliInTerminal(args, { NO_COLOR: "1" })));
});

// ---------------------------------------------------------------------------------------------
// request

Deno.test("main request <id>: every line of the request across the three files, in time order", async () => {
  const { files, records, requestId } = await getLogs();
  const expected = records.filter((r) => read(r.obj).request_id === requestId);
  // The id went downstream with X-Request-ID: all three services logged it.
  assertEquals(new Set(expected.map((r) => r.file)).size, 3);
  const all = [files.pricing, files.gateway, files.inventory];
  const json = await cli(["request", requestId, "--json", ...all]);
  assertEquals(json.code, 0);
  const got = json.out.trimEnd().split("\n");
  assertEquals(new Set(got), new Set(expected.map((r) => r.raw)));
  assertEquals(got.length, expected.length);
  const times = got.map((l) => Date.parse(read(JSON.parse(l)).timestamp as string));
  for (let i = 1; i < times.length; i++) assert(times[i] >= times[i - 1], "time order");
  // The pretty form, and the 8 characters pretty shows as the id.
  const pretty = await cli(["request", requestId, ...all]);
  assertEquals(recordLines(pretty.out).length, expected.length);
  assertEquals((await cli(["request", requestId.slice(0, 8), ...all])).out, pretty.out);
  // stdin
  const text = (await Promise.all(all.map((f) => Deno.readTextFile(f)))).join("");
  assertEquals((await cli(["request", requestId, "--json"], { stdin: text })).out, json.out);
  const none = await cli(["request", "no-such-request", ...all]);
  assertEquals(none.code, 1);
  assertEquals(none.out, "");
});

// ---------------------------------------------------------------------------------------------
// trace

Deno.test("main trace: a row per span (service, span, parent), bars scaled to the trace, the span's lines under it", async () => {
  const { files, records, traceId, requestId } = await getLogs();
  const all = [files.gateway, files.inventory, files.pricing];
  const mine = records.map((r) => read(r.obj)).filter((r) => r.trace_id === traceId);
  const spans = new Map<string, Json[]>();
  for (const r of mine) {
    spans.set(r.span_id as string, [...(spans.get(r.span_id as string) ?? []), r]);
  }
  assertEquals(spans.size, 3);
  const { code, out } = await cli(["trace", traceId, ...all]);
  assertEquals(code, 0);
  const lines = out.trimEnd().split("\n");
  assert(lines[0].includes(traceId) && lines[0].includes("3 spans"), lines[0]);
  const rows = lines.filter((l) => /^\S/.test(l) && l.includes("|")).slice(1); // minus the header
  assertEquals(rows.length, 3);
  const order: string[] = [];
  for (const row of rows) {
    const [service, span, parent] = row.split(/\s+/);
    const own = spans.get(span)!;
    assert(own !== undefined, row);
    order.push(span);
    assertEquals(service, own[0].service);
    assertEquals(parent, (own.find((r) => r.parent_span_id)?.parent_span_id as string) ?? "-");
  }
  // gateway -> inventory -> pricing: each span right under its parent.
  assertEquals(rows.map((r) => r.split(/\s+/)[0]), ["gateway", "inventory", "pricing"]);
  // The bars: the root covers the whole trace; each child starts no earlier than its parent.
  const bars = rows.map((r) => /\|([ █]+)\|/.exec(r)![1]);
  assert(bars.every((b) => b.length === bars[0].length));
  assertEquals(bars[0].trim().length, bars[0].length, "the root spans the trace");
  for (let i = 1; i < bars.length; i++) {
    assert(bars[i].search("█") >= bars[i - 1].search("█"));
    assert(bars[i].trim().length <= bars[i - 1].trim().length);
  }
  // Under each row, its span's lines.
  assertEquals(
    recordLines(lines.map((l) => l.replace(/^ {4}/, "")).join("\n")).length,
    mine.length,
  );
  let current = "";
  for (const l of lines.slice(2)) {
    if (!l.startsWith("    ")) current = l.split(/\s+/)[1];
    else if (RECORD.test(l.slice(4))) {
      const span = spans.get(current)!;
      assert(span.some((r) => l.includes(r.message as string)), `${l} under ${current}`);
    }
  }
  // trace --request: the same trace, from files (read twice) and from stdin (read once).
  assertEquals((await cli(["trace", "--request", requestId, ...all])).out, out);
  const text = (await Promise.all(all.map((f) => Deno.readTextFile(f)))).join("");
  assertEquals((await cli(["trace", "--request", requestId], { stdin: text })).out, out);
  assertEquals((await cli(["trace", "0".repeat(31) + "1", ...all])).code, 1);
});

// ---------------------------------------------------------------------------------------------
// stats

/** Exact percentile bounds: DDSketch answers the value of rank q·(n−1) within its accuracy. */
function percentileBounds(sorted: number[], q: number): [number, number] {
  const rank = q * (sorted.length - 1);
  return [sorted[Math.floor(rank)], sorted[Math.ceil(rank)]];
}
const ALPHA = 0.01; // the sketch's relative accuracy (RELATIVE_ACCURACY in cli/_stats.ts)

Deno.test("main stats: per endpoint requests, 4xx/5xx rates and p50/p95/p99/max against exact figures, sorted by total", async () => {
  const { files, records } = await getLogs();
  const all = [files.gateway, files.inventory, files.pricing];
  const groups = new Map<string, { status: number[]; ms: number[] }>();
  for (const { obj } of records) {
    const r = read(obj);
    if (typeof r.status_code !== "number" || typeof r.method !== "string") continue;
    const key = `${r.method} ${r.route ?? r.path}`;
    const g = groups.get(key) ?? { status: [], ms: [] };
    g.status.push(r.status_code);
    g.ms.push(r.duration_ms as number);
    groups.set(key, g);
  }
  // By route where the services set one (/orders/:id), else by path (/health, /boom, /nope).
  assertEquals(groups.size, 7);
  const { code, out } = await cli(["stats", "--json", ...all]);
  assertEquals(code, 0);
  const rows = JSON.parse(out) as Json[];
  assertEquals(new Set(rows.map((r) => r.key)), new Set(groups.keys()));
  for (const row of rows) {
    const g = groups.get(row.key as string)!;
    const n = g.status.length;
    assertEquals(row.count, n);
    assertEquals(row.rate_4xx, g.status.filter((s) => s >= 400 && s < 500).length / n);
    assertEquals(row.rate_5xx, g.status.filter((s) => s >= 500).length / n);
    const sorted = [...g.ms].sort((a, b) => a - b);
    assertEquals(row.max, sorted[n - 1]);
    for (const [name, q] of [["p50", 0.5], ["p95", 0.95], ["p99", 0.99]] as const) {
      const [lo, hi] = percentileBounds(sorted, q);
      const v = row[name] as number;
      assert(v >= lo * (1 - ALPHA) - 1e-9 && v <= hi * (1 + ALPHA) + 1e-9, `${row.key} ${name}`);
    }
    const total = g.ms.reduce((a, b) => a + b, 0);
    assert(Math.abs((row.total_ms as number) - total) < 1e-6);
  }
  for (let i = 1; i < rows.length; i++) {
    assert((rows[i - 1].total_ms as number) >= (rows[i].total_ms as number), "by total time");
  }
  // The table: the same rows in the same order, aligned.
  const table = (await cli(["stats", ...all])).out.trimEnd().split("\n");
  assertMatch(
    table[0],
    /^ENDPOINT\s+REQUESTS\s+4XX\s+5XX\s+P50_MS\s+P95_MS\s+P99_MS\s+MAX_MS\s+TOTAL_MS$/,
  );
  assertEquals(table.length, rows.length + 1);
  assert(table.every((l) => l.length === table[0].length), "aligned");
  for (let i = 0; i < rows.length; i++) {
    const cells = table[i + 1].split(/\s{2,}/);
    assertEquals(cells[0].trim(), rows[i].key);
    assertEquals(Number(cells[1]), rows[i].count);
    const pct = (v: unknown) => `${((v as number) * 100).toFixed(1)}%`;
    assertEquals([cells[2], cells[3]], [pct(rows[i].rate_4xx), pct(rows[i].rate_5xx)]);
  }
  // 5xx where the services failed: /boom, /orders/13 (502), /stock/13 (500).
  const failed = rows.filter((r) => (r.rate_5xx as number) > 0).map((r) => r.key).sort();
  assertEquals(failed, ["GET /boom", "GET /orders/:id", "GET /stock/:id"]);
  assertEquals(rows.find((r) => r.key === "GET /price/:id")!.rate_4xx, 4 / 19);
});

Deno.test("main stats --by status|logger|level: counts against the lines", async () => {
  const { files, records } = await getLogs();
  const all = [files.gateway, files.inventory, files.pricing];
  const lines = records.map((r) => read(r.obj));
  const count = (key: (r: Json) => string | undefined) => {
    const m = new Map<string, number>();
    for (const r of lines) {
      const k = key(r);
      if (k !== undefined) m.set(k, (m.get(k) ?? 0) + 1);
    }
    return m;
  };
  const expected = {
    status: count((r) => typeof r.status_code === "number" ? String(r.status_code) : undefined),
    logger: count((r) => r.logger as string),
    level: count((r) => r.level as string),
  };
  for (const by of ["status", "logger", "level"] as const) {
    const { code, out } = await cli(["stats", "--by", by, "--json", ...all]);
    assertEquals(code, 0);
    const got = new Map((JSON.parse(out) as Json[]).map((r) => [r.key as string, r.count]));
    assertEquals(got, expected[by], by);
  }
  assertEquals((await cli(["stats", "--by", "nothing", files.gateway])).code, 2);
});

// ---------------------------------------------------------------------------------------------
// HTML, in a real headless browser

async function renderInChromium(page: string, screenshot: string): Promise<string> {
  const flags = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
    `--user-data-dir=${DIR}/chromium-profile`,
    "--virtual-time-budget=5000",
  ];
  const url = `file://${page}`;
  const run = async (extra: string[]) => {
    const { code, stdout, stderr } = await new Deno.Command("chromium", {
      args: [...flags, ...extra, url],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    assertEquals(code, 0, dec.decode(stderr));
    return dec.decode(stdout);
  };
  await run([`--screenshot=${screenshot}`, "--window-size=1280,900"]);
  assert((await Deno.stat(screenshot)).size > 1000, "a screenshot was saved");
  return await run(["--dump-dom"]);
}

Deno.test("main trace --html / stats --html: self-contained pages that a headless Chromium renders", async () => {
  const { files, traceId } = await getLogs();
  const all = [files.gateway, files.inventory, files.pricing];
  const tracePage = `${DIR}/trace.html`;
  const statsPage = `${DIR}/stats.html`;
  assertEquals((await cli(["trace", traceId, "--html", tracePage, ...all])).code, 0);
  assertEquals((await cli(["stats", "--html", statsPage, ...all])).code, 0);
  for (const page of [tracePage, statsPage]) {
    const html = await Deno.readTextFile(page);
    assert(!/\b(src|href)=/.test(html), "nothing loaded from anywhere");
    assert(html.includes("default-src 'none'"));
  }
  const dom = await renderInChromium(tracePage, `${DIR}/trace.png`);
  assert(dom.includes('data-rendered="true"'), "the page's script ran");
  assertEquals(dom.match(/class="span-row"/g)?.length, 3);
  const widths = [
    ...dom.matchAll(/class="span-bar"[^>]*style="left: ([\d.]+)%; width: ([\d.]+)%;"/g),
  ];
  assertEquals(widths.length, 3, dom.slice(0, 2000));
  assertEquals(Number(widths[0][2]), 100);
  assert(dom.includes("gateway") && dom.includes("inventory") && dom.includes("pricing"));

  const stats = JSON.parse((await cli(["stats", "--json", ...all])).out) as Json[];
  const sdom = await renderInChromium(statsPage, `${DIR}/stats.png`);
  assert(sdom.includes('data-rendered="true"'));
  const figures = sdom.match(/<figure class="histogram"/g)?.length;
  assertEquals(figures, stats.filter((r) => (r.timed as number) > 0).length);
  // Every histogram's bars add up to its endpoint's requests.
  const bars = [...sdom.matchAll(/<rect class="hist-bar"[^>]*data-count="(\d+)"/g)];
  assertEquals(bars.length, figures! * 17);
  const sum = bars.reduce((a, m) => a + Number(m[1]), 0);
  assertEquals(sum, stats.reduce((a, r) => a + (r.timed as number), 0));
  assertEquals(sdom.match(/<tr>/g)?.length, stats.length + 1);
});

// ---------------------------------------------------------------------------------------------
// Streaming

Deno.test("main pretty: each line is written as it arrives (tail -f | … pretty)", async () => {
  const { records } = await getLogs();
  const child = new Deno.Command(DENO, {
    args: ["run", "--allow-read", CLI, "pretty"],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
    cwd: ROOT,
  }).spawn();
  const writer = child.stdin.getWriter();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const enc = new TextEncoder();
  for (const { raw, obj } of records.slice(0, 3)) {
    // One line in, its record out, while stdin stays open.
    await writer.write(enc.encode(raw + "\n"));
    const { value } = await reader.read();
    assert(value !== undefined && RECORD.test(value), value);
    assert(value.includes(read(obj).message as string));
  }
  await writer.close();
  assertEquals((await reader.read()).done, true);
  assertEquals((await child.status).code, 0);
});

Deno.test("main stats: groups are capped, the rest counted under (other)", async () => {
  const n = 10_050;
  let text = "";
  for (let i = 0; i < n; i++) {
    text +=
      `{"timestamp":"2026-01-01T00:00:00.000Z","level":"INFO","logger":"http","message":"m","request_id":"r${i}","method":"GET","path":"/p/${i}","status_code":200,"duration_ms":${
        i % 10
      }}\n`;
  }
  const { code, out } = await cli(["stats", "--json"], { stdin: text });
  assertEquals(code, 0);
  const rows = JSON.parse(out) as Json[];
  assertEquals(rows.length, 10_000 + 1);
  assertEquals(rows.find((r) => r.key === "(other)")!.count, n - 10_000);
  assertEquals(rows.reduce((a, r) => a + (r.count as number), 0), n);
});

Deno.test("main: a line over 16 MiB is passed over, the lines around it are read", async () => {
  const line = (m: string) =>
    `{"timestamp":"2026-01-01T00:00:00.000Z","level":"INFO","logger":"app","message":"${m}","request_id":"-"}`;
  const huge = `{"message":"${"x".repeat(17 * 1024 * 1024)}"}`;
  const { code, out } = await cli(["pretty"], {
    stdin: `${line("before")}\n${huge}\n${line("after")}\n`,
  });
  assertEquals(code, 0);
  assertEquals(out.trimEnd().split("\n").map((l) => l.split(" ").pop()), ["before", "after"]);
});

// ---------------------------------------------------------------------------------------------
// the gcp and datadog rows of the reading table

Deno.test("main reads gcp and datadog lines: the endpoint, status and duration back in milliseconds, the trace, the error's stack below", async () => {
  for (const preset of ["gcp", "datadog", "ecs"] as const) {
    const { raw, request, error } = await storeLines(preset);
    const stdin = raw.join("\n") + "\n";
    const stats = await cli(["stats", "--json"], { stdin });
    assertEquals(stats.code, 0);
    const rows = JSON.parse(stats.out) as Json[];
    const ok = rows.find((r) => r.key === "GET /runs/42")!;
    assertEquals(ok.count, 1, preset);
    const ms = preset === "gcp"
      ? Number(((request.httpRequest as Json).latency as string).slice(0, -1)) * 1000
      : (request[preset === "ecs" ? "event.duration" : "duration"] as number) / 1e6;
    assert(Math.abs((ok.max as number) - ms) < 1e-6, `${preset}: ${ok.max} vs ${ms}`);
    assertEquals(rows.find((r) => r.key === "GET /boom")!.rate_5xx, 1, preset);
    const byLevel = await cli(["stats", "--by", "level", "--json"], { stdin });
    const levels = new Map((JSON.parse(byLevel.out) as Json[]).map((r) => [r.key, r.count]));
    assertEquals(levels, new Map([["INFO", 2], ["ERROR", 2]]), preset);
    // The error line's stack below it, as for the default preset.
    const pretty = (await cli(["pretty"], { stdin })).out.split("\n");
    const at = pretty.findIndex((l) => l.includes("Unhandled error"));
    assert.match(
      pretty[at + 1],
      /^ {4}TypeError: run 42 has no owner$/,
      `${preset}: ${JSON.stringify(error)}`,
    );
    assertMatch(pretty[at + 2], /^ {6}at /);
  }
});
