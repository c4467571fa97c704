/**
 * For Deno's `@std/log`: a formatter and a handler that write this module's
 * JSON line, with the current request's `request_id` and context fields, for
 * every record an `@std/log` logger makes. Nothing here imports `@std/log`:
 * the types below are the shapes it passes.
 *
 * @example Keep @std/log, get request ids
 * ```ts ignore
 * // Not run by the docs tests: jsr:@std/log is not an import of this project (JSR is not
 * // reachable from its test runs); the same calls run in tests/std_log.test.ts.
 * import * as log from "@std/log";
 * import { ContextHandler } from "@ctx/request-context/std-log";
 *
 * log.setup({
 *   handlers: { json: new ContextHandler("DEBUG") as unknown as log.BaseHandler },
 *   loggers: { default: { level: "DEBUG", handlers: ["json"] } },
 * });
 * log.info("Creating run", { user_id: "abc" });
 * // {"timestamp":"…","level":"INFO","logger":"default","message":"Creating run","request_id":"…","user_id":"abc"}
 * ```
 *
 * @module
 */

import { config } from "../src/_config.ts";
import { emit, formatLine } from "../src/_emit.ts";
import type { LogLevel } from "../src/levels.ts";
import { parseLevel } from "../src/_levels.ts";

/**
 * What this module reads of an `@std/log` `LogRecord`. Any `LogRecord` fits:
 * its `args` and `datetime` are getters, read once per record.
 *
 * @example A record made by hand, as a test would
 * ```ts
 * import assert from "node:assert/strict";
 * import { configureLogging } from "@ctx/request-context";
 * import { contextFormatter, type StdLogRecord } from "@ctx/request-context/std-log";
 *
 * configureLogging({}); // the formatter writes in the configured form: JSON here
 * const record: StdLogRecord = {
 *   msg: "hello",
 *   args: [{ user_id: "u-1" }],
 *   level: 20,
 *   levelName: "INFO",
 *   loggerName: "default",
 *   datetime: new Date(),
 * };
 * const line = JSON.parse(contextFormatter(record)); // {"timestamp":"…","level":"INFO",…,"user_id":"u-1"}
 * assert.deepEqual([line.level, line.logger, line.message, line.user_id], ["INFO", "default", "hello", "u-1"]);
 * ```
 */
export interface StdLogRecord {
  /** The message, already a string. */
  readonly msg: string;
  /** The arguments after the message. */
  readonly args: unknown[];
  /** The numeric level: 0 NOTSET, 10 DEBUG, 20 INFO, 30 WARN, 40 ERROR, 50 CRITICAL. */
  readonly level: number;
  /** The level's name, as `@std/log` spells it. */
  readonly levelName: string;
  /** The logger's name (`"default"` for the default logger). */
  readonly loggerName: string;
  /** When the record was made. */
  readonly datetime: Date;
}

/**
 * The shape of `@std/log`'s `FormatterFunction`.
 *
 * @example
 * ```ts
 * import { contextFormatter, type StdLogFormatter } from "@ctx/request-context/std-log";
 *
 * const plain: StdLogFormatter = (record) => `${record.levelName} ${record.msg}`;
 * const json: StdLogFormatter = contextFormatter;
 * ```
 */
export type StdLogFormatter = (record: StdLogRecord) => string;

/**
 * Options of {@linkcode ContextHandler}, as `@std/log`'s `BaseHandlerOptions`.
 *
 * @example
 * ```ts
 * import { ContextHandler } from "@ctx/request-context/std-log";
 *
 * new ContextHandler("INFO", { formatter: (r) => `${r.levelName} ${r.loggerName}: ${r.msg}` });
 * ```
 */
export interface ContextHandlerOptions {
  /** Turns a record into the line written. Default: {@linkcode contextFormatter}. */
  formatter?: StdLogFormatter;
}

/** `@std/log`'s level numbers by name (`WARNING` is its old name for `WARN`). */
const STD_LEVELS: Readonly<Record<string, number>> = {
  NOTSET: 0,
  DEBUG: 10,
  INFO: 20,
  WARN: 30,
  WARNING: 30,
  ERROR: 40,
  CRITICAL: 50,
};

/** The level of this module that a record's level name (or number) stands for. */
function levelOf(levelName: unknown, level: unknown): LogLevel {
  const named = parseLevel(levelName);
  if (named !== undefined) return named;
  const n = typeof level === "number" ? level : STD_LEVELS[String(levelName)] ?? 20;
  if (n >= 50) return "CRITICAL";
  if (n >= 40) return "ERROR";
  if (n >= 30) return "WARN";
  if (n >= 20) return "INFO";
  return "DEBUG"; // NOTSET and below
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A record's parts, read defensively: a throwing getter loses only its own part. */
interface Parts {
  level: LogLevel;
  logger: string;
  message: unknown;
  extra: Record<string, unknown> | undefined;
  time: number | undefined;
}

function read<T>(get: () => T): T | undefined {
  try {
    return get();
  } catch {
    return undefined;
  }
}

function partsOf(record: StdLogRecord): Parts {
  const args = read(() => record.args);
  const datetime = read(() => record.datetime);
  const loggerName = read(() => record.loggerName);
  let extra: Record<string, unknown> | undefined;
  if (Array.isArray(args) && args.length > 0) {
    const at = args.findIndex(isPlainObject);
    const rest = at < 0 ? args : args.filter((_, i) => i !== at);
    extra = at < 0 ? {} : { ...args[at] as Record<string, unknown> };
    // The other arguments are kept whole; a field of the object named `args` stays
    // and they take `extra_args`, by the core's rule for a name already in use.
    if (rest.length > 0) {
      if ("args" in extra) extra.extra_args = rest;
      else extra.args = rest;
    }
  }
  const time = datetime instanceof Date ? datetime.getTime() : NaN;
  return {
    level: levelOf(read(() => record.levelName), read(() => record.level)),
    logger: typeof loggerName === "string" ? loggerName : "default",
    message: read(() => record.msg) ?? "",
    extra,
    time: Number.isFinite(time) ? time : undefined,
  };
}

/**
 * An `@std/log` formatter (`FormatterFunction`): the record as this module's
 * line (JSON, or logfmt, with the configured preset and redaction) carrying the
 * current request's `request_id` and context fields. The first plain-object
 * argument's keys become fields; the other arguments are kept under `args`.
 * Levels map by name (`NOTSET` is `DEBUG`); the line's time is the record's.
 *
 * Give it to a handler that writes lines as they are, such as
 * `new ConsoleHandler(level, { formatter: contextFormatter, useColors: false })`
 * (colours would wrap the JSON in escape codes).
 *
 * @example
 * ```ts ignore
 * // Not run by the docs tests: jsr:@std/log is not an import of this project (JSR is not
 * // reachable from its test runs); the same calls run in tests/std_log.test.ts.
 * import * as log from "@std/log";
 * import { contextFormatter } from "@ctx/request-context/std-log";
 *
 * log.setup({
 *   handlers: {
 *     console: new log.ConsoleHandler("DEBUG", { formatter: contextFormatter, useColors: false }),
 *   },
 *   loggers: { default: { level: "DEBUG", handlers: ["console"] } },
 * });
 * log.warn("slow upstream", { upstream: "billing", ms: 930 }, 2);
 * // {…,"level":"WARN","logger":"default","message":"slow upstream","request_id":"…","upstream":"billing","ms":930,"args":[2]}
 * ```
 */
export const contextFormatter: StdLogFormatter = (record: StdLogRecord): string => {
  const p = partsOf(record);
  const line = formatLine(p.level, p.logger, undefined, p.message, p.extra, p.time);
  // formatLine has already reported why; the handler still gets a string.
  return line ?? String(p.message);
};

const levels = new WeakMap<ContextHandler, { level: number; levelName: string }>();

/**
 * An `@std/log` handler (the `BaseHandler` shape: `handle`, `format`, `log`,
 * `level`, `levelName`, `setup`, `destroy`) that writes each record through this
 * module's configured sink, formatted by {@linkcode contextFormatter} unless
 * another `formatter` is given. It drops records below its own level, as every
 * `@std/log` handler does; the level of `configureLogging` does not apply here.
 *
 * `@std/log` declares `BaseHandler` with private fields, so TypeScript accepts
 * this handler in `setup` only with a cast (`as unknown as BaseHandler`); at run
 * time it is used like any other handler.
 *
 * @example
 * ```ts ignore
 * // Not run by the docs tests: jsr:@std/log is not an import of this project (JSR is not
 * // reachable from its test runs); the same calls run in tests/std_log.test.ts.
 * import * as log from "@std/log";
 * import { ContextHandler } from "@ctx/request-context/std-log";
 *
 * log.setup({
 *   handlers: { json: new ContextHandler("INFO") as unknown as log.BaseHandler },
 *   loggers: {
 *     default: { level: "INFO", handlers: ["json"] },
 *     db: { level: "DEBUG", handlers: ["json"] },
 *   },
 * });
 * log.getLogger("db").info("query", { table: "runs", rows: 3 });
 * ```
 */
export class ContextHandler {
  /** The function that turns a record into a line. */
  formatter: StdLogFormatter;

  /**
   * A handler for records at `levelName` and above.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ContextHandler } from "@ctx/request-context/std-log";
   *
   * const handler = new ContextHandler("WARN");
   * assert.equal(handler.level, 30); // @std/log's weight of WARN
   * ```
   */
  constructor(levelName: string, options?: ContextHandlerOptions) {
    const name = typeof levelName === "string" ? levelName.toUpperCase() : "NOTSET";
    const level = STD_LEVELS[name] ?? 0;
    levels.set(this, { level, levelName: name in STD_LEVELS ? name : "NOTSET" });
    this.formatter = options?.formatter ?? contextFormatter;
  }

  /** The lowest `@std/log` level number handled. */
  get level(): number {
    return levels.get(this)?.level ?? 0;
  }
  set level(level: number) {
    const name = Object.keys(STD_LEVELS).find((k) => STD_LEVELS[k] === level && k !== "WARNING");
    levels.set(this, { level, levelName: name ?? "NOTSET" });
  }

  /** The name of the lowest level handled. */
  get levelName(): string {
    return levels.get(this)?.levelName ?? "NOTSET";
  }
  set levelName(levelName: string) {
    const name = String(levelName).toUpperCase();
    levels.set(this, {
      level: STD_LEVELS[name] ?? 0,
      levelName: name in STD_LEVELS ? name : "NOTSET",
    });
  }

  /** Formats and writes `record` when its level is at least this handler's. Never throws. */
  handle(record: StdLogRecord): void {
    if (this.level > record.level) return;
    let line: string;
    try {
      line = this.format(record);
    } catch (e) {
      // A custom formatter failed: the record is still written, by the core's formatter.
      const p = partsOf(record);
      emit(p.level, p.logger, undefined, p.message, { ...p.extra, formatter_error: e }, p.time);
      return;
    }
    // The level reaches the sink (a console per level) even through an overridden `log`.
    handledLevel = levelOf(read(() => record.levelName), read(() => record.level));
    try {
      this.log(line);
    } finally {
      handledLevel = undefined;
    }
  }

  /** The record as a line, by this handler's `formatter`. */
  format(record: StdLogRecord): string {
    return this.formatter(record);
  }

  /** Writes one finished line through the module's configured sink. */
  log(msg: string): void {
    writeLine(msg);
  }

  /** Called by `@std/log`'s `setup`; nothing to open. */
  setup(): void {}

  /** Called by `@std/log`'s `setup` when it replaces handlers; lines already went to the sink. */
  destroy(): void {}

  /** Same as `destroy`, for `using`. */
  [Symbol.dispose](): void {
    this.destroy();
  }
}

/** The level of the record `handle` is writing, for the sink. */
let handledLevel: LogLevel | undefined;

function writeLine(line: string): void {
  config().sink.write(typeof line === "string" ? line : String(line), handledLevel);
}
