// Runtime detection has one home, src/_runtime.ts: no other module file reads the `Deno`,
// `process` or `navigator` globals (or `globalThis`) itself, and `DenoLike` is declared once.
// The CLI (cli/) is a Deno program and is not part of this rule.
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { denoRuntime, nodeProcess, onWorkers, readEnv } from "../src/_runtime.ts";

const ROOT = new URL("../", import.meta.url);

/** The module's source files, comments and strings left out, by path. */
async function sources(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const dir of ["src", "middleware", "integrations"]) {
    for await (const e of Deno.readDir(new URL(`${dir}/`, ROOT))) {
      if (!e.isFile || !e.name.endsWith(".ts")) continue;
      const text = await Deno.readTextFile(new URL(`${dir}/${e.name}`, ROOT));
      const code = text
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/^\s*\/\/.*$/gm, "")
        .replace(/"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g, '""');
      out.set(`${dir}/${e.name}`, code);
    }
  }
  return out;
}

Deno.test("_runtime.ts: the only module file that reads Deno, process, navigator or globalThis", async () => {
  const readers: string[] = [];
  for (const [path, code] of await sources()) {
    if (path === "src/_runtime.ts") continue;
    if (/\bglobalThis\b|\bDeno\.|\bnavigator\b|(?<![.\w])process\./.test(code)) readers.push(path);
  }
  deepStrictEqual(readers, []);
});

Deno.test("_runtime.ts: DenoLike and ProcessLike are declared once", async () => {
  const decls: string[] = [];
  for (const [path, code] of await sources()) {
    for (const m of code.matchAll(/^(?:export )?(?:interface|type) (DenoLike|ProcessLike)\b/gm)) {
      decls.push(`${path}: ${m[1]}`);
    }
  }
  deepStrictEqual(decls.sort(), ["src/_runtime.ts: DenoLike", "src/_runtime.ts: ProcessLike"]);
});

Deno.test("_runtime.ts: on Deno, Deno is the runtime, env reads need the permission, Workers is not detected", () => {
  strictEqual(denoRuntime(), Deno);
  ok(nodeProcess() !== undefined); // Deno 2 has a process global too: Deno is asked first
  strictEqual(onWorkers(), false);
  const granted = Deno.permissions.querySync({ name: "env", variable: "HOME" }).state === "granted";
  strictEqual(readEnv("HOME"), granted ? Deno.env.get("HOME") : undefined);
});

Deno.test({
  name: "unrefTimeout: a pending timer does not keep the process alive",
  ignore: Deno.permissions.querySync({ name: "run" }).state !== "granted",
  async fn() {
    const url = new URL("src/_runtime.ts", ROOT).href;
    const code = `import { unrefTimeout } from "${url}";
      unrefTimeout(() => console.log("fired"), 60_000);
      console.log("end");`;
    const started = performance.now();
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--quiet", code],
      stdout: "piped",
      stderr: "piped",
    }).output();
    strictEqual(out.code, 0, new TextDecoder().decode(out.stderr));
    strictEqual(new TextDecoder().decode(out.stdout), "end\n");
    ok(performance.now() - started < 30_000);
  },
});
