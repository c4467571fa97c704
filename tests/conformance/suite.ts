/**
 * The behavioural conformance suite, written once, run unchanged against the
 * module on Deno, workerd, Bun and Node. Every case talks HTTP to a real server
 * and checks responses and the JSON lines the server captured.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  get,
  ID_PATTERN,
  linesOf,
  newId,
  only,
  rawLinesContaining,
  waitForLines,
} from "./client.ts";
import { isolationCase } from "./isolation.ts";
import type { Case, Target } from "./runner.ts";

const LEVELS = ["DEBUG", "INFO", "WARN", "ERROR", "CRITICAL"];
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

async function accessLines(target: Target, id: string, path: string, status: number) {
  const lines = await waitForLines(target, id, (ls) => ls.some((l) => l.status_code !== undefined));
  const start = only(lines, `GET ${path}`);
  const finish = only(lines, `GET ${path} - ${status}`);
  return { lines, start, finish };
}

const runtimeCase: Case = {
  name: "the server runs on the runtime under test",
  async run(t) {
    const info = await (await get(t, "/__info")).json();
    assert.equal(info.runtime, t.runtime);
  },
};

const echoCase: Case = {
  name: "a valid X-Request-ID is used, echoed and in the start/finish access lines",
  async run(t) {
    const id = newId("echo");
    const res = await get(t, "/ping", id);
    assert.equal(await res.text(), "pong");
    assert.equal(res.headers.get("X-Request-ID"), id);
    if (t.adapter === "hono") assert.equal(res.headers.get("x-hono-request-id"), id);
    const { lines, start, finish } = await accessLines(t, id, "/ping", 200);
    assert.equal(lines.length, 2, JSON.stringify(lines));
    assert.equal(start.level, "INFO");
    assert.equal(start.method, "GET");
    assert.equal(start.path, "/ping");
    assert.equal(finish.level, "INFO");
    assert.equal(finish.status_code, 200);
    assert.equal(typeof finish.duration_ms, "number");
    assert.ok((finish.duration_ms as number) >= 0);
  },
};

const generatedCase: Case = {
  name: "without X-Request-ID a fresh id is generated, echoed and logged",
  async run(t) {
    const [a, b] = await Promise.all([get(t, "/ping"), get(t, "/ping")]);
    const idA = a.headers.get("X-Request-ID") ?? "";
    const idB = b.headers.get("X-Request-ID") ?? "";
    await Promise.all([a.text(), b.text()]);
    assert.match(idA, ID_PATTERN);
    assert.match(idB, ID_PATTERN);
    assert.notEqual(idA, idB);
    await accessLines(t, idA, "/ping", 200);
  },
};

const maxLengthCase: Case = {
  name:
    "an id of exactly 255 characters (the default limit) from the whole allowed alphabet is kept",
  async run(t) {
    const id = ("aZ09-_.:=+/" + newId("max")).padEnd(255, "x");
    const res = await get(t, "/ping", id);
    await res.text();
    assert.equal(res.headers.get("X-Request-ID"), id);
  },
};

const invalidCase: Case = {
  name: "invalid incoming ids are replaced and never echoed or logged raw",
  async run(t) {
    const tag = newId("bad").slice(4);
    const bad = [
      `has space ${tag}`,
      `quo"te${tag}`,
      `semi;colon${tag}`,
      `<tag>${tag}`,
      `${tag}${"a".repeat(256 - tag.length)}`,
      "",
      "-", // what lines outside any request carry: a request's id never is
    ];
    for (const raw of bad) {
      const res = await get(t, "/ping", raw);
      await res.text();
      const echoed = res.headers.get("X-Request-ID") ?? "";
      assert.notEqual(echoed, raw, `echoed raw ${JSON.stringify(raw)}`);
      assert.match(echoed, ID_PATTERN);
      await accessLines(t, echoed, "/ping", 200);
      if (raw && raw !== "-") {
        assert.deepEqual(await rawLinesContaining(t, raw), [], `logged ${JSON.stringify(raw)}`);
      }
    }
  },
};

const notFoundCase: Case = {
  name: "a 404 carries the id and a WARN finish line",
  async run(t) {
    const id = newId("nf");
    const res = await get(t, "/no-such-route", id);
    await res.text();
    assert.equal(res.status, 404);
    assert.equal(res.headers.get("X-Request-ID"), id);
    const { finish } = await accessLines(t, id, "/no-such-route", 404);
    assert.equal(finish.level, "WARN");
    assert.equal(finish.status_code, 404);
  },
};

const errorCase: Case = {
  name: "an uncaught error answers 500 with the id and is logged once with its stack",
  async run(t) {
    const id = newId("err");
    const res = await get(t, "/error", id);
    assert.equal(res.status, 500);
    assert.equal(res.headers.get("X-Request-ID"), id);
    const body = await res.json();
    if (t.adapter === "fetch") {
      assert.deepEqual(body, { error: "Internal Server Error", request_id: id });
    } else {
      assert.deepEqual(body, {
        error: "hono onError",
        message: "conformance boom",
        request_id: id,
      });
    }
    const { lines, finish } = await accessLines(t, id, "/error", 500);
    assert.equal(finish.level, "ERROR");
    only(lines, "about to fail");
    const withError = lines.filter((l) => typeof l.error === "object" && l.error !== null);
    assert.equal(withError.length, 1, JSON.stringify(lines));
    const err = withError[0].error as Record<string, unknown>;
    assert.equal(withError[0].level, "ERROR");
    assert.equal(err.name, "Error");
    assert.equal(err.message, "conformance boom");
    assert.match(String(err.stack), /conformance boom/);
  },
};

const nestedAdapterCase: Case = {
  name: "an adapter inside the app's adapter reuses the request: one id, one pair of access lines",
  async run(t) {
    const id = newId("nest");
    const res = await get(t, "/nested-adapter", id);
    assert.deepEqual(await res.json(), { id });
    assert.equal(res.headers.get("X-Request-ID"), id);
    const { lines } = await accessLines(t, id, "/nested-adapter", 200);
    assert.deepEqual(lines.map((l) => l.message), [
      "GET /nested-adapter",
      "nested handler",
      "GET /nested-adapter - 200",
    ]);
    const fresh = await get(t, "/nested-adapter");
    const body = await fresh.json();
    assert.match(body.id, ID_PATTERN);
    assert.equal(fresh.headers.get("X-Request-ID"), body.id, "the client's id is the handler's");
  },
};

const refusedCase: Case = {
  name: "an error carrying its own response below 500 is that answer: no error line, a WARN finish",
  async run(t) {
    const id = newId("refused");
    const res = await get(t, "/refused", id);
    assert.equal(res.status, 401);
    assert.equal(await res.text(), "refused");
    assert.equal(res.headers.get("X-Request-ID"), id);
    const { lines, finish } = await accessLines(t, id, "/refused", 401);
    assert.equal(finish.level, "WARN");
    assert.deepEqual(lines.filter((l) => l.level === "ERROR" || l.error !== undefined), []);
    assert.equal(lines.length, 3, JSON.stringify(lines));
  },
};

const nestedCase: Case = {
  name: "nested withContext adds fields inside and restores the outer scope",
  async run(t) {
    const id = newId("nest");
    const res = await get(t, "/nested", id);
    const { fieldsAt } = await res.json();
    assert.deepEqual(fieldsAt.map((f: Record<string, unknown>) => [f.outer, f.inner]), [
      ["o1", undefined],
      ["o1", "i1"],
      ["o1", undefined],
      [undefined, undefined],
    ]);
    const lines = await linesOf(t, id);
    const at = (m: string) => [only(lines, m).outer, only(lines, m).inner];
    assert.deepEqual(at("in outer"), ["o1", undefined]);
    assert.deepEqual(at("in inner"), ["o1", "i1"]);
    assert.deepEqual(at("back in outer"), ["o1", undefined]);
    assert.deepEqual(at("after scopes"), [undefined, undefined]);
  },
};

const fieldsCase: Case = {
  name: "setContextFields reaches later lines and the finish line",
  async run(t) {
    const id = newId("fields");
    const res = await get(t, "/fields", id);
    assert.deepEqual(await res.json(), { applied: true });
    const { lines, start, finish } = await accessLines(t, id, "/fields", 200);
    assert.equal(start.user_id, undefined);
    assert.equal(only(lines, "fields set").user_id, "u-42");
    assert.equal(finish.user_id, "u-42");
    assert.equal(finish.plan, "pro");
  },
};

const jsonKeysCase: Case = {
  name: "keys of a client's JSON are data: __proto__ is logged as a key and never propagated",
  async run(t) {
    const id = newId("keys");
    const json = '{"__proto__":{"correlation_id":"evil-corr"},"toString":"t","constructor":1}';
    const res = await get(t, "/json-fields", id, { "x-fields": json });
    const body = await res.json();
    assert.equal(body.applied, true);
    assert.equal(body.sent["X-Correlation-ID"], undefined, JSON.stringify(body.sent));
    assert.equal(body.sent["X-Request-ID"], id);
    const { lines, finish } = await accessLines(t, id, "/json-fields", 200);
    for (const line of [only(lines, "json fields set"), finish]) {
      assert.ok(Object.hasOwn(line, "__proto__"), JSON.stringify(line));
      assert.equal(JSON.stringify(line.__proto__), '{"correlation_id":"evil-corr"}');
      assert.equal(line.toString, "t");
      assert.equal(line.constructor, 1);
      assert.equal(line.correlation_id, undefined);
    }
  },
};

const backgroundCase: Case = {
  name: "runWithContext gives background work its own id; late work keeps the request's id",
  async run(t) {
    const id = newId("bg");
    const res = await get(t, "/background", id);
    assert.deepEqual(await res.json(), { outside: id });
    const late = await waitForLines(t, id, (ls) => ls.some((l) => l.message === "late task done"));
    assert.equal(only(late, "late task done").expect, id);
    const job = await waitForLines(t, `job-${id}`, (ls) => ls.length > 0);
    const done = only(job, "background job done");
    assert.equal(done.parent, id);
    assert.equal(done.job, "reindex");
  },
};

const timerCase: Case = {
  name: "a setTimeout callback keeps the request's context",
  async run(t) {
    const id = newId("timer");
    const res = await get(t, "/timer", id);
    assert.deepEqual(await res.json(), { seen: id });
    const { lines, finish } = await accessLines(t, id, "/timer", 200);
    only(lines, "timer fired");
    assert.ok((finish.duration_ms as number) >= 20, `duration_ms ${finish.duration_ms}`);
  },
};

const streamCase: Case = {
  name: "a streamed body's pull() keeps the request's context",
  async run(t) {
    const id = newId("stream");
    const res = await get(t, "/stream", id);
    assert.equal(res.headers.get("X-Request-ID"), id);
    assert.deepEqual((await res.text()).trim().split("\n"), Array(5).fill(id));
    const lines = await waitForLines(
      t,
      id,
      (ls) => ls.filter((l) => l.message === "chunk").length === 5,
    );
    assert.deepEqual(lines.filter((l) => l.message === "chunk").map((l) => l.n), [0, 1, 2, 3, 4]);
  },
};

const cpuCase: Case = {
  name: "duration_ms of CPU-only work is a number (0 allowed: Workers' clock stands still)",
  async run(t) {
    const id = newId("cpu");
    await (await get(t, "/cpu", id)).json();
    const { finish } = await accessLines(t, id, "/cpu", 200);
    const ms = finish.duration_ms as number;
    assert.ok(Number.isFinite(ms) && ms >= 0, `duration_ms ${ms}`);
    if (t.runtime !== "workerd") assert.ok(ms > 0, `duration_ms ${ms} for a busy loop`);
  },
};

const shapeCase: Case = {
  name: "each line is one JSON object: core keys first, ISO timestamp, level, service fields",
  async run(t) {
    const id = newId("shape");
    await (await get(t, "/fields", id)).json();
    await accessLines(t, id, "/fields", 200);
    const raw = await rawLinesContaining(t, id);
    assert.ok(raw.length >= 3);
    for (const line of raw) {
      assert.ok(!line.includes("\n"), "one line");
      const obj = JSON.parse(line);
      assert.deepEqual(Object.keys(obj).slice(0, 5), [
        "timestamp",
        "level",
        "logger",
        "message",
        "request_id",
      ]);
      assert.match(obj.timestamp, TIMESTAMP);
      assert.ok(LEVELS.includes(obj.level));
      assert.equal(typeof obj.logger, "string");
      assert.equal(obj.request_id, id);
      assert.ok(line.includes('"conformance"'), "service name on every line");
    }
  },
};

const finishCase: Case = {
  name: 'accessLog "finish": one access line per request, when it ends, with the context\'s fields',
  async run(t) {
    const id = newId("finish");
    const res = await get(t, "/finish/fields", id);
    assert.deepEqual(await res.json(), { applied: true });
    assert.equal(res.headers.get("X-Request-ID"), id);
    const lines = await waitForLines(t, id, (ls) => ls.some((l) => l.status_code !== undefined));
    assert.deepEqual(lines.map((l) => l.message), ["fields set", "GET /finish/fields - 200"]);
    const finish = lines[1];
    assert.equal(finish.level, "INFO");
    assert.equal(finish.path, "/finish/fields");
    assert.equal(finish.user_id, "u-42");
    assert.equal(finish.warn_count, 0);
    assert.ok(typeof finish.duration_ms === "number" && finish.duration_ms >= 0);
  },
};

const heldCase: Case = {
  name: "requestBuffer: held DEBUG lines are written before the error line, by the time the " +
    "response arrives; never for a request that succeeds",
  async run(t) {
    const ok = newId("held-ok");
    const res = await get(t, "/held", ok);
    assert.deepEqual(await res.json(), { held: 3 });
    await accessLines(t, ok, "/held", 200);
    assert.deepEqual((await linesOf(t, ok)).filter((l) => l.level === "DEBUG"), []);

    const failed = newId("held-fail");
    const answer = await get(t, "/held?fail=1", failed);
    assert.equal(answer.status, 500);
    await answer.text();
    // No waiting: on Workers too the lines are written before the request ends.
    const lines = await linesOf(t, failed);
    const steps = lines.filter((l) => l.message === "held step");
    assert.deepEqual(steps.map((l) => [l.level, l.i]), [["DEBUG", 0], ["DEBUG", 1], ["DEBUG", 2]]);
    const errorAt = lines.findIndex((l) => l.message === "Unhandled error");
    assert.ok(errorAt > lines.indexOf(steps[2]), JSON.stringify(lines.map((l) => l.message)));
    const finish = only(lines, "GET /held - 500");
    assert.equal(finish.error_message, "held boom");
    assert.equal(finish.error_name, "Error");
    const times = steps.map((l) => Date.parse(l.timestamp as string));
    assert.ok(times[0] <= times[1] && times[1] <= times[2], "their own timestamps, in order");
  },
};

const skipCase: Case = {
  name: "skip: a health check gets its id but no line when it answers 200; its lines when it fails",
  async run(t) {
    const ok = newId("health-ok");
    const res = await get(t, "/health", ok);
    assert.equal(await res.text(), "ok");
    assert.equal(res.headers.get("X-Request-ID"), ok);
    const down = newId("health-down");
    const failed = await get(t, "/health?down=1", down);
    assert.equal(failed.status, 503);
    assert.equal(failed.headers.get("X-Request-ID"), down);
    await failed.text();
    const { lines, start, finish } = await accessLines(t, down, "/health", 503);
    assert.equal(lines.length, 2, JSON.stringify(lines));
    assert.equal(finish.level, "ERROR");
    assert.ok(String(start.timestamp) <= String(finish.timestamp));
    assert.deepEqual(await linesOf(t, ok), []);
  },
};

/** All cases, in the order they run. */
export const suite: Case[] = [
  runtimeCase,
  echoCase,
  generatedCase,
  maxLengthCase,
  invalidCase,
  notFoundCase,
  errorCase,
  nestedAdapterCase,
  refusedCase,
  nestedCase,
  fieldsCase,
  jsonKeysCase,
  backgroundCase,
  timerCase,
  streamCase,
  cpuCase,
  shapeCase,
  isolationCase,
  finishCase,
  heldCase,
  skipCase,
];
