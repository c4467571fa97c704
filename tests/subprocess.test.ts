// Failures only a real process shows: stdout closed under the logger (EPIPE), and
// a buffered sink flushed by the exit hooks. These tests run `deno run` children,
// so the test task grants --allow-run; without it they are skipped.
import assert from "node:assert/strict";
import { exists, spawnPiped } from "./_helpers.ts";

const canRun = Deno.permissions.querySync({ name: "run" }).state === "granted";
const child = new URL("./fixtures/sink_child.ts", import.meta.url).pathname;
const REPORT = "log sink failed; its lines go to stderr from now on when it fails";

function spawn(mode: string) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-check", "--allow-net=127.0.0.1", child, mode],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

async function closedStdout(mode: string): Promise<{ code: number; stderr: string[] }> {
  const proc = spawn(mode);
  await proc.stdout.cancel(); // the reader is gone: every write to stdout is EPIPE
  const writer = proc.stdin.getWriter();
  await writer.write(new TextEncoder().encode("go\n"));
  await writer.close();
  const [status, err] = await Promise.all([proc.status, new Response(proc.stderr).text()]);
  return { code: status.code, stderr: err.split("\n").filter((l) => l !== "") };
}

Deno.test({
  name:
    "configureLogging sink: stdout closed (EPIPE) under a sink that writes to it: every request answers, one report, the lines on stderr",
  ignore: !canRun,
  async fn() {
    const { code, stderr } = await closedStdout("epipe-write");
    assert.equal(code, 0, stderr.join("\n"));
    const summary = JSON.parse(stderr.at(-1)!);
    assert.deepEqual(summary, { summary: true, right: 20 });
    const reports = stderr.filter((l) => l.includes(REPORT));
    assert.equal(reports.length, 1);
    assert.match(reports[0], /BrokenPipe|Broken pipe/);
    const counts = new Map<string, number>();
    for (const l of stderr.slice(0, -1)) {
      if (l.includes(REPORT)) continue;
      const line = JSON.parse(l);
      counts.set(line.request_id, (counts.get(line.request_id) ?? 0) + 1);
    }
    for (let i = 0; i < 20; i++) assert.equal(counts.get(`child-${i}`), 3, `child-${i}`);
  },
});

Deno.test({
  name:
    "configureLogging sink: stdout closed (EPIPE) under the default console sink: the process keeps serving",
  ignore: !canRun,
  async fn() {
    const { code, stderr } = await closedStdout("epipe-console");
    assert.equal(code, 0, stderr.join("\n"));
    assert.deepEqual(JSON.parse(stderr.at(-1)!), { summary: true, right: 20 });
  },
});

// ---------------------------------------------------------------------------
// Exit paths: tests/fixtures/exit_child.ts on Deno, Node (through tsx) and Bun.

const root = new URL("..", import.meta.url).pathname;
const exitChild = new URL("./fixtures/exit_child.ts", import.meta.url).pathname;
const bin = `${root}node_modules/.bin`;

function onPath(name: string): boolean {
  return (Deno.env.get("PATH") ?? "").split(":").some((dir) => dir && exists(`${dir}/${name}`));
}

const RUNTIMES: { name: string; argv: string[]; available: boolean }[] = [
  {
    name: "deno",
    argv: [Deno.execPath(), "run", "--quiet", "--no-check", exitChild],
    available: true,
  },
  {
    name: "node",
    argv: ["node", "--import", "tsx", exitChild],
    available: onPath("node") && exists(`${bin}/tsx`),
  },
  { name: "bun", argv: [`${bin}/bun`, exitChild], available: exists(`${bin}/bun`) },
];

interface Ended {
  code: number;
  signal: Deno.Signal | null;
  stdout: string;
  stderr: string;
}

/** Runs the child in `mode`; sends `signal` once it says "ready" on stderr. */
async function runChild(
  argv: string[],
  mode: string,
  signal?: Deno.Signal,
  sink = "buffered",
): Promise<Ended> {
  const proc = spawnPiped(argv, [mode, sink]);
  const killer = setTimeout(() => proc.kill("SIGKILL"), 30_000);
  let stderr = "";
  const readErr = (async () => {
    const decoder = new TextDecoder();
    let signalled = false;
    for await (const chunk of proc.stderr) {
      stderr += decoder.decode(chunk, { stream: true });
      if (signal && !signalled && stderr.includes("ready\n")) {
        signalled = true;
        proc.kill(signal);
      }
    }
  })();
  const [status, stdout] = await Promise.all([proc.status, new Response(proc.stdout).text()]);
  await readErr;
  clearTimeout(killer);
  return { code: status.code, signal: status.signal, stdout, stderr };
}

/** The messages of the JSON lines on stdout. */
function messages(stdout: string): string[] {
  return stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l).message);
}

const FIVE = ["line 0", "line 1", "line 2", "line 3", "line 4"];

const CASES: {
  mode: string;
  signal?: Deno.Signal;
  lines: string[];
  code: number;
  killedBy?: Deno.Signal;
  stderr?: RegExp;
}[] = [
  { mode: "end", lines: FIVE, code: 0 },
  { mode: "exit", lines: FIVE, code: 7 },
  { mode: "throw", lines: [...FIVE, "line 5"], code: 1, stderr: /crash in the child/ },
  { mode: "throw-main", lines: FIVE, code: 1, stderr: /crash in the child/ },
  { mode: "reject", lines: FIVE, code: 1, stderr: /rejected in the child/ },
  { mode: "async-end", lines: FIVE, code: 0 },
  { mode: "flush-io", lines: FIVE, code: 0 },
  { mode: "sigterm", signal: "SIGTERM", lines: FIVE, code: 143, killedBy: "SIGTERM" },
  { mode: "sigint", signal: "SIGINT", lines: FIVE, code: 130, killedBy: "SIGINT" },
  { mode: "sigterm-app", signal: "SIGTERM", lines: [...FIVE, "line 5"], code: 0 },
];

/** The cases about the sink's own target (async, flush with I/O) are bufferedSink's alone. */
const TARGET_CASES = new Set(["async-end", "flush-io"]);

for (const runtime of RUNTIMES) {
  for (
    const [sink, c] of ["buffered", "default"].flatMap((sink) =>
      CASES.map((c) => [sink, c] as const)
    )
  ) {
    if (sink === "default" && TARGET_CASES.has(c.mode)) continue;
    Deno.test({
      name: `exit (${runtime.name}, ${c.mode}${
        sink === "default" ? ", default sink" : ""
      }): the lines accepted are written, the process ends as it would have`,
      ignore: !canRun || !runtime.available,
      async fn() {
        const start = performance.now();
        const ended = await runChild(runtime.argv, c.mode, c.signal, sink);
        const context = `${runtime.name} ${c.mode}: ${JSON.stringify(ended)}`;
        assert.deepEqual(messages(ended.stdout), c.lines, context);
        assert.equal(ended.code, c.code, context);
        assert.equal(ended.signal, c.killedBy ?? null, context);
        if (c.stderr) assert.match(ended.stderr, c.stderr, context);
        assert.ok(performance.now() - start < 25_000, "the 60 s timer held the process");
      },
    });
  }

  Deno.test({
    name:
      `configureLogging sink: exit (${runtime.name}): without flushLogsOnSignals, SIGTERM ends the process the same way`,
    ignore: !canRun || !runtime.available,
    async fn() {
      const bare = await runChild(runtime.argv, "sigterm-bare", "SIGTERM");
      assert.equal(bare.code, 143);
      assert.equal(bare.signal, "SIGTERM");
    },
  });
}

// ---------------------------------------------------------------------------
// patchConsole with the README's sinks, the real console, a real Deno.serve request.

const consoleChild = new URL("./fixtures/console_child.ts", import.meta.url).pathname;

for (
  const sink of [
    "default",
    "consoleSink",
    "console.log",
    "buffered-console",
    "buffered-consoleSink",
  ]
) {
  // consoleSink writes through the method of each line's level: the WARN line to stderr.
  const warnOnStderr = sink === "consoleSink";
  Deno.test({
    name: `patchConsole with sink ${sink}: each line once, as itself, on stdout${
      warnOnStderr ? " (WARN on stderr, by console.warn)" : ""
    }; nothing else on stderr but the app's`,
    ignore: !canRun,
    async fn() {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--quiet", "--no-check", "--allow-net=127.0.0.1", consoleChild, sink],
        stdin: "null",
        env: { NO_COLOR: "1" },
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, stderr);
      const errLines = stderr.split("\n").filter((l) => l !== "");
      const id = /^id=(\S+)$/.exec(errLines.at(-1) ?? "")?.[1];
      assert.ok(id, `stderr ends with the app's own line: ${stderr}`);
      const warn = ["console", "WARN", "from console.warn 42", id];
      const fields = (l: Record<string, unknown>) => [l.logger, l.level, l.message, l.request_id];
      assert.deepEqual(
        errLines.slice(0, -1).map((l) => fields(JSON.parse(l))),
        warnOnStderr ? [warn] : [],
      );
      const lines = stdout.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
      assert.deepEqual(lines.map(fields), [
        ["http", "INFO", "GET /c", id],
        ["app", "INFO", "from the logger", id],
        ...(warnOnStderr ? [] : [warn]),
        ["http", "INFO", "GET /c - 200", id],
      ]);
    },
  });
}
