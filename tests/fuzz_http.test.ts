// Property tests of the HTTP intake against hostile X-Request-ID, X-Correlation-ID
// and traceparent values, through a real Deno.serve on 127.0.0.1 (fetch for what
// fetch can send, a raw TCP socket for the bytes it refuses) and through Hono's
// app.request. An accepted value round-trips exactly; a rejected one is replaced
// and never reaches a response header or a log line raw.
// Seeds and run counts: see _fuzz.ts (FC_SEED, FC_RUNS).
import assert from "node:assert/strict";
import fc from "fast-check";
import { Hono } from "hono";
import { configureLogging, getLogger, getRequestId, withRequestContext } from "../mod.ts";
import { requestContext } from "../middleware/hono.ts";
import { hostileString, LINE_BREAK, params } from "./_fuzz.ts";

const log = getLogger("app");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SAFE = /^[A-Za-z0-9\-_.:=+/]+$/;
const MAX = 255;

/**
 * The module's contract for a request or correlation id, written out independently.
 * `-` alone is what lines outside a request carry, so it is never an id.
 */
function acceptedId(seen: string | null): seen is string {
  return seen !== null && seen.length >= 1 && seen.length <= MAX && SAFE.test(seen) &&
    seen !== "-";
}

/** W3C Trace Context `traceparent`, written out independently: the trace and parent ids it carries, if valid. */
function acceptedTraceparent(
  seen: string | null,
): { traceId: string; parentId: string } | undefined {
  if (seen === null) return undefined;
  const m = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/.exec(seen);
  if (m === null || m[1] === "ff") return undefined;
  if (m[1] === "00" && m[5] !== undefined) return undefined;
  if (/^0+$/.test(m[2]) || /^0+$/.test(m[3])) return undefined;
  return { traceId: m[2], parentId: m[3] };
}

const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
const traceparent = fc.oneof(
  fc.tuple(fc.constantFrom("00", "01", "cc", "ff"), hex(32), hex(16), hex(2)).map((p) =>
    p.join("-")
  ),
  fc.tuple(hex(32), hex(16)).map(([t, s]) => `00-${t.toUpperCase()}-${s}-01`),
  fc.constant("00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
  fc.constant("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"),
  fc.tuple(hex(32), hex(16), hostileString).map(([t, s, x]) => `00-${t}-${s}-01${x}`),
  fc.tuple(hex(32), hex(16), hostileString).map(([t, s, x]) => `01-${t}-${s}-01-${x}`),
  hostileString,
);

const requestId = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9\-_.:=+/]{1,140}$/),
  fc.stringMatching(/^[A-Za-z0-9\-_.:=+/]{250,260}$/),
  fc.constantFrom("-", "--", "-.", "_"),
  hostileString,
  fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)) }),
  fc.string({ minLength: 256, maxLength: 6000, unit: fc.constantFrom("a", "-", "9") }),
);

interface Sent {
  /** One or more X-Request-ID headers (repeated headers are joined by the HTTP stack). */
  ids: string[];
  correlation: string[];
  traceparent: string[];
}

const sent: fc.Arbitrary<Sent> = fc.record({
  ids: fc.array(requestId, { minLength: 0, maxLength: 3 }),
  correlation: fc.array(requestId, { minLength: 0, maxLength: 2 }),
  traceparent: fc.array(traceparent, { minLength: 0, maxLength: 2 }),
});

/**
 * Whether fetch can carry this value: `Headers` refuses CR, LF, NUL and non-Latin-1,
 * and fetch itself the other control characters. The raw-socket property sends those.
 */
function sendable(value: string): boolean {
  return /^[\t\x20-\x7e\x80-\xff]*$/.test(value);
}

function headersOf(s: Sent): Headers {
  const h = new Headers();
  for (const v of s.ids) h.append("X-Request-ID", v);
  for (const v of s.correlation) h.append("X-Correlation-ID", v);
  for (const v of s.traceparent) h.append("traceparent", v);
  return h;
}

/** What the server saw, as the app's own handler read it. */
interface Seen {
  id: string | null;
  correlation: string | null;
  traceparent: string | null;
  /** getRequestId() inside the handler. */
  inside: string;
}

/** Checks one request's response head and lines against what the server saw. */
/** How often each branch ran, so a property that never reaches one fails instead of passing. */
const branches = new Map<string, number>();
function hit(branch: string): void {
  branches.set(branch, (branches.get(branch) ?? 0) + 1);
}
function assertBranches(...names: string[]): void {
  for (const name of names) assert.ok((branches.get(name) ?? 0) > 0, `never ran: ${name}`);
  branches.clear();
}

function check(
  seen: Seen,
  responseHeaders: [string, string][],
  lines: string[],
): void {
  const responseId = responseHeaders.find(([k]) => k.toLowerCase() === "x-request-id")?.[1];
  assert.ok(responseId !== undefined, "the response has no X-Request-ID");
  assert.equal(lines.length, 3, `three lines (start, handler, finish), got ${lines.length}`);
  const parsed = lines.map((line) => {
    assert.ok(!LINE_BREAK.test(line));
    return JSON.parse(line) as Record<string, unknown>;
  });
  for (const p of parsed) assert.equal(p.request_id, responseId);
  assert.equal(seen.inside, responseId);
  if (acceptedId(seen.id)) {
    hit("id kept");
    assert.equal(responseId, seen.id);
  } else {
    hit("id replaced");
    assert.match(responseId, UUID);
  }

  const correlations = new Set(parsed.map((p) => p.correlation_id));
  assert.equal(correlations.size, 1, "one correlation_id for all the lines of a request");
  const correlation = [...correlations][0];
  if (acceptedId(seen.correlation)) {
    hit("correlation kept");
    assert.equal(correlation, seen.correlation);
  } else if (correlation !== undefined) assert.ok(acceptedId(correlation as string));
  const outCorrelation = responseHeaders.find(([k]) => k.toLowerCase() === "x-correlation-id");
  if (outCorrelation !== undefined) assert.equal(outCorrelation[1], correlation);

  const traces = new Set(parsed.map((p) => p.trace_id));
  assert.equal(traces.size, 1, "one trace_id for all the lines of a request");
  const trace = acceptedTraceparent(seen.traceparent);
  if (trace !== undefined) {
    hit("traceparent kept");
    assert.equal(parsed[0].trace_id, trace.traceId);
    assert.equal(parsed[0].parent_span_id, trace.parentId);
  } else if (parsed[0].trace_id !== undefined) {
    assert.match(String(parsed[0].trace_id), /^[0-9a-f]{32}$/);
    assert.equal(parsed[0].parent_span_id, undefined);
  }

  // A rejected value goes nowhere raw: not into a response header, not into a line.
  const rejected = [
    acceptedId(seen.id) ? null : seen.id,
    acceptedId(seen.correlation) ? null : seen.correlation,
    trace !== undefined ? null : seen.traceparent,
  ];
  for (const raw of rejected) {
    if (raw === null || raw.length < 6 || SAFE.test(raw)) continue;
    for (const [name, value] of responseHeaders) {
      assert.ok(!value.includes(raw), `${name} carries a rejected value`);
    }
    for (const line of lines) assert.ok(!line.includes(raw), "a line carries a rejected value");
    hit("raw checked");
  }
}

/** A server whose handler records what it saw, keyed by a probe header. */
function startServer() {
  const seen = new Map<string, Seen>();
  const lines: string[] = [];
  configureLogging({ sink: (line) => lines.push(line) });
  const handler = withRequestContext((req: Request) => {
    log.info("inside");
    seen.set(req.headers.get("x-probe") ?? "", {
      id: req.headers.get("x-request-id"),
      correlation: req.headers.get("x-correlation-id"),
      traceparent: req.headers.get("traceparent"),
      inside: getRequestId(),
    });
    return new Response("ok");
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  return {
    port: server.addr.port,
    seen,
    lines,
    async close() {
      await server.shutdown();
      configureLogging({});
    },
  };
}

Deno.test("withRequestContext property: hostile ids sent by fetch to a real Deno.serve are kept exactly or replaced, never echoed raw", async () => {
  const srv = startServer();
  let probe = 0;
  try {
    await fc.assert(
      fc.asyncProperty(
        sent.filter((s) => [...s.ids, ...s.correlation, ...s.traceparent].every(sendable)),
        async (s) => {
          const key = String(++probe);
          srv.lines.length = 0;
          const headers = headersOf(s);
          headers.set("x-probe", key);
          const res = await fetch(`http://127.0.0.1:${srv.port}/p?secret=1`, { headers });
          assert.equal(await res.text(), "ok");
          assert.equal(res.status, 200);
          assert.equal(getRequestId(), "-");
          check(srv.seen.get(key)!, [...res.headers], srv.lines);
        },
      ),
      params(150),
    );
    assertBranches("id kept", "id replaced", "correlation kept", "traceparent kept", "raw checked");
  } finally {
    await srv.close();
  }
});

/** Sends one raw HTTP/1.1 request and returns the status, the header lines and the raw head. */
async function rawRequest(
  port: number,
  head: Uint8Array,
): Promise<{ status: number; headers: [string, string][]; text: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(head);
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(16384);
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
    const all = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    const text = new TextDecoder("latin1").decode(all);
    const headEnd = text.indexOf("\r\n\r\n");
    const headLines = text.slice(0, headEnd < 0 ? text.length : headEnd).split("\r\n");
    const status = Number(headLines[0].split(" ")[1]);
    const headers = headLines.slice(1).map((l): [string, string] => {
      const colon = l.indexOf(":");
      return [l.slice(0, colon), l.slice(colon + 1).trim()];
    });
    return { status, headers, text };
  } finally {
    conn.close();
  }
}

Deno.test("withRequestContext property: raw header bytes fetch refuses (NUL, DEL, Latin-1, UTF-8) through a TCP socket are kept or replaced", async () => {
  const srv = startServer();
  let probe = 0;
  const bytes = fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 300 }),
    fc.string({ unit: "binary", minLength: 1 }).map((s) => new TextEncoder().encode(s)),
  ).map((b) => b.filter((x) => x !== 0x0d && x !== 0x0a));
  const enc = new TextEncoder();
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("X-Request-ID", "X-Correlation-ID", "traceparent"),
        bytes,
        async (name, value) => {
          const key = String(++probe);
          srv.lines.length = 0;
          srv.seen.delete(key);
          const before = enc.encode(`GET /raw HTTP/1.1\r\nHost: x\r\nX-Probe: ${key}\r\n${name}: `);
          const after = enc.encode("\r\nConnection: close\r\n\r\n");
          const head = new Uint8Array(before.length + value.length + after.length);
          head.set(before);
          head.set(value, before.length);
          head.set(after, before.length + value.length);
          const res = await rawRequest(srv.port, head);
          const seen = srv.seen.get(key);
          if (seen === undefined) {
            // The HTTP stack refused the request before any handler ran (a 400 for NUL, say).
            assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}`);
            assert.equal(srv.lines.length, 0);
            hit("refused by the HTTP stack");
            return;
          }
          assert.equal(res.status, 200);
          check(seen, res.headers, srv.lines);
          const raw = new TextDecoder("latin1").decode(value);
          const accepted = name === "traceparent"
            ? acceptedTraceparent(raw) !== undefined
            : acceptedId(raw);
          if (!accepted && raw.length >= 6 && !SAFE.test(raw.trim())) {
            assert.ok(!res.text.includes(raw), "the response carries the raw bytes");
          }
        },
      ),
      params(120),
    );
    assertBranches("refused by the HTTP stack", "id replaced", "raw checked");
  } finally {
    await srv.close();
  }
});

Deno.test("withRequestContext property: the Hono middleware keeps or replaces hostile ids the same way", async () => {
  const lines: string[] = [];
  configureLogging({ sink: (line) => lines.push(line) });
  let seen: Seen | undefined;
  const app = new Hono();
  app.use(requestContext());
  app.get("/p", (c) => {
    log.info("inside");
    seen = {
      id: c.req.header("x-request-id") ?? null,
      correlation: c.req.header("x-correlation-id") ?? null,
      traceparent: c.req.header("traceparent") ?? null,
      inside: getRequestId(),
    };
    return c.text("ok");
  });
  try {
    await fc.assert(
      fc.asyncProperty(
        sent.filter((s) => [...s.ids, ...s.correlation, ...s.traceparent].every(sendable)),
        async (s) => {
          lines.length = 0;
          seen = undefined;
          const res = await app.request("/p?token=x", { headers: headersOf(s) });
          assert.equal(await res.text(), "ok");
          assert.equal(getRequestId(), "-");
          check(seen!, [...res.headers], lines);
        },
      ),
      params(200),
    );
    assertBranches("id kept", "id replaced", "correlation kept", "traceparent kept", "raw checked");
  } finally {
    configureLogging({});
  }
});

Deno.test("many repeated X-Request-ID headers are joined by the HTTP stack and so replaced", async () => {
  const srv = startServer();
  try {
    const headers = new Headers();
    for (let i = 0; i < 200; i++) headers.append("X-Request-ID", "same-id");
    headers.set("x-probe", "rep");
    const res = await fetch(`http://127.0.0.1:${srv.port}/`, { headers });
    await res.body?.cancel();
    const seen = srv.seen.get("rep")!;
    assert.ok(seen.id!.startsWith("same-id, same-id"));
    check(seen, [...res.headers], srv.lines);
    assert.match(res.headers.get("x-request-id")!, UUID);
  } finally {
    await srv.close();
  }
});
