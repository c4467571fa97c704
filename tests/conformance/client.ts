/**
 * HTTP client helpers of the conformance suite: requests with an id, and the
 * server's captured log lines read back through `/__logs`.
 *
 * @module
 */
import type { Target } from "./runner.ts";

/** One parsed JSON log line. */
export type LogLine = Record<string, unknown>;

/** The characters an accepted request id may contain. */
export const ID_PATTERN: RegExp = /^[A-Za-z0-9\-_.:=+\/]{1,255}$/;

/** A fresh id for one case, unique across runs and targets. */
export function newId(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * GETs `path` on the target, sending `id` as `X-Request-ID` (and `X-Expect`,
 * which the isolation probe logs), unless `id` is undefined.
 */
export function get(
  target: Target,
  path: string,
  id?: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const all: Record<string, string> = { ...headers };
  if (id !== undefined) {
    all["x-request-id"] = id;
    all["x-expect"] = id;
  }
  return fetch(`${target.baseUrl}${path}`, { headers: all });
}

/** The raw captured lines that contain `needle`. */
export async function rawLinesContaining(target: Target, needle: string): Promise<string[]> {
  const res = await fetch(`${target.baseUrl}/__logs?q=${encodeURIComponent(needle)}`);
  if (!res.ok) throw new Error(`/__logs answered ${res.status}`);
  return await res.json() as string[];
}

/** The parsed lines whose `request_id` is exactly `id`. */
export async function linesOf(target: Target, id: string): Promise<LogLine[]> {
  const raw = await rawLinesContaining(target, id);
  return raw.map((line) => JSON.parse(line) as LogLine).filter((l) => l.request_id === id);
}

/**
 * Polls `linesOf(target, id)` until `done(lines)` holds (for work that goes on
 * after the response), or gives up after `timeoutMs` and returns the last lines.
 */
export async function waitForLines(
  target: Target,
  id: string,
  done: (lines: LogLine[]) => boolean,
  timeoutMs = 5_000,
): Promise<LogLine[]> {
  const deadline = Date.now() + timeoutMs;
  let lines = await linesOf(target, id);
  while (!done(lines) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    lines = await linesOf(target, id);
  }
  return lines;
}

/** The single line with `message`, failing when there is none or more than one. */
export function only(lines: LogLine[], message: string): LogLine {
  const found = lines.filter((l) => l.message === message);
  if (found.length !== 1) {
    throw new Error(
      `expected one line "${message}", found ${found.length} in ${JSON.stringify(lines)}`,
    );
  }
  return found[0];
}
