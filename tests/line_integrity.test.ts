// Line integrity under hostile names and values, preset by preset: prototype member names are
// data, the work of one call is bounded by the limits, the line cap is exact, `truncated` is the
// module's, a key is never both a value and an object, and a redacted name is never in clear.
import assert from "node:assert/strict";
import {
  configureLogging,
  getLogger,
  type LoggingOptions,
  setContextFields,
  withRequestContext,
} from "../mod.ts";
import { parseStrict } from "./_strict_json.ts";
import { parseLogfmt } from "./_logfmt.ts";

type Shape = { format: "json" | "logfmt"; preset?: "default" | "ecs" | "otel" };
const SHAPES: Shape[] = [
  { format: "json", preset: "default" },
  { format: "json", preset: "ecs" },
  { format: "json", preset: "otel" },
  { format: "logfmt" },
];

/** Every name an object inherits, and `__proto__`. */
const PROTO_NAMES = [...Object.getOwnPropertyNames(Object.prototype), "__proto__"];

function capture(options: Omit<LoggingOptions, "sink">): string[] {
  const raw: string[] = [];
  configureLogging({ level: "DEBUG", ...options, sink: (line) => raw.push(line) });
  return raw;
}

/** The fields of a line where a call's fields go (OTel: the attributes). */
function fieldsOf(line: string, shape: Shape): Record<string, unknown> {
  if (shape.format === "logfmt") return parseLogfmt(line);
  const parsed = parseStrict(line);
  return shape.preset === "otel" ? parsed.attributes as Record<string, unknown> : parsed;
}

/** An object holding `name` as its own, enumerable data property (`__proto__` included). */
function own(name: string, value: unknown): Record<string, unknown> {
  return Object.defineProperty({}, name, { value, enumerable: true, writable: true });
}

Deno.test("prototype member names: a field, a bound field or a context field so named is written as data, under every preset", async () => {
  for (const shape of SHAPES) {
    for (const name of PROTO_NAMES) {
      const raw = capture(shape);
      try {
        getLogger("app").info("call", own(name, "v-call"));
        getLogger("app").child(own(name, "v-bound")).info("bound");
        const handler = withRequestContext(() => {
          setContextFields(own(name, "v-ctx"));
          getLogger("app").info("in context");
          return new Response("ok");
        });
        await (await handler(new Request("http://127.0.0.1/x"))).text();
      } finally {
        configureLogging({});
      }
      const where = `${shape.format}/${shape.preset} ${name}`;
      assert.equal(raw.length, 5, `${where}: ${raw.join("\n")}`);
      const values = raw.map((line) => Object.values(fieldsOf(line, shape)));
      assert.ok(values[0].includes("v-call"), `${where}: ${raw[0]}`);
      assert.ok(values[1].includes("v-bound"), `${where}: ${raw[1]}`);
      // the handler's line and the finish line carry the context field
      assert.ok(values[3].includes("v-ctx"), `${where}: ${raw[3]}`);
      assert.ok(values[4].includes("v-ctx"), `${where}: ${raw[4]}`);
    }
  }
});

Deno.test("prototype member names as logger names and messages are plain text", () => {
  for (const shape of SHAPES) {
    const raw = capture(shape);
    try {
      for (const name of PROTO_NAMES) getLogger(name).info(name);
    } finally {
      configureLogging({});
    }
    assert.equal(raw.length, PROTO_NAMES.length);
  }
});

const canRun = Deno.permissions.querySync({ name: "run" }).state === "granted";

Deno.test({
  name:
    "a line that cannot be built is still written with its core keys and the failure, and stderr reports it more than once, rate-limited",
  ignore: !canRun,
  async fn() {
    const child = new URL("./fixtures/format_failure_child.ts", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--no-check", child],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const stdout = new TextDecoder().decode(out.stdout).split("\n").filter((l) => l !== "");
    const stderr = new TextDecoder().decode(out.stderr).split("\n").filter((l) => l !== "");
    assert.equal(out.code, 0, stderr.join("\n"));
    assert.equal(stdout.length, 4, stdout.join("\n"));
    stdout.forEach((text, i) => {
      const line = parseStrict(text);
      assert.equal(line.message, `call ${i + 1}`);
      assert.equal(line.level, `Symbol(${["INFO", "WARN", "ERROR", "INFO"][i]})`);
      assert.equal(line.logger, "child");
      assert.equal(line.request_id, "-");
      assert.equal(typeof line.timestamp, "string");
      assert.match(String(line.logging_error), /TypeError/);
    });
    const reports = stderr.filter((l) => l.includes("a log line could not be built"));
    assert.equal(reports.length, 2, stderr.join("\n"));
    assert.match(reports[1], /2 more/);
  },
});
