/**
 * The isolation case: many concurrent requests, each awaiting random delays on
 * the server, must never see or log each other's context.
 *
 * @module
 */
import assert from "node:assert/strict";
import { get, newId, rawLinesContaining } from "./client.ts";
import type { Case } from "./runner.ts";

/** How many requests are in flight at once. */
export const CONCURRENT_REQUESTS = 500;

/**
 * 500 `/ctx` requests, all in flight together on the server (it holds each one
 * until all have arrived), then random awaits; every id read and logged must
 * be the request's own.
 */
export const isolationCase: Case = {
  name: `isolation under ${CONCURRENT_REQUESTS} concurrent requests with random awaits`,
  async run(t) {
    await (await get(t, "/__info?reset")).text();
    const run = newId("iso");
    const ids = Array.from({ length: CONCURRENT_REQUESTS }, (_, i) => `${run}-${i}`);
    const results = await Promise.all(ids.map(async (id) => {
      const res = await get(t, "/ctx", id, { "x-gate": String(CONCURRENT_REQUESTS) });
      return { id, header: res.headers.get("X-Request-ID"), body: await res.json() };
    }));
    for (const { id, header, body } of results) {
      assert.equal(header, id);
      assert.equal(body.seen.length, 7);
      assert.deepEqual(body.seen, Array(7).fill(id), `request ${id} saw ${body.seen}`);
    }
    const lines = (await rawLinesContaining(t, run)).map((l) => JSON.parse(l));
    const perId = new Map<string, number>();
    for (const line of lines) {
      if (line.message === "ctx step") assert.equal(line.request_id, line.expect);
      perId.set(line.request_id, (perId.get(line.request_id) ?? 0) + 1);
    }
    for (const id of ids) assert.equal(perId.get(id), 5, `lines of ${id}`);
    assert.equal(perId.size, CONCURRENT_REQUESTS);
    const { maxInFlight } = await (await get(t, "/__info")).json();
    assert.equal(maxInFlight, CONCURRENT_REQUESTS, "requests in flight together on the server");
  },
};
