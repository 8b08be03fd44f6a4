import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRequestQueue } from "./request-queue.ts";

describe("createRequestQueue", () => {
  it("runs up to the concurrency, queues up to the limit in order, refuses the rest", async () => {
    const queue = createRequestQueue({ concurrency: 1, waiting: 2 });
    const signal = new AbortController().signal;
    const order: string[] = [];
    const first = await queue.enter(signal);
    assert.ok(first);
    const noted = (name: string) => (release: () => void) => {
      order.push(name);
      return release;
    };
    const second = queue.enter(signal)?.then(noted("second"));
    const third = queue.enter(signal)?.then(noted("third"));
    assert.ok(second && third);
    assert.equal(queue.enter(signal), null);
    assert.deepEqual(queue.size(), { running: 1, waiting: 2 });
    first();
    first(); // a second release of the same turn changes nothing
    (await second)();
    (await third)();
    assert.deepEqual(order, ["second", "third"]);
    assert.deepEqual(queue.size(), { running: 0, waiting: 0 });
  });

  it("drops a waiter whose caller went away, freeing its place", async () => {
    const queue = createRequestQueue({ concurrency: 1, waiting: 1 });
    const running = await queue.enter(new AbortController().signal);
    const gone = new AbortController();
    const waiting = queue.enter(gone.signal);
    assert.ok(waiting);
    gone.abort();
    await assert.rejects(waiting, /went away/);
    assert.deepEqual(queue.size(), { running: 1, waiting: 0 });
    const next = queue.enter(new AbortController().signal);
    assert.ok(next);
    running?.();
    (await next)();
    assert.deepEqual(queue.size(), { running: 0, waiting: 0 });
  });
});
