// Every default is declared once (LOGGING_DEFAULTS, REQUEST_CONTEXT_DEFAULTS); the options'
// `@default` tags (what `deno doc` and JSR show) and the tables of docs/configuration.md and the
// README say the same. An invalid option never throws: it takes its default and one line on
// stderr names the option, the value given and the value used.
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { LOGGING_DEFAULTS } from "../src/_config.ts";
import { REQUEST_CONTEXT_DEFAULTS } from "../src/_http.ts";
import { SIGNAL_DEFAULTS } from "../src/_signal.ts";

const ROOT = new URL("../", import.meta.url);
const canRun = Deno.permissions.querySync({ name: "run" }).state === "granted";

interface DocProperty {
  name: string;
  jsDoc?: { tags?: { kind: string; value?: string }[] };
}

/** The `@default` tag of each property of the interfaces named, from `deno doc --json`. */
async function defaultTags(file: string, ...names: string[]): Promise<Map<string, string>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", new URL(file, ROOT).pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  strictEqual(out.code, 0, new TextDecoder().decode(out.stderr));
  const doc = JSON.parse(new TextDecoder().decode(out.stdout));
  const tags = new Map<string, string>();
  for (const node of Object.values(doc.nodes) as { symbols: unknown[] }[]) {
    for (const s of node.symbols as { name: string; declarations: unknown[] }[]) {
      if (!names.includes(s.name)) continue;
      for (const d of s.declarations as { def?: { properties?: DocProperty[] } }[]) {
        for (const p of d.def?.properties ?? []) {
          const tag = p.jsDoc?.tags?.find((t) => t.kind === "default");
          if (tag?.value !== undefined) tags.set(p.name, tag.value);
        }
      }
    }
  }
  return tags;
}

/** The `default` column of the markdown table whose first column names options, by option. */
async function tableDefaults(file: string): Promise<Map<string, string>> {
  const text = await Deno.readTextFile(new URL(file, ROOT));
  const cells = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^\|\s*`(\w+)`\s*\|\s*([^|]*?)\s*\|/.exec(line);
    if (m) cells.set(m[1], m[2]);
  }
  return cells;
}

Deno.test("LOGGING_DEFAULTS: each is the @default of its option, in LoggingOptions or FlushLogsOptions", async () => {
  const tags = await defaultTags("src/config.ts", "LoggingOptions", "FlushLogsOptions");
  for (const [option, value] of Object.entries(LOGGING_DEFAULTS)) {
    ok(tags.has(option), `no @default tag on ${option}`);
    deepStrictEqual(JSON.parse(tags.get(option)!), value, option);
  }
  // Every tag is a declared constant, or names one that is not plain data.
  for (const [option, tag] of tags) {
    if (!(option in LOGGING_DEFAULTS)) {
      ok(["sink", "redact", "generator"].includes(option), `${option}: ${tag} declared nowhere`);
    }
  }
});

Deno.test("REQUEST_CONTEXT_DEFAULTS: each is the @default of its option in RequestContextOptions", async () => {
  const tags = await defaultTags("src/options.ts", "RequestContextOptions");
  deepStrictEqual([...tags.keys()].sort(), Object.keys(REQUEST_CONTEXT_DEFAULTS).sort());
  for (const [option, value] of Object.entries(REQUEST_CONTEXT_DEFAULTS)) {
    deepStrictEqual(JSON.parse(tags.get(option)!), value, option);
  }
});

Deno.test("SIGNAL_DEFAULTS: each is the @default of its option in RequestBufferOptions or SampleOptions", async () => {
  const tags = await defaultTags("src/config.ts", "RequestBufferOptions", "SampleOptions");
  deepStrictEqual([...tags.keys()].sort(), Object.keys(SIGNAL_DEFAULTS).sort());
  for (const [option, value] of Object.entries(SIGNAL_DEFAULTS)) {
    deepStrictEqual(JSON.parse(tags.get(option)!), value, option);
  }
});

Deno.test("options: no option documents a default in prose instead of a @default tag", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "doc",
      "--json",
      ...["mod.ts", "middleware/hono.ts", "integrations/console.ts", "integrations/logtape.ts"].map(
        (f) => new URL(f, ROOT).pathname,
      ),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const doc = JSON.parse(new TextDecoder().decode(out.stdout));
  const prose: string[] = [];
  for (
    const node of Object.values(doc.nodes) as {
      symbols: {
        name: string;
        declarations: { def?: { properties?: (DocProperty & { jsDoc?: { doc?: string } })[] } }[];
      }[];
    }[]
  ) {
    for (const s of node.symbols) {
      for (const d of s.declarations) {
        for (const p of d.def?.properties ?? []) {
          if (/\bDefault\b/.test(p.jsDoc?.doc ?? "")) prose.push(`${s.name}.${p.name}`);
        }
      }
    }
  }
  deepStrictEqual(prose, []);
});

Deno.test("LOGGING_DEFAULTS: docs/configuration.md's table gives the same defaults", async () => {
  const cells = await tableDefaults("docs/configuration.md");
  for (const [option, value] of Object.entries(LOGGING_DEFAULTS)) {
    if (option === "timeoutMs") continue; // flushLogs' option: in the prose, checked below
    ok(cells.has(option), `docs/configuration.md: no row for ${option}`);
    ok(
      cells.get(option)!.includes(`\`${JSON.stringify(value)}\``),
      `${option}: ${cells.get(option)}`,
    );
  }
  const text = await Deno.readTextFile(new URL("docs/configuration.md", ROOT));
  ok(new RegExp(`\`timeoutMs\`\\s+\\(default\\s+${LOGGING_DEFAULTS.timeoutMs}\\)`).test(text));
});

Deno.test("REQUEST_CONTEXT_DEFAULTS: the README's table of adapter options gives the same defaults", async () => {
  const cells = await tableDefaults("README.md");
  for (const [option, value] of Object.entries(REQUEST_CONTEXT_DEFAULTS)) {
    if (!cells.has(option)) continue; // the README lists the common ones; JSR has them all
    ok(
      cells.get(option)!.includes(`\`${JSON.stringify(value)}\``),
      `${option}: ${cells.get(option)}`,
    );
  }
});

Deno.test({
  name:
    "configureLogging: an invalid option never throws, takes its default and is reported once on stderr, naming it",
  ignore: !canRun,
  async fn() {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--no-check",
        new URL("tests/fixtures/invalid_options_child.ts", ROOT).pathname,
      ],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
      clearEnv: true,
    }).output();
    const stdout = new TextDecoder().decode(out.stdout).trim().split("\n");
    const stderr = new TextDecoder().decode(out.stderr).trim().split("\n");
    strictEqual(out.code, 0, stderr.join("\n"));
    const P = "@ctx/request-context: ";
    deepStrictEqual(stderr, [
      `${P}configureLogging: level "VERBOSE" is not valid; using "INFO"`,
      `${P}configureLogging: redact "password" is not valid; using []`,
      `${P}configureLogging: generator "uuid" is not valid; using the default`,
      `${P}configureLogging: sink 42 is not valid; using the default`,
      `${P}configureLogging: format "xml" is not valid; using "json"`,
      `${P}configureLogging: preset "splunk" is not valid; using "default"`,
      `${P}configureLogging: maxDepth "deep" is not valid; using 10`,
      `${P}configureLogging: maxKeys 0 is not valid; using 1000`,
      `${P}configureLogging: maxLineLength -1 is not valid; using 65536`,
      `${P}withRequestContext: maxLength -5 is not valid; using 255`,
      `${P}withRequestContext: accessLog "all" is not valid; using "both"`,
      `${P}withRequestContext: trustIncoming "no" is not valid; using true`,
      `${P}withRequestContext: logger 7 is not valid; using "http"`,
      `${P}requestContext: limitLength "long" is not valid; using 255`,
      `${P}flushLogs: timeoutMs -1 is not valid; using 5000`,
    ]);
    // The configuration in force is the defaults: INFO, JSON, the console.
    const first = JSON.parse(stdout[0]);
    strictEqual(first.level, "INFO");
    strictEqual(first.message, "still logging");
    strictEqual(first.password, "p");
    ok(!stdout.some((l) => l.includes("below INFO")));
    const access = stdout.slice(1, -1).map((l) => JSON.parse(l));
    deepStrictEqual(access.map((l) => [l.logger, l.request_id]), [["http", "abc"], [
      "http",
      "abc",
    ]]);
    deepStrictEqual(JSON.parse(stdout.at(-1)!), { status: 200, id: "abc" });
  },
});
