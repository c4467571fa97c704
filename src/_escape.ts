// Internal: how a string, a key and a key/value pair are written in each encoding of a line,
// JSON or logfmt. Nothing here knows presets or fields; `_fields.ts` and `_format.ts` write
// every piece of text through an `Encoding`.

import { CUT_MARK, fittingPrefix, jsonCut, jsonString } from "./_serialize.ts";

/** How one field becomes text, in JSON or logfmt. */
export interface Encoding {
  /** The text of a string, whole. */
  string(s: string): string;
  /** The text of the string `s` cut to at most `max` characters, ending in the cut mark. */
  cut(s: string, max: number): string;
  /** The text of a value's JSON text (already escaped for a JSON line). */
  fromJson(json: string): string;
  /** The key as this encoding can write it. */
  key(name: string): string;
  /** `,"key":value` or ` key=value`. */
  pair(name: string, text: string): string;
}

/** Keys and logger names recur from line to line: their JSON text is kept, for short ones and up to a bound. */
const keyTexts = new Map<string, string>();
const MAX_KEY_TEXTS = 1024;

/** The JSON text of a key (or a logger name), from a bounded cache. */
export function keyText(name: string): string {
  let text = keyTexts.get(name);
  if (text === undefined) {
    text = jsonString(name);
    if (name.length <= 64 && keyTexts.size < MAX_KEY_TEXTS) keyTexts.set(name, text);
  }
  return text;
}

export const JSON_ENCODING: Encoding = {
  string: jsonString,
  cut: jsonCut,
  fromJson: (json) => json,
  key: (name) => name,
  pair: (name, text) => `,${keyText(name)}:${text}`,
};

// Control characters are matched on purpose: they must never reach a line raw. Beyond
// C0, the C1 controls (a terminal takes U+009B as an escape), NEL, U+2028 and U+2029
// (line breaks to Python's splitlines() and to some log viewers) and lone surrogates
// (not encodable as UTF-8) are escaped too.
// deno-lint-ignore no-control-regex
const LOGFMT_BARE = /^[^\s"=\\\x00-\x1f\x7f-\x9f\ud800-\udfff]+$/;
const LOGFMT_ESCAPE =
  // deno-lint-ignore no-control-regex
  /["\\\x00-\x1f\x7f-\x9f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LOGFMT_KEY_INVALID = /[^A-Za-z0-9_.@/-]/g;

/** The escape of a character code in a quoted logfmt value, or `undefined` when it stays. */
function logfmtEscape(c: number, next: number, prev: number): string | undefined {
  if (c === 0x22) return '\\"';
  if (c === 0x5c) return "\\\\";
  if (c === 0x0a) return "\\n";
  if (c === 0x0d) return "\\r";
  if (c === 0x09) return "\\t";
  const lone = (c >= 0xd800 && c <= 0xdbff && !(next >= 0xdc00 && next <= 0xdfff)) ||
    (c >= 0xdc00 && c <= 0xdfff && !(prev >= 0xd800 && prev <= 0xdbff));
  if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 || lone) {
    return `\\u${c.toString(16).padStart(4, "0")}`;
  }
  return undefined;
}

/**
 * A logfmt value: bare when it can be, else quoted with escapes; never a raw newline. The
 * escapes are made in one loop whose pieces are joined once, not by a callback per character.
 */
export function logfmtString(s: string): string {
  if (s !== "" && LOGFMT_BARE.test(s)) return s;
  if (!LOGFMT_ESCAPE.test(s)) return `"${s}"`;
  const parts = ['"'];
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) continue;
    const escaped = logfmtEscape(c, s.charCodeAt(i + 1), i > 0 ? s.charCodeAt(i - 1) : 0);
    if (escaped === undefined) continue;
    if (i > from) parts.push(s.slice(from, i));
    parts.push(escaped);
    from = i + 1;
  }
  parts.push(s.slice(from), '"');
  return parts.join("");
}

export const LOGFMT_ENCODING: Encoding = {
  string: logfmtString,
  cut: (s, max) =>
    logfmtString(
      `${s.slice(0, fittingPrefix(s, Math.max(0, max - 2 - CUT_MARK.length)))}${CUT_MARK}`,
    ),
  fromJson: logfmtString,
  key: (name) => name.replace(LOGFMT_KEY_INVALID, "_") || "_",
  pair: (name, text) => ` ${name}=${text}`,
};
