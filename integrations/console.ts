/**
 * Opt-in: `console.log/info/warn/error/debug` calls made during a request go
 * through this module's logger, so code that only knows `console` (a
 * third-party library, an old module) writes lines with the request's id.
 * Outside a context the console behaves as before.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configureLogging, runWithContext } from "@ctx/request-context";
 * import { patchConsole } from "@ctx/request-context/console";
 *
 * const lines: string[] = [];
 * configureLogging({ sink: (line) => lines.push(line) });
 * const unpatch = patchConsole();
 * runWithContext({ requestId: "r-1" }, () => {
 *   console.warn("cache miss for %s", "user:42");
 *   // {"timestamp":"…","level":"WARN","logger":"console","message":"cache miss for user:42","request_id":"r-1"}
 * });
 * console.log("outside a request: printed as before");
 * unpatch();
 * const { timestamp: _, ...line } = JSON.parse(lines[0]);
 * assert.deepEqual(line, {
 *   level: "WARN",
 *   logger: "console",
 *   message: "cache miss for user:42",
 *   request_id: "r-1",
 * });
 * assert.equal(lines.length, 1);
 * ```
 *
 * @module
 */

import { currentScope } from "../src/_storage.ts";
import { config } from "../src/_config.ts";
import { LOG_LEVELS, type LogLevel } from "../src/levels.ts";
import { send } from "../src/_emit.ts";
import { type ConsoleMethodName, unpatchedConsole, writingOut } from "../src/_console.ts";
import { formatArgs } from "./_format_args.ts";
import { isString, optionOr } from "../src/_invalid.ts";

/** The default of {@linkcode PatchConsoleOptions.logger}. */
const DEFAULT_LOGGER = "console";

/**
 * Options of {@linkcode patchConsole}.
 *
 * @example
 * ```ts
 * import { patchConsole } from "@ctx/request-context/console";
 *
 * const unpatch = patchConsole({ logger: "vendor" }); // lines with "logger":"vendor"
 * unpatch();
 * ```
 */
export interface PatchConsoleOptions {
  /**
   * The logger name of the lines.
   *
   * @default {"console"}
   */
  logger?: string;
}

/** The level each console method writes at. */
const METHODS: Readonly<Record<ConsoleMethodName, LogLevel>> = {
  debug: "DEBUG",
  log: "INFO",
  info: "INFO",
  warn: "WARN",
  error: "ERROR",
};

type ConsoleMethod = (...data: unknown[]) => void;

/** The patches in force, innermost last; the originals are those of the first. */
const patches: Record<ConsoleMethodName, ConsoleMethod>[] = [];

/**
 * Replaces `console.log`, `info`, `warn`, `error` and `debug` so that a call
 * made inside a context (a request, `runWithContext`, `withContext`) is written
 * as one line of this module's logger: the arguments formatted as `console`
 * formats them (`%s %d %i %f %j %o %O %c`, objects as JSON, errors with their
 * stack) become the `message`, at `DEBUG` (`debug`), `INFO` (`log`, `info`),
 * `WARN` or `ERROR`, and the configured level applies. A call outside any
 * context goes to the original method unchanged, and so does a call made
 * while a sink is writing (`sink: (line) => console.log(line)`, a
 * `bufferedSink` with a console target): nothing loops, whatever the sink.
 *
 * Returns a function that puts back the methods it replaced (once; later calls
 * do nothing). Patches stack: each undo removes its own, in any order.
 *
 * @example Third-party code that only knows console
 * ```ts
 * import assert from "node:assert/strict";
 * import { configureLogging, withRequestContext } from "@ctx/request-context";
 * import { patchConsole } from "@ctx/request-context/console";
 *
 * const lines: string[] = [];
 * configureLogging({ sink: (line) => lines.push(line) });
 * const unpatch = patchConsole({ logger: "vendor" });
 * const handler = withRequestContext(() => {
 *   console.error("upstream said %d", 503); // a line with level ERROR and the request_id
 *   return new Response("ok");
 * }, { accessLog: "none" });
 * const res = await handler(new Request("http://127.0.0.1/", { headers: { "X-Request-ID": "r-2" } }));
 * await res.text();
 * unpatch();
 * const { level, logger, message, request_id } = JSON.parse(lines[0]);
 * assert.deepEqual([level, logger, message, request_id], ["ERROR", "vendor", "upstream said 503", "r-2"]);
 * ```
 */
export function patchConsole(options?: PatchConsoleOptions): () => void {
  const logger = optionOr("patchConsole", "logger", options?.logger, isString, DEFAULT_LOGGER);
  const target = console as unknown as Record<ConsoleMethodName, ConsoleMethod>;
  if (patches.length === 0) {
    for (const method of Object.keys(METHODS) as ConsoleMethodName[]) {
      const original = target[method];
      if (typeof original === "function") unpatchedConsole[method] = original;
    }
  }
  const installed = {} as Record<ConsoleMethodName, ConsoleMethod>;
  for (const method of Object.keys(METHODS) as ConsoleMethodName[]) {
    const original = unpatchedConsole[method];
    if (original === undefined) continue;
    const level = METHODS[method];
    installed[method] = function (this: unknown, ...data: unknown[]): void {
      // Outside a context, or called while the module writes out (from a sink, or
      // from the formatting of a routed call): the original method, never the logger.
      if (writingOut.depth > 0 || currentScope() === undefined) {
        original.apply(this ?? console, data);
        return;
      }
      writingOut.depth++;
      try {
        const cfg = config();
        const weight = LOG_LEVELS[level];
        if (weight >= cfg.gate) {
          // Below the level, a request's buffer may still hold it (else it is dropped).
          send(
            level,
            logger,
            undefined,
            formatArgs(data, cfg.safe),
            undefined,
            weight < cfg.threshold,
          );
        }
      } catch {
        // the logger never throws; this only guards the formatting of hostile arguments
      } finally {
        writingOut.depth--;
      }
    };
    target[method] = installed[method];
  }
  patches.push(installed);
  let undone = false;
  return () => {
    if (undone) return;
    undone = true;
    const at = patches.indexOf(installed);
    patches.splice(at, 1);
    const outer = patches[patches.length - 1];
    for (const method of Object.keys(installed) as ConsoleMethodName[]) {
      // Someone patched over this one after it: leave theirs in place.
      if (target[method] !== installed[method]) continue;
      target[method] = outer?.[method] ?? unpatchedConsole[method]!;
    }
    if (patches.length === 0) {
      for (const method of Object.keys(METHODS) as ConsoleMethodName[]) {
        delete unpatchedConsole[method];
      }
    }
  };
}
