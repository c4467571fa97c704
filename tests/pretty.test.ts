// format: "pretty": the record line, errors' stacks below it, hostile values, and colours
// (terminal or not, NO_COLOR, FORCE_COLOR) in a real subprocess writing to a pipe or to a
// pseudo-terminal.
import assert from "node:assert/strict";
import fc from "fast-check";
import { configureLogging, getLogger, runWithContext, setContextFields } from "../mod.ts";
import { hostileString, params } from "./_fuzz.ts";

const RECORD = /^\d\d:\d\d:\d\d\.\d{3} /;
// deno-lint-ignore no-control-regex
const ESC = /\x1b/;
// deno-lint-ignore no-control-regex
const SGR = /\x1b\[[\d;]*m/g;
/** What must never reach a terminal raw from a value: controls, separators, bidi overrides. */
const UNSAFE =
  // deno-lint-ignore no-control-regex
  /[\x00-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function pretty(options: Parameters<typeof configureLogging>[0] = {}): {
  out: string[];
  restore(): void;
} {
  const out: string[] = [];
  configureLogging({ level: "DEBUG", format: "pretty", ...options, sink: (l) => out.push(l) });
  return { out, restore: () => configureLogging({}) };
}

function localTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${
    p(d.getMilliseconds(), 3)
  }`;
}

Deno.test("configureLogging format 'pretty': local time, level, logger, message, the id's first 8 characters, then the fields", () => {
  const cap = pretty({ service: { name: "runs-api" }, redact: ["password"] });
  try {
    const before = Date.now();
    runWithContext({ requestId: "550e8400-e29b-41d4-a716-446655440000" }, () => {
      setContextFields({ user_id: "abc123" });
      getLogger("runs").child({ step: "create" }).info("Creating run", {
        run_id: 7,
        tags: ["a", "b"],
        note: "two words",
        password: "hunter2",
      });
    });
    const after = Date.now();
    const line = cap.out[0];
    const times = new Set<string>();
    for (let t = before; t <= after; t++) times.add(localTime(t));
    assert.ok(times.has(line.slice(0, 12)), line);
    assert.equal(
      line.slice(13),
      'INFO  runs Creating run [550e8400] service=runs-api user_id=abc123 step=create run_id=7 tags=["a","b"] note="two words" password=[REDACTED]',
    );
    assert.ok(!ESC.test(line), "no colour for a sink of the user's");
    getLogger("jobs").warn("outside");
    assert.match(cap.out[1], /^\d\d:\d\d:\d\d\.\d{3} WARN {2}jobs outside service=runs-api$/);
  } finally {
    cap.restore();
  }
});

Deno.test("configureLogging format 'pretty': an error's stack (and its cause's) below the record, indented", () => {
  const cap = pretty();
  try {
    const error = new Error("payment failed\nat the bank", { cause: new TypeError("socket") });
    getLogger("pay").error("charge", { error, order: 1 });
    const lines = cap.out[0].split("\n");
    assert.match(
      lines[0],
      /^\S+ ERROR pay charge error="Error: payment failed\\nat the bank" order=1$/,
    );
    assert.equal(lines[1], "    Error: payment failed");
    assert.equal(lines[2], "      at the bank");
    assert.ok(lines.slice(1).every((l) => l.startsWith("    ")), cap.out[0]);
    assert.ok(lines.some((l) => /^ {6}at /.test(l)));
    assert.ok(lines.includes("    Caused by:"));
    assert.ok(lines.includes("        TypeError: socket"));
  } finally {
    cap.restore();
  }
});

Deno.test("configureLogging format 'pretty': no value can make a line that looks like a record or reach the terminal raw (property)", () => {
  for (const color of [false, true]) {
    if (color) Deno.env.set("FORCE_COLOR", "1");
    const cap = pretty();
    Deno.env.delete("FORCE_COLOR");
    try {
      fc.assert(
        fc.property(
          hostileString,
          hostileString,
          hostileString,
          hostileString,
          hostileString,
          (message, logger, key, value, stack) => {
            cap.out.length = 0;
            const error = new Error(value);
            error.stack = stack;
            runWithContext({ requestId: "req-1", fields: { [key]: value } }, () => {
              getLogger(logger).error(message, { [key]: value, nested: { [key]: [value] }, error });
            });
            assert.equal(cap.out.length, 1);
            const [first, ...below] = cap.out[0].split("\n");
            // Our own colour codes are the only escapes; without them nothing unsafe is left.
            const plain = first.replace(SGR, "");
            assert.ok(!UNSAFE.test(plain), JSON.stringify(first));
            assert.match(plain, RECORD);
            for (const l of below) {
              const text = l.replace(SGR, "");
              assert.ok(text.startsWith("    "), JSON.stringify(l));
              assert.ok(!UNSAFE.test(text), JSON.stringify(l));
            }
            assert.equal(ESC.test(cap.out[0]), color);
          },
        ),
        params(300),
      );
    } finally {
      cap.restore();
    }
  }
});

Deno.test("configureLogging format 'pretty': a line longer than maxLineLength has its values cut", () => {
  const cap = pretty({ maxLineLength: 1000 });
  try {
    getLogger("big").info("large", { blob: "x".repeat(50_000) });
    assert.ok(cap.out[0].length < 1000, String(cap.out[0].length));
    assert.ok(cap.out[0].includes("…[truncated]"));
  } finally {
    cap.restore();
  }
});

// Colours, decided where lines go: a child process with the default sink, its stdout a pipe
// or a pseudo-terminal (util-linux `script`).
const CHILD = `
import { configureLogging, getLogger } from "${new URL("../mod.ts", import.meta.url).href}";
configureLogging({ format: "pretty" });
getLogger("app").info("hello", { n: 1 });
`;

async function childOutput(
  env: Record<string, string>,
  terminal: boolean,
  allowEnv = true,
): Promise<string> {
  const deno = [Deno.execPath(), "eval", ...(allowEnv ? ["--allow-env"] : []), CHILD];
  const base = { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "" };
  const cmd = terminal
    ? new Deno.Command("script", {
      args: ["-qec", deno.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" "), "/dev/null"],
      env: { ...base, TERM: "xterm", ...env },
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    })
    : new Deno.Command(deno[0], {
      args: deno.slice(1),
      env: { ...base, ...env },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    });
  const { stdout } = await cmd.output();
  const text = new TextDecoder().decode(stdout);
  assert.ok(text.includes("hello"), text);
  return text;
}

Deno.test("configureLogging format 'pretty': pretty colours: on for a terminal, off into a pipe; NO_COLOR turns them off, FORCE_COLOR on", async () => {
  assert.ok(!ESC.test(await childOutput({}, false)), "a pipe");
  assert.ok(ESC.test(await childOutput({}, true)), "a terminal");
  assert.ok(!ESC.test(await childOutput({ NO_COLOR: "1" }, true)), "NO_COLOR");
  assert.ok(
    !ESC.test(await childOutput({ NO_COLOR: "1" }, true, false)),
    "NO_COLOR, no --allow-env",
  );
  assert.ok(ESC.test(await childOutput({ FORCE_COLOR: "1" }, false)), "FORCE_COLOR");
  assert.ok(ESC.test(await childOutput({ FORCE_COLOR: "1", NO_COLOR: "1" }, false)), "both");
  assert.ok(!ESC.test(await childOutput({ FORCE_COLOR: "0" }, true)), "FORCE_COLOR=0");
  const line = (await childOutput({}, true)).split("\n")[0];
  assert.match(
    line,
    // deno-lint-ignore no-control-regex
    /^\x1b\[2m\d\d:\d\d:\d\d\.\d{3}\x1b\[0m \x1b\[32mINFO \x1b\[0m \x1b\[36mapp\x1b\[0m hello\x1b\[2m n=1\x1b\[0m/,
  );
});

Deno.test("configureLogging format 'pretty': pretty (log tool): any JSON line of any preset renders as one safe record line (property)", async () => {
  const { parseLine, prettyRecord } = await import("../cli/_read.ts");
  const { renderPretty } = await import("../src/_pretty.ts");
  const value = fc.oneof(hostileString, fc.double(), fc.boolean(), fc.constant(null));
  const line = fc.oneof(
    fc.record({ timestamp: hostileString, level: hostileString, message: value, k: value }),
    fc.record({ "@timestamp": hostileString, "log.level": value, "log.logger": value, x: value }),
    fc.record({
      timestamp: hostileString,
      severity_text: value,
      body: value,
      attributes: fc.dictionary(hostileString, value),
      resource: fc.dictionary(hostileString, value),
    }),
    fc.dictionary(hostileString, fc.oneof(value, fc.dictionary(hostileString, value))),
  );
  fc.assert(
    fc.property(line, fc.boolean(), (obj, color) => {
      const r = parseLine(JSON.stringify(obj))!;
      const out = renderPretty(prettyRecord(r), { color });
      assert.ok(!out.includes("\n"), JSON.stringify(out));
      const plain = out.replace(SGR, "");
      assert.ok(!UNSAFE.test(plain), JSON.stringify(out));
    }),
    params(300),
  );
});
