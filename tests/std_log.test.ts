// @std/log: the formatter and the handler, fed by a structural copy of @std/log
// 0.224.14's LogRecord, Logger and BaseHandler (JSR is out of reach here).
import { deepStrictEqual, ok, strictEqual } from "node:assert";
import { configureLogging, runWithContext, withContext, withRequestContext } from "../mod.ts";
import { contextFormatter, ContextHandler } from "../integrations/std_log.ts";
import { parseStrict } from "./_strict_json.ts";
import { serve } from "./_helpers.ts";

// ---- a faithful copy of what @std/log 0.224.14 does, in the parts the module meets ----

const LogLevels = { NOTSET: 0, DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40, CRITICAL: 50 } as const;
type LevelName = keyof typeof LogLevels;
type StdLevel = (typeof LogLevels)[LevelName];

function getLevelName(level: number): LevelName {
  const name = (Object.keys(LogLevels) as LevelName[]).find((k) => LogLevels[k] === level);
  if (name === undefined) throw new Error(`no level name for ${level}`);
  return name;
}

/** @std/log's LogRecord: private fields behind copying getters for args and datetime. */
class LogRecord {
  readonly msg: string;
  #args: unknown[];
  #datetime: Date;
  readonly level: number;
  readonly levelName: string;
  readonly loggerName: string;
  constructor(options: { msg: string; args: unknown[]; level: number; loggerName: string }) {
    this.msg = options.msg;
    this.#args = [...options.args];
    this.level = options.level;
    this.loggerName = options.loggerName;
    this.#datetime = new Date();
    this.levelName = getLevelName(options.level);
  }
  get args(): unknown[] {
    return [...this.#args];
  }
  get datetime(): Date {
    return new Date(this.#datetime.getTime());
  }
}

/** @std/log's FormatterFunction and abstract BaseHandler (private fields make it nominal). */
type FormatterFunction = (logRecord: LogRecord) => string;
abstract class BaseHandler {
  #levelName: LevelName;
  #level: number;
  formatter: FormatterFunction;
  constructor(levelName: LevelName, options?: { formatter?: FormatterFunction }) {
    this.#levelName = levelName;
    this.#level = LogLevels[levelName];
    this.formatter = options?.formatter ?? (({ levelName, msg }) => `${levelName} ${msg}`);
  }
  get level(): number {
    return this.#level;
  }
  get levelName(): LevelName {
    return this.#levelName;
  }
  handle(logRecord: LogRecord) {
    if (this.level > logRecord.level) return;
    this.log(this.format(logRecord));
  }
  format(logRecord: LogRecord): string {
    return this.formatter(logRecord);
  }
  abstract log(msg: string): void;
  setup() {}
  destroy() {}
  [Symbol.dispose]() {
    this.destroy();
  }
}

/** The handler shape @std/log's Logger and setup() call. */
interface HandlerLike {
  handle(record: LogRecord): void;
  setup(): void;
  destroy(): void;
}

/** @std/log's Logger, in what it does with a call: msg made a string, a record to each handler. */
class Logger {
  constructor(
    readonly loggerName: string,
    readonly level: number,
    readonly handlers: HandlerLike[],
  ) {}
  asString(data: unknown, isProperty = false): string {
    if (typeof data === "string") return isProperty ? `"${data}"` : data;
    if (
      data === null || typeof data === "number" || typeof data === "bigint" ||
      typeof data === "boolean" || typeof data === "undefined" || typeof data === "symbol"
    ) return String(data);
    if (data instanceof Error) return data.stack!;
    if (typeof data === "object") {
      return `{${
        Object.entries(data).map(([k, v]) => `"${k}":${this.asString(v, true)}`).join(",")
      }}`;
    }
    return "undefined";
  }
  #log(level: StdLevel, msg: unknown, ...args: unknown[]): void {
    if (this.level > level) return;
    const record = new LogRecord({
      msg: this.asString(msg),
      args,
      level,
      loggerName: this.loggerName,
    });
    this.handlers.forEach((handler) => handler.handle(record));
  }
  debug(msg: unknown, ...args: unknown[]) {
    this.#log(LogLevels.DEBUG, msg, ...args);
  }
  info(msg: unknown, ...args: unknown[]) {
    this.#log(LogLevels.INFO, msg, ...args);
  }
  warn(msg: unknown, ...args: unknown[]) {
    this.#log(LogLevels.WARN, msg, ...args);
  }
  error(msg: unknown, ...args: unknown[]) {
    this.#log(LogLevels.ERROR, msg, ...args);
  }
  critical(msg: unknown, ...args: unknown[]) {
    this.#log(LogLevels.CRITICAL, msg, ...args);
  }
}

/** A handler of the user's own, as @std/log's docs write them, given contextFormatter. */
class ListHandler extends BaseHandler {
  lines: string[] = [];
  log(msg: string): void {
    this.lines.push(msg);
  }
}

// contextFormatter is accepted where @std/log wants a FormatterFunction (checked by deno check).
const _asStdFormatter: FormatterFunction = contextFormatter;

function sinkLines(): { raw: string[] } {
  const raw: string[] = [];
  configureLogging({ sink: (line) => raw.push(line) });
  return { raw };
}

// ---- tests ----

Deno.test("contextFormatter: a record inside a request becomes the module's line with its context", () => {
  const handler = new ListHandler("DEBUG", { formatter: contextFormatter });
  const log = new Logger("billing", LogLevels.DEBUG, [handler]);
  const before = Date.now();
  runWithContext(
    { requestId: "r-std", fields: { tenant: "t-1" } },
    () =>
      withContext(
        { step: "charge" },
        () => log.info("charged", { amount_cents: 1299, currency: "EUR" }, 7, "note"),
      ),
  );
  const after = Date.now();
  strictEqual(handler.lines.length, 1);
  const line = parseStrict(handler.lines[0]);
  deepStrictEqual(Object.keys(line), [
    "timestamp",
    "level",
    "logger",
    "message",
    "request_id",
    "tenant",
    "step",
    "amount_cents",
    "currency",
    "args",
  ]);
  strictEqual(line.level, "INFO");
  strictEqual(line.logger, "billing");
  strictEqual(line.message, "charged");
  strictEqual(line.request_id, "r-std");
  strictEqual(line.tenant, "t-1");
  strictEqual(line.step, "charge");
  strictEqual(line.amount_cents, 1299);
  deepStrictEqual(line.args, [7, "note"]);
  const t = Date.parse(line.timestamp as string);
  ok(t >= before - 1 && t <= after + 1, "the line's time is the record's");
});

Deno.test("contextFormatter: the line's timestamp is the record's datetime, not the time of formatting", () => {
  const record = new LogRecord({ msg: "late", args: [], level: 20, loggerName: "x" });
  const at = record.datetime.toISOString();
  const start = Date.now();
  while (Date.now() - start < 5) { /* let the clock move */ }
  strictEqual(parseStrict(contextFormatter(record)).timestamp, at);
});

Deno.test("contextFormatter: each @std/log level maps to the module's level", () => {
  const expected: Record<LevelName, string> = {
    NOTSET: "DEBUG",
    DEBUG: "DEBUG",
    INFO: "INFO",
    WARN: "WARN",
    ERROR: "ERROR",
    CRITICAL: "CRITICAL",
  };
  for (const name of Object.keys(LogLevels) as LevelName[]) {
    const record = new LogRecord({ msg: name, args: [], level: LogLevels[name], loggerName: "l" });
    strictEqual(parseStrict(contextFormatter(record)).level, expected[name], name);
  }
  // An unknown name falls back on the number; the old "WARNING" name is WARN.
  const odd = {
    msg: "m",
    args: [],
    level: 45,
    levelName: "LOUD",
    loggerName: "l",
    datetime: new Date(),
  };
  strictEqual(parseStrict(contextFormatter(odd)).level, "ERROR");
  strictEqual(parseStrict(contextFormatter({ ...odd, levelName: "WARNING" })).level, "WARN");
});

Deno.test("contextFormatter: nothing is lost: other objects, errors, bigints stay in args; an args key stays", () => {
  class Point {
    constructor(readonly x: number, readonly y: number) {}
  }
  const err = new Error("boom");
  const record = new LogRecord({
    msg: "mixed",
    args: [new Point(1, 2), { args: "mine", n: 1 }, { second: true }, err, 10n, null, [1, 2]],
    level: LogLevels.ERROR,
    loggerName: "l",
  });
  const line = parseStrict(contextFormatter(record));
  strictEqual(line.args, "mine", "the object's own `args` key keeps its name");
  strictEqual(line.n, 1);
  const rest = line.extra_args as unknown[];
  strictEqual(rest.length, 6);
  deepStrictEqual({ ...rest[0] as object }, { x: 1, y: 2 });
  deepStrictEqual({ ...rest[1] as object }, { second: true });
  const e = rest[2] as Record<string, unknown>;
  strictEqual(e.name, "Error");
  strictEqual(e.message, "boom");
  ok(String(e.stack).includes("boom"));
  strictEqual(rest[3], "10");
  strictEqual(rest[4], null);
  deepStrictEqual(rest[5], [1, 2]);
});

Deno.test("contextFormatter: a message @std/log made from an object, and no args, outside a context", () => {
  const handler = new ListHandler("DEBUG", { formatter: contextFormatter });
  new Logger("default", 0, [handler]).warn({ a: 1, b: "x" });
  const line = parseStrict(handler.lines[0]);
  strictEqual(line.message, '{"a":1,"b":"x"}');
  strictEqual(line.request_id, "-");
  strictEqual(line.level, "WARN");
  ok(!("args" in line));
});

Deno.test("contextFormatter: the configured preset and redaction apply", () => {
  configureLogging({ preset: "ecs", redact: ["password"] });
  try {
    const record = new LogRecord({
      msg: "login",
      args: [{ user: "ann", password: "hunter2" }],
      level: LogLevels.INFO,
      loggerName: "auth",
    });
    const text = runWithContext({ requestId: "r-ecs" }, () => contextFormatter(record));
    ok(!text.includes("hunter2"), text);
    const line = parseStrict(text);
    strictEqual(line["http.request.id"], "r-ecs");
    strictEqual(line["log.logger"], "auth");
    strictEqual(line.password, "[REDACTED]");
  } finally {
    configureLogging({});
  }
});

Deno.test("contextFormatter: a record whose getters throw still gives a line", () => {
  const hostile = {
    msg: "still here",
    get args(): unknown[] {
      throw new Error("args getter");
    },
    level: 20,
    levelName: "INFO",
    loggerName: "h",
    get datetime(): Date {
      throw new Error("datetime getter");
    },
  };
  const line = parseStrict(contextFormatter(hostile));
  strictEqual(line.message, "still here");
  strictEqual(line.level, "INFO");
});

Deno.test("ContextHandler: @std/log's handler shape; writes through the configured sink above its level", () => {
  const { raw } = sinkLines();
  try {
    const handler = new ContextHandler("WARN");
    strictEqual(handler.level, 30);
    strictEqual(handler.levelName, "WARN");
    handler.setup();
    const log = new Logger("api", LogLevels.DEBUG, [handler]);
    runWithContext({ requestId: "r-h" }, () => {
      log.info("dropped: below the handler's level");
      log.warn("kept", { code: 7 });
      log.critical("also kept");
    });
    handler.destroy();
    handler[Symbol.dispose]();
  } finally {
    configureLogging({});
  }
  const lines = raw.map(parseStrict);
  deepStrictEqual(lines.map((l) => [l.level, l.message, l.request_id]), [
    ["WARN", "kept", "r-h"],
    ["CRITICAL", "also kept", "r-h"],
  ]);
  strictEqual(lines[0].code, 7);
});

Deno.test("ContextHandler: level and levelName stay in step, as on BaseHandler", () => {
  const handler = new ContextHandler("info");
  strictEqual(handler.levelName, "INFO");
  strictEqual(handler.level, 20);
  handler.level = 40;
  strictEqual(handler.levelName, "ERROR");
  handler.levelName = "DEBUG";
  strictEqual(handler.level, 10);
  const unknown = new ContextHandler("LOUD");
  strictEqual(unknown.level, 0);
  strictEqual(unknown.levelName, "NOTSET");
});

Deno.test("ContextHandler: its level, not configureLogging's, decides; format and log work alone", () => {
  const { raw } = sinkLines();
  configureLogging({ level: "ERROR", sink: (line) => raw.push(line) });
  try {
    const handler = new ContextHandler("DEBUG");
    new Logger("l", 0, [handler]).debug("a debug line");
    const record = new LogRecord({ msg: "by hand", args: [], level: 20, loggerName: "x" });
    const text = handler.format(record);
    strictEqual(parseStrict(text).message, "by hand");
    handler.log("a line as given");
  } finally {
    configureLogging({});
  }
  strictEqual(parseStrict(raw[0]).message, "a debug line");
  strictEqual(raw[1], "a line as given");
  strictEqual(raw.length, 2);
});

Deno.test("ContextHandler: a custom formatter is used; one that throws still leaves a line", () => {
  const { raw } = sinkLines();
  try {
    const plain = new ContextHandler("INFO", { formatter: (r) => `${r.levelName} ${r.msg}` });
    const broken = new ContextHandler("INFO", {
      formatter: () => {
        throw new Error("formatter bug");
      },
    });
    new Logger("l", 0, [plain, broken]).info("hello", { k: 1 });
  } finally {
    configureLogging({});
  }
  strictEqual(raw[0], "INFO hello");
  const line = parseStrict(raw[1]);
  strictEqual(line.message, "hello");
  strictEqual(line.k, 1);
  strictEqual((line.formatter_error as Record<string, unknown>).message, "formatter bug");
});

Deno.test("ContextHandler: @std/log inside a real Deno.serve request: the record's line has the response's request id", async () => {
  const { raw } = sinkLines();
  const handler = new ContextHandler("INFO");
  const log = new Logger("routes", LogLevels.INFO, [handler]);
  const server = serve(withRequestContext(async () => {
    await new Promise((r) => setTimeout(r, 5));
    log.info("handling", { route: "/runs" });
    return new Response("ok");
  }, { logRequests: false }));
  try {
    const response = await fetch(`${server.url}/runs`);
    await response.text();
    const id = response.headers.get("x-request-id");
    const line = parseStrict(raw[0]);
    strictEqual(line.request_id, id);
    strictEqual(line.route, "/runs");
    strictEqual(line.logger, "routes");
  } finally {
    await server.close();
    configureLogging({});
  }
});
