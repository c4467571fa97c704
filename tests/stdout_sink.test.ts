// The default sink on Deno, Node and Bun (stdoutSink), through real child processes and
// their real stdout: lines held until the end of the event-loop turn or written at the size
// threshold, order kept and no line split under concurrent requests on a real Deno.serve,
// a slow reader (bounded memory, nothing lost). Exit paths: tests/subprocess.test.ts.
import assert from "node:assert/strict";
import { exists, spawnPiped } from "./_helpers.ts";

const root = new URL("..", import.meta.url).pathname;
const child = new URL("./fixtures/stdout_child.ts", import.meta.url).pathname;
const bin = `${root}node_modules/.bin`;
const canRun = Deno.permissions.querySync({ name: "run" }).state === "granted";

const RUNTIMES: { name: string; argv: string[]; available: boolean }[] = [
  {
    name: "deno",
    argv: [
      Deno.execPath(),
      "run",
      "--quiet",
      "--no-check",
      "--v8-flags=--expose-gc",
      "--allow-net=127.0.0.1",
      child,
    ],
    available: true,
  },
  {
    name: "node",
    argv: ["node", "--expose-gc", "--import", "tsx", child],
    available: exists(`${bin}/tsx`),
  },
  { name: "bun", argv: [`${bin}/bun`, child], available: exists(`${bin}/bun`) },
];

const spawn = (argv: string[], mode: string) => spawnPiped(argv, [mode]);

async function run(argv: string[], mode: string): Promise<{ code: number; out: string[] }> {
  const out = await spawn(argv, mode).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  const stdout = new TextDecoder().decode(out.stdout);
  assert.ok(stdout.endsWith("\n"), "the output ends with a whole line");
  return { code: out.code, out: stdout.slice(0, -1).split("\n") };
}

/** The message of a JSON line, or the line itself when it is not one. */
function label(line: string): string {
  return line.startsWith("{") ? JSON.parse(line).message : line;
}

for (const rt of RUNTIMES) {
  Deno.test({
    name: `stdoutSink (${rt.name}): a line waits for the end of its event-loop turn`,
    ignore: !canRun || !rt.available,
    async fn() {
      const { out } = await run(rt.argv, "turn");
      assert.deepEqual(out.map(label), ["MARK", "A", "B"]);
    },
  });

  Deno.test({
    name: `stdoutSink (${rt.name}): past 64 KiB in one turn, lines are written inside the call`,
    ignore: !canRun || !rt.available,
    async fn() {
      const { out } = await run(rt.argv, "threshold");
      const mark = out.indexOf("MARK");
      const labels = out.map(label).filter((l) => l !== "MARK");
      assert.deepEqual(labels, Array.from({ length: 200 }, (_, i) => `t${i}`), "all, in order");
      const before = out.slice(0, mark).join("\n").length;
      assert.ok(before >= 65536, `${before} characters before MARK`);
      assert.ok(mark < 200, "the last lines of the turn wait for its end");
    },
  });

  Deno.test({
    name: `stdoutSink (${rt.name}): a slow reader: memory stays under the cap, no line lost or cut`,
    ignore: !canRun || !rt.available,
    async fn() {
      const proc = spawn(rt.argv, "flood");
      // Read 64 KiB every 4 ms: about 16 MB/s, slower than the child writes.
      const reader = proc.stdout.getReader({ mode: "byob" });
      const decoder = new TextDecoder();
      let text = "";
      for (;;) {
        const { value, done } = await reader.read(new Uint8Array(65536));
        if (done) break;
        text += decoder.decode(value, { stream: true });
        await new Promise((resolve) => setTimeout(resolve, 4));
      }
      const [status, stderrBytes] = await Promise.all([
        proc.status,
        new Response(proc.stderr).arrayBuffer(),
      ]);
      const stderr = new TextDecoder().decode(stderrBytes);
      assert.equal(status.code, 0, stderr);
      const lines = text.slice(0, -1).split("\n");
      assert.equal(lines.length, 24_000);
      lines.forEach((l, i) => assert.equal(JSON.parse(l).message, `f${i}`));
      const peak = Number(/peak_growth_bytes=(\d+)/.exec(stderr)?.[1]);
      // 24 MB written: the cap (4 MiB held) plus a batch and the runtime's own slack.
      assert.ok(peak < 12 * 2 ** 20, `memory grew by ${(peak / 2 ** 20).toFixed(1)} MiB`);
    },
  });
}

Deno.test({
  name:
    "stdoutSink (deno): concurrent requests on a real Deno.serve: every line whole, each request's in order, other output never inside a line",
  ignore: !canRun,
  async fn() {
    const proc = spawn(RUNTIMES[0].argv, "serve");
    const stdout = new Response(proc.stdout).text();
    const errReader = proc.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let err = "";
    while (!/LISTENING (\d+)/.test(err)) {
      const { value, done } = await errReader.read();
      if (done) throw new Error(`the child ended: ${err}`);
      err += value;
    }
    const port = /LISTENING (\d+)/.exec(err)![1];
    // 300 requests, 50 at a time, paddings from 0 to 20,000 characters (lines past the
    // pipe's atomic size and the batch threshold).
    const pads = Array.from({ length: 300 }, (_, i) => (i * 7919) % 20_000);
    for (let at = 0; at < pads.length; at += 50) {
      await Promise.all(
        pads.slice(at, at + 50).map(async (pad, j) => {
          const res = await fetch(`http://127.0.0.1:${port}/r?seq=${at + j}&pad=${pad}`);
          assert.equal(await res.text(), "ok");
        }),
      );
    }
    await (await fetch(`http://127.0.0.1:${port}/quit`)).text();
    const status = await proc.status;
    errReader.releaseLock();
    assert.equal(status.code, 0);
    const lines = (await stdout).slice(0, -1).split("\n");
    const perRequest = new Map<string, string[]>();
    let others = 0;
    for (const line of lines) {
      if (line.startsWith("OTHER ")) {
        others++;
        assert.match(line, /^OTHER \d+ p*$/);
        continue;
      }
      const record = JSON.parse(line); // throws on a line cut or mixed with other output
      if (record.logger !== "child") continue;
      assert.equal(record.pad, "p".repeat(pads[Number(record.seq)]));
      const seen = perRequest.get(record.seq) ?? [];
      seen.push(record.message);
      perRequest.set(record.seq, seen);
    }
    assert.equal(others, 300);
    assert.equal(perRequest.size, 300);
    for (const [seq, messages] of perRequest) {
      assert.deepEqual(messages, ["one", "two", "three"], `request ${seq}`);
    }
  },
});
