// Property-test settings and checks shared by the fuzz tests.
//
// CI runs every property with a fixed seed and a modest number of runs. To run
// them longer, or to replay another seed:
//
//   FC_RUNS=20000 FC_SEED=12345 deno task test
//
// FC_RUNS multiplies nothing: it is the number of runs of each property. A failing
// run prints its seed and path; set FC_SEED to that seed to replay it.
import fc from "fast-check";

function envInt(name: string): number | undefined {
  const raw = Deno.env.get(name);
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The seed of every property: `FC_SEED`, else a fixed one so CI is reproducible. */
export const SEED: number = envInt("FC_SEED") ?? 0x5eed7;

/** Parameters of `fc.assert`: `FC_RUNS` runs when set, else `runs`. */
export function params<T>(runs: number): fc.Parameters<T> {
  const n = envInt("FC_RUNS");
  return { seed: SEED, numRuns: n !== undefined && n > 0 ? n : runs, endOnFailure: true };
}

/**
 * Characters that some reader of log files takes as the end of a line: LF, CR,
 * VT, FF, the file/group/record separators, NEL and the Unicode line and
 * paragraph separators (Python's `str.splitlines()` splits on all of them).
 */
// deno-lint-ignore no-control-regex
export const LINE_BREAK = /[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;

/**
 * The top-level keys of a JSON object text, in order, duplicates kept
 * (`JSON.parse` silently keeps the last of two equal keys; this does not).
 */
export function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(text.slice(i, j + 1)));
      expectKey = false;
      i = j;
    } else if (ch === "{" || ch === "[") {
      depth++;
      expectKey = ch === "{" && depth === 1;
    } else if (ch === "}" || ch === "]") {
      depth--;
    } else if (ch === "," && depth === 1) {
      expectKey = true;
    }
  }
  return keys;
}

/** Arbitrary strings of every kind: ASCII, full Unicode, lone surrogates, control characters. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "binary" }),
  fc.string({ unit: "grapheme" }),
  fc.string({
    unit: fc.constantFrom(
      ...'\r\n\0\t\v\f\x1b\x1c\x1d\x1e\x7f\x85\x9b\u2028\u2029\ud800\udfff"\\= {}[]:,',
    ),
  }),
  fc.constantFrom(
    "",
    "a\r\nSet-Cookie: x=1",
    '","level":"CRITICAL',
    '\n{"level":"CRITICAL"}',
    'x level=CRITICAL message="forged"',
    "\u2028\u2029\x85",
    "\ud800",
  ),
);

/** Every name an object inherits from `Object.prototype`, and `__proto__`. */
export const PROTO_NAMES: readonly string[] = [
  ...Object.getOwnPropertyNames(Object.prototype),
  "__proto__",
];

/** A name an object inherits (`toString`, `constructor`, `__proto__`, …). */
export const protoName: fc.Arbitrary<string> = fc.constantFrom(...PROTO_NAMES);

/**
 * Dotted names from a small alphabet, so that one is often a prefix of another (`log` and
 * `log.level`, `service` and `service.name`), the core's own dotted names among them.
 */
export const dottedKey: fc.Arbitrary<string> = fc.array(
  fc.constantFrom("log", "level", "service", "name", "user", "id", "http", "a", "extra_a", "trace"),
  { minLength: 1, maxLength: 3 },
).map((parts) => parts.join("."));

/** Very large strings (10 000 to 300 000 characters) of characters that escaping lengthens. */
export const bigString: fc.Arbitrary<string> = fc.record({
  unit: fc.constantFrom("\u2028", '"', "\\", "\x85\x9b", "\n", "x", "\ud800", "é", "😀"),
  n: fc.integer({ min: 10_000, max: 300_000 }),
}).map(({ unit, n }) => unit.repeat(Math.ceil(n / unit.length)));
