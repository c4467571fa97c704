// Hostile values against JSON.stringify of the same value (`deno bench`): the work of one call is
// bounded by the line, not by the value. A 10 MB string of U+2028 (escaped by this module, left
// raw by JSON.stringify), an object holding it, and a graph of shared references, 10 levels of
// width 4 (1,048,576 paths; JSON.stringify walks each one) and width 12 (JSON.stringify runs out
// of memory: only this module's case runs).
// deno bench --allow-env bench/hostile_bench.ts
import { configureLogging, getLogger } from "../mod.ts";

configureLogging({ level: "INFO", sink: () => {} });
const log = getLogger("bench");

const separators = "\u2028".repeat(10_000_000);
const holder = { body: { text: separators, list: [separators, "x".repeat(1_000_000)] } };

/** `depth` levels, each an object of `width` keys all holding the same next level. */
function dag(width: number, depth: number): unknown {
  let node: unknown = { leaf: true };
  for (let d = 0; d < depth; d++) {
    const next = node;
    node = Object.fromEntries(Array.from({ length: width }, (_, i) => [`k${i}`, next]));
  }
  return node;
}
const dag4 = dag(4, 10);
const dag12 = dag(12, 10);

const cases: [string, unknown, boolean][] = [
  ["10 MB string of U+2028", separators, true],
  ["object holding 21 MB of strings", holder, true],
  ["shared-reference graph, width 4, depth 10", dag4, true],
  ["shared-reference graph, width 12, depth 10", dag12, false],
];
for (const [group, value, stringify] of cases) {
  Deno.bench({
    name: "this module: log.info(message, { value })",
    group,
    baseline: true,
    fn: () => log.info("hostile", { value }),
  });
  if (stringify) {
    Deno.bench({ name: "JSON.stringify(value)", group, fn: () => void JSON.stringify(value) });
  }
}
Deno.bench({
  name: "this module: the 10 MB string as the message",
  group: "10 MB string of U+2028",
  fn: () => log.info(separators),
});
