// Internal: the pretty form, one record to one string for people. Used by
// `configureLogging({ format: "pretty" })` and by the log tool (`./cli`), which hands it
// records read back from JSON lines of any preset.
//
//   14:32:15.123 INFO  http POST /runs - 201 [550e8400] method=POST status_code=201
//       Error: boom            <- an error's stack, below its record, indented
//           at handler (app.ts:12:9)
//
// Whatever a value holds, the record stays one line, its continuation lines are indented
// (so none can pass for a record, which starts with a digit), and no control character,
// ANSI escape or bidirectional override reaches the terminal raw: each is written as an
// escape (`\n`, `\u001b`). Colours are a handful of ANSI constants; no dependency.

import type { Entry, FormatConfig } from "./_format.ts";
import {
  describeThrown,
  fieldKeys,
  isRedacted,
  REDACTED,
  type SafeOptions,
  toSafe,
} from "./_serialize.ts";

/** One record as the pretty form shows it. Field values must be JSON-safe (plain data). */
export interface PrettyRecord {
  /** Milliseconds since the epoch; `NaN` when unknown (then `timeText` is shown, if any). */
  time: number;
  /** The time as written, shown when `time` cannot be read. */
  timeText?: string;
  level: string;
  logger: string;
  message: string;
  /** `undefined` or `"-"` outside a request. */
  requestId: string | undefined;
  /** The rest, in order: shown as `key=value`; an error (an object with a `stack`) also below. */
  fields: ReadonlyArray<readonly [string, unknown]>;
}

/** How a record is rendered. */
export interface PrettyOptions {
  /** ANSI colours on. */
  color: boolean;
  /** The longest record line (not counting the stack lines below it); longer values are cut. */
  maxLineLength?: number;
}

const ESC = "\x1b[";
const RESET = `${ESC}0m`;
const DIM = `${ESC}2m`;
const BOLD = `${ESC}1m`;
const LEVEL_COLOR: Readonly<Record<string, string>> = {
  DEBUG: `${ESC}35m`, // magenta
  INFO: `${ESC}32m`, // green
  WARN: `${ESC}33m`, // yellow
  ERROR: `${ESC}31m`, // red
  CRITICAL: `${ESC}1;97;41m`, // bold white on red
};
const LOGGER_COLOR = `${ESC}36m`; // cyan
const ID_COLOR = `${ESC}34m`; // blue

/** The first characters of a request id shown. */
export const SHORT_ID = 8;

// C0 and C1 controls (ESC among them), DEL, the Unicode line and paragraph separators, the
// bidirectional embeddings, overrides and isolates (which reorder what a terminal shows), and
// lone surrogates.
const UNSAFE =
  // deno-lint-ignore no-control-regex
  /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const UNSAFE_ONE = new RegExp(UNSAFE.source);
/** A value written bare: no space, quote, `=`, backslash or unsafe character. */
// deno-lint-ignore no-control-regex
const BARE = /^[^\s"'=\\\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]+$/;

function escapeChar(ch: string): string {
  // JSON's short escapes (\n, \t, \u001b, a lone surrogate's \ud800); what JSON leaves raw
  // (C1 controls, separators, bidi marks) as \uXXXX.
  const json = JSON.stringify(ch).slice(1, -1);
  return json.length > 1 ? json : `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/** Text with every unsafe character written as an escape; safe text is returned as is. */
export function safeText(s: string): string {
  return UNSAFE_ONE.test(s) ? s.replace(UNSAFE, escapeChar) : s;
}

/** A field value as text: a plain string bare, any other string quoted, the rest as JSON. */
function valueText(value: unknown): string {
  if (typeof value === "string") {
    if (value !== "" && BARE.test(value) && !UNSAFE_ONE.test(value)) return value;
    return safeText(JSON.stringify(value));
  }
  if (typeof value === "number" || typeof value === "boolean" || value === null) {
    return String(value);
  }
  if (isError(value)) {
    const name = typeof value.name === "string" ? value.name : "Error";
    const message = typeof value.message === "string" ? value.message : "";
    return valueText(message === "" ? name : `${name}: ${message}`);
  }
  try {
    return safeText(JSON.stringify(value) ?? String(value));
  } catch (e) {
    return safeText(`[Unserializable: ${describeThrown(e)}]`);
  }
}

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  stack: string;
  cause?: unknown;
}

/** An error as the module writes it: an object with a string `stack`. */
function isError(value: unknown): value is ErrorLike {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    typeof (value as { stack?: unknown }).stack === "string";
}

/** `HH:MM:ss.mmm` in local time. */
export function localTime(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${
    String(d.getMilliseconds()).padStart(3, "0")
  }`;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

const INDENT = "    ";

/** The stack lines of an error and of its causes, indented, each made safe. */
function stackLines(error: ErrorLike, out: string[], depth: number): void {
  const pad = INDENT.repeat(depth + 1);
  const lines = error.stack.split(/\r\n|\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === "" && i === lines.length - 1) continue;
    // A stack line's own indent is kept (trimmed to one level): frames stay under the title.
    out.push(`${pad}${i === 0 ? "" : "  "}${safeText(line.trimStart())}`);
  }
  if (depth < 4 && isError(error.cause)) {
    out.push(`${pad}Caused by:`);
    stackLines(error.cause, out, depth + 1);
  }
}

/**
 * Renders one record: the record line, then the stack of each error field, indented.
 * Never throws for any record whose fields are plain data.
 */
export function renderPretty(r: PrettyRecord, options: PrettyOptions): string {
  const first = recordLine(r, options.color, undefined);
  const max = options.maxLineLength;
  const line = max !== undefined && first.length > max
    ? recordLine(r, options.color, Math.max(64, Math.floor(max / 8)))
    : first;
  const below: string[] = [];
  for (const [, value] of r.fields) if (isError(value)) stackLines(value, below, 0);
  if (below.length === 0) return line;
  const stack = below.join("\n");
  return `${line}\n${options.color ? `${DIM}${stack}${RESET}` : stack}`;
}

function cut(text: string, cap: number | undefined): string {
  return cap !== undefined && text.length > cap ? `${text.slice(0, cap)}…[truncated]` : text;
}

function recordLine(r: PrettyRecord, color: boolean, cap: number | undefined): string {
  const time = Number.isFinite(r.time) ? localTime(r.time) : safeText(r.timeText ?? "??:??:??.???");
  const level = safeText(r.level).padEnd(5);
  const logger = cut(safeText(r.logger), cap);
  const message = cut(safeText(r.message), cap);
  const id = r.requestId === undefined || r.requestId === "-" || r.requestId === ""
    ? ""
    : `[${safeText(r.requestId.slice(0, SHORT_ID))}]`;
  let fields = "";
  for (const [key, value] of r.fields) {
    fields += ` ${safeText(key)}=${cut(valueText(value), cap)}`;
  }
  if (!color) {
    return `${time} ${level} ${logger} ${message}${id === "" ? "" : ` ${id}`}${fields}`;
  }
  const lc = LEVEL_COLOR[r.level] ?? BOLD;
  return `${DIM}${time}${RESET} ${lc}${level}${RESET} ${LOGGER_COLOR}${logger}${RESET} ${message}${
    id === "" ? "" : ` ${ID_COLOR}${id}${RESET}`
  }${fields === "" ? "" : `${DIM}${fields}${RESET}`}`;
}

/**
 * Whether to colour: `FORCE_COLOR` (any value but `0` or `false`) forces colours and wins;
 * `FORCE_COLOR=0`/`false` or a non-empty `NO_COLOR` turns them off; otherwise colours when
 * the output is a terminal.
 */
export function colorWanted(
  env: { NO_COLOR?: string | undefined; FORCE_COLOR?: string | undefined },
  terminal: boolean,
): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    const f = force.trim().toLowerCase();
    if (f === "0" || f === "false") return false;
    return true;
  }
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  return terminal;
}

/**
 * The pretty form of a log call: the service fields, the context's, a child logger's and the
 * call's own, redacted and made safe as in the JSON form. A key already shown is kept as
 * `extra_<key>`, as in the JSON form.
 */
export function formatPrettyEntry(
  entry: Entry,
  cfg: FormatConfig,
  context: Record<string, unknown> | undefined,
): string {
  const fields: [string, unknown][] = [];
  const taken = new Set(["timestamp", "level", "logger", "message", "request_id"]);
  collect(cfg.service, cfg.safe, fields, taken);
  collect(context, cfg.safe, fields, taken);
  collect(entry.bound, cfg.safe, fields, taken);
  collect(entry.extra, cfg.safe, fields, taken);
  return renderPretty({
    time: entry.time,
    level: entry.level,
    logger: entry.logger,
    message: entry.message,
    requestId: entry.requestId,
    fields,
  }, { color: cfg.color === true, maxLineLength: cfg.maxLineLength });
}

function collect(
  source: Record<string, unknown> | undefined,
  safe: SafeOptions,
  out: [string, unknown][],
  taken: Set<string>,
): void {
  const keys = fieldKeys(source);
  if (typeof keys === "string") return void out.push([claim("unserializable_fields", taken), keys]);
  const n = Math.min(keys.length, safe.maxKeys);
  for (let i = 0; i < n; i++) {
    const key = keys[i];
    let value: unknown;
    if (isRedacted(key, key, safe)) {
      value = REDACTED;
    } else {
      try {
        value = toSafe(source![key], safe, key); // keys only come from an object
      } catch (e) {
        value = `[Getter threw: ${describeThrown(e)}]`;
      }
      if (value === undefined) continue;
    }
    out.push([claim(key, taken), value]);
  }
  if (keys.length > n) out.push([claim("[truncated]", taken), `${keys.length - n} more keys`]);
}

function claim(name: string, taken: Set<string>): string {
  while (taken.has(name)) name = `extra_${name}`;
  taken.add(name);
  return name;
}
