// AckFirst (adapters/slack/ack-first.ts): work after an ack waits until no Slack request is left unanswered and
// none has arrived for a short quiet time, a request that is dropped counts as answered, and the wait is bounded.
import { EventEmitter } from "node:events";
import type { NextFunction, Request, Response } from "express";
import { describe, expect, it } from "vitest";
import { AckFirst } from "../../adapters/slack/ack-first.js";

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

  it("lets work through after maxWaitMs even while a request is never answered", async () => {
    const gate = new AckFirst(30);
    arrive(gate);
    const work = gate.idle();
    expect(await settledYet(work)).toBe(false);
    await work;
  });
});
