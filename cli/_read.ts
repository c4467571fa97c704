// Internal: reading log lines back. One table says where each preset writes each field, so a
// new preset (gcp, datadog) is one row; lines are streamed chunk by chunk, and a line that is
// not a JSON object is passed over.

import type { PrettyRecord } from "../src/_pretty.ts";

/** The fields the log tool reads, under their default names. */
export type Field =
  | "timestamp"
  | "level"
  | "logger"
  | "message"
  | "request_id"
  | "trace_id"
  | "span_id"
  | "parent_span_id"
  | "service"
  | "method"
  | "route"
  | "path"
  | "status_code"
  | "duration_ms";

/** Where a field is in a line: the keys from the top, e.g. `["resource", "service.name"]`. */
type Path = readonly string[];

/** How one preset writes its lines. */
interface PresetRow {
  name: string;
  /** A top-level key that only this preset writes (checked in table order). */
  detect: string;
  /** Where each field is; a field not listed is `[...bag, its default name]`. */
  at: Partial<Record<Field, Path>>;
  /** The object holding the other fields (`[]`: the line itself). */
  bag: Path;
  /** Top-level keys not shown as fields by `pretty` (besides the core ones). */
  hide?: readonly string[];
  /** How a value is read back in the default form (nanoseconds to `duration_ms`, …). */
  read?: Partial<Record<Field, (value: unknown) => unknown>>;
  /**
   * The top-level keys an error is written under (its name, message and stack), shown by
   * `pretty` as one `error` with its stack below, as the default preset writes it.
   */
  error?: { readonly name: string; readonly message: string; readonly stack: string };
}

/** Nanoseconds (ECS `event.duration`, Datadog `duration`) as milliseconds. */
function nsToMs(value: unknown): unknown {
  return typeof value === "number" ? value / 1e6 : value;
}

/** A protobuf Duration (`"0.045s"`, Google's `httpRequest.latency`) as milliseconds. */
function durationToMs(value: unknown): unknown {
  if (typeof value !== "string" || !/^\d+(\.\d+)?s$/.test(value)) return value;
  return Math.round(Number(value.slice(0, -1)) * 1e9) / 1e6;
}

/** Google's `projects/<project>/traces/<trace_id>` as the trace id. */
function gcpTraceId(value: unknown): unknown {
  return typeof value === "string" ? value.slice(value.lastIndexOf("/") + 1) : value;
}

/** A Datadog id (an unsigned decimal string of 64 bits) as 16 hex digits, as span ids are written. */
function datadogHex(value: unknown): unknown {
  if (typeof value !== "string" || !/^\d{1,20}$/.test(value)) return value;
  const n = BigInt(value);
  return n < 1n << 64n ? n.toString(16).padStart(16, "0") : value;
}

/**
 * THE table of presets. The first row whose `detect` key a line has reads it; a line with
 * none of them is read as the default preset.
 */
const PRESETS: readonly PresetRow[] = [
  {
    name: "otel",
    detect: "severity_text",
    at: {
      timestamp: ["timestamp"],
      level: ["severity_text"],
      logger: ["instrumentation_scope", "name"],
      message: ["body"],
      trace_id: ["trace_id"],
      span_id: ["span_id"],
      service: ["resource", "service.name"],
    },
    bag: ["attributes"],
    hide: ["severity_number", "instrumentation_scope"],
  },
  {
    name: "ecs",
    detect: "@timestamp",
    at: {
      timestamp: ["@timestamp"],
      level: ["log.level"],
      logger: ["log.logger"],
      request_id: ["http.request.id"],
      trace_id: ["trace.id"],
      span_id: ["span.id"],
      service: ["service.name"],
      method: ["http.request.method"],
      path: ["url.path"],
      status_code: ["http.response.status_code"],
      duration_ms: ["event.duration"],
    },
    bag: [],
    hide: ["ecs.version"],
    read: { duration_ms: nsToMs },
    error: { name: "error.type", message: "error.message", stack: "error.stack_trace" },
  },
  {
    name: "gcp",
    detect: "severity",
    at: {
      timestamp: ["time"],
      level: ["severity"],
      trace_id: ["logging.googleapis.com/trace"],
      span_id: ["logging.googleapis.com/spanId"],
      method: ["httpRequest", "requestMethod"],
      path: ["httpRequest", "requestUrl"],
      status_code: ["httpRequest", "status"],
      duration_ms: ["httpRequest", "latency"],
    },
    bag: [],
    hide: ["logging.googleapis.com/trace_sampled", "@type"],
    read: { trace_id: gcpTraceId, duration_ms: durationToMs },
    // The error's name and message stay under `error`; its stack is `stack_trace`.
    error: { name: "error", message: "error", stack: "stack_trace" },
  },
  {
    name: "datadog",
    detect: "logger.name",
    at: {
      level: ["status"],
      logger: ["logger.name"],
      request_id: ["http.request_id"],
      trace_id: ["dd.trace_id"],
      span_id: ["dd.span_id"],
      method: ["http.method"],
      path: ["http.url_details.path"],
      route: ["http.route"],
      status_code: ["http.status_code"],
      duration_ms: ["duration"],
    },
    bag: [],
    read: { trace_id: datadogHex, span_id: datadogHex, duration_ms: nsToMs },
    error: { name: "error.kind", message: "error.message", stack: "error.stack" },
  },
  { name: "default", detect: "timestamp", at: {}, bag: [] },
];

const CORE: readonly Field[] = ["timestamp", "level", "logger", "message", "request_id"];
const FIELDS: readonly Field[] = [
  ...CORE,
  "trace_id",
  "span_id",
  "parent_span_id",
  "service",
  "method",
  "route",
  "path",
  "status_code",
  "duration_ms",
];

/** A preset row with every field's path filled in. */
interface Reader {
  row: PresetRow;
  paths: Record<Field, Path>;
  /** For `pretty`: per object path (`""` top, `"attributes"`…), the keys that are core. */
  coreKeys: Map<string, Set<string>>;
}

const READERS: readonly Reader[] = PRESETS.map((row) => {
  const paths = {} as Record<Field, Path>;
  for (const f of FIELDS) paths[f] = row.at[f] ?? [...row.bag, f];
  const coreKeys = new Map<string, Set<string>>();
  for (const f of CORE) {
    const p = paths[f];
    const parent = p.slice(0, -1).join("\u0000");
    if (!coreKeys.has(parent)) coreKeys.set(parent, new Set());
    coreKeys.get(parent)!.add(p[p.length - 1]);
  }
  return { row, paths, coreKeys };
});

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function get(obj: Obj, path: Path): unknown {
  let v: unknown = obj;
  for (const key of path) {
    if (!isObj(v)) return undefined;
    v = v[key];
  }
  return v;
}

/** One parsed line and the preset it was written in. */
export class LogRecord {
  readonly #reader: Reader;
  constructor(readonly obj: Obj, readonly raw: string, reader?: Reader) {
    this.#reader = reader ?? readerFor(obj);
  }

  /** A field's value when it is a string (numbers, e.g. a status code, are turned to text). */
  str(field: Field): string | undefined {
    const v = this.#value(field);
    if (typeof v === "string") return v;
    return typeof v === "number" ? String(v) : undefined;
  }

  /** A field's value when it is a finite number. */
  num(field: Field): number | undefined {
    const v = this.#value(field);
    return typeof v === "number" && Number.isFinite(v) ? v : undefined;
  }

  /** A field's value, read back in the default form. */
  #value(field: Field): unknown {
    const v = get(this.obj, this.#reader.paths[field]);
    const read = this.#reader.row.read?.[field];
    return read === undefined || v === undefined ? v : read(v);
  }

  /** The time in ms since the epoch, `NaN` when it cannot be read. */
  get time(): number {
    const t = this.str("timestamp");
    return t === undefined ? NaN : Date.parse(t);
  }

  /** The level in upper case (`WARNING` read as `WARN`, `FATAL` as `CRITICAL`). */
  get level(): string {
    const l = (this.str("level") ?? "").toUpperCase();
    return l === "WARNING" ? "WARN" : l === "FATAL" ? "CRITICAL" : l;
  }

  /** Every field but the core ones, in the order written, with the bags flattened. */
  fields(): [string, unknown][] {
    const out: [string, unknown][] = [];
    const { row, coreKeys } = this.#reader;
    const bag = row.bag.join("\u0000");
    const hide = new Set(row.hide ?? []);
    const walk = (obj: Obj, at: string) => {
      const core = coreKeys.get(at);
      for (const key of Object.keys(obj)) {
        if (core?.has(key) || (at === "" && hide.has(key))) continue;
        const value = obj[key];
        const inner = at === "" ? key : `${at}\u0000${key}`;
        // The bag and objects holding a core field (otel's resource) are spread out.
        if (isObj(value) && (inner === bag || (at === "" && key === "resource"))) {
          walk(value, inner);
        } else out.push([key, value]);
      }
    };
    walk(this.obj, "");
    return joinError(out, row.error);
  }
}

/**
 * The fields with an error written under several keys joined into one `error` (name, message,
 * stack, and for Google Cloud the rest of its `error` object), where the first of them was.
 */
function joinError(
  fields: [string, unknown][],
  keys: PresetRow["error"],
): [string, unknown][] {
  if (keys === undefined) return fields;
  const stack = fields.find(([k]) => k === keys.stack)?.[1];
  if (typeof stack !== "string") return fields;
  const parts = new Set([keys.name, keys.message, keys.stack]);
  const at = fields.findIndex(([k]) => parts.has(k));
  const error: Obj = {};
  for (const [k, v] of fields) {
    if (k === keys.name && k === keys.message && isObj(v)) Object.assign(error, v);
    else if (k === keys.name) error.name = v;
    else if (k === keys.message) error.message = v;
  }
  error.stack = stack;
  const rest = fields.filter(([k]) => !parts.has(k));
  rest.splice(Math.min(at, rest.length), 0, ["error", error]);
  return rest;
}

/** A record as the pretty form takes it. */
export function prettyRecord(r: LogRecord): PrettyRecord {
  return {
    time: r.time,
    timeText: r.str("timestamp"),
    level: r.level,
    logger: r.str("logger") ?? "",
    message: r.str("message") ?? "",
    requestId: r.str("request_id"),
    fields: r.fields(),
  };
}

function readerFor(obj: Obj): Reader {
  for (const r of READERS) if (r.row.detect in obj) return r;
  return READERS[READERS.length - 1];
}

/** A line as a record, or `undefined` when it is not one JSON object. */
export function parseLine(line: string): LogRecord | undefined {
  let i = 0;
  while (i < line.length && (line[i] === " " || line[i] === "\t")) i++;
  if (line[i] !== "{") return undefined;
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return undefined;
  }
  return isObj(obj) ? new LogRecord(obj, line) : undefined;
}

/** The longest line kept; the rest of a longer one is passed over (it is not one record). */
const MAX_LINE = 16 * 1024 * 1024;

/**
 * Calls `onLines` with the lines of each chunk of `stream` as they arrive (a line cut between
 * chunks is joined first). `onLines` may return a promise (for output), which is awaited.
 */
export async function forEachLines(
  stream: ReadableStream<Uint8Array>,
  onLines: (lines: string[]) => void | Promise<void>,
): Promise<void> {
  const decoder = new TextDecoder();
  let rest = "";
  let skipping = false;
  for await (const chunk of stream) {
    const text = decoder.decode(chunk, { stream: true });
    const end = text.lastIndexOf("\n");
    if (end < 0) {
      if (!skipping) rest += text;
      if (rest.length > MAX_LINE) {
        rest = "";
        skipping = true;
      }
      continue;
    }
    const head = skipping ? text.slice(text.indexOf("\n") + 1, end) : rest + text.slice(0, end);
    skipping = false;
    rest = text.slice(end + 1);
    const lines = head.split("\n");
    const r = onLines(lines);
    if (r !== undefined) await r;
  }
  rest += decoder.decode();
  if (rest !== "" && !skipping) {
    const r = onLines([rest]);
    if (r !== undefined) await r;
  }
}
