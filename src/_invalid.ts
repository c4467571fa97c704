// Internal: options are never thrown at the caller for a bad value (except an adapter's
// `headerName`, refused when the adapter is made): the value is replaced by its default, and
// one line on stderr says so, naming the option, the value given and the value used. The same
// bad value of the same option is reported once per process.

import { writeConsole } from "./_console.ts";

const reported = new Set<string>();
/** Distinct reports kept to say each once; past it, reports still go out (each bad value is rare). */
const MAX_REPORTED = 256;

/** A value as a report shows it: JSON where it can be, cut short, never raw control characters. */
function shown(value: unknown): string {
  let text: string;
  try {
    text = value === undefined
      ? "the default"
      : typeof value === "function"
      ? value.name || "a function"
      : typeof value === "bigint" || typeof value === "symbol"
      ? String(value)
      : JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  // Control characters are matched on purpose: a report never writes them raw.
  // deno-lint-ignore no-control-regex
  text = text.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, "?");
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/**
 * Reports on stderr that `owner`'s option `option` had the invalid value `value` and that
 * `fallback` is used instead. Never throws.
 *
 * `configureLogging: level "VERBOSE" is not valid; using "INFO"`
 */
export function reportInvalid(
  owner: string,
  option: string,
  value: unknown,
  fallback: unknown,
  why = "is not valid",
): void {
  try {
    const text = `@ctx/request-context: ${owner}: ${option} ${shown(value)} ${why}; using ${
      shown(fallback)
    }`;
    if (reported.has(text)) return;
    if (reported.size < MAX_REPORTED) reported.add(text);
    writeConsole("error", text);
  } catch {
    // stderr is gone: nothing is left to report to, and the caller must not see it
  }
}

/**
 * `value` when `valid` says it is, else `fallback`; `undefined` takes `fallback` without a word
 * (an option left out), anything else invalid is reported.
 */
export function optionOr<T>(
  owner: string,
  option: string,
  value: unknown,
  valid: (value: unknown) => boolean,
  fallback: T,
): T {
  if (value === undefined) return fallback;
  // `valid` is the type's test: a value it accepts is a `T`.
  if (valid(value)) return value as T;
  reportInvalid(owner, option, value, fallback);
  return fallback;
}

/** Whether `value` is a number above zero (`Infinity` included), for sizes and limits. */
export function isPositive(value: unknown): value is number {
  return typeof value === "number" && value > 0;
}

/** A `valid` test for one of a few strings. */
export function isOneOf<T extends string>(...allowed: T[]): (value: unknown) => value is T {
  return (value: unknown): value is T =>
    typeof value === "string" && (allowed as string[]).includes(value);
}

/** Whether `value` is a string. */
export function isString(value: unknown): value is string {
  return typeof value === "string";
}

/** Whether `value` is a boolean. */
export function isBoolean(value: unknown): value is boolean {
  return typeof value === "boolean";
}

/** Whether `value` is a function (a callback option). */
export function isFunction(value: unknown): boolean {
  return typeof value === "function";
}

/** Whether `value` is a duration in milliseconds: a number, zero or more (`Infinity` included). */
export function isDuration(value: unknown): value is number {
  return typeof value === "number" && value >= 0;
}

/** Whether `value` is an object (an options object). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
