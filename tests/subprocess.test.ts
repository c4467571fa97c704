// Failures only a real process shows: stdout closed under the logger (EPIPE), and
// a buffered sink flushed by the exit hooks. These tests run `deno run` children,
// so the test task grants --allow-run; without it they are skipped.
import assert from "node:assert/strict";

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
    "stdout closed (EPIPE) under a sink that writes to it: every request answers, one report, the lines on stderr",
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
  name: "stdout closed (EPIPE) under the default console sink: the process keeps serving",
  ignore: !canRun,
  async fn() {
    const { code, stderr } = await closedStdout("epipe-console");
    assert.equal(code, 0, stderr.join("\n"));
    assert.deepEqual(JSON.parse(stderr.at(-1)!), { summary: true, right: 20 });
  },
});

for (const mode of ["exit-end", "exit-deno-exit"]) {
  Deno.test({
    name:
      `bufferedSink: lines held at exit are written (${mode}), and its timer does not hold the process`,
    ignore: !canRun,
    async fn() {
      const start = performance.now();
      const proc = spawn(mode);
      await proc.stdin.close();
      const [status, out, err] = await Promise.all([
        proc.status,
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
      ]);
      assert.equal(status.code, 0, err);
      const lines = out.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l).message);
      assert.deepEqual(lines, ["line 0", "line 1", "line 2", "line 3", "line 4"]);
      assert.ok(performance.now() - start < 30_000, "the 60 s timer held the process");
    },
  });
}
