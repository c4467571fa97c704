// A strict parser of the module's logfmt lines, for tests: it accepts exactly
//   <ISO timestamp>( <key>=<value>)*
// where a key is [A-Za-z0-9_.@/-]+, a value is bare (no space, quote, '=', backslash
// or control character) or quoted with only \" \\ \n \r \t and \uXXXX escapes, and
// no key appears twice. Anything else throws.

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const KEY = /^[A-Za-z0-9_.@/-]+$/;
// deno-lint-ignore no-control-regex
const BARE_CHAR = /[^\s"=\\\x00-\x1f\x7f-\x9f]/;

/** The fields of one logfmt line, plus `timestamp`; throws on anything not strictly logfmt. */
export function parseLogfmt(line: string): Record<string, string> {
  const first = line.indexOf(" ");
  const time = first < 0 ? line : line.slice(0, first);
  if (!TIME.test(time)) throw new SyntaxError(`bad timestamp: ${JSON.stringify(time)}`);
  const out: Record<string, string> = Object.create(null);
  out.timestamp = time;
  let i = time.length;
  while (i < line.length) {
    if (line[i] !== " ") throw new SyntaxError(`expected a space at ${i}`);
    i++;
    const eq = line.indexOf("=", i);
    if (eq < 0) throw new SyntaxError(`a key without '=' at ${i}`);
    const key = line.slice(i, eq);
    if (!KEY.test(key)) throw new SyntaxError(`bad key ${JSON.stringify(key)}`);
    if (key in out) throw new SyntaxError(`duplicate key ${key}`);
    i = eq + 1;
    let value = "";
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new SyntaxError("unterminated quoted value");
        const ch = line[i];
        if (ch === '"') {
          i++;
          break;
        }
        const code = ch.charCodeAt(0);
        if (code < 0x20 || code === 0x7f) throw new SyntaxError(`raw control character ${code}`);
        if (ch !== "\\") {
          value += ch;
          i++;
          continue;
        }
        const esc = line[i + 1];
        if (esc === '"' || esc === "\\") value += esc;
        else if (esc === "n") value += "\n";
        else if (esc === "r") value += "\r";
        else if (esc === "t") value += "\t";
        else if (esc === "u" && /^[0-9a-f]{4}$/.test(line.slice(i + 2, i + 6))) {
          value += String.fromCharCode(parseInt(line.slice(i + 2, i + 6), 16));
          i += 4;
        } else throw new SyntaxError(`bad escape \\${esc}`);
        i += 2;
      }
      if (i < line.length && line[i] !== " ") throw new SyntaxError(`junk after a quoted value`);
    } else {
      const start = i;
      while (i < line.length && line[i] !== " ") {
        if (!BARE_CHAR.test(line[i])) throw new SyntaxError(`bad bare character at ${i}`);
        i++;
      }
      if (i === start) throw new SyntaxError(`empty bare value for ${key}`);
      value = line.slice(start, i);
    }
    out[key] = value;
  }
  return out;
}
