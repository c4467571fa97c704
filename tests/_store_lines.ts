// Real lines of a real server, in one preset: the request (finish) line, an application line with
// fields and an error line with a stack, from a real Deno.serve on 127.0.0.1. Shared by the preset
// tests and the real-store test (tests/store.test.ts).
import { configureLogging, getLogger, type Preset, withRequestContext } from "../mod.ts";
import { parseStrict } from "./_strict_json.ts";

export const SERVICE = { name: "runs-api", version: "1.4.0", environment: "production" };
/** The trace the client sends, sampled. */
export const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
export const PARENT_ID = "00f067aa0ba902b7";
export const TRACEPARENT = `00-${TRACE_ID}-${PARENT_ID}-01`;
export const GCP_PROJECT = "runs-project";

/** The lines of the requests, raw and parsed, by kind. */
export interface StoreLines {
  raw: string[];
  /** `GET /runs/42`: the application line and the request (finish) line, one request id. */
  app: Record<string, unknown>;
  request: Record<string, unknown>;
  /** `GET /boom`: the error line with the stack, and the finish line of that request. */
  error: Record<string, unknown>;
  failed: Record<string, unknown>;
}

/** Serves two requests in `preset` and returns their lines. */
export async function storeLines(preset: Preset): Promise<StoreLines> {
  const raw: string[] = [];
  configureLogging({
    preset,
    service: SERVICE,
    gcpProjectId: GCP_PROJECT,
    sink: (line) => raw.push(line),
  });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    withRequestContext((request) => {
      if (new URL(request.url).pathname === "/boom") {
        throw new TypeError("run 42 has no owner", { cause: new RangeError("owner index -1") });
      }
      getLogger("runs").info("Creating run", { user_id: "u-7", attempt: 2, dry_run: false });
      return new Response("created", { status: 201 });
    }, { accessLog: "finish" }),
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    for (const path of ["/runs/42?token=secret", "/boom"]) {
      await (await fetch(`${base}${path}`, { headers: { traceparent: TRACEPARENT } })).text();
    }
  } finally {
    await server.shutdown();
    configureLogging({});
  }
  if (raw.length !== 4) throw new Error(`expected 4 lines, got ${raw.length}: ${raw.join("\n")}`);
  const [app, request, error, failed] = raw.map(parseStrict);
  return { raw, app, request, error, failed };
}
