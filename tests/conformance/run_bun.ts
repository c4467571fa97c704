/**
 * Conformance on Bun: the app served by `Bun.serve` on 127.0.0.1.
 *
 * `bun tests/conformance/run_bun.ts`
 *
 * @module
 */
import { fetchHandler, honoApp } from "./apps.ts";
import { runConformance } from "./serve.ts";

/** The part of Bun's API this entry uses. */
declare const Bun: {
  serve(options: {
    hostname: string;
    port: number;
    fetch: (request: Request, server: unknown) => Response | Promise<Response>;
  }): { port: number; stop(closeActive?: boolean): Promise<void> };
};

const code = await runConformance("bun", (adapter) => {
  const handler = adapter === "fetch" ? fetchHandler : honoApp.fetch;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req, srv) => handler(req, srv),
  });
  return Promise.resolve({
    url: `http://127.0.0.1:${server.port}`,
    close: () => server.stop(true),
  });
});
(globalThis as unknown as { process: { exit(code: number): never } }).process.exit(code);
