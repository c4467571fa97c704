// W3C Trace Context parsing: the spec's valid and invalid traceparent examples,
// tracestate's grammar and bounds, and id generation.
import assert from "node:assert/strict";
import {
  formatTraceparent,
  generateSpanId,
  generateTraceId,
  isSpanId,
  isTraceId,
  parseTraceparent,
} from "../mod.ts";
import { knownFlags, parseTracestate } from "../src/_traceparent.ts";

const T = "4bf92f3577b34da6a3ce929d0e0e4736";
const P = "00f067aa0ba902b7";

// [case, header value, expected [version, traceId, parentId, flags] or undefined]
const TRACEPARENT_CASES: [string, unknown, [string, string, string, string] | undefined][] = [
  ["spec example, sampled", `00-${T}-${P}-01`, ["00", T, P, "01"]],
  ["spec example, not sampled", `00-${T}-${P}-00`, ["00", T, P, "00"]],
  ["unknown flag bits are still parsed", `00-${T}-${P}-ff`, ["00", T, P, "ff"]],
  ["higher version, exactly 55 characters", `cc-${T}-${P}-01`, ["cc", T, P, "01"]],
  [
    "higher version with fields this version does not know",
    `cc-${T}-${P}-01-what-the-future-will-be-like`,
    ["cc", T, P, "01"],
  ],
  ["higher version, a bare dash after the flags", `01-${T}-${P}-00-`, ["01", T, P, "00"]],
  ["version ff is forbidden", `ff-${T}-${P}-01`, undefined],
  ["version 00 with a fifth field", `00-${T}-${P}-01-extra`, undefined],
  ["version 00 with trailing text", `00-${T}-${P}-01x`, undefined],
  ["higher version, flags not followed by a dash", `cc-${T}-${P}-01what`, undefined],
  ["uppercase trace id", `00-${T.toUpperCase()}-${P}-01`, undefined],
  ["uppercase parent id", `00-${T}-${P.toUpperCase()}-01`, undefined],
  ["uppercase flags", `00-${T}-${P}-0A`, undefined],
  ["uppercase version", `0A-${T}-${P}-01`, undefined],
  ["all-zero trace id", `00-${"0".repeat(32)}-${P}-01`, undefined],
  ["all-zero parent id", `00-${T}-${"0".repeat(16)}-01`, undefined],
  ["trace id one short", `00-${T.slice(1)}-${P}-01`, undefined],
  ["trace id one long", `00-${T}a-${P}-01`, undefined],
  ["parent id one short", `00-${T}-${P.slice(1)}-01`, undefined],
  ["parent id one long", `00-${T}-${P}a-01`, undefined],
  ["flags one character", `00-${T}-${P}-1`, undefined],
  ["flags not hex", `00-${T}-${P}-0g`, undefined],
  ["trace id not hex", `00-${T.slice(0, 31)}g-${P}-01`, undefined],
  ["version one character", `0-${T}-${P}-01`, undefined],
  ["version not hex", `g0-${T}-${P}-01`, undefined],
  ["wrong delimiter", `00_${T}_${P}_01`, undefined],
  ["leading space", ` 00-${T}-${P}-01`, undefined],
  ["higher version shorter than 55 characters", `cc-${T}-${P}-1`, undefined],
  ["two headers combined by Headers.get", `00-${T}-${P}-01, 00-${T}-${P}-01`, undefined],
  ["CR/LF injection", `00-${T}-${P}-01\r\nSet-Cookie: a=b`, undefined],
  ["empty", "", undefined],
  ["not a string", 42, undefined],
  ["null", null, undefined],
];

for (const [name, value, expected] of TRACEPARENT_CASES) {
  Deno.test(`parseTraceparent: ${name}`, () => {
    const parsed = parseTraceparent(value);
    if (expected === undefined) {
      assert.equal(parsed, undefined);
    } else {
      assert.deepEqual(parsed, {
        version: expected[0],
        traceId: expected[1],
        parentId: expected[2],
        traceFlags: expected[3],
      });
    }
  });
}

Deno.test("formatTraceparent writes version 00 and refuses anything invalid", () => {
  assert.equal(formatTraceparent(T, P, "01"), `00-${T}-${P}-01`);
  assert.equal(formatTraceparent(T, P), `00-${T}-${P}-00`);
  assert.equal(formatTraceparent(T.toUpperCase(), P, "01"), undefined);
  assert.equal(formatTraceparent(T, "0".repeat(16), "01"), undefined);
  assert.equal(formatTraceparent(T, P, "1"), undefined);
  assert.equal(formatTraceparent(T, P, "01\r\nx"), undefined);
  // What it writes, it reads back.
  const round = parseTraceparent(formatTraceparent(T, P, "01"));
  assert.deepEqual(round, { version: "00", traceId: T, parentId: P, traceFlags: "01" });
});

Deno.test("knownFlags keeps only the sampled and random bits", () => {
  assert.deepEqual(["00", "01", "02", "03", "ff", "04", "09"].map(knownFlags), [
    "00",
    "01",
    "02",
    "03",
    "03",
    "00",
    "01",
  ]);
});

Deno.test("parseTraceparent: generated ids are lowercase hex of the right length, valid and distinct", () => {
  const traces = new Set(Array.from({ length: 500 }, generateTraceId));
  const spans = new Set(Array.from({ length: 500 }, generateSpanId));
  assert.equal(traces.size, 500);
  assert.equal(spans.size, 500);
  for (const t of traces) assert.ok(isTraceId(t) && /^[0-9a-f]{32}$/.test(t), t);
  for (const s of spans) assert.ok(isSpanId(s) && /^[0-9a-f]{16}$/.test(s), s);
});

Deno.test("parseTraceparent: an all-zero draw from the random source is never used as an id", () => {
  const real = crypto.getRandomValues;
  let calls = 0;
  // The first draw is all zero (what a broken or unlucky source gives), later ones are real.
  crypto.getRandomValues = (<T extends ArrayBufferView | null>(array: T): T => {
    calls++;
    return calls === 1 ? array : real.call(crypto, array as Uint8Array) as T;
  }) as typeof crypto.getRandomValues;
  try {
    const span = generateSpanId();
    assert.ok(isSpanId(span), span);
    assert.equal(calls, 2);
    calls = 0;
    assert.ok(isTraceId(generateTraceId()));
    assert.equal(calls, 2);
  } finally {
    crypto.getRandomValues = real;
  }
});

// [case, header value, expected cleaned value]
const TRACESTATE_CASES: [string, unknown, string | undefined][] = [
  ["one member", "rojo=00f067aa0ba902b7", "rojo=00f067aa0ba902b7"],
  [
    "two members kept in order",
    "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
    "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
  ],
  ["spaces and tabs around members", " rojo=1 ,\tcongo=2\t", "rojo=1,congo=2"],
  ["empty members are skipped", "rojo=1,,  ,congo=2,", "rojo=1,congo=2"],
  ["tenant@system key", "fw529a3039@dt=FW4;0;0;0;0;0", "fw529a3039@dt=FW4;0;0;0;0;0"],
  ["a key may start with a digit", "1vendor=x", "1vendor=x"],
  ["a value may start with a space", "a= x", "a= x"],
  ["uppercase key dropped", "Rojo=1,congo=2", "congo=2"],
  ["key with a bad character dropped", "ro jo=1,congo=2", "congo=2"],
  ["value with = dropped", "rojo=a=b,congo=2", "congo=2"],
  ["value with a control character dropped", "rojo=a\u0001b,congo=2", "congo=2"],
  ["non-ASCII value dropped", "rojo=é,congo=2", "congo=2"],
  ["empty value dropped", "rojo=,congo=2", "congo=2"],
  ["member without = dropped", "rojo,congo=2", "congo=2"],
  ["repeated key keeps the first", "rojo=1,congo=2,rojo=3", "rojo=1,congo=2"],
  ["value longer than 256 dropped", `rojo=${"x".repeat(257)},congo=2`, "congo=2"],
  ["nothing valid", "NOPE,=,", undefined],
  ["empty header", "", undefined],
  ["not a string", 7, undefined],
];

for (const [name, value, expected] of TRACESTATE_CASES) {
  Deno.test(`parseTracestate: ${name}`, () => {
    assert.equal(parseTracestate(value), expected);
  });
}

Deno.test("parseTracestate keeps at most 32 members, dropping long entries first, then from the end", () => {
  const members = Array.from({ length: 40 }, (_, i) => `k${i}=v${i}`);
  assert.deepEqual(parseTracestate(members.join(","))!.split(","), members.slice(0, 32));

  const long = `big=${"x".repeat(200)}`;
  const withLong = [...members.slice(0, 2), long, ...members.slice(2, 32)]; // 33 members
  assert.deepEqual(parseTracestate(withLong.join(","))!.split(","), members.slice(0, 32));
});

Deno.test("parseTracestate does bounded work on a hostile header", () => {
  const hostile = `a=${" ".repeat(200_000)}b,${"x=1,".repeat(100_000)}`;
  const start = performance.now();
  const parsed = parseTracestate(hostile);
  const ms = performance.now() - start;
  assert.ok(ms < 200, `took ${ms} ms`);
  assert.ok(parsed === undefined || parsed.split(",").length <= 32);
});
