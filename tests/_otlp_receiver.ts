// Test helper: an OTLP/HTTP receiver on 127.0.0.1 (a real Deno.serve) that records each
// request and answers from a script of statuses (then 200), so that tests can make it fail
// on purpose.

/** One request the receiver took. */
export interface Received {
  path: string;
  headers: Headers;
  /** The parsed JSON body. */
  body: Record<string, unknown>;
  /** `Date.now()` when it arrived. */
  at: number;
}

/** A scripted answer: a status, with an optional `Retry-After`. */
export interface Answer {
  status: number;
  retryAfter?: string;
}

/** A running receiver. */
export interface Receiver {
  url: string;
  received: Received[];
  /** Answers for the next requests, in order; 200 once they are used up. */
  answers: Answer[];
  /** Resolves once `n` requests have arrived (or rejects after `ms`). */
  waitFor(n: number, ms?: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1 on a free port. */
export function startReceiver(answers: Answer[] = []): Receiver {
  const received: Received[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const receiver: Receiver = {
    url: "",
    received,
    answers,
    async waitFor(n: number, ms = 10_000): Promise<void> {
      if (received.length >= n) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        new Promise<void>((resolve) => waiters.push({ n, resolve })),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`${received.length} of ${n} requests after ${ms} ms`)),
            ms,
          );
        }),
      ]).finally(() => clearTimeout(timer));
    },
    close: () => server.shutdown(),
  };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      const text = await request.text();
      received.push({
        path: new URL(request.url).pathname,
        headers: request.headers,
        body: JSON.parse(text),
        at: Date.now(),
      });
      for (const w of waiters.filter((w) => received.length >= w.n)) w.resolve();
      const answer = receiver.answers.shift() ?? { status: 200 };
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (answer.retryAfter !== undefined) headers["retry-after"] = answer.retryAfter;
      return new Response("{}", { status: answer.status, headers });
    },
  );
  receiver.url = `http://127.0.0.1:${server.addr.port}`;
  return receiver;
}

/** The log records of a request body, flattened, with their resource and scope. */
export function recordsOf(body: Record<string, unknown>): {
  resource: Record<string, unknown>;
  scope: string;
  record: Record<string, unknown>;
}[] {
  const out = [];
  // deno-lint-ignore no-explicit-any
  for (const rl of (body.resourceLogs as any[]) ?? []) {
    for (const sl of rl.scopeLogs ?? []) {
      for (const record of sl.logRecords ?? []) {
        out.push({ resource: rl.resource, scope: sl.scope?.name, record });
      }
    }
  }
  return out;
}
