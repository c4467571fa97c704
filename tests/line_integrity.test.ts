// Line integrity under hostile names and values, preset by preset: prototype member names are
// data, the work of one call is bounded by the limits, the line cap is exact, `truncated` is the
// module's, a key is never both a value and an object, and a redacted name is never in clear.
import assert from "node:assert/strict";
import {
  configureLogging,
  getLogger,
  type LoggingOptions,
  type Preset,
  runWithContext,
  setContextFields,
  setUser,
  withRequestContext,
} from "../mod.ts";
import { parseStrict } from "./_strict_json.ts";
import { parseLogfmt } from "./_logfmt.ts";

type Shape = { format: "json" | "logfmt"; preset?: Preset };
const SHAPES: Shape[] = [
  { format: "json", preset: "default" },
  { format: "json", preset: "ecs" },
  { format: "json", preset: "otel" },
  { format: "json", preset: "gcp" },
  { format: "json", preset: "datadog" },
  { format: "logfmt" },
];

/** Every name an object inherits, and `__proto__`. */
const PROTO_NAMES = [...Object.getOwnPropertyNames(Object.prototype), "__proto__"];

function capture(options: Omit<LoggingOptions, "sink">): string[] {
  const raw: string[] = [];
  configureLogging({ level: "DEBUG", ...options, sink: (line) => raw.push(line) });
  return raw;
}

/** The fields of a line where a call's fields go (OTel: the attributes). */
function fieldsOf(line: string, shape: Shape): Record<string, unknown> {
  if (shape.format === "logfmt") return parseLogfmt(line);
  const parsed = parseStrict(line);
  return shape.preset === "otel" ? parsed.attributes as Record<string, unknown> : parsed;
}

/** An object holding `name` as its own, enumerable data property (`__proto__` included). */
function own(name: string, value: unknown): Record<string, unknown> {
  return Object.defineProperty({}, name, { value, enumerable: true, writable: true });
}

Deno.test("getLogger: prototype member names: a field, a bound field or a context field so named is written as data, under every preset", async () => {
  for (const shape of SHAPES) {
    for (const name of PROTO_NAMES) {
      const raw = capture(shape);
      try {
        getLogger("app").info("call", own(name, "v-call"));
        getLogger("app").child(own(name, "v-bound")).info("bound");
        const handler = withRequestContext(() => {
          setContextFields(own(name, "v-ctx"));
          getLogger("app").info("in context");
          return new Response("ok");
        });
        await (await handler(new Request("http://127.0.0.1/x"))).text();
      } finally {
        configureLogging({});
      }
      const where = `${shape.format}/${shape.preset} ${name}`;
      assert.equal(raw.length, 5, `${where}: ${raw.join("\n")}`);
      const values = raw.map((line) => Object.values(fieldsOf(line, shape)));
      assert.ok(values[0].includes("v-call"), `${where}: ${raw[0]}`);
      assert.ok(values[1].includes("v-bound"), `${where}: ${raw[1]}`);
      // the handler's line and the finish line carry the context field
      assert.ok(values[3].includes("v-ctx"), `${where}: ${raw[3]}`);
      assert.ok(values[4].includes("v-ctx"), `${where}: ${raw[4]}`);
    }
  }
});

Deno.test("getLogger: prototype member names as logger names and messages are plain text", () => {
  for (const shape of SHAPES) {
    const raw = capture(shape);
    try {
      for (const name of PROTO_NAMES) getLogger(name).info(name);
    } finally {
      configureLogging({});
    }
    assert.equal(raw.length, PROTO_NAMES.length);
  }
});

const canRun = Deno.permissions.querySync({ name: "run" }).state === "granted";

Deno.test({
  name:
    "getLogger: a line that cannot be built is still written with its core keys and the failure, and stderr reports it more than once, rate-limited",
  ignore: !canRun,
  async fn() {
    const child = new URL("./fixtures/format_failure_child.ts", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--no-check", child],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const stdout = new TextDecoder().decode(out.stdout).split("\n").filter((l) => l !== "");
    const stderr = new TextDecoder().decode(out.stderr).split("\n").filter((l) => l !== "");
    assert.equal(out.code, 0, stderr.join("\n"));
    assert.equal(stdout.length, 4, stdout.join("\n"));
    stdout.forEach((text, i) => {
      const line = parseStrict(text);
      assert.equal(line.message, `call ${i + 1}`);
      assert.equal(line.level, `Symbol(${["INFO", "WARN", "ERROR", "INFO"][i]})`);
      assert.equal(line.logger, "child");
      assert.equal(line.request_id, "-");
      assert.equal(typeof line.timestamp, "string");
      assert.match(String(line.logging_error), /TypeError/);
    });
    const reports = stderr.filter((l) => l.includes("a log line could not be built"));
    assert.equal(reports.length, 2, stderr.join("\n"));
    assert.match(reports[1], /2 more/);
  },
});

// ---------------------------------------------------------------------------
// Bounded work: what one call visits is counted by the value itself (getters, a proxy, an
// iterator), not timed.

/** A chain of `depth` objects, each with `width` getters to the same next one: width^depth paths. */
function getterDag(width: number, depth: number, counter: { n: number }): unknown {
  let node: unknown = "leaf";
  for (let d = 0; d < depth; d++) {
    const next = node;
    const o = {};
    for (let i = 0; i < width; i++) {
      Object.defineProperty(o, `k${i}`, {
        enumerable: true,
        get() {
          counter.n++;
          return next;
        },
      });
    }
    node = o;
  }
  return node;
}

/** The same shape with arrays behind a proxy that counts every property read. */
function proxyDag(width: number, depth: number, counter: { n: number }): unknown {
  let node: unknown = "leaf";
  for (let d = 0; d < depth; d++) {
    node = new Proxy(new Array(width).fill(node), {
      get(target, key, receiver) {
        counter.n++;
        return Reflect.get(target, key, receiver);
      },
    });
  }
  return node;
}

/** What one call may visit: a few nodes per character of the line (the rule SECURITY.md states). */
const visitBound = (maxLineLength: number) => 3 * maxLineLength;

Deno.test("getLogger: bounded work: a shared-reference graph (width 4 and 12, depth 10) costs what the line holds, not its paths, under every preset", () => {
  for (const shape of SHAPES) {
    for (const maxLineLength of [1000, 65536]) {
      for (const width of [4, 12]) {
        for (const make of [getterDag, proxyDag]) {
          for (const where of ["extra", "context"] as const) {
            const counter = { n: 0 };
            const value = make(width, 10, counter);
            const raw = capture({ ...shape, maxLineLength });
            try {
              const log = () => getLogger("dag").info("graph", where === "extra" ? { value } : {});
              if (where === "extra") log();
              else runWithContext({ fields: { value } }, log);
            } finally {
              configureLogging({});
            }
            const label =
              `${shape.format}/${shape.preset} ${maxLineLength} ${width} ${make.name} ${where}`;
            assert.equal(raw.length, 1, label);
            assert.ok(raw[0].length <= maxLineLength, `${label}: ${raw[0].length}`);
            fieldsOf(raw[0], shape);
            assert.ok(
              counter.n <= visitBound(maxLineLength),
              `${label}: ${counter.n} reads > ${visitBound(maxLineLength)}`,
            );
          }
        }
      }
    }
  }
});

Deno.test("getLogger: bounded work: a Set or Map of a million entries is read no further than maxKeys", () => {
  let reads = 0;
  class CountingSet<T> extends Set<T> {
    override *[Symbol.iterator](): SetIterator<T> {
      for (const v of super.values()) {
        reads++;
        yield v;
      }
    }
  }
  class CountingMap<K, V> extends Map<K, V> {
    override *[Symbol.iterator](): MapIterator<[K, V]> {
      for (const e of super.entries()) {
        reads++;
        yield e;
      }
    }
  }
  const numbers = Array.from({ length: 1_000_000 }, (_, i) => i);
  const set = new CountingSet(numbers);
  const map = new CountingMap(numbers.map((i) => [i, i]));
  for (const shape of SHAPES) {
    reads = 0;
    const raw = capture({ ...shape, maxKeys: 100 });
    try {
      getLogger().info("big", { set, map });
    } finally {
      configureLogging({});
    }
    assert.equal(raw.length, 1);
    assert.ok(reads <= 2 * 101, `${shape.format}/${shape.preset}: ${reads} entries read`);
  }
});

// ---------------------------------------------------------------------------
// Cost in proportion to the line: a value that will be cut is cut before it is escaped, so a
// call costs at most twice JSON.stringify of the same value (here: far less).

/** The fastest of three runs, in milliseconds. */
function fastest(f: () => void): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    f();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

Deno.test("getLogger: cost: 5 million characters of U+2028, C1 controls or quotes, alone, nested, in a long array or as the message, costs at most 2x JSON.stringify of it", () => {
  for (const unit of ["\u2028", "\x85\x9b", '"\\']) {
    const s = unit.repeat(5_000_000 / unit.length);
    const values: [string, unknown][] = [
      ["field", s],
      ["nested", { a: { b: [s, s] } }],
      ["array", Array.from({ length: 200_000 }, () => s.slice(0, 50))],
    ];
    const floors = values.map(([, value]) => fastest(() => JSON.stringify(value)));
    const messageFloor = fastest(() => JSON.stringify(s));
    for (const shape of SHAPES) {
      const raw = capture({ ...shape, maxKeys: 1_000_000 });
      try {
        values.forEach(([what, value], i) => {
          const ours = fastest(() => getLogger("cost").info("big", { value }));
          const label = `${shape.format}/${shape.preset} ${what} ${JSON.stringify(unit)}`;
          assert.ok(ours <= 2 * floors[i], `${label}: ${ours} ms > 2 x ${floors[i]} ms`);
        });
        const ours = fastest(() => getLogger("cost").info(s));
        const label = `${shape.format}/${shape.preset} message ${JSON.stringify(unit)}`;
        assert.ok(ours <= 2 * messageFloor, `${label}: ${ours} ms > 2 x ${messageFloor} ms`);
      } finally {
        configureLogging({});
      }
      for (const line of raw) assert.ok(line.length <= 65536, `${line.length}`);
    }
  }
});

// ---------------------------------------------------------------------------
// The line cap is exact, and `truncated` is the module's key alone.

Deno.test("getLogger: line cap: exact when the message or the logger name needs escaping, under every preset", () => {
  const texts = ["\u2028", '"', "\x85", "\n", "é", "\ud800"].map((u) => u.repeat(60_000));
  for (const shape of SHAPES) {
    for (const maxLineLength of [512, 1000, 4096, 65536]) {
      for (const text of texts) {
        const raw = capture({ ...shape, maxLineLength });
        try {
          getLogger(text.slice(0, 300)).info(text, { a: 1 });
          getLogger(text).info("m");
          runWithContext({ fields: { f: text } }, () => getLogger("x").info(text.slice(0, 9000)));
        } finally {
          configureLogging({});
        }
        const label = `${shape.format}/${shape.preset} ${maxLineLength} ${JSON.stringify(text[0])}`;
        assert.equal(raw.length, 3, label);
        for (const line of raw) {
          assert.ok(line.length <= maxLineLength, `${label}: ${line.length}`);
          fieldsOf(line, shape);
        }
        if (JSON.stringify(text).length > maxLineLength) {
          const fields = fieldsOf(raw[1], shape);
          assert.ok(fields.truncated === true || fields.truncated === "true", label);
        }
      }
    }
  }
});

Deno.test("getLogger: truncated: a caller's own truncated (call, bound, context) is renamed; only a cut line says truncated", () => {
  for (const shape of SHAPES) {
    const raw = capture(shape);
    try {
      runWithContext({ fields: { truncated: "ctx" } }, () => {
        getLogger("t").child({ truncated: "bound" }).info("short", { truncated: true });
      });
      getLogger("t").info("x".repeat(70_000), { truncated: false });
    } finally {
      configureLogging({});
    }
    const label = `${shape.format}/${shape.preset}`;
    const whole = fieldsOf(raw[0], shape);
    assert.ok(!("truncated" in whole), `${label}: ${raw[0].slice(0, 300)}`);
    const values = Object.values(whole);
    for (const v of ["ctx", "bound", shape.format === "logfmt" ? "true" : true]) {
      assert.ok(values.includes(v), `${label}: ${JSON.stringify(v)} kept in ${raw[0]}`);
    }
    const cut = fieldsOf(raw[1], shape);
    assert.ok(cut.truncated === true || cut.truncated === "true", `${label}: ${raw[1]}`);
    assert.ok(
      cut.extra_truncated === false || cut.extra_truncated === "false",
      `${label}: ${raw[1].slice(-200)}`,
    );
  }
});

// ---------------------------------------------------------------------------
// A name is never both a value and an object: no key `k` beside a key `k.…` in one object.

/** The keys of the object where a line's fields go, in order, duplicates kept. */
function fieldKeys(line: string, shape: Shape): string[] {
  if (shape.format === "logfmt") {
    return [...line.matchAll(/ ([^ =]+)=/g)].map((m) => m[1]);
  }
  const parsed = parseStrict(line);
  if (shape.preset === "otel") return Object.keys(parsed.attributes as object);
  return Object.keys(parsed);
}

/** The pairs (k, k.…) among `keys`. */
function leafAndObject(keys: string[]): string[] {
  const set = new Set(keys);
  const clashes: string[] = [];
  for (const key of keys) {
    for (let i = key.indexOf("."); i > 0; i = key.indexOf(".", i + 1)) {
      if (set.has(key.slice(0, i))) clashes.push(`${key.slice(0, i)} / ${key}`);
    }
  }
  return clashes;
}

Deno.test("getLogger: a key is never both a value and an object: log beside log.level, service beside service.name, in every preset and logfmt", () => {
  for (const shape of SHAPES) {
    const raw = capture({ ...shape, service: { name: "svc", version: "1" } });
    try {
      getLogger("a").info("m", { log: 1, service: "x", "service.name": "y", http: { a: 1 } });
      runWithContext({ fields: { "user.id": "ctx", user: "ctx-leaf" } }, () => {
        getLogger("a").child({ "trace": "t", "a.b": 1 }).info("m", {
          a: 2,
          "a.b.c": 3,
          user_id: 4,
        });
      });
      getLogger("a").info("m", { "x.y": 1, x: 2, "x.y.z": 3, "extra_x": 4, "extra_x.y": 5 });
    } finally {
      configureLogging({});
    }
    for (const line of raw) {
      const keys = fieldKeys(line, shape);
      assert.deepEqual(leafAndObject(keys), [], `${shape.format}/${shape.preset}: ${line}`);
      assert.equal(new Set(keys).size, keys.length, line);
    }
    // Nothing is lost: the later name is renamed, its value kept.
    const values = Object.values(fieldsOf(raw[0], shape));
    for (const v of [1, "x", "y"]) {
      assert.ok(
        values.some((got) => String(got) === String(v)),
        `${JSON.stringify(v)} in ${raw[0]}`,
      );
    }
  }
});

// ---------------------------------------------------------------------------
// A redacted name is never in clear: under the names the module gives it, and in a message
// that is not a string.

Deno.test("getLogger: redaction: user_*, extra_* and dotted names of a redacted name, and non-string messages, never show the secret", () => {
  const SECRET = /s3cr3t/;
  for (const shape of SHAPES) {
    const raw = capture({ ...shape, redact: ["password", "authorization"] });
    try {
      runWithContext({ fields: { password: "s3cr3t-ctx" } }, () => {
        setUser({ id: "u-1", password: "s3cr3t-user", Authorization: "s3cr3t-user-auth" });
        getLogger("r").info("call", {
          password: "s3cr3t-collision",
          extra_password: "s3cr3t-extra",
          extra_extra_authorization: "s3cr3t-extra-extra",
          user_password: "s3cr3t-user-own",
          "headers.authorization": "s3cr3t-dotted",
          nested: { extra_password: "s3cr3t-nested", "req.authorization": "s3cr3t-nested-dot" },
        });
      });
      const messages: unknown[] = [
        { password: "s3cr3t-object", deep: { authorization: "s3cr3t-deep" } },
        [{ password: "s3cr3t-array" }],
        new Map([["password", "s3cr3t-map"]]),
        Object.assign(new Error("boom"), { password: "s3cr3t-error" }),
        { toJSON: () => ({ user_password: "s3cr3t-tojson" }) },
      ];
      for (const message of messages) getLogger("r").info(message as string);
    } finally {
      configureLogging({});
    }
    assert.equal(raw.length, 6);
    for (const line of raw) {
      assert.ok(!SECRET.test(line), `${shape.format}/${shape.preset}: ${line}`);
      fieldsOf(line, shape);
    }
    assert.ok(raw[0].includes("u-1"), raw[0]);
  }
});

Deno.test("getLogger: a non-string message keeps the serializer's limits: a huge or cyclic object as the message gives one bounded line", () => {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  const counter = { n: 0 };
  for (const shape of SHAPES) {
    const raw = capture({ ...shape, maxLineLength: 2000 });
    try {
      getLogger().info(cyclic as unknown as string);
      getLogger().info(getterDag(4, 10, counter) as unknown as string);
      getLogger().info(new Array(1_000_000).fill("x") as unknown as string);
    } finally {
      configureLogging({});
    }
    assert.equal(raw.length, 3);
    for (const line of raw) assert.ok(line.length <= 2000, `${line.length}`);
    assert.match(String(fieldsOf(raw[0], shape).message ?? parseStrict(raw[0]).body), /Circular/);
  }
  assert.ok(counter.n <= 4 * visitBound(2000), `${counter.n}`);
});
