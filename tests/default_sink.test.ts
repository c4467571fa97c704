// Where lines go and in which form, when the user does not say (issue 13 items 2 and 3):
// - the console method of each level (consoleSink), in process and through Deno's own
//   OpenTelemetry export (OTEL_DENO=true), which exports console calls only;
// - the level handed to sinks that declare a parameter for it, and only to them;
// - LOG_FORMAT, and pretty on a terminal / JSON elsewhere for the default sink, through
//   real child processes (a pseudo-terminal from util-linux `script`).
import assert from "node:assert/strict";
import {
  bufferedSink,
  configureLogging,
  consoleSink,
  flushLogs,
  getLogger,
  LOG_LEVELS,
  type LogLevel,
} from "../mod.ts";
import { parseStrict } from "./_strict_json.ts";

const LEVELS = Object.keys(LOG_LEVELS) as LogLevel[];
const METHOD: Record<LogLevel, string> = {
  DEBUG: "debug",
  INFO: "info",
  WARN: "warn",
  ERROR: "error",
  CRITICAL: "error",
};
const canRun = Deno.permissions.querySync({ name: "run" }).state === "granted";
const formatChild = new URL("./fixtures/format_child.ts", import.meta.url).pathname;

/** Runs `fn` with the real console methods recorded (and silenced). */
async function recordConsole(
  fn: (printed: { method: string; args: unknown[] }[]) => unknown,
): Promise<void> {
  const printed: { method: string; args: unknown[] }[] = [];
  const methods = ["log", "debug", "info", "warn", "error"] as const;
  const saved = methods.map((m) => console[m]);
  for (const m of methods) {
    console[m] = (...args: unknown[]) => void printed.push({ method: m, args });
  }
  try {
    await fn(printed);
  } finally {
    methods.forEach((m, i) => (console[m] = saved[i]));
    configureLogging({});
  }
}

Deno.test("consoleSink: each line through the console method of its level, the line alone", async () => {
  await recordConsole((printed) => {
    configureLogging({ level: "DEBUG", sink: consoleSink });
    for (const level of LEVELS) getLogger("lv").log(level, `m-${level}`);
    assert.deepEqual(
      printed.map((p) => [p.method, p.args.length, parseStrict(p.args[0] as string).message]),
      LEVELS.map((l) => [METHOD[l], 1, `m-${l}`]),
    );
  });
});

Deno.test("bufferedSink(consoleSink): a batch of several levels goes to console.log", async () => {
  await recordConsole(async (printed) => {
    configureLogging({ level: "DEBUG", sink: bufferedSink(consoleSink, { flushOnExit: false }) });
    getLogger("lv").info("a");
    getLogger("lv").error("b");
    await flushLogs();
    assert.deepEqual(printed.map((p) => p.method), ["log"]);
  });
});

Deno.test("configureLogging default sink: the level goes to a sink that declares it, never to a variadic one", () => {
  const withLevel: [string, LogLevel | undefined][] = [];
  const variadic: unknown[][] = [];
  const objectWrites: unknown[][] = [];
  try {
    configureLogging({ level: "DEBUG", sink: (line, level) => void withLevel.push([line, level]) });
    for (const level of LEVELS) getLogger("lv").log(level, "x");
    assert.deepEqual(withLevel.map(([, level]) => level), LEVELS);

    // console.log, a bound push: declared with no parameter or one.
    configureLogging({ sink: (...args: unknown[]) => void variadic.push(args) });
    getLogger("lv").warn("y");
    configureLogging({ sink: { write: (line: string) => void objectWrites.push([line]) } });
    getLogger("lv").warn("z");
    assert.equal(variadic.length, 1);
    assert.equal(variadic[0].length, 1);
    assert.equal(objectWrites[0].length, 1);
  } finally {
    configureLogging({});
  }
});

// ---------------------------------------------------------------------------
// Deno's OpenTelemetry: a real OTLP/HTTP JSON receiver on 127.0.0.1 and a child with
// OTEL_DENO=true: the default sink must be the console, one call per level.

interface OtlpLogRecord {
  severityText: string;
  body: { stringValue: string };
  attributes: { key: string; value: { stringValue?: string } }[];
}

async function exported(env: Record<string, string>, perms: string[]): Promise<OtlpLogRecord[]> {
  const records: OtlpLogRecord[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = await req.text();
    if (new URL(req.url).pathname === "/v1/logs") {
      for (const rl of JSON.parse(body).resourceLogs) {
        for (const sl of rl.scopeLogs) records.push(...sl.logRecords);
      }
    }
    return Response.json({});
  });
  try {
    const script = `import { getLogger } from ${
      JSON.stringify(new URL("../mod.ts", import.meta.url).href)
    };
      const log = getLogger("otel");
      for (const level of ${JSON.stringify(LEVELS)}) log.log(level, "line-" + level);`;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--quiet", ...perms, script],
      env: {
        ...env,
        OTEL_DENO: "true",
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${server.addr.port}`,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        NO_COLOR: "1",
      },
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  } finally {
    await server.shutdown();
  }
  return records.filter((r) => r.body.stringValue.includes('"logger":"otel"'));
}

const SEVERITY: Record<LogLevel, string> = {
  DEBUG: "DEBUG",
  INFO: "INFO",
  WARN: "WARN",
  ERROR: "ERROR",
  CRITICAL: "ERROR",
};

Deno.test({
  name:
    "configureLogging default sink: OTEL_DENO=true (readable): the default sink is the console and Deno exports each line at its level",
  ignore: !canRun,
  async fn() {
    const records = await exported({ LOG_LEVEL: "DEBUG" }, ["--allow-env=LOG_LEVEL,OTEL_DENO"]);
    assert.deepEqual(
      records.map((r) => [JSON.parse(r.body.stringValue).message, r.severityText]),
      LEVELS.map((l) => [`line-${l}`, SEVERITY[l]]),
    );
  },
});

Deno.test({
  name:
    "configureLogging default sink: OTEL_DENO=true without env permission: still detected (Deno's tracer), lines exported at their level",
  ignore: !canRun,
  async fn() {
    const records = await exported({}, []);
    const expected = LEVELS.filter((l) => l !== "DEBUG"); // LOG_LEVEL unreadable: INFO
    assert.deepEqual(
      records.map((r) => [JSON.parse(r.body.stringValue).message, r.severityText]),
      expected.map((l) => [`line-${l}`, SEVERITY[l]]),
    );
  },
});

// ---------------------------------------------------------------------------
// LOG_FORMAT and the terminal.

const hasScript = (() => {
  try {
    return Deno.statSync("/usr/bin/script").isFile;
  } catch {
    return false;
  }
})();

/** Runs the format child; on a pseudo-terminal through `script -q` when `tty`. */
async function formatRun(mode: string, tty: boolean, env: Record<string, string> = {}) {
  const denoArgs = ["run", "--quiet", "--no-check", "--allow-env=LOG_FORMAT", formatChild, mode];
  const command = tty
    ? new Deno.Command("script", {
      args: [
        "-q",
        "-e",
        "-c",
        [Deno.execPath(), ...denoArgs].map(shellQuote).join(" "),
        "/dev/null",
      ],
      env: { ...env, NO_COLOR: "1" },
      stdin: "null",
    })
    : new Deno.Command(Deno.execPath(), { args: denoArgs, env: { ...env, NO_COLOR: "1" } });
  const out = await command.output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).replaceAll("\r\n", "\n").split("\n")
    .filter((l) => l.includes("hello") || l.includes("failed"));
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

const isJson = (line: string) => {
  try {
    return typeof JSON.parse(line) === "object";
  } catch {
    return false;
  }
};
const isLogfmt = (line: string) => /level=INFO logger=fmt message=hello/.test(line);

Deno.test({
  name:
    "configureLogging default sink: default format: JSON when stdout is not a terminal, with the default sink or a given one",
  ignore: !canRun,
  async fn() {
    for (const mode of ["default", "own-sink"]) {
      const lines = await formatRun(mode, false);
      assert.equal(lines.length, 2, mode);
      assert.ok(lines.every(isJson), `${mode}: ${lines}`);
    }
  },
});

Deno.test({
  name:
    "configureLogging default sink: default format: on a terminal the default sink writes pretty lines; a given sink still gets JSON",
  ignore: !canRun || !hasScript,
  async fn() {
    const pretty = await formatRun("default", true);
    assert.equal(pretty.length, 2, String(pretty));
    // The pretty form (src/_pretty.ts): local time, level, logger, message, fields.
    assert.match(pretty[0], /^\d\d:\d\d:\d\d\.\d{3} INFO +fmt hello .*n=1$/);
    assert.match(pretty[1], /^\d\d:\d\d:\d\d\.\d{3} ERROR +fmt failed .*n=2$/);
    const own = await formatRun("own-sink", true);
    assert.ok(own.length === 2 && own.every(isJson), `a given sink: ${own}`);
    const explicit = await formatRun("explicit", true);
    assert.ok(explicit.length === 2 && explicit.every(isJson), `format: "json": ${explicit}`);
  },
});

Deno.test({
  name:
    "configureLogging default sink: LOG_FORMAT decides when configureLogging does not, terminal or not, any sink",
  ignore: !canRun || !hasScript,
  async fn() {
    for (const tty of [false, true]) {
      for (const mode of ["default", "own-sink"]) {
        const logfmt = await formatRun(mode, tty, { LOG_FORMAT: "logfmt" });
        assert.ok(isLogfmt(logfmt[0]), `${mode} tty=${tty}: ${logfmt}`);
        const json = await formatRun(mode, tty, { LOG_FORMAT: " JSON " });
        assert.ok(json.length === 2 && json.every(isJson), `${mode} tty=${tty}: ${json}`);
      }
      // The option wins over the variable.
      const explicit = await formatRun("explicit", tty, { LOG_FORMAT: "logfmt" });
      assert.ok(explicit.every(isJson), `explicit tty=${tty}: ${explicit}`);
    }
    // An unknown value is ignored: the default applies.
    const unknown = await formatRun("default", false, { LOG_FORMAT: "yaml" });
    assert.ok(unknown.every(isJson), String(unknown));
  },
});
