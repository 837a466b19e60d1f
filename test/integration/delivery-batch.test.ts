// A fan-out wide enough to keep every worker slot busy goes out in batches (several sends of a round in one job),
// and loses none of what a job per send guaranteed: each provider gets the referral once, an attempt that fails
// is retried by a job of its own (with the same attempts in all), a permanent refusal fails the delivery at once,
// and the reconciler leaves the deliveries a queued batch carries to that batch.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookChannel } from "../../adapters/webhook/webhook-channel.js";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { DestinationLimiter } from "../../src/delivery/destination-limiter.js";
import { deliveryBatchJob } from "../../src/jobs/delivery-batch.js";
import { deliverySendJob } from "../../src/jobs/delivery-send.js";
import type { JobDeps } from "../../src/jobs/deps.js";
import type { JobQueues } from "../../src/jobs/queues.js";
import { reconcile } from "../../src/jobs/reconciler.js";
import type { Service } from "../../src/main.js";
import { systemClock } from "../../src/ports.js";
import { createRedis } from "../../src/redis.js";
import { raiseReferral } from "../../src/referrals/raise.js";
import { capturingLogger, freshLot, isolatedEnv } from "../helpers/env.js";
import { eventually, WebhookReceivers } from "../helpers/receivers.js";
import { referralInput } from "../helpers/referrals.js";
import { roundSends } from "../helpers/round-sends.js";
import { freePort, startTestService } from "../helpers/service.js";

/** Twelve providers, each on a host of its own (its own port: a destination is the URL's host and port). */
const hosts = Array.from({ length: 12 }, () => new WebhookReceivers());
const RETRIED = 3;
const GONE = 5;

describe("batched sends", () => {
  let db: Db;
  let config: Config;
  let service: Service;

  beforeAll(async () => {
    for (const h of hosts) await h.start();
    const port = await freePort();
    ({ db, config } = await isolatedEnv("batch", {
      PORT: String(port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      // Two slots: twelve sends to twelve hosts make two batches of six.
      WORKER_CONCURRENCY: "2",
      DELIVERY_MAX_ATTEMPTS: "3",
      DELIVERY_BACKOFF_MS: "100",
      WEBHOOK_ALLOW_LOOPBACK: "true",
    }));
    const lot = await freshLot(db);
    for (const [i, h] of hosts.entries()) {
      await db.provider.create({
        data: {
          name: `Batch Home ${String(i).padStart(2, "0")}`,
          webhookUrl: h.urlFor("/hook"),
          webhookSecret: h.secretFor("/hook"),
          needsCovered: ["SEMH"],
          lots: { create: { lotId: lot.id } },
        },
      });
    }
    // One host fails its first attempt (busy), one says it is gone for good.
    hosts[RETRIED]!.behaviour = ({ attempt }) => ({ status: attempt === 1 ? 503 : 200 });
    hosts[GONE]!.behaviour = () => ({ status: 410 });
    service = await startTestService({
      config,
      logger: capturingLogger().logger,
      channels: { webhook: new WebhookChannel({ timeoutMs: 2000, allowLoopback: true }) },
    });
    await raiseReferral({ db, clock: systemClock, config }, referralInput(lot.number), { id: "sw", art: false });
  });
  afterAll(async () => {
    await service.close();
    await db.$disconnect();
    for (const h of hosts) await h.stop();
  });

  it("sends the round in batches, each provider once", async () => {
    await eventually(
      async () => (await db.delivery.count({ where: { state: { in: ["pending", "sending"] } } })) === 0,
      "every delivery settled",
    );
    // A batch is done once its last recording is: its job completes a moment after its deliveries settle.
    const queue = service.queues.queue(deliveryBatchJob.name);
    await eventually(async () => (await queue.getJobCounts("completed")).completed === 2, "both batches completed");
    const batches = await queue.getJobs(["completed"]);
    expect(batches.map((b) => b.data.sends.length).sort()).toEqual([6, 6]);
    for (const [i, h] of hosts.entries()) {
      if (i === GONE) continue;
      expect(h.uniqueAccepted().size, `host ${i}`).toBe(1);
      expect(h.badSignatures).toEqual([]);
    }
    const delivered = await db.delivery.findMany({ where: { state: "delivered" } });
    expect(delivered).toHaveLength(11);
  });

  it("retries a failed attempt in a job of its own, with the same message id", async () => {
    const host = hosts[RETRIED]!;
    expect([...host.attempts.values()]).toEqual([2]);
    const provider = await db.provider.findFirstOrThrow({ where: { name: "Batch Home 03" } });
    const d = await db.delivery.findFirstOrThrow({ where: { providerId: provider.id } });
    expect(d).toMatchObject({ state: "delivered", attempts: 2, lastError: null });
    const queue = service.queues.queue(deliverySendJob.name);
    await eventually(async () => (await queue.getJobCounts("completed")).completed === 1, "its own job completed");
    const own = await queue.getJobs(["completed"]);
    expect(own.map((j) => j.data.deliveryId)).toEqual([d.id]);
    // Two attempts in all out of three: its own job was given the two left.
    expect(own[0]!.opts.attempts).toBe(2);
  });

  it("fails a delivery the provider refused for good, and suspends the provider", async () => {
    const provider = await db.provider.findFirstOrThrow({ where: { name: "Batch Home 05" } });
    const d = await db.delivery.findFirstOrThrow({ where: { providerId: provider.id } });
    expect(d.state).toBe("failed");
    expect(provider.status).toBe("suspended");
    expect(hosts[GONE]!.attempts.size).toBe(1);
  });
});

describe("the reconciler and batches", () => {
  /** Two deliveries of one round, a batch's dependencies with a channel that records what it sends, and no worker. */
  async function batchOfTwo(tag: string, limit = 8) {
    const round = await roundSends(tag, { providers: 2, limit });
    const sent: string[] = [];
    const deps = {
      ...round.deps,
      channels: { email: { send: async (m: { deliveryId: string }) => void sent.push(m.deliveryId) } },
    } as unknown as JobDeps;
    return { ...round, sent, deps, own: round.queues.queue(deliverySendJob.name) };
  }

  it("leaves a queued batch's deliveries to it, and queues the others", async () => {
    const { db, config, queues, sends, own, close } = await batchOfTwo("batch-reconcile");
    try {
      // The first delivery is in a batch still to run (delayed: no worker runs in this test).
      await queues.add(deliveryBatchJob, [{ sends: [sends[0]!] }], { delayMs: 60_000 });
      const result = await reconcile({ db, queues, config, clock: systemClock, chats: {} });
      expect(result.deliveries).toBe(1);
      expect(await own.getJobState(deliverySendJob.jobId(sends[0]!))).toBe("unknown");
      expect(await own.getJobState(deliverySendJob.jobId(sends[1]!))).toBe("waiting");
    } finally {
      await close();
    }
  });

  it("hands a send left `sending` (its batch's worker died) to a job of its own, after a send in flight could end", async () => {
    const { db, sends, sent, limiter, deps, ctx, own, close } = await batchOfTwo("batch-crash");
    try {
      // The first was being sent when the worker died; the second was sent and recorded.
      await db.delivery.update({ where: { id: sends[0]!.deliveryId }, data: { state: "sending", attempts: 1 } });
      await db.delivery.update({ where: { id: sends[1]!.deliveryId }, data: { state: "delivered", attempts: 1 } });
      // The batch runs again (BullMQ found it stalled): it sends neither itself.
      await deliveryBatchJob.handle(deps, { sends }, { ...ctx, attempt: 2 });
      expect(sent).toEqual([]);
      const job = await own.getJob(deliverySendJob.jobId(sends[0]!));
      expect(await job?.getState()).toBe("delayed");
      expect(job?.opts.delay).toBe(limiter.backstopMs);
      expect(await own.getJobState(deliverySendJob.jobId(sends[1]!))).toBe("unknown");
    } finally {
      await close();
    }
  });

  it("makes the next send ready (its slot held, its delivery claimed) while the one before is in flight", async () => {
    const { db, config, redis, sends, sent, deps, ctx, close } = await batchOfTwo("batch-ahead");
    try {
      const [first, second] = sends as [(typeof sends)[0], (typeof sends)[0]];
      const seen: { state?: string; slots?: number } = {};
      const channel = {
        send: async (m: { deliveryId: string }) => {
          if (m.deliveryId === first.deliveryId) {
            // The first provider answers only once the second send is ready (or after 2 s, when it never is).
            const until = Date.now() + 2000;
            while (Date.now() < until) {
              const d = await db.delivery.findUniqueOrThrow({ where: { id: second.deliveryId } });
              if (d.state === "sending") break;
              await new Promise((r) => setTimeout(r, 10));
            }
            seen.state = (await db.delivery.findUniqueOrThrow({ where: { id: second.deliveryId } })).state;
            seen.slots = await redis.zcard(`${config.REDIS_PREFIX}:dest:${second.destination}`);
          }
          sent.push(m.deliveryId);
        },
      };
      await deliveryBatchJob.handle({ ...deps, channels: { email: channel } } as unknown as JobDeps, { sends }, ctx);
      expect(seen).toEqual({ state: "sending", slots: 1 });
      expect(sent).toEqual([first.deliveryId, second.deliveryId]);
      const states = await db.delivery.findMany({ where: { id: { in: sends.map((s) => s.deliveryId) } } });
      expect(states.map((d) => d.state)).toEqual(["delivered", "delivered"]);
      // The recordings are done when the job returns, and both slots are free again.
      for (const s of sends) expect(await redis.zcard(`${config.REDIS_PREFIX}:dest:${s.destination}`)).toBe(0);
    } finally {
      await close();
    }
  });

  it("sends to a busy destination in a job of its own, which waits its turn there", async () => {
    const { db, config, redis, sends, sent, limiter, deps, ctx, own, close } = await batchOfTwo("batch-busy", 1);
    try {
      const [first, second] = sends as [(typeof sends)[0], (typeof sends)[0]];
      const busy = await limiter.acquire(second.destination);
      expect(busy).toBeDefined();
      await deliveryBatchJob.handle(deps, { sends }, ctx);
      expect(sent).toEqual([first.deliveryId]);
      expect(await own.getJobState(deliverySendJob.jobId(second))).toBe("waiting");
      expect((await db.delivery.findUniqueOrThrow({ where: { id: second.deliveryId } })).state).toBe("pending");
      // The batch freed its own slot; the busy one is still its holder's.
      expect(await redis.zcard(`${config.REDIS_PREFIX}:dest:${first.destination}`)).toBe(0);
      expect(await redis.zcard(`${config.REDIS_PREFIX}:dest:${second.destination}`)).toBe(1);
      await busy!();
    } finally {
      await close();
    }
  });

  it("sends one of two sends whose destinations differ only in case, and the other in a job of its own", async () => {
    const { sends, sent, deps, ctx, own, close } = await batchOfTwo("batch-case");
    try {
      // Email domains are not case-folded where a destination is named; the limiter counts them as one.
      const [first, second] = [
        { ...sends[0]!, destination: "email:Same-Domain.example" },
        { ...sends[1]!, destination: "email:same-domain.example" },
      ];
      await deliveryBatchJob.handle(deps, { sends: [first, second] }, ctx);
      expect(sent).toEqual([first.deliveryId]);
      expect(await own.getJobState(deliverySendJob.jobId(second))).toBe("waiting");
    } finally {
      await close();
    }
  });

  it("sends and records each in turn, and while its worker shuts down hands the rest to jobs of their own", async () => {
    const { db, sends, sent, limiter, deps, ctx, own, close } = await batchOfTwo("batch-stop");
    try {
      await deliveryBatchJob.handle(deps, { sends: [sends[0]!] }, ctx);
      expect(sent).toEqual([sends[0]!.deliveryId]);
      expect((await db.delivery.findUniqueOrThrow({ where: { id: sends[0]!.deliveryId } })).state).toBe("delivered");
      limiter.takingOver = false;
      await deliveryBatchJob.handle(deps, { sends }, ctx);
      // Nothing more sent here: the delivered one is left alone, the other waits for a running worker.
      expect(sent).toEqual([sends[0]!.deliveryId]);
      expect(await own.getJobState(deliverySendJob.jobId(sends[1]!))).toBe("waiting");
      expect((await db.delivery.findUniqueOrThrow({ where: { id: sends[1]!.deliveryId } })).state).toBe("pending");
    } finally {
      await close();
    }
  });
});

describe("a batch's slots", () => {
  it("are taken in one round trip and freed in one, waking each freed destination's waiter", async () => {
    const redis = createRedis("redis://127.0.0.1:6379");
    const prefix = `rb-slots-${Date.now()}`;
    try {
      const limiter = new DestinationLimiter(redis, prefix, 1, 30_000);
      const woken: string[] = [];
      const queues = { promote: async (_q: string, id: string) => woken.push(id) > 0 } as unknown as JobQueues;
      // c's one slot is someone else's.
      const other = await limiter.acquire("webhook:c.test", { queues });
      expect(other).toBeDefined();
      await limiter.parkQueued("webhook:a.test", [{ queue: "delivery-send", jobId: "waiting-for-a" }]);
      // The scripts are loaded in Redis once (the first call of a script Redis has not seen falls back to EVAL).
      await (await limiter.acquireAll(["webhook:x.test"], queues)).release();
      // Every command this limiter's client sends from here on (its own client: other test files run at once).
      const calls: string[] = [];
      const send = redis.sendCommand.bind(redis);
      redis.sendCommand = (command, ...rest) => {
        calls.push(command.name);
        return send(command, ...rest);
      };
      const slots = await limiter.acquireAll(["webhook:a.test", "webhook:b.test", "webhook:c.test"], queues);
      expect(slots.taken).toEqual([true, true, false]);
      expect(calls).toEqual(["evalsha"]);
      // Not a quarter of their lifetime old: renewing asks nothing.
      await slots.renew();
      expect(calls).toEqual(["evalsha"]);
      await slots.release();
      redis.sendCommand = send;
      expect(calls).toEqual(["evalsha", "evalsha"]);
      expect(woken).toEqual(["waiting-for-a"]);
      for (const d of ["a", "b"]) expect(await redis.zcard(`${prefix}:dest:webhook:${d}.test`)).toBe(0);
      expect(await redis.zcard(`${prefix}:dest:webhook:c.test`)).toBe(1);
      // Freed once: a second release does nothing.
      await slots.release();
      expect(woken).toEqual(["waiting-for-a"]);
      await other!();
      await expect(limiter.acquireAll(["webhook:a.test", "webhook:A.test"], queues)).rejects.toThrow(/twice/);
    } finally {
      await redis.quit();
    }
  });

  it("are renewed together once a quarter of their lifetime has passed, so a long batch keeps them", async () => {
    const redis = createRedis("redis://127.0.0.1:6379");
    const prefix = `rb-renew-${Date.now()}`;
    try {
      const limiter = new DestinationLimiter(redis, prefix, 1, 400);
      const queues = { promote: async () => true } as unknown as JobQueues;
      const slots = await limiter.acquireAll(["webhook:a.test", "webhook:b.test"], queues);
      for (let i = 0; i < 6; i++) {
        await new Promise((r) => setTimeout(r, 150));
        await slots.renew();
      }
      // 900 ms on, past two lifetimes: still held, so nobody else gets in.
      expect((await limiter.acquireAll(["webhook:a.test", "webhook:b.test"], queues)).taken).toEqual([false, false]);
      await slots.release();
      expect(await limiter.acquire("webhook:b.test")).toBeDefined();
    } finally {
      await redis.quit();
    }
  });
});
