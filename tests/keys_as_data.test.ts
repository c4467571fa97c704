// Keys are data everywhere: the property of tests/_keys_as_data.ts, in this Deno
// process and in a real Node process (where `__proto__` assigned as a key sets a
// prototype; Deno keeps it as data). Seeds and run counts: see _fuzz.ts.
import assert from "node:assert/strict";
import { params } from "./_fuzz.ts";
import { keysAreData } from "./_keys_as_data.ts";

const canRun = Deno.permissions.querySync({ name: "run" }).state === "granted";
const RUNS = params(150).numRuns!;
const SEED = params(0).seed!;

Deno.test("getLogger property: keys named like Object.prototype members, __proto__ included, are data (Deno)", async () => {
  await keysAreData(RUNS, SEED);
});

Deno.test({
  name:
    "getLogger property: keys named like Object.prototype members, __proto__ included, are data (Node)",
  ignore: !canRun,
  async fn() {
    const root = new URL("..", import.meta.url).pathname;
    const out = await new Deno.Command("node", {
      args: [
        `${root}node_modules/tsx/dist/cli.mjs`,
        `${root}tests/fixtures/keys_as_data_node.ts`,
        String(RUNS),
        String(SEED),
      ],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, text);
    assert.match(text, /KEYS-AS-DATA ok/);
  },
});
