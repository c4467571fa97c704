// Property tests of the logger against hostile messages, fields and values: every
// call returns, writes exactly one well-formed line, and no value forges a line
// or a core key. Seeds and run counts: see _fuzz.ts (FC_SEED, FC_RUNS).
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  configureLogging,
  getLogger,
  type LogLevel,
  type Preset,
  runWithContext,
  setContextFields,
  setUser,
  withContext,
} from "../mod.ts";
import {
  bigString,
  dottedKey,
  hostileString,
  LINE_BREAK,
  params,
  protoName,
  topLevelKeys,
} from "./_fuzz.ts";
import { parseLogfmt } from "./_logfmt.ts";

// ---------------------------------------------------------------------------
// Recipes: plain, printable descriptions of hostile values. Each run builds fresh
// objects from its recipe, so a counterexample prints as data, not as a proxy.

type Wrapper =
  | "cycle"
  | "throwingGetter"
  | "throwingToJSON"
  | "toJSONReturns"
  | "toJSONSelf"
  | "toJSONFresh"
  | "proxy"
  | "proxyFunction"
  | "symbolKeys"
  | "map"
  | "set"
  | "error"
  | "hostileError"
  | "typedArray"
  | "deep"
  | "nullProto"
  | "function"
  | "symbol"
  | "bigint"
  | "date"
  | "badDate"
  | "throwingToString"
  | "sparse"
  | "dag";

type Recipe =
  | { leaf: unknown }
  | { arr: Recipe[] }
  | { obj: [string, Recipe][] }
  | { wrap: Wrapper; inner: Recipe };

const WRAPPERS: Wrapper[] = [
  "cycle",
  "throwingGetter",
  "throwingToJSON",
  "toJSONReturns",
  "toJSONSelf",
  "toJSONFresh",
  "proxy",
  "proxyFunction",
  "symbolKeys",
  "map",
  "set",
  "error",
  "hostileError",
  "typedArray",
  "deep",
  "nullProto",
  "function",
  "symbol",
  "bigint",
  "date",
  "badDate",
  "throwingToString",
  "sparse",
  "dag",
];

const leaf = fc.oneof(
  hostileString,
  fc.anything({
    maxDepth: 2,
    maxKeys: 4,
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withTypedArray: true,
    withSparseArray: true,
    withBoxedValues: true,
    withNullPrototype: true,
    withObjectString: true,
    stringUnit: "binary",
  }),
  fc.constantFrom(undefined, null, NaN, -0, Infinity, -Infinity, true, 0, 1e308),
);

const recipe: fc.Arbitrary<Recipe> = fc.letrec<{ value: Recipe; node: Recipe }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", maxDepth: 4 },
    leaf.map((v): Recipe => ({ leaf: v })),
    tie("node"),
  ),
  node: fc.oneof(
    fc.array(tie("value"), { maxLength: 4 }).map((arr): Recipe => ({ arr })),
    fc.array(fc.tuple(hostileString, tie("value")), { maxLength: 4 }).map((obj): Recipe => ({
      obj,
    })),
    fc.tuple(fc.constantFrom(...WRAPPERS), tie("value")).map(([wrap, inner]): Recipe => ({
      wrap,
      inner,
    })),
  ),
})).value;

/** A proxy whose every trap throws: the handler is itself a proxy that returns throwing traps. */
function throwingProxy<T extends object>(target: T): T {
  const trap = () => {
    throw new Error("trap");
  };
  return new Proxy(target, new Proxy({}, { get: () => trap }));
}

function build(r: Recipe): unknown {
  if ("leaf" in r) return r.leaf;
  if ("arr" in r) return r.arr.map(build);
  if ("obj" in r) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of r.obj) o[k] = build(v);
    return o;
  }
  const v = build(r.inner);
  switch (r.wrap) {
    case "cycle": {
      const o: Record<string, unknown> = { v };
      o.self = o;
      o.list = [o, v];
      return o;
    }
    case "throwingGetter":
      return {
        v,
        get boom(): unknown {
          throw new Error("getter");
        },
        get boomString(): unknown {
          throw "a string";
        },
        get boomProxy(): unknown {
          throw throwingProxy({});
        },
      };
    case "throwingToJSON":
      return {
        v,
        toJSON() {
          throw throwingProxy(new Error("toJSON"));
        },
      };
    case "toJSONReturns":
      return { toJSON: () => v };
    case "toJSONSelf": {
      const o = { v, toJSON: () => o };
      return o;
    }
    case "toJSONFresh": {
      const fresh = (): unknown => ({ v, toJSON: fresh });
      return fresh();
    }
    case "proxy":
      return throwingProxy({ v });
    case "proxyFunction":
      return throwingProxy(function named() {});
    case "symbolKeys":
      return {
        [Symbol("key")]: v,
        [Symbol.toPrimitive]() {
          throw new Error("toPrimitive");
        },
        v: Symbol("value"),
      };
    case "map":
      return new Map<unknown, unknown>([[v, v], [{ k: 1 }, v], [Symbol("s"), v], [
        throwingProxy({}),
        v,
      ]]);
    case "set":
      return new Set([v, throwingProxy({})]);
    case "error":
      return Object.assign(new Error("\nmessage\r\n", { cause: v }), { code: v });
    case "hostileError": {
      const e = new TypeError("x");
      Object.defineProperty(e, "message", {
        get() {
          throw new Error("message getter");
        },
      });
      Object.defineProperty(e, "stack", { get: () => v });
      (e as { cause?: unknown }).cause = e;
      return e;
    }
    case "typedArray":
      return [
        new Uint8Array([0, 10, 13]),
        new BigInt64Array([1n, -1n]),
        new Float64Array([NaN]),
        new DataView(new ArrayBuffer(3)),
        new ArrayBuffer(5),
      ];
    case "deep": {
      let d: unknown = v;
      for (let i = 0; i < 60; i++) d = i % 2 ? [d] : { d };
      return d;
    }
    case "nullProto":
      return Object.assign(Object.create(null), { v, __proto__x: v });
    case "function":
      return Object.assign(() => v, { prop: v });
    case "symbol":
      return Symbol(typeof v === "string" ? v : "s");
    case "bigint":
      return 2n ** 70n;
    case "date":
      return new Date(0);
    case "badDate":
      return new Date(NaN);
    case "throwingToString":
      return {
        v,
        toString() {
          throw new Error("toString");
        },
        valueOf() {
          throw new Error("valueOf");
        },
      };
    case "sparse": {
      const a: unknown[] = [];
      a[5] = v;
      return a;
    }
    case "dag":
      return sharedGraph(v, 12, 10);
  }
}

/**
 * A graph of shared references without a cycle: `depth` levels, each an object whose `width`
 * keys (and an array of as many items) all hold the same next level: width^depth paths.
 */
function sharedGraph(leafValue: unknown, width: number, depth: number): unknown {
  let node: unknown = leafValue;
  for (let d = 0; d < depth; d++) {
    const next = node;
    const o: Record<string, unknown> = { list: new Array(width).fill(next) };
    for (let i = 0; i < width; i++) o[`k${i}`] = next;
    node = o;
  }
  return node;
}

/**
 * Fields: hostile keys, the core keys themselves among them, names an object inherits, dotted
 * names that are prefixes of each other, with hostile values.
 */
const fields = fc.array(
  fc.tuple(
    fc.oneof(
      hostileString,
      fc.constantFrom(
        "timestamp",
        "level",
        "logger",
        "message",
        "request_id",
        "extra_level",
        "__proto__",
        "constructor",
        "truncated",
      ),
      protoName,
      dottedKey,
    ),
    recipe,
  ),
  { maxLength: 6 },
);

function buildFields(entries: [string, Recipe][]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, r] of entries) {
    Object.defineProperty(o, k, { value: build(r), enumerable: true, writable: true });
  }
  return o;
}

const LEVELS: LogLevel[] = ["DEBUG", "INFO", "WARN", "ERROR", "CRITICAL"];
const SAFE_ID = /^[A-Za-z0-9\-_.:=+/]{1,128}$/;

interface Run {
  format: "json" | "logfmt";
  level: LogLevel;
  name: string;
  message: string | Recipe;
  extra: [string, Recipe][] | Recipe;
  ctx: [string, Recipe][];
  nested: [string, Recipe][];
  set: [string, Recipe][];
  bound: [string, Recipe][];
  requestId: string;
}

const run: fc.Arbitrary<Run> = fc.record({
  format: fc.constantFrom("json" as const, "logfmt" as const),
  level: fc.constantFrom(...LEVELS),
  name: hostileString,
  message: fc.oneof({ weight: 4, arbitrary: hostileString }, { weight: 1, arbitrary: recipe }),
  extra: fc.oneof({ weight: 4, arbitrary: fields }, { weight: 1, arbitrary: recipe }),
  ctx: fields,
  nested: fields,
  set: fields,
  bound: fields,
  // "-" alone is the id of no request: runWithContext replaces it (SECURITY.md).
  requestId: fc.stringMatching(SAFE_ID).filter((id) => id !== "-"),
});

/** Logs one hostile call and returns the lines written. */
function logOnce(r: Run, maxLineLength?: number): string[] {
  const lines: unknown[] = [];
  configureLogging({
    level: "DEBUG",
    format: r.format,
    maxLineLength,
    sink: (line) => lines.push(line),
  });
  try {
    const message = typeof r.message === "string" ? r.message : build(r.message);
    const extra = Array.isArray(r.extra) ? buildFields(r.extra) : build(r.extra);
    const log = getLogger(r.name).child(buildFields(r.bound));
    runWithContext({ requestId: r.requestId, fields: buildFields(r.ctx) }, () => {
      setContextFields(buildFields(r.set));
      withContext(buildFields(r.nested), () => {
        log.log(r.level, message as string, extra as Record<string, unknown>);
      });
    });
  } finally {
    configureLogging({});
  }
  for (const line of lines) assert.equal(typeof line, "string");
  return lines as string[];
}

/** The parsed fields of a line, after checking it is one strict, well-formed line. */
function parseLine(line: string, format: "json" | "logfmt"): Record<string, unknown> {
  assert.ok(!LINE_BREAK.test(line), `a line break in ${JSON.stringify(line)}`);
  assert.ok(line.isWellFormed(), "a lone surrogate in the line");
  if (format === "logfmt") return parseLogfmt(line);
  const parsed = JSON.parse(line);
  assert.equal(typeof parsed, "object");
  const keys = topLevelKeys(line);
  assert.equal(new Set(keys).size, keys.length, `duplicate keys: ${keys}`);
  assert.deepEqual(keys.slice(0, 5), ["timestamp", "level", "logger", "message", "request_id"]);
  return parsed;
}

function assertCore(parsed: Record<string, unknown>, r: Run): void {
  assert.match(String(parsed.timestamp), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  assert.equal(parsed.level, r.level);
  assert.equal(parsed.request_id, r.requestId);
  const truncated = parsed.truncated === true || parsed.truncated === "true";
  if (!truncated) {
    assert.equal(parsed.logger, r.name);
    if (typeof r.message === "string") assert.equal(parsed.message, r.message);
  }
}

Deno.test("getLogger property: any message, fields and values give exactly one strict line with the core keys intact", () => {
  fc.assert(
    fc.property(run, (r) => {
      const lines = logOnce(r);
      assert.equal(lines.length, 1);
      assertCore(parseLine(lines[0], r.format), r);
    }),
    params(300),
  );
});

Deno.test("getLogger property: every line fits maxLineLength and a cut line says truncated", () => {
  const big = fc.record({
    size: fc.integer({ min: 1024, max: 16384 }),
    format: fc.constantFrom("json" as const, "logfmt" as const),
    message: fc.string({ unit: "binary", maxLength: 40000 }),
    name: fc.string({ maxLength: 300 }),
    keys: fc.integer({ min: 0, max: 3000 }),
    valueLength: fc.integer({ min: 0, max: 5000 }),
    ctxKeys: fc.integer({ min: 0, max: 200 }),
  });
  fc.assert(
    fc.property(big, (b) => {
      const extra: Record<string, unknown> = {};
      for (let i = 0; i < b.keys; i++) {
        extra[`k${i}`] = "\n".repeat(i % 7) + "v".repeat(b.valueLength);
      }
      const ctx: Record<string, unknown> = {};
      for (let i = 0; i < b.ctxKeys; i++) ctx[`c${i}`] = { nested: "x".repeat(b.valueLength) };
      const lines: string[] = [];
      configureLogging({ format: b.format, maxLineLength: b.size, sink: (l) => lines.push(l) });
      try {
        runWithContext({ requestId: "r-1", fields: ctx }, () => {
          getLogger(b.name).info(b.message, extra);
        });
      } finally {
        configureLogging({});
      }
      assert.equal(lines.length, 1);
      const line = lines[0];
      const parsed = parseLine(line, b.format);
      assert.ok(line.length <= b.size, `${line.length} > ${b.size}`);
      assert.equal(parsed.request_id, "r-1");
      assert.equal(parsed.level, "INFO");
      const untruncatedEstimate = b.message.length + b.keys * b.valueLength;
      if (untruncatedEstimate > b.size) {
        assert.ok(parsed.truncated === true || parsed.truncated === "true");
      }
    }),
    params(60),
  );
});

Deno.test("getLogger property: objects nested deeper than maxDepth end in a marker at exactly that depth", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 0, max: 40 }),
      fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
      (maxDepth, n, arrays) => {
        let value: unknown = "leaf";
        for (let i = 0; i < n; i++) value = arrays[i] ? [value] : { a: value };
        const lines: string[] = [];
        configureLogging({ maxDepth, sink: (l) => lines.push(l) });
        try {
          getLogger().info("deep", { value });
        } finally {
          configureLogging({});
        }
        let got: unknown = JSON.parse(lines[0]).value;
        let levels = 0;
        while (typeof got === "object" && got !== null) {
          got = Array.isArray(got) ? got[0] : (got as { a: unknown }).a;
          levels++;
        }
        assert.equal(levels, Math.min(n, maxDepth));
        if (n <= maxDepth) assert.equal(got, "leaf");
        else assert.equal(got, arrays[n - maxDepth - 1] ? "[Array]" : "[Object]");
      },
    ),
    params(200),
  );
});

Deno.test("an object with a million keys, as a value and as the fields, gives one bounded line quickly", () => {
  const huge: Record<string, number> = {};
  for (let i = 0; i < 1_000_000; i++) huge[`key${i}`] = i;
  for (const format of ["json", "logfmt"] as const) {
    const lines: string[] = [];
    configureLogging({ format, sink: (l) => lines.push(l) });
    try {
      const start = performance.now();
      getLogger().info("as a value", { huge });
      getLogger().info("as the fields", huge);
      const ms = performance.now() - start;
      assert.ok(ms < 5000, `took ${ms} ms`);
    } finally {
      configureLogging({});
    }
    assert.equal(lines.length, 2);
    for (const line of lines) {
      const parsed = parseLine(line, format);
      assert.ok(line.length <= 65536, `${format}: ${line.length}`);
      assert.equal(parsed.request_id, "-");
    }
    if (format === "json") {
      const asValue = JSON.parse(lines[0]).huge;
      assert.equal(Object.keys(asValue).length, 1001);
      assert.equal(asValue["[truncated]"], "999000 more keys");
    }
  }
});

Deno.test("deep nesting (100k levels), endless toJSON chains and endless getters still give one line", () => {
  let deep: unknown = "bottom";
  for (let i = 0; i < 100_000; i++) deep = { deep };
  const endless = (): unknown => ({ toJSON: endless });
  const lazyNode = (): unknown =>
    Object.defineProperty({}, "next", { enumerable: true, get: lazyNode });
  const lazy = lazyNode();
  const lines: string[] = [];
  configureLogging({ sink: (l) => lines.push(l) });
  try {
    getLogger().info("deep", { deep, endless: endless(), lazy });
  } finally {
    configureLogging({});
  }
  assert.equal(lines.length, 1);
  const parsed = JSON.parse(lines[0]);
  assert.equal(parsed.message, "deep");
  assert.equal(typeof parsed.endless, "string");
});

// ---------------------------------------------------------------------------
// Every preset and logfmt, with redaction and a random cap: prototype member names, dotted
// names that are prefixes of each other, shared-reference graphs and very large strings.

const REDACT = ["password", "authorization"];
/** What every secret value holds; it must never be in a line. */
const SECRET = "S3CR3T";
const secretKey = fc.oneof(
  fc.constantFrom(...REDACT),
  fc.constantFrom("PassWord", "AUTHORIZATION", "headers.authorization", "x.password"),
  fc.tuple(
    fc.constantFrom("user_", "extra_", "extra_extra_", "user_extra_"),
    fc.constantFrom(...REDACT),
  )
    .map(([prefix, name]) => prefix + name),
);

interface PresetRun {
  shape: { format: "json" | "logfmt"; preset: Preset };
  maxLineLength: number;
  message: string | Recipe;
  extra: [string, Recipe][];
  ctx: [string, Recipe][];
  bound: [string, Recipe][];
  secrets: string[];
  big: string | undefined;
}

const presetRun: fc.Arbitrary<PresetRun> = fc.record({
  shape: fc.constantFrom(
    { format: "json" as const, preset: "default" as const },
    { format: "json" as const, preset: "ecs" as const },
    { format: "json" as const, preset: "otel" as const },
    { format: "json" as const, preset: "gcp" as const },
    { format: "json" as const, preset: "datadog" as const },
    { format: "logfmt" as const, preset: "default" as const },
  ),
  maxLineLength: fc.integer({ min: 600, max: 20_000 }),
  message: fc.oneof({ weight: 3, arbitrary: hostileString }, { weight: 1, arbitrary: recipe }),
  extra: fields,
  ctx: fields,
  bound: fields,
  secrets: fc.array(secretKey, { maxLength: 4 }),
  big: fc.option(bigString, { freq: 3 }).map((b) => b ?? undefined),
});

/** The keys of the object that holds a line's fields (OTel: the attributes), duplicates kept. */
function fieldKeysOf(line: string, shape: PresetRun["shape"]): string[] {
  if (shape.format === "logfmt") return Object.keys(parseLogfmt(line)); // throws on a key twice
  if (shape.preset !== "otel") return topLevelKeys(line);
  const attributes = line.lastIndexOf(',"attributes":{');
  return topLevelKeys(line.slice(attributes + ',"attributes":'.length, -1));
}

Deno.test("getLogger property: every preset and logfmt, any names and values: one strict line within the cap, no key twice, no key both a value and an object, no redacted value in clear", () => {
  fc.assert(
    fc.property(presetRun, (r) => {
      const lines: unknown[] = [];
      configureLogging({
        ...r.shape,
        level: "DEBUG",
        redact: REDACT,
        maxLineLength: r.maxLineLength,
        service: { name: "svc", version: "1" },
        sink: (line) => lines.push(line),
      });
      try {
        const extra = buildFields(r.extra);
        for (const [i, key] of r.secrets.entries()) {
          extra[key] = i % 2 ? { nested: `${SECRET}-${i}` } : `${SECRET}-${i}`;
        }
        if (r.big !== undefined) extra.big = r.big;
        const message = typeof r.message === "string" ? r.message : build(r.message);
        const log = getLogger("prop").child(buildFields(r.bound));
        runWithContext({ fields: { ...buildFields(r.ctx), password: SECRET } }, () => {
          setUser({ id: "u", password: SECRET, Authorization: SECRET });
          log.info(message as string, extra);
        });
      } finally {
        configureLogging({});
      }
      assert.equal(lines.length, 1);
      const line = lines[0] as string;
      assert.equal(typeof line, "string");
      assert.ok(line.length <= r.maxLineLength, `${line.length} > ${r.maxLineLength}`);
      assert.ok(!LINE_BREAK.test(line), "a line break");
      assert.ok(line.isWellFormed(), "a lone surrogate in the line");
      assert.ok(!line.includes(SECRET), `a secret in clear: ${line.slice(0, 2000)}`);
      if (r.shape.format === "logfmt") parseLogfmt(line);
      else assert.equal(typeof JSON.parse(line), "object");
      const keys = fieldKeysOf(line, r.shape);
      assert.equal(new Set(keys).size, keys.length, `duplicate keys: ${keys}`);
      const set = new Set(keys);
      for (const key of keys) {
        for (let i = key.indexOf("."); i > 0; i = key.indexOf(".", i + 1)) {
          assert.ok(!set.has(key.slice(0, i)), `${key.slice(0, i)} beside ${key}`);
        }
      }
    }),
    params(150),
  );
});
