/**
 * Cases only workerd has: the compatibility flags.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type Counts, runCases } from "./runner.ts";
import { suite } from "./suite.ts";
import { readFileSync } from "node:fs";
import { bundle, startWorker } from "./workerd.ts";
import { get } from "./client.ts";
import { otlpGroup } from "./workerd_otlp.ts";

const EXAMPLE_DIR = "examples/cloudflare_worker";

/**
 * Without `nodejs_als` or `nodejs_compat` the Worker must fail at startup,
 * not inside a request, with an error that names the flag to add.
 */
async function missingFlag(script: string): Promise<void> {
  let output = "";
  let started = false;
  try {
    const worker = await startWorker(script, { flags: [], onOutput: (text) => (output += text) });
    started = true;
    await worker.close();
  } catch {
    // Expected: workerd refuses to start the Worker.
  }
  assert.ok(!started, "the Worker started without AsyncLocalStorage");
  assert.match(output, /nodejs_als/, `workerd said: ${output.trim()}`);
}

/**
 * Workers Logs extracts and indexes the fields of an object passed to the console;
 * a string is kept as one `message`. The default sink must therefore hand each line
 * to the console as an object, through the method of its level, so that Workers Logs
 * and `wrangler dev` see its severity.
 */
async function defaultSink(script: string): Promise<void> {
  const worker = await startWorker(script, { flags: ["nodejs_als"] });
  try {
    const res = await get(
      { runtime: "workerd", adapter: "fetch", baseUrl: worker.url },
      "/",
      "sink-1",
    );
    const calls = await res.json();
    assert.deepEqual(
      calls.map((
        c: { method: string; count: number; type: string },
      ) => [c.method, c.count, c.type]),
      [
        ["debug", 1, "object"],
        ["info", 1, "object"],
        ["warn", 1, "object"],
        ["error", 1, "object"],
        ["error", 1, "object"],
      ],
      JSON.stringify(calls),
    );
    for (const [i, level] of ["DEBUG", "INFO", "WARN", "ERROR", "CRITICAL"].entries()) {
      const value = calls[i].value;
      assert.equal(value.level, level);
      assert.equal(value.message, "probe line");
      assert.equal(value.request_id, "sink-1");
      assert.equal(value.user_id, 7);
    }
  } finally {
    await worker.close();
  }
}

/**
 * What `wrangler dev` shows: workerd prints each line on one terminal line (the object's
 * `util.inspect` form is the JSON line itself), WARN and above on stderr.
 */
async function oneTerminalLine(script: string): Promise<void> {
  const printed: { stream: "stdout" | "stderr"; text: string }[] = [];
  const worker = await startWorker(script, {
    flags: ["nodejs_als"],
    onOutput: (text, stream) => printed.push({ stream, text }),
  });
  try {
    const target = { runtime: "workerd", adapter: "fetch" as const, baseUrl: worker.url };
    const res = await get(target, "/print", "print-1");
    assert.equal(await res.text(), "printed");
    const levels = ["DEBUG", "INFO", "WARN", "ERROR", "CRITICAL"];
    const linesOf = (stream: string) =>
      printed.filter((p) => p.stream === stream).flatMap((p) => p.text.split("\n"));
    const deadline = Date.now() + 5_000;
    const found = () =>
      [...linesOf("stdout"), ...linesOf("stderr")].filter((l) => l.includes("print-"));
    while (found().length < levels.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    for (const level of levels) {
      const stream = level === "DEBUG" || level === "INFO" ? "stdout" : "stderr";
      const lines = linesOf(stream).filter((l) => l.includes(`print-${level}`));
      assert.equal(lines.length, 1, `${level} on ${stream}: ${JSON.stringify(printed)}`);
      const record = JSON.parse(lines[0]); // the whole record on its one terminal line
      assert.equal(record.level, level);
      assert.equal(record.request_id, "print-1");
      assert.deepEqual(record.nested, { a: [1] });
    }
  } finally {
    await worker.close();
  }
}

/**
 * examples/cloudflare_worker runs with the date and flags of its own
 * wrangler.jsonc, and its `ctx.waitUntil` work logs with the request's id.
 */
async function example(): Promise<void> {
  const jsonc = readFileSync(`${EXAMPLE_DIR}/wrangler.jsonc`, "utf8");
  const config = JSON.parse(jsonc.replace(/^\s*\/\/.*$/gm, ""));
  let output = "";
  const worker = await startWorker(await bundle(`${EXAMPLE_DIR}/${config.main}`), {
    flags: config.compatibility_flags,
    compatibilityDate: config.compatibility_date,
    onOutput: (text) => (output += text),
  });
  try {
    const target = { runtime: "workerd", adapter: "fetch" as const, baseUrl: worker.url };
    const res = await get(target, "/runs/42", "example-1");
    assert.deepEqual(await res.json(), { run_id: "42" });
    assert.equal(res.headers.get("X-Request-ID"), "example-1");
    // One entry per log call: a JSON line, or (for an object) workerd's multi-line rendering.
    const entries = () => output.split(/\n(?=\{)/);
    const audits = () => entries().filter((e) => e.includes("Audit entry written"));
    const deadline = Date.now() + 5_000;
    while (audits().length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const lines = audits();
    assert.equal(lines.length, 2, output);
    const own = /request_id["']?:\s*["']example-1["']/;
    assert.equal(lines.filter((l) => own.test(l)).length, 1, lines.join("\n"));
    assert.equal(lines.filter((l) => /started_by["']?:\s*["']example-1["']/.test(l)).length, 1);
    // Both audits carry the run from their context, and no field is written twice.
    assert.equal(lines.filter((l) => /run_id["']?:\s*["']42["']/.test(l)).length, 2, output);
    assert.ok(!output.includes("extra_run_id"), output);
  } finally {
    await worker.close();
  }
}

/**
 * The workerd-only groups: the whole suite again under `nodejs_compat` (what
 * Hono's Workers templates set), the missing-flag check, the default sink,
 * the example Worker and otlpSink.
 */
export function workerdGroups(
  fetchScript: string,
  consoleScript: string,
  otlpScript: string,
): { name: string; run(): Promise<Counts> }[] {
  return [
    {
      name: "nodejs_compat",
      async run() {
        const worker = await startWorker(fetchScript, { flags: ["nodejs_compat"] });
        try {
          return await runCases(
            { runtime: "workerd", adapter: "fetch", baseUrl: worker.url },
            suite.map((c) => ({ ...c, name: `[nodejs_compat] ${c.name}` })),
          );
        } finally {
          await worker.close();
        }
      },
    },
    {
      name: "missing flag",
      run: () =>
        runCases({ runtime: "workerd", adapter: "fetch", baseUrl: "" }, [{
          name: "without nodejs_als/nodejs_compat the Worker fails at startup naming the flag",
          run: () => missingFlag(fetchScript),
        }, {
          name:
            "the default sink hands the console method of each level an object, which Workers Logs indexes",
          run: () => defaultSink(consoleScript),
        }, {
          name:
            "in local workerd (wrangler dev) each line prints on one terminal line, WARN and above on stderr",
          run: () => oneTerminalLine(consoleScript),
        }, {
          name:
            "examples/cloudflare_worker runs with its wrangler.jsonc; waitUntil work keeps the id",
          run: example,
        }]),
    },
    otlpGroup(otlpScript),
  ];
}
