// The send path's group commit (src/delivery/batcher.ts): alone when idle, together while one runs, each caller
// answered with its own result, a failure kept to its own batch.
import { expect, it } from "vitest";
import { Batcher } from "../../src/delivery/batcher.js";

/** A batch function whose batches finish when the test says so. */
function controlled() {
  const batches: number[][] = [];
  const finish: (() => void)[] = [];
  const failNext = { on: false };
  const run = (keys: number[]) => {
    batches.push(keys);
    const fail = failNext.on;
    failNext.on = false;
    return new Promise<string[]>((resolve, reject) =>
      finish.push(() => (fail ? reject(new Error("database down")) : resolve(keys.map((k) => `r${k}`)))),
    );
  };
  return { batches, finish, failNext, run };
}

const tick = () => new Promise((r) => setImmediate(r));

it("runs a call made while idle at once and alone, and the calls made meanwhile together after it", async () => {
  const c = controlled();
  const b = new Batcher(c.run);
  const first = b.call(1);
  // Started before any await: a quiet service never waits.
  expect(c.batches).toEqual([[1]]);
  const later = [b.call(2), b.call(3), b.call(4)];
  await tick();
  expect(c.batches).toEqual([[1]]);
  c.finish[0]!();
  expect(await first).toBe("r1");
  await tick();
  expect(c.batches).toEqual([[1], [2, 3, 4]]);
  c.finish[1]!();
  expect(await Promise.all(later)).toEqual(["r2", "r3", "r4"]);
  // Idle again: the next call goes alone, at once.
  void b.call(5);
  expect(c.batches).toEqual([[1], [2, 3, 4], [5]]);
  c.finish[2]!();
});

it("splits what waited into batches of at most maxBatch, in order", async () => {
  const c = controlled();
  const b = new Batcher(c.run, 2);
  const all = [1, 2, 3, 4, 5, 6].map((k) => b.call(k));
  for (let i = 0; i < 4; i++) {
    await tick();
    c.finish[i]!();
  }
  expect(await Promise.all(all)).toEqual(["r1", "r2", "r3", "r4", "r5", "r6"]);
  expect(c.batches).toEqual([[1], [2, 3], [4, 5], [6]]);
});

it("fails only the callers of a batch that fails, and goes on with the next", async () => {
  const c = controlled();
  const b = new Batcher(c.run);
  const first = b.call(1);
  c.failNext.on = true;
  const failing = [b.call(2), b.call(3)];
  c.finish[0]!();
  await first;
  await tick();
  const after = b.call(4);
  c.finish[1]!();
  for (const f of failing) await expect(f).rejects.toThrow("database down");
  await tick();
  c.finish[2]!();
  expect(await after).toBe("r4");
  expect(c.batches).toEqual([[1], [2, 3], [4]]);
});
