/**
 * The log tool: reads the JSON lines this module writes (any preset: default, ECS,
 * OpenTelemetry), from files or from stdin, and passes over lines that are not JSON.
 *
 * ```sh
 * deno run --allow-read jsr:@ctx/request-context/cli <command> [options] [files…]
 * ```
 *
 * - `pretty`: every line in the pretty form, as it arrives (`tail -f app.log | … pretty`).
 * - `request <id>`: every line of one request across all files, in time order (an id's first
 *   characters, as `pretty` shows them, are enough when no id matches whole).
 * - `trace <trace_id>` or `trace --request <id>`: the trace across services as a waterfall.
 * - `stats`: per endpoint (method and route, else path): requests, 4xx and 5xx rates, p50,
 *   p95, p99 and max `duration_ms`, sorted by total time; `--by status|logger|level`.
 *
 * Options: `--json` (request, stats: JSON out), `--html FILE` (trace, stats: a self-contained
 * page; needs `--allow-write`), `--color` / `--no-color` (default: colours on a terminal unless
 * `NO_COLOR`; `FORCE_COLOR` forces them).
 *
 * @example Which endpoint is slow
 * ```sh
 * deno run --allow-read jsr:@ctx/request-context/cli stats app.log
 * ```
 *
 * @example What happened to one request
 * ```sh
 * deno run --allow-read jsr:@ctx/request-context/cli request 550e8400 app.log other.log
 * ```
 *
 * @module
 */

import { parseArgs, styleText } from "node:util";
import process from "node:process";
import { forEachLines, type LogRecord, parseLine, prettyRecord } from "./_read.ts";
import { type GroupBy, Stats, statsTable } from "./_stats.ts";
import { buildTrace, sortByTime, traceText } from "./_trace.ts";
import { renderHtml, statsPage, tracePage } from "./_html.ts";
import { colorWanted, renderPretty } from "../src/_pretty.ts";

const USAGE =
  `usage: deno run --allow-read jsr:@ctx/request-context/cli <command> [options] [files…]

Reads JSON log lines (any preset) from the files, or stdin when none is given.

commands:
  pretty                      every line in the pretty form, as it arrives
  request <id>                every line of one request, across files, in time order
  trace <trace_id>            the trace as a waterfall: a row per span, its lines below
  trace --request <id>        the trace of that request
  stats [--by status|logger|level]
                              requests, 4xx/5xx rates, p50/p95/p99/max duration_ms per
                              endpoint (method and route, else path), by total time

options:
  --json                      request, stats: JSON out (the lines as read; the rows)
  --html FILE                 trace, stats: also write a self-contained page (--allow-write)
  --color, --no-color         colours (default: on a terminal, unless NO_COLOR; FORCE_COLOR)
  -h, --help                  this text
`;

/** Where the tool writes its output. */
interface Out {
  write(text: string): Promise<void>;
}

class UsageError extends Error {}

/** A pipe closed by the reader (`| head`): the tool stops quietly. */
class ClosedOutput extends Error {}

const encoder = new TextEncoder();

function stdout(): Out {
  return {
    async write(text: string): Promise<void> {
      if (text === "") return;
      const bytes = encoder.encode(text);
      try {
        let n = 0;
        while (n < bytes.length) n += await Deno.stdout.write(bytes.subarray(n));
      } catch (e) {
        if (e instanceof Deno.errors.BrokenPipe) throw new ClosedOutput();
        throw e;
      }
    },
  };
}

function colorFor(values: { color?: boolean; "no-color"?: boolean }): boolean {
  if (values["no-color"]) return false;
  if (values.color) return true;
  let env: { NO_COLOR?: string; FORCE_COLOR?: string } = {};
  try {
    // Deno's node:process gives these two without an --allow-env prompt.
    env = { NO_COLOR: process.env.NO_COLOR, FORCE_COLOR: process.env.FORCE_COLOR };
  } catch {
    // no access: decided by the terminal alone
  }
  if (env.NO_COLOR === undefined && Deno.noColor) env.NO_COLOR = "1";
  return colorWanted(env, Deno.stdout.isTerminal());
}

/** Reads every record of `files` (stdin when empty), calling `onRecord` for each. */
async function eachRecord(
  files: string[],
  onRecord: (r: LogRecord) => void,
  prefilter?: (line: string) => boolean,
): Promise<void> {
  const handle = (lines: string[]) => {
    for (const line of lines) {
      if (prefilter !== undefined && !prefilter(line)) continue;
      const r = parseLine(line);
      if (r !== undefined) onRecord(r);
    }
  };
  if (files.length === 0) return forEachLines(Deno.stdin.readable, handle);
  for (const file of files) {
    const f = await Deno.open(file);
    await forEachLines(f.readable, handle);
  }
}

function prettyOf(color: boolean): (r: LogRecord) => string {
  return (r) => renderPretty(prettyRecord(r), { color });
}

async function pretty(files: string[], color: boolean, out: Out): Promise<number> {
  const render = prettyOf(color);
  const handle = async (lines: string[]) => {
    let text = "";
    for (const line of lines) {
      const r = parseLine(line);
      if (r !== undefined) text += render(r) + "\n";
    }
    await out.write(text);
  };
  if (files.length === 0) await forEachLines(Deno.stdin.readable, handle);
  for (const file of files) {
    const f = await Deno.open(file);
    await forEachLines(f.readable, handle);
  }
  return 0;
}

/** The records of one request: those with that exact id, else those whose id starts with it. */
async function requestRecords(id: string, files: string[]): Promise<LogRecord[]> {
  const exact: LogRecord[] = [];
  const prefix: LogRecord[] = [];
  await eachRecord(files, (r) => {
    const rid = r.str("request_id");
    if (rid === undefined) return;
    if (rid === id) exact.push(r);
    else if (exact.length === 0 && rid.startsWith(id)) prefix.push(r);
  }, (line) => line.includes(id));
  return sortByTime(exact.length > 0 ? exact : prefix);
}

async function request(
  id: string,
  files: string[],
  values: { json?: boolean },
  color: boolean,
  out: Out,
): Promise<number> {
  const records = await requestRecords(id, files);
  if (records.length === 0) {
    console.error(`no line of request ${JSON.stringify(id)}`);
    return 1;
  }
  const ids = new Set(records.map((r) => r.str("request_id")));
  if (ids.size > 1) {
    console.error(`${ids.size} requests start with ${JSON.stringify(id)}: all are shown`);
  }
  const render = values.json ? (r: LogRecord) => r.raw.trim() : prettyOf(color);
  await out.write(records.map((r) => render(r) + "\n").join(""));
  return 0;
}

async function trace(
  traceId: string | undefined,
  files: string[],
  values: { request?: string; html?: string },
  color: boolean,
  out: Out,
): Promise<number> {
  let records: LogRecord[];
  if (values.request !== undefined) {
    const rid = values.request;
    if (files.length > 0) {
      // Files are read twice: first for the request's trace id, then for the trace.
      const first = await requestRecords(rid, files);
      traceId = first.map((r) => r.str("trace_id")).find((t) => t !== undefined);
      if (traceId === undefined) {
        console.error(`no traced line of request ${JSON.stringify(rid)}`);
        return 1;
      }
      records = await traceRecords(traceId, files);
    } else {
      // stdin is read once: lines are kept by trace until the request names its trace.
      const byTrace = new Map<string, LogRecord[]>();
      let found: string | undefined;
      await eachRecord([], (r) => {
        const t = r.str("trace_id");
        if (t === undefined || (found !== undefined && t !== found)) return;
        if (found === undefined && r.str("request_id") === rid) {
          found = t;
          for (const k of byTrace.keys()) if (k !== t) byTrace.delete(k);
        }
        if (!byTrace.has(t)) byTrace.set(t, []);
        byTrace.get(t)!.push(r);
      });
      if (found === undefined) {
        console.error(`no traced line of request ${JSON.stringify(rid)}`);
        return 1;
      }
      traceId = found;
      records = byTrace.get(found) ?? [];
    }
  } else {
    if (traceId === undefined) throw new UsageError("trace: a trace id or --request <id>");
    records = await traceRecords(traceId, files);
  }
  if (records.length === 0) {
    console.error(`no line of trace ${JSON.stringify(traceId)}`);
    return 1;
  }
  const t = buildTrace(traceId, records);
  const bold = (s: string) => color ? styleText("bold", s, { validateStream: false }) : s;
  const bar = (s: string) => color ? styleText("cyan", s, { validateStream: false }) : s;
  await out.write(traceText(t, { bold, bar }, prettyOf(color)) + "\n");
  if (values.html !== undefined) {
    await writePage(values.html, await renderHtml(tracePage(t, prettyOf(false))));
  }
  return 0;
}

async function traceRecords(traceId: string, files: string[]): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  await eachRecord(files, (r) => {
    if (r.str("trace_id") === traceId) records.push(r);
  }, (line) => line.includes(traceId));
  return records;
}

const GROUPS: readonly GroupBy[] = ["endpoint", "status", "logger", "level"];

async function stats(
  files: string[],
  values: { by?: string; json?: boolean; html?: string },
  color: boolean,
  out: Out,
): Promise<number> {
  const by = (values.by ?? "endpoint") as GroupBy;
  if (!GROUPS.includes(by)) throw new UsageError(`stats --by: one of ${GROUPS.join(", ")}`);
  const s = new Stats(by);
  await eachRecord(files, (r) => s.add(r), (line) => s.wants(line));
  const rows = s.rows();
  if (values.json) {
    await out.write(JSON.stringify(rows) + "\n");
  } else {
    const bold = (t: string) => color ? styleText("bold", t, { validateStream: false }) : t;
    await out.write(statsTable(by, rows, bold) + "\n");
  }
  if (values.html !== undefined) {
    await writePage(values.html, await renderHtml(statsPage(by, rows)));
  }
  return 0;
}

async function writePage(file: string, html: string): Promise<void> {
  try {
    await Deno.writeTextFile(file, html);
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      throw new UsageError(`--html ${file}: run with --allow-write=${file}`);
    }
    throw e;
  }
  console.error(`wrote ${file}`);
}

/**
 * Runs the log tool with `args` (a command, its options and files) and returns the exit code:
 * 0 done, 1 nothing found, 2 a usage error.
 *
 * @example
 * ```ts ignore
 * // Not run by the docs tests: it reads a user's app.log; tests/cli.test.ts runs main on files.
 * import { main } from "@ctx/request-context/cli";
 *
 * Deno.exitCode = await main(["stats", "--by", "status", "app.log"]);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const out = stdout();
  try {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        by: { type: "string" },
        request: { type: "string" },
        html: { type: "string" },
        json: { type: "boolean" },
        color: { type: "boolean" },
        "no-color": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
    const [command, ...rest] = positionals;
    if (values.help || command === undefined) {
      await out.write(USAGE);
      return values.help ? 0 : 2;
    }
    const color = colorFor(values);
    switch (command) {
      case "pretty":
        return await pretty(rest, color, out);
      case "request": {
        const [id, ...files] = rest;
        if (id === undefined || id === "") throw new UsageError("request: a request id");
        return await request(id, files, values, color, out);
      }
      case "trace": {
        if (values.request !== undefined) return await trace(undefined, rest, values, color, out);
        const [id, ...files] = rest;
        return await trace(id, files, values, color, out);
      }
      case "stats":
        return await stats(rest, values, color, out);
    }
    throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  } catch (e) {
    if (e instanceof ClosedOutput) return 0;
    if (
      e instanceof UsageError ||
      (e as { code?: unknown })?.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ||
      (e as { code?: unknown })?.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE"
    ) {
      console.error(`${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof Deno.errors.NotFound) {
      console.error((e as Error).message);
      return 1;
    }
    throw e;
  }
}

if (import.meta.main) Deno.exitCode = await main(Deno.args);
