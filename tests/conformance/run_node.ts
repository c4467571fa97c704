/**
 * Conformance on Node: the app served through `@hono/node-server` on 127.0.0.1.
 *
 * `tsx tests/conformance/run_node.ts`
 *
 * @module
 */
import { serve } from "@hono/node-server";
import process from "node:process";
import { fetchHandler, honoApp } from "./apps.ts";
import { runConformance } from "./serve.ts";

const code = await runConformance("node", (adapter) => {
  const handler = adapter === "fetch" ? fetchHandler : honoApp.fetch;
  return new Promise((resolve) => {
    const server = serve({ fetch: handler, hostname: "127.0.0.1", port: 0 }, (info) =>
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      }));
  });
});
process.exit(code);
