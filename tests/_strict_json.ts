// Test helper: JSON.parse keeps the last of two equal keys without a word; this
// parser fails on them instead, at any depth, so "no duplicate keys" is checked.

/** Parses one JSON text, throwing on a key repeated within one object. */
export function parseStrict(text: string): Record<string, unknown> {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const fail = (why: string): never => {
    throw new SyntaxError(`${why} at ${i} in ${text}`);
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    if (i >= text.length) fail("unterminated string");
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const out: Record<string, unknown> = Object.create(null);
      const seen = new Set<string>();
      ws();
      if (text[i] === "}") {
        i++;
        return out;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a key");
        const key = str();
        if (seen.has(key)) fail(`duplicate key ${JSON.stringify(key)}`);
        seen.add(key);
        ws();
        if (text[i++] !== ":") fail("expected ':'");
        out[key] = value();
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i++] !== "}") fail("expected '}'");
        return out;
      }
    }
    if (c === "[") {
      i++;
      const out: unknown[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return out;
      }
      for (;;) {
        out.push(value());
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i++] !== "]") fail("expected ']'");
        return out;
      }
    }
    if (c === '"') return str();
    const m = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (m === null) fail("unexpected token");
    i += m![0].length;
    return JSON.parse(m![0]);
  };
  const out = value();
  ws();
  if (i !== text.length) fail("trailing text");
  if (out === null || typeof out !== "object" || Array.isArray(out)) fail("not an object");
  return out as Record<string, unknown>;
}

/** The top-level keys of one JSON object text, in order (duplicates would have thrown). */
export function keysOf(text: string): string[] {
  return Object.keys(parseStrict(text));
}
