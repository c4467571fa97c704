// Soak: a real server on 127.0.0.1 with the module, a sustained mix of requests
// (good ids, hostile ids, thrown errors, rejections with non-Errors, streaming
// bodies, clients aborting mid-stream), and a sink that counts lines per request
// id. Checks that every response's X-Request-ID matches the request_id of exactly
// its lines, that no line is lost, mixed or extra, and that memory stays flat.
//
//   deno run --allow-net=127.0.0.1 --v8-flags=--expose-gc bench/soak.ts --duration=180
//   deno run --allow-net=127.0.0.1 bench/soak.ts --requests=1000000 --concurrency=64
//
// Flags: --duration=<s> (default 60), --requests=<n> (stop after n, instead of a
// duration), --concurrency=<n> (default 64). Exit code 1 if any check failed.
import {
  bindContext,
  configureLogging,
  getLogger,
  getRequestId,
  withRequestContext,
} from "../mod.ts";

/** What to run. */
export interface SoakOptions {
  /** Stop after this many milliseconds (unless `requests` is set). */
  durationMs?: number;
  /** Stop after this many requests. */
  requests?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Print progress lines. */
  verbose?: boolean;
}

/** What a soak run measured. */
export interface SoakResult {
  requests: number;
  seconds: number;
  perSecond: number;
  kinds: Record<string, number>;
  lines: number;
  /** Responses whose id had not exactly its expected lines when checked. */
  wrongCount: number;
  /** Lines whose fields say they were written in another request's context. */
  mixed: number;
  /** Lines left over for ids no response carried (or counted after their check). */
  extra: number;
  /** Responses with a wrong status, no header, or a body of another request. */
  badResponses: number;
  /** Client-side failures (fetch threw) other than the aborts we caused. */
  clientErrors: number;
  /** Hostile ids that came back in a header or a line. */
  echoed: number;
  /** heapUsed in MB (after GC when --expose-gc) at start, middle and end. */
  heapMB: number[];
}

const log = getLogger("soak");
const encoder = new TextEncoder();
const KINDS = ["ok", "ok", "ok", "ok", "hostile", "throw", "reject", "stream", "abort"] as const;
const HOSTILE = [
  "has spaces",
  'quote"d',
  "x".repeat(300), // longer than the default limit (255)
  "a,b",
  "ümlaut",
  "",
  "tab\there",
  '{"level":"CRITICAL"}',
];

function heapMB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round(Deno.memoryUsage().heapUsed / 1e5) / 10;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the soak and returns its figures; configures logging and restores the defaults after. */
export async function runSoak(options: SoakOptions = {}): Promise<SoakResult> {
  const durationMs = options.durationMs ?? 60_000;
  const limit = options.requests ?? Infinity;
  const concurrency = options.concurrency ?? 64;

  // The sink: a count of lines per request id, and a check that each line's own
  // `seen` field (getRequestId() where the line was written) is its request_id.
  const counts = new Map<string, number>();
  let lines = 0;
  let mixed = 0;
  let echoed = 0;
  configureLogging({
    sink: (line) => {
      lines++;
      const parsed = JSON.parse(line);
      const id = parsed.request_id;
      if (parsed.seen !== undefined && parsed.seen !== id) mixed++;
      if (id === "-" && options.verbose) console.log(`outside a context: ${line}`);
      for (const h of HOSTILE) if (h.length > 3 && line.includes(h)) echoed++;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    },
  });

  const handler = withRequestContext(async (req: Request) => {
    const kind = new URL(req.url).pathname.slice(1);
    await sleep(Math.random() < 0.5 ? 0 : Math.random() * 3);
    if (kind === "throw") throw new Error("soak failure");
    if (kind === "reject") return Promise.reject("a string, not an Error");
    if (kind === "stream" || kind === "abort") {
      let ended = false; // pull may still be running when the client's abort cancels
      const done = bindContext(() => {
        if (!ended) log.info("stream end", { seen: getRequestId() });
        ended = true;
      });
      const id = getRequestId();
      let n = 0;
      return new Response(
        new ReadableStream<Uint8Array>({
          async pull(c) {
            await sleep(1);
            if (n++ < 3) return c.enqueue(encoder.encode(`${id} chunk ${n}\n`));
            done();
            c.close();
          },
          cancel: () => done(),
        }),
      );
    }
    log.info("work", { seen: getRequestId() });
    return new Response(getRequestId());
  });

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  const base = `http://127.0.0.1:${server.addr.port}/`;
  const kinds: Record<string, number> = {};
  let sent = 0;
  let wrongCount = 0;
  let badResponses = 0;
  let clientErrors = 0;
  // Aborted streams, checked 200 ms later (their cancel line may come after the abort).
  const late: { id: string; at: number }[] = [];
  const heap = [heapMB()];
  const start = performance.now();
  const deadline = start + durationMs;
  let nextReport = start + 10_000;
  let middleTaken = false;

  /** Checks the lines of a finished request and forgets its id, so memory stays flat. */
  const settle = (id: string): void => {
    if (counts.get(id) !== 3) {
      wrongCount++;
      if (options.verbose) console.log(`wrong: ${id} has ${counts.get(id) ?? 0} lines`);
    }
    counts.delete(id);
  };

  const one = async (n: number): Promise<void> => {
    const kind = KINDS[n % KINDS.length];
    kinds[kind] = (kinds[kind] ?? 0) + 1;
    const sentId = kind === "hostile" ? HOSTILE[n % HOSTILE.length] : `soak-${n}`;
    const abort = new AbortController();
    let res: Response;
    try {
      res = await fetch(base + kind, { headers: { "X-Request-ID": sentId }, signal: abort.signal });
    } catch {
      clientErrors++;
      return;
    }
    const id = res.headers.get("x-request-id");
    if (id === null) {
      badResponses++;
      await res.body?.cancel();
      return;
    }
    if (kind === "hostile" && id === sentId) echoed++;
    if (kind !== "hostile" && id !== sentId) badResponses++;
    if (kind === "abort") {
      const reader = res.body!.getReader();
      await reader.read().catch(() => {});
      abort.abort();
      await reader.read().catch(() => {});
      late.push({ id, at: performance.now() });
      return;
    }
    const body = await res.text().catch(() => undefined);
    const status = kind === "throw" || kind === "reject" ? 500 : 200;
    if (res.status !== status || body === undefined || !body.includes(id)) badResponses++;
    settle(id);
  };

  const worker = async (): Promise<void> => {
    while (sent < limit && performance.now() < (limit === Infinity ? deadline : Infinity)) {
      await one(sent++);
      const now = performance.now();
      while (late.length > 0 && now - late[0].at > 200) settle(late.shift()!.id);
      if (!middleTaken && (limit === Infinity ? now > start + durationMs / 2 : sent >= limit / 2)) {
        middleTaken = true;
        heap.push(heapMB());
      }
      if (options.verbose && now > nextReport) {
        nextReport = now + 10_000;
        console.log(
          `${Math.round((now - start) / 1000)} s: ${sent} requests, heap ${heapMB()} MB, ` +
            `wrong ${wrongCount}, mixed ${mixed}, bad ${badResponses}`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  await sleep(100); // the cancel lines of the last aborted streams
  for (const { id } of late.splice(0)) settle(id);
  await server.shutdown();
  configureLogging({});
  let extra = 0;
  for (const [id, n] of counts) if (id !== "-") extra += n;
  if (!middleTaken) heap.push(heapMB());
  heap.push(heapMB());
  return {
    requests: sent,
    seconds: Math.round(seconds * 10) / 10,
    perSecond: Math.round(sent / seconds),
    kinds,
    lines,
    wrongCount,
    mixed,
    extra,
    badResponses,
    clientErrors,
    echoed,
    heapMB: heap,
  };
}

/** Whether a run passed every check. */
export function soakPassed(r: SoakResult): boolean {
  return r.wrongCount === 0 && r.mixed === 0 && r.extra === 0 && r.badResponses === 0 &&
    r.clientErrors === 0 && r.echoed === 0 && r.lines === r.requests * 3;
}

if (import.meta.main) {
  const flag = (name: string) =>
    Deno.args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? undefined;
  const result = await runSoak({
    durationMs: Number(flag("duration") ?? 60) * 1000,
    requests: flag("requests") === undefined ? undefined : Number(flag("requests")),
    concurrency: Number(flag("concurrency") ?? 64),
    verbose: true,
  });
  console.log(JSON.stringify(result, null, 2));
  const passed = soakPassed(result);
  console.log(passed ? "soak: PASS" : "soak: FAIL");
  if (!("gc" in globalThis)) console.log("(heap without GC: run with --v8-flags=--expose-gc)");
  if (!passed) Deno.exit(1);
}
