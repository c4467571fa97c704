// Intake of Google's X-Cloud-Trace-Context (`TRACE_ID/SPAN_ID;o=1`, the span id in decimal), sent
// by Google Cloud's load balancers and Cloud Run, when no valid traceparent came: the request
// continues that trace as a child of that span. Through a real Deno.serve on 127.0.0.1.
import { strictEqual } from "node:assert";
import fc from "fast-check";
import { configureLogging, getLogger, type LogLevel, withRequestContext } from "../mod.ts";
import { parseStrict } from "./_strict_json.ts";

type Line = Record<string, unknown>;

/** A server whose handler writes one line; `send` returns the lines of one request. */
async function withServer(
  trustIncoming: boolean,
  fn: (send: (headers: Record<string, string>) => Promise<Line[]>) => Promise<void>,
): Promise<void> {
  const raw: string[] = [];
  configureLogging({ level: "INFO" as LogLevel, sink: (l) => raw.push(l) });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    withRequestContext(() => {
      getLogger("app").info("handled");
      return new Response("ok");
    }, { trustIncoming, logRequests: false }),
  );
  const url = `http://127.0.0.1:${server.addr.port}/`;
  try {
    await fn(async (headers) => {
      raw.length = 0;
      await (await fetch(url, { headers })).text();
      return raw.map(parseStrict);
    });
  } finally {
    await server.shutdown();
    configureLogging({});
  }
}

const TRACE = "105445aa7843bc8bf206b12000100000";

Deno.test("withRequestContext X-Cloud-Trace-Context: the trace continues, the decimal span id is the parent (16 hex digits), o=1 is sampled", async () => {
  await withServer(true, async (send) => {
    const [line] = await send({ "X-Cloud-Trace-Context": `${TRACE}/1234567890123456789;o=1` });
    strictEqual(line.trace_id, TRACE);
    strictEqual(line.parent_span_id, 1234567890123456789n.toString(16).padStart(16, "0"));
    strictEqual(line.trace_flags, "01");
    strictEqual(typeof line.span_id, "string");
    strictEqual((line.span_id as string).length, 16);

    const [unsampled] = await send({ "X-Cloud-Trace-Context": `${TRACE.toUpperCase()}/1;o=0` });
    strictEqual(unsampled.trace_id, TRACE, "upper-case hex is the same id, written lower-case");
    strictEqual(unsampled.parent_span_id, "0000000000000001");
    strictEqual(unsampled.trace_flags, "00");

    const [noOptions] = await send({ "X-Cloud-Trace-Context": `${TRACE}/18446744073709551615` });
    strictEqual(noOptions.parent_span_id, "ffffffffffffffff");
    strictEqual(noOptions.trace_flags, "00");
  });
});

Deno.test("withRequestContext X-Cloud-Trace-Context: a valid traceparent wins; with trustIncoming off it is ignored", async () => {
  const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  await withServer(true, async (send) => {
    const [line] = await send({ traceparent, "X-Cloud-Trace-Context": `${TRACE}/1;o=1` });
    strictEqual(line.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    strictEqual(line.parent_span_id, "00f067aa0ba902b7");
    // An invalid traceparent is no traceparent: the Google header is taken.
    const [fallback] = await send({
      traceparent: "garbage",
      "X-Cloud-Trace-Context": `${TRACE}/7`,
    });
    strictEqual(fallback.trace_id, TRACE);
    strictEqual(fallback.parent_span_id, "0000000000000007");
  });
  await withServer(false, async (send) => {
    const [line] = await send({ "X-Cloud-Trace-Context": `${TRACE}/1;o=1` });
    strictEqual(line.trace_id === TRACE, false);
    strictEqual("parent_span_id" in line, false);
  });
});

Deno.test("withRequestContext X-Cloud-Trace-Context: invalid values start a new trace and appear nowhere in the line", async () => {
  const bad = [
    `${"0".repeat(32)}/1;o=1`, // the all-zero trace id
    `${TRACE}/0;o=1`, // the zero span id
    `${TRACE}/18446744073709551616;o=1`, // 2^64: past 64 bits
    `${TRACE}/-1`,
    `${TRACE}/1;o=2`,
    `${TRACE}/1;o=1;x`,
    `${TRACE.slice(1)}/1`,
    `${TRACE}0/1`,
    `${TRACE}`,
    `${TRACE}/`,
    `${TRACE}/1;o=1 x`,
    `${TRACE}/0x1f`,
    `${TRACE}/1${"1".repeat(300)}`,
    `g${TRACE.slice(1)}/1`,
  ];
  await withServer(true, async (send) => {
    for (const value of bad) {
      const [line] = await send({ "X-Cloud-Trace-Context": value });
      const text = JSON.stringify(line);
      strictEqual(line.trace_id === TRACE, false, value);
      strictEqual("parent_span_id" in line, false, value);
      strictEqual(text.includes(TRACE.slice(0, 12)), false, `nothing of ${value} in ${text}`);
    }
  });
});

Deno.test("property: X-Cloud-Trace-Context of any valid ids round-trips to the W3C form; any other text starts a new trace", async () => {
  const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
  await withServer(true, async (send) => {
    await fc.assert(
      fc.asyncProperty(
        hex(32).filter((t) => /[1-9a-f]/.test(t)),
        fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }),
        fc.constantFrom("", ";o=0", ";o=1"),
        async (trace, span, options) => {
          const [line] = await send({ "X-Cloud-Trace-Context": `${trace}/${span}${options}` });
          strictEqual(line.trace_id, trace);
          strictEqual(line.parent_span_id, span.toString(16).padStart(16, "0"));
          strictEqual(line.trace_flags, options === ";o=1" ? "01" : "00");
        },
      ),
      { numRuns: 60 },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 80 }), async (value) => {
        let header: string;
        try {
          header = new Headers({ v: value }).get("v")!;
        } catch {
          return; // not a header value fetch can send
        }
        if (/^[0-9a-fA-F]{32}\/\d+(;o=[01])?$/.test(header)) return;
        const [line] = await send({ "X-Cloud-Trace-Context": value });
        strictEqual("parent_span_id" in line, false, JSON.stringify(value));
      }),
      { numRuns: 60 },
    );
  });
});
