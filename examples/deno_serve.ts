/**
 * Deno: the example app (`app.ts`) on `Deno.serve`.
 *
 * Run: `deno run --allow-net=127.0.0.1 --allow-env examples/deno_serve.ts`, then
 * `curl -i -X POST localhost:8000/runs/create`.
 *
 * @module
 */
import { handler } from "./app.ts";

Deno.serve({ hostname: "127.0.0.1", port: 8000 }, handler);
