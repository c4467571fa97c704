// patchConsole: console calls made in a request become logger lines; outside, nothing changes.
import { deepStrictEqual, ok, strictEqual } from "node:assert";
import { format } from "node:util";
import fc from "fast-check";
import {
  bufferedSink,
  configureLogging,
  consoleSink,
  flushLogs,
  getLogger,
  runWithContext,
  type Sink,
  withRequestContext,
} from "../mod.ts";
import { patchConsole } from "../integrations/console.ts";
import { parseStrict } from "./_strict_json.ts";
import { serve, sleep } from "./_helpers.ts";
import { params } from "./_fuzz.ts";

type Method = "log" | "info" | "warn" | "error" | "debug";
const METHODS: Method[] = ["log", "info", "warn", "error", "debug"];

/**
 * Replaces the console methods with recorders (what "the console" prints, in this
 * test), runs `fn`, and puts the real methods back whatever happens.
 */
async function withRecordedConsole(
  fn: (printed: { method: Method; args: unknown[] }[]) => void | Promise<void>,
): Promise<void> {
  const real = Object.fromEntries(METHODS.map((m) => [m, console[m]]));
  const printed: { method: Method; args: unknown[] }[] = [];
  for (const m of METHODS) {
    console[m] = (...args: unknown[]) => void printed.push({ method: m, args });
  }
  try {
    await fn(printed);
  } finally {
    for (const m of METHODS) console[m] = real[m];
    configureLogging({});
  }
}

Deno.test("patchConsole: calls in a context become lines with the request id; outside, the console as before", async () => {
  await withRecordedConsole((printed) => {
    const lines: string[] = [];
    configureLogging({ level: "DEBUG", sink: (line) => lines.push(line) });
    const unpatch = patchConsole();
    try {
      console.log("before any request", 1);
      runWithContext({ requestId: "r-con", fields: { tenant: "t-1" } }, () => {
        console.debug("d");
        console.log("l");
        console.info("i");
        console.warn("cache miss for %s", "user:42");
        console.error("upstream said %d", 503);
      });
      console.error("after");
    } finally {
      unpatch();
    }
    deepStrictEqual(printed, [
      { method: "log", args: ["before any request", 1] },
      { method: "error", args: ["after"] },
    ]);
    const parsed = lines.map(parseStrict);
    deepStrictEqual(parsed.map((l) => [l.level, l.message, l.logger, l.request_id, l.tenant]), [
      ["DEBUG", "d", "console", "r-con", "t-1"],
      ["INFO", "l", "console", "r-con", "t-1"],
      ["INFO", "i", "console", "r-con", "t-1"],
      ["WARN", "cache miss for user:42", "console", "r-con", "t-1"],
      ["ERROR", "upstream said 503", "console", "r-con", "t-1"],
    ]);
  });
});

Deno.test("patchConsole: consoleSink writes through the original console: one line, no loop", async () => {
  await withRecordedConsole((printed) => {
    configureLogging({ sink: consoleSink }); // console.info for an INFO line
    const unpatch = patchConsole();
    try {
      runWithContext({ requestId: "r-loop" }, () => console.log("through the sink"));
    } finally {
      unpatch();
    }
    strictEqual(printed.length, 1);
    strictEqual(printed[0].method, "info");
    const line = parseStrict(printed[0].args[0] as string);
    strictEqual(line.message, "through the sink");
    strictEqual(line.request_id, "r-loop");
  });
});

Deno.test("patchConsole: a sink that itself calls console writes straight out, once", async () => {
  await withRecordedConsole((printed) => {
    configureLogging({ sink: (line) => console.error(`sink: ${line}`) });
    const unpatch = patchConsole();
    try {
      runWithContext({ requestId: "r-sink" }, () => console.warn("w"));
    } finally {
      unpatch();
    }
    strictEqual(printed.length, 1);
    strictEqual(printed[0].method, "error");
    const text = printed[0].args[0] as string;
    ok(text.startsWith("sink: "));
    strictEqual(parseStrict(text.slice(6)).message, "w");
  });
});

Deno.test("patchConsole: arguments are formatted as util.format does, for what it prints the same", async () => {
  const cases: unknown[][] = [
    ["plain"],
    ["two", "strings", 3, true, null, undefined],
    ["%s is %d years and %i days, %f%%", "Ann", 42.5, "7.9", "1.5"],
    ["%s %s", "only one"],
    ["%c styled %s", "color: red", "text"],
    ["100%", "sure"],
    ["%d %i", "x", {}],
    [42, "after a number"],
    ["%s", 10n, "and", 5n],
    ["%j", { a: [1, "b"] }],
    ["", "leading empty"],
  ];
  await withRecordedConsole(() => {
    const lines: string[] = [];
    configureLogging({ sink: (line) => lines.push(line) });
    const unpatch = patchConsole();
    try {
      runWithContext(() => {
        for (const args of cases) console.log(...args);
      });
    } finally {
      unpatch();
    }
    const messages = lines.map((l) => parseStrict(l).message);
    cases.forEach((args, i) => strictEqual(messages[i], format(...args), `case ${i}`));
  });
});

Deno.test("patchConsole: objects are written as safe JSON, errors with their stack, hostile values survive", async () => {
  const circular: Record<string, unknown> = { name: "loop" };
  circular.self = circular;
  const hostile = {
    get boom(): never {
      throw new Error("getter");
    },
  };
  const err = new Error("kaput");
  await withRecordedConsole(() => {
    const lines: string[] = [];
    configureLogging({ sink: (line) => lines.push(line), redact: ["password"] });
    const unpatch = patchConsole();
    try {
      runWithContext(() => {
        console.log("user", { id: 1, password: "hunter2" });
        console.log("%o and %O", circular, [1, 2]);
        console.error(err);
        console.log("hostile", hostile, Symbol("s"), () => {});
      });
    } finally {
      unpatch();
    }
    const messages = lines.map((l) => parseStrict(l).message as string);
    strictEqual(messages[0], 'user {"id":1,"password":"[REDACTED]"}');
    strictEqual(messages[1], '{"name":"loop","self":"[Circular]"} and [1,2]');
    strictEqual(messages[2], err.stack);
    ok(
      messages[3].startsWith(
        'hostile {"boom":"[Getter threw: Error: getter]"} Symbol(s) [Function',
      ),
    );
  });
});

Deno.test("patchConsole: the configured level applies to routed calls", async () => {
  await withRecordedConsole((printed) => {
    const lines: string[] = [];
    configureLogging({ level: "WARN", sink: (line) => lines.push(line) });
    const unpatch = patchConsole();
    try {
      runWithContext(() => {
        console.debug("dropped");
        console.info("dropped");
        console.warn("kept");
      });
    } finally {
      unpatch();
    }
    strictEqual(printed.length, 0);
    deepStrictEqual(lines.map((l) => parseStrict(l).message), ["kept"]);
  });
});

Deno.test("patchConsole: undo puts the very same methods back; stacked patches undo in any order", async () => {
  await withRecordedConsole(() => {
    const before = METHODS.map((m) => console[m]);
    const lines: string[] = [];
    configureLogging({ sink: (line) => lines.push(line) });
    const first = patchConsole({ logger: "first" });
    const second = patchConsole({ logger: "second" });
    runWithContext(() => console.log("a"));
    first(); // the outer one goes first: the second stays in force
    runWithContext(() => console.log("b"));
    second();
    second(); // twice does nothing
    runWithContext(() => console.log("c: not routed"));
    deepStrictEqual(METHODS.map((m) => console[m]), before);
    deepStrictEqual(lines.map((l) => parseStrict(l).logger), ["second", "second"]);
  });
});

Deno.test("patchConsole: third-party console.error in a real Deno.serve request carries the response's id", async () => {
  await withRecordedConsole(async (printed) => {
    const lines: string[] = [];
    configureLogging({ sink: (line) => lines.push(line) });
    const unpatch = patchConsole({ logger: "vendor" });
    const vendor = async () => {
      await sleep(2);
      console.error("vendor SDK: retrying", { attempt: 2 });
    };
    const server = serve(withRequestContext(async () => {
      await vendor();
      return new Response("ok");
    }, { logRequests: false }));
    try {
      const response = await fetch(`${server.url}/`);
      await response.text();
      const id = response.headers.get("x-request-id");
      const line = parseStrict(lines[0]);
      strictEqual(line.request_id, id);
      strictEqual(line.logger, "vendor");
      strictEqual(line.level, "ERROR");
      strictEqual(line.message, 'vendor SDK: retrying {"attempt":2}');
      strictEqual(printed.length, 0);
    } finally {
      unpatch();
      await server.close();
    }
  });
});

/**
 * The sinks the README shows, each as a user would write it. Under `patchConsole()`, every
 * one must print each line once, through the original `console.log`, as the line itself.
 */
const README_SINKS: Record<string, () => Sink> = {
  "the default consoleSink": () => consoleSink,
  "(line) => console.log(line)": () => (line: string) => console.log(line),
  "{ write(line) { console.log(line) } }": () => ({ write: (line: string) => console.log(line) }),
  "bufferedSink(consoleSink)": () => bufferedSink(consoleSink, { flushOnExit: false }),
  "bufferedSink((batch) => console.log(batch))": () =>
    bufferedSink((batch) => console.log(batch), { flushOnExit: false }),
  "bufferedSink with a timer, console target": () =>
    bufferedSink((batch) => console.log(batch), { flushIntervalMs: 1, flushOnExit: false }),
};

const LEVEL_METHOD: Record<string, string> = {
  DEBUG: "debug",
  INFO: "info",
  WARN: "warn",
  ERROR: "error",
  CRITICAL: "error",
};

/** The level of one JSON or logfmt line. */
function levelOf(line: string): string {
  return line.startsWith("{") ? parseStrict(line).level as string : /level=(\S+)/.exec(line)![1];
}

Deno.test("patchConsole: nothing loops, for every sink the README shows, in real Deno.serve requests", async () => {
  const app = getLogger("app");
  const handler = withRequestContext(async (req: Request) => {
    const steps = JSON.parse(new URL(req.url).searchParams.get("s")!);
    for (const [how, text] of steps as [string, string][]) {
      if (how === "logger") app.info(text);
      else (console[how as Method] as (...a: unknown[]) => void)(text);
      await sleep(0);
    }
    return new Response("ok");
  });
  const step = fc.tuple(
    fc.constantFrom("logger", ...METHODS),
    fc.string({ maxLength: 20 }),
  );
  await withRecordedConsole(async (printed) => {
    await using server = serve(handler);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(README_SINKS)),
        fc.constantFrom("json" as const, "logfmt" as const),
        fc.array(step, { maxLength: 5 }),
        async (sinkName, format, steps) => {
          printed.length = 0;
          configureLogging({ level: "DEBUG", format, sink: README_SINKS[sinkName]() });
          const unpatch = patchConsole();
          let id: string | null;
          try {
            const q = encodeURIComponent(JSON.stringify(steps));
            const response = await fetch(`${server.url}/p?s=${q}`);
            await response.text();
            id = response.headers.get("x-request-id");
            await flushLogs();
            await sleep(3); // a timer's batch
          } finally {
            unpatch();
          }
          // Every print went to the original console, nothing routed back: through the
          // method of the line's level for consoleSink, console.log for the rest.
          const perLevel = sinkName === "the default consoleSink";
          deepStrictEqual(
            printed.filter((p) =>
              p.method !== (perLevel ? LEVEL_METHOD[levelOf(String(p.args[0]))] : "log")
            ),
            [],
            sinkName,
          );
          const lines = printed.flatMap((p) => String(p.args[0]).split("\n"));
          const messages = lines.map((l) =>
            format === "json"
              ? parseStrict(l).message
              : /message=("(?:[^"\\]|\\.)*"|\S*)/.exec(l)![1]
          );
          strictEqual(lines.length, steps.length + 2, `${sinkName}: ${lines.join("\n")}`);
          for (const l of lines) ok(l.includes(id!), `${sinkName}: ${l}`);
          for (const m of messages) {
            ok(!String(m).includes("request_id"), `${sinkName}: a line inside a line: ${m}`);
          }
        },
      ),
      params(60),
    );
  });
});
