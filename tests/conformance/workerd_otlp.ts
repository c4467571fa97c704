/**
 * otlpSink in real workerd (through Miniflare): each request's lines are sent
 * after the response, through `ctx.waitUntil`, retries included; without the
 * per-request send, a timer after the response never runs. The receiver is a
 * node:http server on 127.0.0.1 that fails on purpose.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Counts, runCases } from "./runner.ts";
import { startWorker } from "./workerd.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

interface Receiver {
  url: string;
  bodies: Json[];
  /** Statuses for the next requests; 200 once used up. */
  answers: number[];
  close(): Promise<void>;
}

async function startReceiver(answers: number[]): Promise<Receiver> {
  const bodies: Json[] = [];
  const server: Server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk) => (text += chunk));
    req.on("end", () => {
      bodies.push(JSON.parse(text));
      res.writeHead(answers.shift() ?? 200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    answers,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await sleep(20);
  return check();
}

/** The request ids of the records in the bodies, with their scopes. */
function records(bodies: Json[]): { scope: string; id: string; body: string }[] {
  return bodies.flatMap((b) =>
    b.resourceLogs.flatMap((rl: Json) =>
      rl.scopeLogs.flatMap((sl: Json) =>
        sl.logRecords.map((r: Json) => ({
          scope: sl.scope.name,
          id: r.attributes.find((a: Json) => a.key === "request_id")?.value.stringValue,
          body: r.body.stringValue,
        }))
      )
    )
  );
}

async function sentThroughWaitUntil(script: string): Promise<void> {
  const receiver = await startReceiver([503]);
  const worker = await startWorker(script, { flags: ["nodejs_als"] });
  try {
    const start = Date.now();
    const res = await fetch(`${worker.url}/`, {
      headers: { "X-Request-ID": "otlp-1", "x-otlp-endpoint": receiver.url },
    });
    assert.equal(await res.text(), "ok");
    const answered = Date.now() - start;
    assert.ok(await waitFor(() => receiver.bodies.length >= 2, 5_000), "503, then sent again");
    const got = records(receiver.bodies.slice(1));
    assert.deepEqual(got.map((r) => r.id), ["otlp-1", "otlp-1", "otlp-1"]);
    assert.deepEqual(got.map((r) => r.scope), ["http", "http", "app"]);
    assert.ok(got.some((r) => r.body === "otlp probe"));
    assert.deepEqual(receiver.bodies[1], receiver.bodies[0], "the same batch, sent again");
    assert.equal(
      receiver.bodies[0].resourceLogs[0].resource.attributes[0].value.stringValue,
      "worker",
    );
    const state = await (await fetch(`${worker.url}/dropped`)).json();
    assert.deepEqual(state, { dropped: 0, flushOnRequestEnd: true });
    assert.ok(answered < 1_000, `answered in ${answered} ms`);
  } finally {
    await worker.close();
    await receiver.close();
  }
}

async function refusedIsDropped(script: string): Promise<void> {
  const closed = await startReceiver([]);
  await closed.close();
  let output = "";
  const worker = await startWorker(script, {
    flags: ["nodejs_als"],
    onOutput: (text) => (output += text),
  });
  try {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${worker.url}/`, {
        headers: { "X-Request-ID": `refused-${i}`, "x-otlp-endpoint": closed.url },
      });
      assert.equal(await res.text(), "ok");
    }
    // 3 attempts: 200 + 300 ms of backoff (±20%), for each request's batch of 3 lines.
    let state: Json = {};
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      state = await (await fetch(`${worker.url}/dropped`)).json();
      if (state.dropped === 6) break;
      await sleep(100);
    }
    assert.equal(state.dropped, 6, JSON.stringify(state));
    assert.equal(output.split("otlpSink dropped log lines").length - 1, 1, output);
  } finally {
    await worker.close();
  }
}

async function bufferedNeedsWaitUntil(script: string): Promise<void> {
  const receiver = await startReceiver([]);
  const worker = await startWorker(script, { flags: ["nodejs_als"] });
  try {
    const res = await fetch(`${worker.url}/`, {
      headers: { "x-otlp-endpoint": receiver.url, "x-otlp-buffered": "1" },
    });
    assert.equal(await res.text(), "ok");
    await sleep(1_000);
    assert.equal(receiver.bodies.length, 0, "a timer after the response never ran");
  } finally {
    await worker.close();
    await receiver.close();
  }
}

/** The otlpSink cases, as one workerd group. */
export function otlpGroup(script: string): { name: string; run(): Promise<Counts> } {
  return {
    name: "otlp",
    run: () =>
      runCases({ runtime: "workerd", adapter: "fetch", baseUrl: "" }, [{
        name:
          "otlpSink: each request's lines are sent after the response through ctx.waitUntil, a 503 retried",
        run: () => sentThroughWaitUntil(script),
      }, {
        name: "otlpSink: a refused connection is retried, then dropped, counted and reported once",
        run: () => refusedIsDropped(script),
      }, {
        name: "otlpSink: without the per-request send (flushOnRequestEnd: false) nothing leaves",
        run: () => bufferedNeedsWaitUntil(script),
      }]),
  };
}
