// A destination with many sends in a round gets lanes (delivery-batch jobs whose sends all go to it): as many as
// its limit, each keeping one slot from one send to the next. Never more in flight there than the limit, each
// provider once, a failed attempt retried by its own job; a lane that finds the destination busy waits as one
// job until a release wakes it; a lane that stops early gives back the sends it claimed ahead; a long lane keeps
// its slot alive.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookChannel } from "../../adapters/webhook/webhook-channel.js";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { DestinationLimiter } from "../../src/delivery/destination-limiter.js";
import { FAILURE_REASONS } from "../../src/delivery/failure-reasons.js";
import { deliveryBatchJob } from "../../src/jobs/delivery-batch.js";
import { deliverySendJob } from "../../src/jobs/delivery-send.js";
import type { JobDeps } from "../../src/jobs/deps.js";
import type { Service } from "../../src/main.js";
import { systemClock } from "../../src/ports.js";
import { createRedis } from "../../src/redis.js";
import { raiseReferral } from "../../src/referrals/raise.js";
import { capturingLogger, freshLot, isolatedEnv } from "../helpers/env.js";
import { eventually, WebhookReceivers } from "../helpers/receivers.js";
import { referralInput } from "../helpers/referrals.js";
import { roundSends } from "../helpers/round-sends.js";
import { freePort, startTestService } from "../helpers/service.js";

const LIMIT = 2;
/** Enough for lanes: a full batch (10) per slot, or more. */
const PROVIDERS = 24;
const RETRIED = "/p5";

describe("lanes to one busy host", () => {
  const receivers = new WebhookReceivers();
  let db: Db;
  let config: Config;
  let service: Service;
  let lotNumber: number;
  let inFlight = 0;
  let maxInFlight = 0;

  beforeAll(async () => {
    await receivers.start();
    const port = await freePort();
    ({ db, config } = await isolatedEnv("lane", {
      PORT: String(port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      DESTINATION_CONCURRENCY: String(LIMIT),
      WORKER_CONCURRENCY: "4",
      DELIVERY_MAX_ATTEMPTS: "3",
      DELIVERY_BACKOFF_MS: "100",
      WEBHOOK_ALLOW_LOOPBACK: "true",
    }));
    const lot = await freshLot(db);
    lotNumber = lot.number;
    for (let i = 0; i < PROVIDERS; i++) {
      await db.provider.create({
        data: {
          name: `Lane Home ${String(i).padStart(2, "0")}`,
          webhookUrl: receivers.urlFor(`/p${i}`),
          webhookSecret: receivers.secretFor(`/p${i}`),
          needsCovered: ["SEMH"],
          lots: { create: { lotId: lot.id } },
        },
      });
    }
    service = await startTestService({
      config,
      logger: capturingLogger().logger,
      channels: { webhook: new WebhookChannel({ timeoutMs: 2000, allowLoopback: true }) },
    });
  });
  afterAll(async () => {
    await service.close();
    await db.$disconnect();
    await receivers.stop();
  });

  const answerAfter = (ms: number) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    setTimeout(() => inFlight--, ms);
    return { status: 200, delayMs: ms };
  };
  const raise = async () => {
    receivers.accepted.length = 0;
    receivers.attempts.clear();
    maxInFlight = 0;
    return raiseReferral({ db, clock: systemClock, config }, referralInput(lotNumber), { id: "sw", art: false });
  };
  const allDelivered = (referralId: string, ms?: number) =>
    eventually(
      async () => (await db.delivery.count({ where: { round: { referralId }, state: "delivered" } })) === PROVIDERS,
      `all ${PROVIDERS} delivered`,
      ms,
    );

  it("sends a round in two lanes, never more than two at once, each provider once", async () => {
    receivers.behaviour = ({ path, attempt }) =>
      path === RETRIED && attempt === 1 ? { status: 503 } : answerAfter(30);
    const r = await raise();
    await allDelivered(r.id);
    expect(maxInFlight).toBe(LIMIT);
    expect(receivers.uniqueAccepted().size).toBe(PROVIDERS);
    expect(receivers.badSignatures).toEqual([]);
    const lanes = service.queues.queue(deliveryBatchJob.name);
    await eventually(async () => (await lanes.getJobCounts("completed")).completed === 2, "both lanes completed");
    const done = await lanes.getJobs(["completed"]);
    expect(done.map((j) => j.data.sends.length)).toEqual([12, 12]);
    // Only the failed attempt went to a job of its own, with the attempts left.
    const own = await service.queues.queue(deliverySendJob.name).getJobs(["completed", "delayed", "waiting", "active"]);
    expect(own).toHaveLength(1);
    expect(own[0]!.opts.attempts).toBe(2);
    const retried = await db.delivery.findFirstOrThrow({
      where: { round: { referralId: r.id }, provider: { webhookUrl: receivers.urlFor(RETRIED) } },
    });
    expect(retried).toMatchObject({ state: "delivered", attempts: 2 });
    const others = await db.delivery.findMany({ where: { round: { referralId: r.id }, id: { not: retried.id } } });
    expect(others.every((d) => d.attempts === 1)).toBe(true);
  });

  it("waits as one job while the host's slots are taken, and runs when a release wakes it", async () => {
    receivers.behaviour = () => answerAfter(10);
    const redis = createRedis(config.REDIS_URL);
    const limiter = new DestinationLimiter(redis, config.REDIS_PREFIX, LIMIT, 60_000);
    try {
      const destination = `webhook:${new URL(receivers.urlFor("/p0")).host}`;
      const holds = [
        await limiter.acquire(destination, { queues: service.queues }),
        await limiter.acquire(destination, { queues: service.queues }),
      ];
      expect(holds.every(Boolean)).toBe(true);
      const lanes = service.queues.queue(deliveryBatchJob.name);
      const r = await raise();
      // Both lanes parked (delayed by their backstop), nothing sent.
      await eventually(async () => (await lanes.getJobCounts("delayed")).delayed === 2, "both lanes parked");
      expect(receivers.accepted).toHaveLength(0);
      for (const release of holds) await release!();
      // Woken by the releases: well before their backstop (a minute and more).
      await allDelivered(r.id, 10_000);
      expect(receivers.uniqueAccepted().size).toBe(PROVIDERS);
      expect(maxInFlight).toBeLessThanOrEqual(LIMIT);
    } finally {
      await redis.quit();
    }
  });
});

describe("a lane on its own", () => {
  /** Sends of one round all to one destination, and a lane's dependencies with a channel that records them. */
  async function lane(tag: string, slotTtlMs = 30_000, count = 3) {
    const destination = "email:lane.example";
    const round = await roundSends(tag, { providers: count, limit: 1, slotTtlMs, destination });
    const { deps, sends, ctx, redis, config } = round;
    const sent: string[] = [];
    const run = (send: (id: string) => Promise<void>) =>
      deliveryBatchJob.handle(
        {
          ...deps,
          channels: { email: { send: (m: { deliveryId: string }) => send(m.deliveryId) } },
        } as unknown as JobDeps,
        { sends },
        ctx,
      );
    const liveSlots = () => redis.zcount(`${config.REDIS_PREFIX}:dest:${destination}`, Date.now(), "+inf");
    return { ...round, sent, run, liveSlots };
  }

  it("gives back the sends it claimed ahead when its worker shuts down, for their own jobs", async () => {
    const { db, queues, sends, sent, limiter, run, close } = await lane("lane-stop");
    try {
      await run(async (id) => {
        sent.push(id);
        limiter.takingOver = false; // the worker starts shutting down during the first send
      });
      expect(sent).toEqual([sends[0]!.deliveryId]);
      const states = await db.delivery.findMany({ where: { id: { in: sends.map((s) => s.deliveryId) } } });
      const byId = new Map(states.map((d) => [d.id, d]));
      expect(byId.get(sends[0]!.deliveryId)).toMatchObject({ state: "delivered", attempts: 1 });
      for (const s of sends.slice(1)) {
        // Claimed ahead with the first, never sent: pending again, the attempt not counted, its own job queued.
        expect(byId.get(s.deliveryId)).toMatchObject({ state: "pending", attempts: 0 });
        expect(await queues.queue(deliverySendJob.name).getJobState(deliverySendJob.jobId(s))).toBe("waiting");
      }
    } finally {
      await close();
    }
  });

  it("claims no more ahead than it sends in a second: a referral closed meanwhile reaches few more", async () => {
    const { db, sends, sent, run, close } = await lane("lane-close", 30_000, 6);
    try {
      await run(async (id) => {
        await new Promise((r) => setTimeout(r, 300));
        sent.push(id);
        // The referral closes (withdrawn, placed) as the first provider answers.
        if (sent.length === 1)
          await db.round.updateMany({ where: { referralId: sends[0]!.referralId }, data: { closedAt: new Date() } });
      });
      // The first and the one claimed with it went; the rest never will.
      expect(sent.length).toBeLessThanOrEqual(3);
      const rest = await db.delivery.findMany({
        where: { id: { in: sends.map((s) => s.deliveryId).filter((id) => !sent.includes(id)) } },
      });
      expect(rest.length).toBeGreaterThanOrEqual(3);
      for (const d of rest) expect(d).toMatchObject({ state: "failed", lastError: FAILURE_REASONS.roundClosed });
    } finally {
      await close();
    }
  });

  it("keeps its slot alive from one send to the next, past the slot's first lifetimes", async () => {
    const { sends, sent, run, liveSlots, close } = await lane("lane-renew", 400, 4);
    try {
      const live: number[] = [];
      await run(async (id) => {
        live.push(await liveSlots());
        await new Promise((r) => setTimeout(r, 300));
        sent.push(id);
      });
      expect(sent).toEqual(sends.map((s) => s.deliveryId));
      // Still held at the fourth send, 900 ms after it was taken with a 400 ms lifetime (past the 800 ms its
      // destination's key was first set to last); freed at the end.
      expect(live).toEqual([1, 1, 1, 1]);
      expect(await liveSlots()).toBe(0);
    } finally {
      await close();
    }
  });
});
