// Redaction: bare key names at any depth (case-insensitive), dotted paths only there.
import { deepStrictEqual, ok, strictEqual } from "node:assert";
import { configureLogging, getLogger, runWithContext, setContextFields } from "../mod.ts";
import { parseStrict } from "./_strict_json.ts";

const R = "[REDACTED]";

/** The value at a dotted path of a parsed line (numbers index arrays), as plain JSON data. */
function at(line: unknown, path: string): unknown {
  let v = line;
  for (const part of path.split(".")) v = (v as Record<string, unknown>)?.[part];
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

/** Logs `extra` (inside a context with `fields`) with `redact`, and returns the raw line. */
function logWith(
  redact: readonly string[],
  extra: Record<string, unknown>,
  options: Parameters<typeof configureLogging>[0] = {},
  fields?: Record<string, unknown>,
): string {
  const raw: string[] = [];
  configureLogging({ ...options, redact, sink: (line) => raw.push(line) });
  try {
    runWithContext({ requestId: "r-redact", fields }, () => getLogger("app").info("msg", extra));
  } finally {
    configureLogging({});
  }
  strictEqual(raw.length, 1);
  return raw[0];
}

Deno.test("configureLogging redact: a bare name is redacted wherever it appears: top level, deep, in arrays, maps, errors", () => {
  const err = Object.assign(new Error("boom"), { password: "in-error" });
  const text = logWith(["password"], {
    password: "top",
    a: { b: { c: { d: { password: "deep" } } } },
    list: [{ password: "in-array" }, [{ password: "nested-array" }]],
    map: new Map([["password", "in-map"]]),
    err,
    keep: "visible",
  });
  for (const secret of ["top", "deep", "in-array", "nested-array", "in-map", "in-error"]) {
    ok(!text.includes(secret), `${secret} leaked: ${text}`);
  }
  const line = parseStrict(text);
  strictEqual(line.password, R);
  strictEqual(at(line, "a.b.c.d.password"), R);
  strictEqual(at(line, "list.0.password"), R);
  strictEqual(at(line, "list.1.0.password"), R);
  strictEqual(at(line, "map.password"), R);
  strictEqual(at(line, "err.password"), R);
  strictEqual(at(line, "err.message"), "boom");
  strictEqual(line.keep, "visible");
});

Deno.test("configureLogging redact: bare names match whatever the case, of the key and of the configured name", () => {
  const text = logWith(["Authorization", "PASSWORD"], {
    authorization: "a1",
    AUTHORIZATION: "a2",
    headers: { Authorization: "a3" },
    Password: "p1",
    password: "p2",
  });
  for (const secret of ["a1", "a2", "a3", "p1", "p2"]) ok(!text.includes(secret), text);
  const line = parseStrict(text);
  strictEqual(line.authorization, R);
  strictEqual(line.AUTHORIZATION, R);
  strictEqual(at(line, "headers.Authorization"), R);
});

Deno.test("configureLogging redact: a redacted key's whole value goes, whatever it is: object, array, number, null", () => {
  const line = parseStrict(logWith(["secret"], {
    a: { secret: { inner: "nested-secret", more: [1, 2] } },
    b: { secret: [1, 2, 3] },
    c: { secret: 42 },
    d: { secret: null },
  }));
  deepStrictEqual(at(line, "a"), { secret: R });
  deepStrictEqual(at(line, "b"), { secret: R });
  deepStrictEqual(at(line, "c"), { secret: R });
  deepStrictEqual(at(line, "d"), { secret: R });
});

Deno.test("configureLogging redact: a dotted path is redacted at that path only", () => {
  const text = logWith(["req.headers.cookie"], {
    req: { headers: { cookie: "c-secret", host: "example.com" }, cookie: "req-level" },
    res: { headers: { cookie: "other-path" } },
    cookie: "top-level",
    headers: { cookie: "shallow" },
  });
  ok(!text.includes("c-secret"), text);
  const line = parseStrict(text);
  strictEqual(at(line, "req.headers.cookie"), R);
  strictEqual(at(line, "req.headers.host"), "example.com");
  strictEqual(at(line, "req.cookie"), "req-level");
  strictEqual(at(line, "res.headers.cookie"), "other-path");
  strictEqual(line.cookie, "top-level");
  strictEqual(at(line, "headers.cookie"), "shallow");
});

Deno.test("configureLogging redact: a dotted path of two parts, and a path whose end is an object or a top-level key", () => {
  const line = parseStrict(logWith(["user.email", "req.body"], {
    user: { email: "e-secret", name: "Ann" },
    req: { body: { card: "4111-secret" }, method: "POST" },
    email: "kept",
  }));
  strictEqual(at(line, "user.email"), R);
  strictEqual(at(line, "user.name"), "Ann");
  strictEqual(at(line, "req.body"), R);
  strictEqual(at(line, "req.method"), "POST");
  strictEqual(line.email, "kept");
});

Deno.test("configureLogging redact: a dotted path goes through arrays: each item is at the same path", () => {
  const line = parseStrict(logWith(["items.token"], {
    items: [{ token: "t1", id: 1 }, { token: "t2", id: 2 }],
    token: "top-kept",
  }));
  deepStrictEqual(at(line, "items"), [
    { token: R, id: 1 },
    { token: R, id: 2 },
  ]);
  strictEqual(line.token, "top-kept");
});

Deno.test("configureLogging redact: context fields, set fields, bound fields and service fields are redacted too", () => {
  const raw: string[] = [];
  configureLogging({
    redact: ["token", "session.id"],
    service: { name: "svc" },
    sink: (line) => raw.push(line),
  });
  try {
    runWithContext({ fields: { token: "ctx-secret", session: { id: "s-secret", n: 1 } } }, () => {
      setContextFields({ later: { token: "set-secret" } });
      getLogger("app").child({ token: "bound-secret" }).info("m");
    });
  } finally {
    configureLogging({});
  }
  for (const secret of ["ctx-secret", "s-secret", "set-secret", "bound-secret"]) {
    ok(!raw[0].includes(secret), `${secret}: ${raw[0]}`);
  }
  const line = parseStrict(raw[0]);
  strictEqual(at(line, "session.n"), 1);
  strictEqual(at(line, "later.token"), R);
});

Deno.test("configureLogging redact: logfmt lines are redacted the same way", () => {
  const text = logWith(["password", "req.headers.cookie"], {
    password: "p-secret",
    req: { headers: { cookie: "c-secret" } },
  }, { format: "logfmt" });
  ok(!text.includes("p-secret") && !text.includes("c-secret"), text);
  ok(text.includes("password=[REDACTED]"), text);
});

Deno.test("configureLogging redact: a line cut for size is still redacted", () => {
  const text = logWith(["password"], {
    big: "x".repeat(10_000),
    deep: { password: "p-secret", pad: "y".repeat(10_000) },
  }, { maxLineLength: 4096 });
  ok(text.length <= 4096, `${text.length}`);
  ok(!text.includes("p-secret"), text);
  strictEqual(parseStrict(text).truncated, true);
});

Deno.test("configureLogging redact: no redaction configured, or entries that are not names: nothing is touched", () => {
  const a = parseStrict(logWith([], { password: "visible" }));
  strictEqual(a.password, "visible");
  const b = parseStrict(logWith([42, null, ""] as unknown as string[], { password: "visible" }));
  strictEqual(b.password, "visible");
});

Deno.test("configureLogging redact: the core keys are the core's: redacting their names leaves them, and the request id", () => {
  const line = parseStrict(logWith(["message", "request_id", "level"], { message: "x" }));
  strictEqual(line.message, "msg");
  strictEqual(line.request_id, "r-redact");
  strictEqual(line.level, "INFO");
  strictEqual(line.extra_message, R);
});
