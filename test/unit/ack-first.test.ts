// AckFirst (adapters/slack/ack-first.ts): work after an ack waits until no Slack request is left unanswered and
// none has arrived for a short quiet time, a request that is dropped counts as answered, and the wait is bounded;
// and a listener released at its ack (releasedAtAck) finishes for Bolt then, its failures after it still reported.
import { EventEmitter } from "node:events";
import type { NextFunction, Request, Response } from "express";
import { describe, expect, it } from "vitest";
import { AckFirst, releasedAtAck } from "../../adapters/slack/ack-first.js";

/** A request entering the middleware; its response emits "finish" (answered) or "close" (dropped). */
function arrive(gate: AckFirst) {
  const res = new EventEmitter();
  let passed = false;
  gate.middleware({} as Request, res as unknown as Response, (() => (passed = true)) as NextFunction);
  expect(passed).toBe(true);
  return res;
}

const settledYet = async (p: Promise<void>) => {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

describe("AckFirst", () => {
  it("lets work through at once when no request is waiting for its answer", async () => {
    expect(await settledYet(new AckFirst(60_000).idle())).toBe(true);
  });

  it("holds work until every request received so far is answered or dropped", async () => {
    const gate = new AckFirst(60_000, 0);
    const a = arrive(gate);
    const b = arrive(gate);
    const work = gate.idle();
    a.emit("finish");
    a.emit("close"); // after finish: counted once
    expect(await settledYet(work)).toBe(false);
    const c = arrive(gate);
    b.emit("close");
    expect(await settledYet(work)).toBe(false);
    c.emit("finish");
    expect(await settledYet(work)).toBe(true);
    expect(await settledYet(gate.idle())).toBe(true);
  });

  it("holds work while requests keep arriving, though each one so far has been answered", async () => {
    const gate = new AckFirst(60_000, 80);
    const first = arrive(gate);
    const work = gate.idle();
    const started = performance.now();
    first.emit("finish");
    // A burst: the next request comes in after the ones before it were all answered, well within the quiet time.
    await new Promise((r) => setTimeout(r, 40));
    expect(await settledYet(work)).toBe(false);
    const second = arrive(gate);
    second.emit("finish");
    await new Promise((r) => setTimeout(r, 40));
    expect(await settledYet(work)).toBe(false);
    await work;
    // Let through once nothing had arrived for the quiet time after the last request.
    expect(performance.now() - started).toBeGreaterThanOrEqual(40 + 80 - 2);
    expect(await settledYet(gate.idle())).toBe(true);
  });

  it("counts the quiet time from the last answer too, not only from the last arrival", async () => {
    // In a burst, requests reach the gate in chunks (they wait together for the rate limiter), and answering a
    // chunk can take longer than the quiet time: the next chunk is then not in yet when the last answer goes.
    const gate = new AckFirst(60_000, 30);
    const slow = arrive(gate);
    const work = gate.idle();
    await new Promise((r) => setTimeout(r, 45));
    slow.emit("finish");
    expect(await settledYet(work)).toBe(false);
    const next = arrive(gate);
    next.emit("finish");
    expect(await settledYet(work)).toBe(false);
    await work;
  });

  it("lets work through after maxWaitMs even while a request is never answered", async () => {
    const gate = new AckFirst(30);
    arrive(gate);
    const work = gate.idle();
    expect(await settledYet(work)).toBe(false);
    await work;
  });
});

describe("releasedAtAck", () => {
  const deferred = () => {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
  };

  it("finishes for Bolt once the listener has acked, while its work after the ack runs on", async () => {
    const acks: unknown[] = [];
    const work = deferred();
    let workDone = false;
    const listener = releasedAtAck(
      async ({ ack, value }: { ack: (r?: unknown) => Promise<void>; value: number }) => {
        await ack({ ok: value });
        await work.promise;
        workDone = true;
      },
      () => expect.fail("no error"),
    );
    const finished = listener({ ack: async (r?: unknown) => void acks.push(r), value: 7 });
    expect(await settledYet(finished)).toBe(true);
    expect(acks).toEqual([{ ok: 7 }]);
    expect(workDone).toBe(false);
    work.resolve();
    await work.promise;
    await new Promise((r) => setImmediate(r));
    expect(workDone).toBe(true);
  });

  it("hands a failure after the ack to onError, and one before the ack to Bolt", async () => {
    const errors: string[] = [];
    let reported = () => {};
    const onError = new Promise<void>((r) => {
      reported = r;
    });
    const after = releasedAtAck(
      async ({ ack }: { ack: () => Promise<void> }) => {
        await ack();
        await new Promise((r) => setImmediate(r));
        throw new Error("after");
      },
      (err) => {
        errors.push(err.message);
        reported();
      },
    );
    await after({ ack: async () => {} });
    // Released at the ack, before the failure: the failure reaches onError later (waited for, not slept on: a
    // 5 ms sleep lost that race once on a loaded machine).
    expect(errors).toEqual([]);
    await onError;
    expect(errors).toEqual(["after"]);

    const before = releasedAtAck(
      async (_: { ack: () => Promise<void> }) => {
        throw new Error("before");
      },
      (err) => errors.push(err.message),
    );
    await expect(before({ ack: async () => {} })).rejects.toThrow("before");
    expect(errors).toEqual(["after"]);
  });

  it("refuses a second ack, as Bolt does", async () => {
    let calls = 0;
    const twice = releasedAtAck(
      async ({ ack }: { ack: () => Promise<void> }) => {
        await ack();
        await ack();
      },
      () => {},
    );
    const listener = twice({ ack: async () => void calls++ });
    await listener;
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(1);
  });
});
