// Every entry point (each `exports` of deno.json) exports exactly its documented API: the lists
// below. An internal helper exported by mistake from a public file, or a public name dropped,
// fails here: the values are compared with the module's real exports at run time, the values
// and types together with what `deno doc` (and so JSR) shows.
import { deepStrictEqual } from "node:assert/strict";

/** The documented API of each entry point: runtime values, and types (which exist only in docs). */
const API: Record<string, { values: string[]; types: string[] }> = {
  ".": {
    values: [
      "LOG_LEVELS",
      "annotateRequest",
      "bindContext",
      "bufferedSink",
      "configureLogging",
      "consoleSink",
      "fdSink",
      "stdoutSink",
      "fetchWithContext",
      "flushLogs",
      "flushLogsOnSignals",
      "formatTraceparent",
      "generateRequestId",
      "generateSpanId",
      "generateTraceId",
      "getContext",
      "getLogger",
      "getRequestId",
      "isSafeId",
      "isSpanId",
      "isTraceId",
      "parseTraceparent",
      "propagationHeaders",
      "runWithContext",
      "setContextFields",
      "setCorrelationId",
      "setRequestId",
      "setTraceContext",
      "setUser",
      "withContext",
      "withRequestContext",
    ],
    types: [
      "AccessLog",
      "BufferedSink",
      "BufferedSinkOptions",
      "ContextInit",
      "FdSink",
      "FetchHandler",
      "FlushLogsOnSignalsOptions",
      "FlushLogsOptions",
      "LogFields",
      "LogLevel",
      "Logger",
      "LoggingOptions",
      "Preset",
      "RequestBufferOptions",
      "RequestContext",
      "RequestContextOptions",
      "RequestIdGenerator",
      "SampleOptions",
      "ServiceInfo",
      "ShutdownSignal",
      "Sink",
      "SinkFunction",
      "SinkObject",
      "StdoutSink",
      "StdoutSinkOptions",
      "TraceParent",
      "UserInfo",
    ],
  },
  "./hono": {
    values: ["requestContext"],
    types: [
      "AccessLog",
      "HonoContextLike",
      "RequestContextMiddleware",
      "RequestContextOptions",
      "RequestContextVariables",
      "RequestIdVariables",
      "Variables",
    ],
  },
  "./otel": {
    values: ["useOpenTelemetry"],
    types: ["OpenTelemetryApiLike", "SpanContextLike", "SpanLike", "StopOpenTelemetry"],
  },
  "./std-log": {
    values: ["ContextHandler", "contextFormatter"],
    types: ["ContextHandlerOptions", "StdLogFormatter", "StdLogRecord"],
  },
  "./logtape": {
    values: ["contextLocalStorage", "logTapeSink"],
    types: [
      "ContextLocalStorageLike",
      "LogTapeRecord",
      "LogTapeSink",
      "LogTapeSinkOptions",
      "LogTapeStore",
    ],
  },
  "./pino": { values: ["contextMixin"], types: ["PinoLoggerLike", "PinoMixin"] },
  "./console": { values: ["patchConsole"], types: ["PatchConsoleOptions"] },
  "./otlp": { values: ["otlpSink"], types: ["OtlpSink", "OtlpSinkOptions"] },
  "./cli": { values: ["main"], types: [] },
};

const ROOT = new URL("../", import.meta.url);
const exportsMap: Record<string, string> =
  JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT))).exports;

const sorted = (names: Iterable<string>) => [...names].sort();

/** What `deno doc --json` (the docs JSR shows) says each of `paths` exports, by file URL. */
async function denoDoc(
  paths: string[],
): Promise<{ nodes: Record<string, { symbols: { name: string }[] }> }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", ...paths],
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  deepStrictEqual(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

Deno.test("exports: every entry point of deno.json has its documented API listed here", () => {
  deepStrictEqual(sorted(Object.keys(exportsMap)), sorted(Object.keys(API)));
});

for (const [entry, path] of Object.entries(exportsMap)) {
  Deno.test(`exports ${entry}: the module's runtime exports are exactly the documented values`, async () => {
    const mod = await import(new URL(path, ROOT).href);
    deepStrictEqual(sorted(Object.keys(mod)), sorted(API[entry]?.values ?? []));
  });
}

Deno.test("exports: deno doc shows exactly the documented values and types of every entry point", async () => {
  const paths = Object.values(exportsMap).map((p) => new URL(p, ROOT).pathname);
  const doc = await denoDoc(paths);
  for (const [entry, path] of Object.entries(exportsMap)) {
    const node = doc.nodes[new URL(path, ROOT).href];
    const names = sorted(new Set(node.symbols.map((s) => s.name)));
    const documented = sorted([...API[entry].values, ...API[entry].types]);
    deepStrictEqual(names, documented, entry);
  }
});

/** The module files without a leading `_`: they hold public API only, internals live in `_` files. */
async function publicFiles(): Promise<string[]> {
  const files: string[] = [];
  for (const dir of ["src", "middleware", "integrations", "cli"]) {
    for await (const e of Deno.readDir(new URL(`${dir}/`, ROOT))) {
      if (e.isFile && e.name.endsWith(".ts") && !e.name.startsWith("_")) {
        files.push(new URL(`${dir}/${e.name}`, ROOT).href);
      }
    }
  }
  return files.sort();
}

Deno.test("exports: a public file exports nothing that no entry point documents (internals live in _ files)", async () => {
  const documented = new Set(Object.values(API).flatMap((a) => [...a.values, ...a.types]));
  const files = await publicFiles();
  const doc = await denoDoc(files.map((f) => new URL(f).pathname));
  const strays: string[] = [];
  for (const file of files) {
    const names = new Set(doc.nodes[file]?.symbols.map((s) => s.name) ?? []);
    for (const name of Object.keys(await import(file))) names.add(name);
    for (const name of names) {
      if (!documented.has(name)) strays.push(`${file.slice(ROOT.href.length)}: ${name}`);
    }
  }
  deepStrictEqual(strays, []);
});
