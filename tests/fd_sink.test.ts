import assert from "node:assert/strict";
import { configureLogging, fdSink, getLogger, runWithContext } from "../mod.ts";

// fdSink writes through Deno's file API; the file lives under .tmp/, the one place the test
// task lets the tests write (--allow-write=.tmp).
const DIR = ".tmp";

function tempPath(name: string): string {
  Deno.mkdirSync(DIR, { recursive: true });
  const path = `${DIR}/${name}-${crypto.randomUUID()}.log`;
  return path;
}

Deno.test("fdSink appends each line and a newline to a file before the log call returns", () => {
  const path = tempPath("fd-sink");
  Deno.writeTextFileSync(path, "already there\n");
  const sink = fdSink(path);
  try {
    configureLogging({ sink });
    const log = getLogger("app");
    runWithContext({ requestId: "r-fd" }, () => log.info("first", { n: 1 }));
    // Read back at once: nothing is buffered, so the line is already in the file.
    const after = Deno.readTextFileSync(path).split("\n");
    assert.equal(after[0], "already there");
    const line = JSON.parse(after[1]);
    assert.equal(line.message, "first");
    assert.equal(line.request_id, "r-fd");
    assert.equal(line.n, 1);
    log.warn("second");
    assert.deepEqual(Deno.readTextFileSync(path).split("\n").length, 4); // 3 lines + final ""
  } finally {
    configureLogging({});
    sink.close();
    Deno.removeSync(path);
  }
});

Deno.test("fdSink writes non-ASCII and lines longer than its buffer whole", () => {
  const path = tempPath("fd-sink-long");
  const sink = fdSink(path);
  try {
    const long = "é€😀".repeat(20_000); // 80,000 UTF-16 units, far past the 16 KB buffer
    sink.write("short é");
    sink.write(long);
    sink.write("after");
    assert.deepEqual(Deno.readTextFileSync(path).split("\n"), ["short é", long, "after", ""]);
  } finally {
    sink.close();
    Deno.removeSync(path);
  }
});

Deno.test("fdSink refuses a target it cannot write to with a clear error", () => {
  assert.throws(() => fdSink(7), /takes 1, 2 or a path/);
  assert.throws(
    () => fdSink(`${DIR}/no-such-dir-${crypto.randomUUID()}/x.log`),
    Deno.errors.NotFound,
  );
});
