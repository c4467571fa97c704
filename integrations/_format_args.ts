// Internal: console arguments as one message, the way `util.format` does it
// (%s %d %i %f %j %o %O %c %%), without node:util (not in every Workers setup)
// and without ever throwing: objects go through the core's safe serializer,
// so redaction and the depth/width limits hold for them too.

import { describeThrown, type SafeOptions, stringifySafe, toSafe } from "../src/_serialize.ts";

function errorText(e: Error): string {
  try {
    const stack = e.stack;
    if (typeof stack === "string" && stack !== "") return stack;
  } catch {
    // a throwing stack getter: name and message are enough
  }
  return describeThrown(e);
}

/** One argument as console shows it when it is not a format string: strings as they are. */
export function inspectArg(value: unknown, safe: SafeOptions): string {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "boolean":
    case "undefined":
    case "symbol":
      return String(value);
    case "bigint":
      return `${value}n`;
    case "function":
      return String(toSafe(value, safe)); // "[Function: name]", as the core writes it
  }
  if (value === null) return "null";
  if (value instanceof Error) return errorText(value);
  return stringifySafe(value, safe) ?? "undefined";
}

function toNumber(value: unknown, parse: (s: string) => number): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "symbol" || (typeof value === "object" && value !== null)) return "NaN";
  try {
    return String(parse(String(value)));
  } catch {
    return "NaN";
  }
}

function jsonText(value: unknown, safe: SafeOptions): string {
  return stringifySafe(value, safe) ?? "undefined";
}

/** The arguments of one console call as one message. Never throws. */
export function formatArgs(args: readonly unknown[], safe: SafeOptions): string {
  if (args.length === 0) return "";
  let out = "";
  let next = 0;
  const first = args[0];
  if (typeof first === "string") {
    next = 1;
    let last = 0;
    for (let i = 0; i < first.length - 1; i++) {
      if (first.charCodeAt(i) !== 37) continue; // "%"
      const spec = first[i + 1];
      let text: string | undefined;
      if (spec === "%") {
        text = "%";
      } else if (next < args.length) {
        const arg = args[next];
        switch (spec) {
          case "s":
            text = typeof arg === "string" ? arg : inspectArg(arg, safe);
            break;
          case "d":
            text = toNumber(arg, Number);
            break;
          case "i":
            text = toNumber(arg, (s) => parseInt(s, 10));
            break;
          case "f":
            text = toNumber(arg, parseFloat);
            break;
          case "j":
            text = jsonText(arg, safe);
            break;
          case "o":
          case "O":
            text = typeof arg === "string" ? JSON.stringify(arg) : inspectArg(arg, safe);
            break;
          case "c":
            text = ""; // CSS: consumed, not shown
            break;
        }
        if (text !== undefined) next++;
      }
      if (text === undefined) continue;
      out += first.slice(last, i) + text;
      last = i + 2;
      i++;
    }
    out += first.slice(last);
  }
  for (; next < args.length; next++) {
    const text = inspectArg(args[next], safe);
    out = out === "" && next === 0 ? text : `${out} ${text}`;
  }
  return out;
}
