// The server of the HTTP benchmark: `bare`, `module` (withRequestContext, access lines to
// /dev/null through fdSink), `module-finish` (the same, `accessLog: "finish"`: one line per
// request) or `module-quiet` (withRequestContext, logRequests: false). Prints `LISTENING <port>` once it listens on 127.0.0.1.
import { configureLogging, fdSink, withRequestContext } from "../mod.ts";

const mode = Deno.args[0];
const handler = (): Response => new Response("ok");
let serve: (request: Request) => Response | Promise<Response> = handler;
if (mode === "module" || mode === "module-finish" || mode === "module-quiet") {
  configureLogging({ level: "INFO", sink: fdSink("/dev/null") });
  serve = withRequestContext(handler, {
    accessLog: mode === "module" ? "both" : mode === "module-finish" ? "finish" : "none",
  });
} else if (mode !== "bare") {
  throw new Error(`usage: http_server.ts bare|module|module-finish|module-quiet, not ${mode}`);
}
Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: ({ port }) => console.log(`LISTENING ${port}`),
}, serve);
