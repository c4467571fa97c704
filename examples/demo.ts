/**
 * The demo: serves the example app (`examples/app.ts`) on 127.0.0.1, sends itself a few
 * requests (one fails, one carries a hostile X-Request-ID) and prints their log
 * lines on stdout, then exits. Without a flag the format follows where the lines go, as
 * the module's default does: pretty on a terminal, JSON lines when piped or redirected
 * (`deno task demo > app.log`), unless LOG_FORMAT says otherwise.
 *
 *   deno task demo              # pretty on a terminal, else JSON lines
 *   deno task demo --json       # JSON lines, one object per line
 *   deno task demo --logfmt     # the same lines as logfmt
 *   deno task demo --pretty     # the same lines for people (colours on a terminal)
 *   deno task demo --serve      # keep serving on 127.0.0.1:8000 afterwards
 *
 * @module
 */
import { configureLogging } from "../mod.ts";
import { handler, pending } from "./app.ts";

const args = new Set(Deno.args);
configureLogging({
  // No flag: undefined, so LOG_FORMAT or the terminal decides.
  format: args.has("--logfmt")
    ? "logfmt"
    : args.has("--pretty")
    ? "pretty"
    : args.has("--json")
    ? "json"
    : undefined,
  service: { name: "runs-api", version: "0.1.0", environment: "demo" },
});

const keep = args.has("--serve");
const server = Deno.serve({ hostname: "127.0.0.1", port: keep ? 8000 : 0, onListen() {} }, handler);
const base = `http://127.0.0.1:${server.addr.port}`;

const requests: [string, RequestInit?][] = [
  ["/runs/create", {
    method: "POST",
    headers: { "X-Request-ID": "550e8400-e29b-41d4-a716-446655440000" },
  }],
  ["/fail"],
  ["/missing", { headers: { "X-Request-ID": "evil\tid; rm -rf /" } }],
];
for (const [path, init] of requests) {
  console.error(`\n# ${init?.method ?? "GET"} ${path}`);
  const res = await fetch(base + path, init);
  await res.body?.cancel();
  console.error(`# -> ${res.status}, X-Request-ID: ${res.headers.get("x-request-id")}`);
}
await Promise.all(pending);

if (keep) {
  console.error(`\n# serving on ${base} (Ctrl-C to stop)`);
} else {
  await server.shutdown();
}
