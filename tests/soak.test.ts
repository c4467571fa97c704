// A short run of the soak (bench/soak.ts) in the test pass: a few seconds of mixed
// traffic through a real Deno.serve; every line accounted for, none mixed, none echoed.
// The long run is `deno run --allow-net=127.0.0.1 --v8-flags=--expose-gc bench/soak.ts`.
import assert from "node:assert/strict";
import { runSoak, soakPassed } from "../bench/soak.ts";

Deno.test("withRequestContext: soak, short: mixed traffic for 3 s, every response's lines and only them", async () => {
  const r = await runSoak({ durationMs: 3000, concurrency: 32 });
  assert.ok(r.requests > 500, `only ${r.requests} requests`);
  for (const kind of ["ok", "hostile", "throw", "reject", "stream", "abort"]) {
    assert.ok((r.kinds[kind] ?? 0) > 0, `no ${kind} request`);
  }
  assert.equal(r.lines, r.requests * 3);
  assert.ok(soakPassed(r), JSON.stringify(r));
});
