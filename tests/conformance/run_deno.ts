/**
 * Conformance on Deno: the app served by `Deno.serve` on 127.0.0.1.
 *
 * `deno run --allow-net=127.0.0.1 --allow-env tests/conformance/run_deno.ts`
 *
 * @module
 */
import { fetchHandler, honoApp } from "./apps.ts";
import { runConformance } from "./serve.ts";

const code = await runConformance("deno", (adapter) => {
  const handler = adapter === "fetch" ? fetchHandler : honoApp.fetch;
  return new Promise((resolve) => {
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: ({ port }) =>
        resolve({ url: `http://127.0.0.1:${port}`, close: () => server.shutdown() }),
    }, (request, info) => handler(request, info));
  });
});
Deno.exit(code);
