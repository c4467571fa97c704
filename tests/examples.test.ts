import assert from "node:assert/strict";
import { handler, pending } from "../examples/app.ts";
import { app } from "../examples/hono_app.ts";
import { capture, serve } from "./_helpers.ts";

Deno.test("examples/app.ts: a run, its background job, an error and a 404 on a real server", async () => {
  using cap = capture();
  await using srv = serve(handler);
  const created = await fetch(`${srv.url}/runs/create`, { method: "POST" });
  assert.equal(created.status, 201);
  const id = created.headers.get("x-request-id")!;
  const { run_id } = await created.json();
  await Promise.all(pending);
  const failed = await fetch(`${srv.url}/fail`);
  assert.equal(failed.status, 500);
  await failed.body?.cancel();
  const missing = await fetch(`${srv.url}/nope`);
  assert.equal(missing.status, 404);
  await missing.body?.cancel();

  const lines = cap.lines();
  const own = lines.filter((l) => l.request_id === id);
  assert.deepEqual(own.map((l) => l.message), [
    "POST /runs/create",
    "Creating run",
    "Run created successfully",
    "POST /runs/create - 201",
  ]);
  assert.equal(own.at(-1)!.user_id, "abc123");
  const job = lines.find((l) => l.message === "Email sent")!;
  assert.notEqual(job.request_id, id, "the background job has an id of its own");
  assert.equal(job.started_by, id);
  assert.equal(job.run_id, run_id);
  assert.equal(lines.filter((l) => l.error !== undefined).length, 1);
});

Deno.test("examples/hono_app.ts: typed requestId in the body matches the header and the lines", async () => {
  using cap = capture();
  const res = await app.request("/runs/42");
  const body = await res.json();
  assert.equal(body.request_id, res.headers.get("x-request-id"));
  assert.ok(cap.lines().every((l) => l.request_id === body.request_id));
  const failed = await app.request("/fail");
  assert.equal(failed.status, 500);
  assert.equal((await failed.json()).request_id, failed.headers.get("x-request-id"));
});
