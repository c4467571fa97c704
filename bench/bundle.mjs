// Edge cost: the root export plus ./hono bundled by esbuild, minified and gzipped (target: at
// most 5 KB), and how long importing that bundle takes in a fresh Node and Deno process.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const smoke = process.env.BENCH_SMOKE === "1";
const runs = smoke ? 1 : 15;

/** `contents` bundled for the edge: minified ESM, node: built-ins left to the runtime. */
async function bundle(contents) {
  const built = await esbuild.build({
    stdin: { contents, resolveDir: root, loader: "ts" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    external: ["node:*"],
    write: false,
    metafile: true,
  });
  lastInputs = Object.values(built.metafile.outputs)[0].inputs;
  return built.outputFiles[0].contents;
}
let lastInputs = {};

const code = await bundle('export * from "./mod.ts";\nexport * from "./middleware/hono.ts";\n');
/** Minified bytes each source file adds to the bundle, largest first. */
const files = Object.entries(lastInputs)
  .map(([file, { bytesInOutput }]) => ({ file, bytes: bytesInOutput }))
  .filter((f) => f.bytes > 0)
  .sort((a, b) => b.bytes - a.bytes);
// What a typical Worker ships: the Fetch wrapper and a logger, tree-shaken.
const worker = await bundle(
  'import { getLogger, withRequestContext } from "./mod.ts";\n' +
    'const log = getLogger("app");\n' +
    'export default { fetch: withRequestContext(() => { log.info("hi"); return new Response("ok"); }) };\n',
);
for (
  const input of Object.keys(
    (await esbuild.build({
      stdin: { contents: 'export * from "./mod.ts";', resolveDir: root, loader: "ts" },
      bundle: true,
      format: "esm",
      platform: "neutral",
      external: ["node:*"],
      write: false,
      metafile: true,
    })).metafile.inputs,
  )
) {
  if (/hono|pino|logtape/.test(input)) throw new Error(`the root export bundles ${input}`);
}
const gzipped = gzipSync(code, { level: 9 }).length;
const dir = join(root, ".tmp", "bench");
mkdirSync(dir, { recursive: true });
const file = join(dir, "bundle.mjs");
writeFileSync(file, code);

const probe = `const t = performance.now(); await import(${
  JSON.stringify(pathToFileURL(file).href)
}); console.log(performance.now() - t);`;
const probeFile = join(dir, "probe.mjs");
writeFileSync(probeFile, probe);

function importMs(command, args) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(command, args, {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    const ms = Number(r.stdout.trim());
    if (r.status !== 0 || !Number.isFinite(ms)) throw new Error(`import failed: ${r.stderr}`);
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

// Deno from PATH: npx puts the pinned one there (.ci/matrix.mjs); node_modules holds no deno.
const deno = "deno";
const results = [
  { name: "minified bytes", value: code.length },
  { name: "gzipped bytes", value: gzipped },
  { name: "worker (wrapper + logger) gzipped bytes", value: gzipSync(worker, { level: 9 }).length },
  { name: `import ms, node ${process.version}`, value: importMs(process.execPath, [probeFile]) },
  { name: "import ms, deno", value: importMs(deno, ["run", `--allow-read=${dir}`, probeFile]) },
];
console.log(`\nbundle (esbuild ${esbuild.version}, root export + ./hono, minified)`);
for (const r of results) console.log(`  ${r.name.padEnd(32)} ${r.value.toFixed?.(2) ?? r.value}`);
console.log(
  `BENCH-RESULT ${
    JSON.stringify({ suite: "bundle", runtime: `esbuild ${esbuild.version}`, results, runs, files })
  }`,
);
