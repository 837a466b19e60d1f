// AckFirst (adapters/slack/ack-first.ts): work after an ack waits until no Slack request is left unanswered and
// none has arrived for a short quiet time, a request that is dropped counts as answered, and the wait is bounded;
// a listener released at its ack (releasedAtAck) finishes for Bolt then, its failures after it still reported; and
// requests whose ack carries nothing are acked before Bolt dispatches them, once the others are answered.
import { EventEmitter } from "node:events";
import type { ReceiverEvent } from "@slack/bolt";
import type { NextFunction, Request, Response } from "express";
import { describe, expect, it } from "vitest";
import { AckFirst, answeredAtOnce, dispatchedAfterAck, releasedAtAck } from "../../adapters/slack/ack-first.js";
import { InFlight } from "../../src/chat/chat-core.js";

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

describe("dispatchedAfterAck", () => {
  /** A receiver's event for `body`; `acks` collects what its ack was called with. */
  const eventOf = (body: Record<string, unknown>, acks: unknown[]): ReceiverEvent => ({
    body,
    ack: async (r?: unknown) => void acks.push(r ?? "acked"),
  });

  it("knows which requests Slack reads nothing from the ack of", () => {
    expect(answeredAtOnce({ command: "/referral", user_id: "U1" })).toBe(true);
    for (const type of ["block_actions", "shortcut", "message_action", "view_closed", "event_callback"])
      expect(answeredAtOnce({ type })).toBe(true);
    // Their ack carries the validation errors, the options: the listener answers them.
    for (const type of ["view_submission", "block_suggestion", "url_verification", "something_new"])
      expect(answeredAtOnce({ type })).toBe(false);
    for (const body of [null, "text", { command: 7 }, { type: ["block_actions"] }])
      expect(answeredAtOnce(body)).toBe(false);
  });

  it("acks a button click itself and dispatches it once the other requests are answered, with an ack that does nothing", async () => {
    const gate = new AckFirst(60_000, 0);
    const pending = arrive(gate);
    const dispatched: ReceiverEvent[] = [];
    const dispatch = dispatchedAfterAck(
      async (e) => void dispatched.push(e),
      gate,
      () => expect.fail("no error"),
    );
    const acks: unknown[] = [];
    const body = { type: "block_actions", actions: [{ action_id: "view_details" }] };
    await dispatch({ ...eventOf(body, acks), retryNum: 2 });
    expect(acks).toEqual(["acked"]);
    await new Promise((r) => setTimeout(r, 20));
    expect(dispatched).toEqual([]);

    pending.emit("finish");
    await new Promise((r) => setTimeout(r, 20));
    expect(dispatched).toHaveLength(1);
    expect(dispatched[0]!.body).toBe(body);
    expect(dispatched[0]!.retryNum).toBe(2);
    await dispatched[0]!.ack({ text: "ignored" });
    expect(acks).toEqual(["acked"]);
  });

  it("leaves a modal's submission to its listener, which answers it", async () => {
    const gate = new AckFirst(60_000, 0);
    arrive(gate);
    const acks: unknown[] = [];
    const dispatch = dispatchedAfterAck(
      async (e) => e.ack({ response_action: "errors", errors: { f: "needed" } }),
      gate,
      () => expect.fail("no error"),
    );
    await dispatch(eventOf({ type: "view_submission" }, acks));
    expect(acks).toEqual([{ response_action: "errors", errors: { f: "needed" } }]);
  });

  it("hands a failure of the dispatch after the ack to onError", async () => {
    let failed: (m: string) => void = () => {};
    const reported = new Promise<string>((r) => (failed = r));
    const dispatch = dispatchedAfterAck(
      async () => {
        throw new Error("listener broke");
      },
      new AckFirst(60_000, 0),
      (err) => failed(err.message),
    );
    await dispatch(eventOf({ command: "/referral" }, []));
    expect(await reported).toBe("listener broke");
  });

  it("has a stopping process wait for a click it has answered and not yet dispatched", async () => {
    const inFlight = new InFlight();
    const gate = new AckFirst(60_000, 0);
    const pending = arrive(gate);
    let done = false;
    const dispatch = dispatchedAfterAck(
      async () => {
        await new Promise((r) => setTimeout(r, 30));
        done = true;
      },
      gate,
      () => expect.fail("no error"),
      (work) => inFlight.track(work),
    );
    await dispatch(eventOf({ type: "block_actions" }, []));
    expect(await inFlight.drain(50)).toBe(1);
    pending.emit("finish");
    expect(await inFlight.drain(5000)).toBe(0);
    expect(done).toBe(true);
  });
});
