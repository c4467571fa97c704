// Internal: types `c.get("requestId")` on a plain `new Hono()`, as `hono/request-id`
// does, for every app that imports the middleware. JSR refuses an ambient module in
// a module that is part of a package's public API (`deno publish`:
// unsupported-ambient-module), so the augmentation lives here, in a module with no
// exports that the middleware imports for its types only. The name is the package
// specifier the project maps "hono" to (deno.json), so it resolves the same for
// users whose "hono" is npm's hono; others declare
// `new Hono<{ Variables: RequestContextVariables }>()`.
import type { RequestContextVariables } from "./hono.ts";

declare module "npm:hono@^4" {
  interface ContextVariableMap extends RequestContextVariables {}
}

export {};
