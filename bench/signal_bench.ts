// Issue 12's budget for held lines: a request whose 10 DEBUG lines are held by
// `requestBuffer` and dropped when it succeeds, against the same request whose 10 DEBUG
// lines are below the level (one comparison each). Target: at most 1.5x.
//   deno bench --allow-read --allow-env --allow-sys=hostname bench/signal_bench.ts
// Each iteration serves 10 requests (the Fetch wrapper, called directly, start and finish
// lines to a sink that discards); the configuration changes only when the case does.
import { configureLogging, getLogger, withRequestContext } from "../mod.ts";

const discard = (): void => {};
const log = getLogger("app");
const TARGET = "http://localhost/orders/42";

const handler = withRequestContext((request: Request): Response => {
  for (let i = 0; i < 10; i++) log.debug("step", { i, path: request.url });
  return new Response("ok");
});
const finish = withRequestContext((request: Request): Response => {
  for (let i = 0; i < 10; i++) log.debug("step", { i, path: request.url });
  return new Response("ok");
}, { accessLog: "finish" });

let held: boolean | undefined;
function configure(hold: boolean): void {
  if (held === hold) return;
  held = hold;
  configureLogging({ level: "INFO", sink: discard, requestBuffer: hold ? {} : undefined });
}

async function ten(h: (request: Request) => Promise<Response>): Promise<void> {
  for (let i = 0; i < 10; i++) await h(new Request(TARGET));
}

Deno.bench({
  name: "10 DEBUG lines below the level ×10",
  group: "held",
  baseline: true,
  fn: async () => {
    configure(false);
    await ten(handler);
  },
});

Deno.bench({
  name: "10 DEBUG lines held, request succeeds ×10",
  group: "held",
  fn: async () => {
    configure(true);
    await ten(handler);
  },
});

Deno.bench({
  name: 'accessLog "both" ×10',
  group: "access",
  baseline: true,
  fn: async () => {
    configure(false);
    await ten(handler);
  },
});

Deno.bench({
  name: 'accessLog "finish" ×10',
  group: "access",
  fn: async () => {
    configure(false);
    await ten(finish);
  },
});
