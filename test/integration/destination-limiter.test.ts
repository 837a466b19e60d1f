// The per-destination limit with real workers, queues and receivers: ten deliveries to one host with a limit of
// two. Never more than two in flight and all ten delivered once, whichever way the jobs were queued:
// - by the relay (a round opening): two run, the other eight are queued waiting, never started only to be
//   refused; the two running jobs send the waiting ones themselves, one after the other on the slots they hold,
//   and remove their jobs; while the worker shuts down each waiting job is woken by a release instead; a waiting
//   send that fails is sent again by its own job; a waiter of another kind of job gets the slot and is woken;
// - all at once (as the reconciler re-queues): a job refused a slot waits to be woken by a release instead of
//   polling (it is refused about once, not every few hundred milliseconds while it waits): up to two wait in the
//   worker for a slot it holds and get it handed on, the others park in Redis until a release.
import type { Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookChannel } from "../../adapters/webhook/webhook-channel.js";
import { ChatChannelLimiter } from "../../src/chat/channel-limiter.js";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { claimPendingDelivery, sendPayloadOf, sendPayloadSelect } from "../../src/delivery/claim.js";
import { DestinationLimiter } from "../../src/delivery/destination-limiter.js";
import { deliverySendJob } from "../../src/jobs/delivery-send.js";
import type { JobDeps } from "../../src/jobs/deps.js";
import type { JobType } from "../../src/jobs/job-type.js";
import { relayOutbox } from "../../src/jobs/outbox-relay.js";
import { JobQueues } from "../../src/jobs/queues.js";
import { startWorkers } from "../../src/jobs/runtime.js";
import { systemClock } from "../../src/ports.js";
import { raiseReferral } from "../../src/referrals/raise.js";
import { capturingLogger, freshLot, isolatedEnv, socialWorker } from "../helpers/env.js";
import { eventually, WebhookReceivers } from "../helpers/receivers.js";
import { referralInput } from "../helpers/referrals.js";

const LIMIT = 2;
const DELIVERIES = 10;

/** The real limiter, counting the slots it refuses, per job. */
class CountingLimiter extends DestinationLimiter {
  refusals = 0;
  acquired = 0;
  readonly refusedJobs = new Map<string, number>();
  override async acquire(destination: string, opts: Parameters<DestinationLimiter["acquire"]>[1] = {}) {
    const release = await super.acquire(destination, opts);
    if (release) this.acquired++;
    if (!release) {
      this.refusals++;
      const job = opts.waiter?.jobId ?? "unknown";
      this.refusedJobs.set(job, (this.refusedJobs.get(job) ?? 0) + 1);
    }
    return release;
  }
}

const receivers = new WebhookReceivers();
let db: Db;
let config: Config;
let redis: Redis;
let workerRedis: Redis;
let queues: JobQueues;
let workers: Worker[] = [];

beforeAll(async () => {
  await receivers.start();
  ({ db, config } = await isolatedEnv("dest-limit", { WEBHOOK_ALLOW_LOOPBACK: "true" }));
  redis = new Redis(config.REDIS_URL);
  workerRedis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  queues = new JobQueues(redis, config.REDIS_PREFIX);
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await queues.close();
  await workerRedis.quit();
  await redis.quit();
  await db.$disconnect();
  await receivers.stop();
});

const { logger } = capturingLogger();
let limiter: CountingLimiter;
let deps: JobDeps;
let lotNumber: number;
// Each provider takes a moment to answer, so the jobs that find no slot have to wait for one.
let inFlight = 0;
let maxInFlight = 0;
const answerSlowly = () => {
  inFlight++;
  maxInFlight = Math.max(maxInFlight, inFlight);
  setTimeout(() => inFlight--, 300);
  return { status: 200, delayMs: 300 };
};

beforeAll(async () => {
  const lot = await freshLot(db);
  lotNumber = lot.number;
  for (let i = 0; i < DELIVERIES; i++) {
    await db.provider.create({
      data: {
        name: `Same host ${i}`,
        webhookUrl: receivers.urlFor(`/p${i}`),
        webhookSecret: receivers.secretFor(`/p${i}`),
        needsCovered: ["SEMH"],
        lots: { create: { lotId: lot.id } },
      },
    });
  }
  receivers.behaviour = answerSlowly;
  limiter = new CountingLimiter(redis, config.REDIS_PREFIX, LIMIT, 30_000);
  deps = {
    db,
    clock: systemClock,
    logger,
    config,
    channels: { webhook: new WebhookChannel({ timeoutMs: 5_000, allowLoopback: true }) },
    limiter,
    queues,
    subscribers: [],
    chats: {},
    chatLimiter: new ChatChannelLimiter(redis, config.REDIS_PREFIX, 1000),
  };
  workers = startWorkers(
    [deliverySendJob] as unknown as JobType<never, JobDeps>[],
    deps,
    workerRedis,
    { prefix: config.REDIS_PREFIX, concurrency: 20, backoffBaseMs: 100, stalledIntervalMs: 30_000 },
    logger,
  );
});

async function raise() {
  const r = await raiseReferral({ db, clock: systemClock, config }, referralInput(lotNumber), socialWorker());
  expect(r.deliveries).toBe(DELIVERIES);
  receivers.accepted.length = 0;
  maxInFlight = 0;
  limiter.refusals = 0;
  limiter.acquired = 0;
  limiter.handOffs = 0;
  limiter.takeOvers = 0;
  limiter.refusedJobs.clear();
  return r;
}

async function allDelivered(referralId: string) {
  await eventually(
    async () => (await db.delivery.count({ where: { round: { referralId }, state: "delivered" } })) === DELIVERIES,
    "all 10 delivered",
  );
  expect(receivers.accepted).toHaveLength(DELIVERIES);
  expect(receivers.uniqueAccepted().size).toBe(DELIVERIES);
  expect(maxInFlight).toBe(LIMIT);
}

describe("per-destination limit", () => {
  /** Runs the relay with the queue's promote counted: the waiting jobs a release woke. */
  async function relayCountingWakes(referralId: string) {
    const woken: string[] = [];
    const promote = queues.promote.bind(queues);
    queues.promote = async (queue, jobId) => {
      const ok = await promote(queue, jobId);
      if (ok) woken.push(jobId);
      return ok;
    };
    try {
      await relayOutbox(deps);
      await allDelivered(referralId);
    } finally {
      queues.promote = promote;
    }
    return woken;
  }

  it("runs a round's first 2 sends to one host, and they send the other 8 waiting on their slots", async () => {
    const r = await raise();
    const woken = await relayCountingWakes(r.id);
    // Nothing was started only to be refused or woken: the two jobs holding the slots sent the other eight.
    expect(limiter.refusals).toBe(0);
    expect(woken).toHaveLength(0);
    expect(limiter.takeOvers).toBe(DELIVERIES - LIMIT);
    // The eight jobs that waited have nothing left to do and are gone; the two that ran complete. A job's last
    // delivery is recorded before its handler returns and BullMQ marks it completed, so wait for that.
    const due = await db.delivery.findMany({ where: { round: { referralId: r.id } }, select: sendPayloadSelect });
    const jobStates = () =>
      Promise.all(
        due.map((d) => queues.queue(deliverySendJob.name).getJobState(deliverySendJob.jobId(sendPayloadOf(d)))),
      );
    await eventually(
      async () => (await jobStates()).filter((s) => s !== "unknown" && s !== "completed").length === 0,
      "the two running jobs to finish",
    );
    const states = await jobStates();
    expect(states.filter((s) => s === "unknown")).toHaveLength(DELIVERIES - LIMIT);
    expect(states.filter((s) => s === "completed")).toHaveLength(LIMIT);
    const attempts = await db.delivery.findMany({ where: { round: { referralId: r.id } }, select: { attempts: true } });
    expect(attempts.every((d) => d.attempts === 1)).toBe(true);
  });

  it("sends the waiting ones even when the first sends answered before the rest were put on the waiting list", async () => {
    // A big round over few hosts: the relay queues each host's first sends, then the waiting rest. Receivers that
    // answer at once can finish those first sends before the rest is listed, and a slot freed with nobody listed
    // wakes nobody. Here the listing waits until the first sends have answered (or 2 s, when they cannot run yet).
    const parkQueued = limiter.parkQueued.bind(limiter);
    let listedAfterAnswers = -1;
    limiter.parkQueued = async (destination, waiters) => {
      await eventually(() => receivers.accepted.length >= LIMIT, "the first sends answered", 2_000).catch(() => {});
      listedAfterAnswers = receivers.accepted.length;
      return parkQueued(destination, waiters);
    };
    receivers.behaviour = () => ({ status: 200 });
    const r = await raise();
    try {
      await relayOutbox(deps);
      // Well within the 30 s after which a waiting job would run on its own.
      await eventually(
        async () =>
          (await db.delivery.count({ where: { round: { referralId: r.id }, state: "delivered" } })) === DELIVERIES,
        "all 10 delivered",
        10_000,
      );
    } finally {
      limiter.parkQueued = parkQueued;
      receivers.behaviour = answerSlowly;
    }
    // Listed before any send could run, and sent by the jobs holding the slots, not by their own backstop.
    expect(listedAfterAnswers).toBe(0);
    expect(limiter.takeOvers).toBe(DELIVERIES - LIMIT);
    expect(receivers.uniqueAccepted().size).toBe(DELIVERIES);
  });

  it("wakes each waiting job by a release instead while the worker shuts down", async () => {
    const r = await raise();
    limiter.takingOver = false;
    try {
      const woken = await relayCountingWakes(r.id);
      // Each waiting job ran because a release woke it (its 30 s backstop delay had not run out: a promote fails
      // on a job that is no longer delayed).
      expect(limiter.refusals).toBe(0);
      expect(woken).toHaveLength(DELIVERIES - LIMIT);
      expect(limiter.acquired + limiter.handOffs).toBe(DELIVERIES);
    } finally {
      limiter.takingOver = true;
    }
  });

  it("keeps the slot for a waiter it can run, and frees it for one it cannot, which is woken", async () => {
    const direct = new DestinationLimiter(redis, config.REDIS_PREFIX, 1, 30_000);
    const destination = `webhook:takeover-${Date.now()}.example`;
    const slots = `${config.REDIS_PREFIX}:dest:${destination}`;
    // Two parked jobs, delayed by their backstop as the relay queues them: one this test can run, one it cannot.
    const other = queues.queue("takeover-other");
    await other.add("x", {}, { jobId: "other-1", delay: 30_000 });
    await direct.parkQueued(destination, [
      { queue: "delivery-send", jobId: "mine-1" },
      { queue: "takeover-other", jobId: "other-1" },
    ]);
    const release = await direct.acquire(destination, { queues });
    expect(release).toBeDefined();
    const accept = (w: { queue: string }) => w.queue === "delivery-send";

    const taken = await release!.takeOver(accept);
    expect(taken?.waiter).toEqual({ queue: "delivery-send", jobId: "mine-1" });
    expect(await redis.zcard(slots)).toBe(1); // still held, for that waiter's send

    // The next waiter is not work it can do: the slot is freed and that job runs now.
    expect(await taken!.release.takeOver(accept)).toBeUndefined();
    expect(await redis.zcard(slots)).toBe(0);
    expect(await other.getJobState("other-1")).toBe("waiting");
    expect(direct.takeOvers).toBe(1);
    await other.obliterate({ force: true });
  });

  it("has a waiting send that failed sent again by its own job", async () => {
    // A short backstop: the failed send's own job runs when its delay (the backstop) runs out.
    const shortBackstop = new CountingLimiter(redis, config.REDIS_PREFIX, LIMIT, 3_000);
    const usual = deps.limiter;
    deps.limiter = shortBackstop;
    const behaviour = receivers.behaviour;
    let failures = 0;
    // The last provider's first answer is a 503: its send is one of the eight waiting.
    receivers.behaviour = (req) =>
      req.path === `/p${DELIVERIES - 1}` && failures++ === 0 ? { status: 503 } : behaviour(req);
    try {
      const r = await raise();
      await relayOutbox(deps);
      await allDelivered(r.id);
      expect(failures).toBe(2);
      expect(shortBackstop.takeOvers).toBeGreaterThanOrEqual(1);
      const failed = await db.delivery.findFirstOrThrow({
        where: { round: { referralId: r.id }, provider: { webhookUrl: receivers.urlFor(`/p${DELIVERIES - 1}`) } },
      });
      expect(failed.attempts).toBe(2);
      expect(receivers.accepted.filter((a) => a.path === `/p${DELIVERIES - 1}`)).toHaveLength(1);
    } finally {
      deps.limiter = usual;
      receivers.behaviour = behaviour;
    }
  });

  it("keeps at most 2 of 10 sends queued at once in flight, and wakes waiters instead of polling", async () => {
    const r = await raise();
    const due = await db.delivery.findMany({
      where: { round: { referralId: r.id } },
      select: sendPayloadSelect,
    });
    // Every job is picked up at once, so eight of them find both slots taken.
    await queues.add(deliverySendJob, due.map(sendPayloadOf), { attempts: 3 });
    await allDelivered(r.id);
    // Parked jobs are woken one per release: each waiting job is refused about once. Polling every 200-1,000 ms
    // while eight sends of 300 ms queue up refuses most jobs several times.
    expect(limiter.refusals).toBeGreaterThanOrEqual(DELIVERIES / 2);
    expect(limiter.refusals).toBeLessThanOrEqual(DELIVERIES + 2);
    expect(Math.max(...limiter.refusedJobs.values())).toBeLessThanOrEqual(2);
    // Two jobs waited in the worker and were handed a finishing job's slot.
    expect(limiter.handOffs).toBeGreaterThanOrEqual(LIMIT);

    // A delivered job run again (a stalled worker's repeat) sends nothing and counts no attempt.
    const [done] = await db.delivery.findMany({ where: { round: { referralId: r.id } }, include: { round: true } });
    const ctx = { logger, attempt: 1, maxAttempts: 3, retryLater: async () => expect.unreachable() as never };
    await deliverySendJob.handle(
      deps,
      { deliveryId: done!.id, referralId: r.id, round: done!.round.number, providerId: done!.providerId },
      ctx,
    );
    expect(receivers.accepted).toHaveLength(DELIVERIES);
    expect((await db.delivery.findUniqueOrThrow({ where: { id: done!.id } })).attempts).toBe(1);
  });

  it("records a send as delivered when releasing its slot fails (Redis gone), and sends it once", async () => {
    const r = await raise();
    const [d] = await db.delivery.findMany({ where: { round: { referralId: r.id } }, include: { round: true } });
    let releases = 0;
    // A slot whose release fails the first time, as the real one does when Redis is unreachable (and runs once).
    const failing = Object.assign(Object.create(limiter) as DestinationLimiter, {
      acquire: async () =>
        Object.assign(
          async () => {
            if (releases++ === 0) throw new Error("Connection is closed.");
          },
          {
            takeOver: async () => {
              if (releases++ === 0) throw new Error("Connection is closed.");
              return undefined;
            },
          },
        ),
    });
    const ctx = { logger, attempt: 1, maxAttempts: 3, retryLater: async () => expect.unreachable() as never };
    await deliverySendJob.handle(
      { ...deps, limiter: failing },
      { deliveryId: d!.id, referralId: r.id, round: d!.round.number, providerId: d!.providerId },
      ctx,
    );
    expect((await db.delivery.findUniqueOrThrow({ where: { id: d!.id } })).state).toBe("delivered");
    expect(receivers.accepted).toHaveLength(1);
  });

  it("leaves a delivery a lane took over to that lane, and sends it once that lane's take-over has run out", async () => {
    // A limiter whose slots (and so take-overs) last 500 ms, so that a lane's can run out within the test.
    const short = new DestinationLimiter(redis, config.REDIS_PREFIX, LIMIT, 500);
    const r = await raise();
    const [row] = await db.delivery.findMany({ where: { round: { referralId: r.id } }, select: sendPayloadSelect });
    const payload = sendPayloadOf(row!);
    const waiter = { queue: deliverySendJob.name, jobId: deliverySendJob.jobId(payload) };
    // The relay listed the send as waiting; a lane finishing another send on the host takes it over and claims it.
    await short.parkQueued(payload.destination, [waiter]);
    const lane = await short.acquire(payload.destination, { queues });
    const taken = await lane!.takeOver(() => true);
    expect(taken?.waiter).toEqual(waiter);
    const job = { referralId: r.id, round: payload.round, providerId: payload.providerId };
    expect(await claimPendingDelivery(db, job, new Date())).toBeDefined();

    // The send's own job runs meanwhile (its backstop ran out): it must not send it too, but look again later,
    // since the lane's send may fail and leave it due.
    let delayedFor: number | undefined;
    const later = {
      logger,
      attempt: 1,
      maxAttempts: 3,
      retryLater: async (ms: number) => {
        delayedFor = ms;
        throw new Error("delayed");
      },
    };
    await expect(deliverySendJob.handle({ ...deps, limiter: short }, payload, later)).rejects.toThrow("delayed");
    expect(delayedFor).toBe(short.backstopMs);
    expect(receivers.accepted).toHaveLength(0);
    expect(await db.delivery.findUniqueOrThrow({ where: { id: row!.id } })).toMatchObject({
      state: "sending",
      attempts: 1,
    });

    // The lane's worker died mid-send: once its take-over has run out, the job sends it (the same message id).
    await taken!.release();
    await new Promise((r) => setTimeout(r, 600));
    const ctx = { logger, attempt: 2, maxAttempts: 3, retryLater: async () => expect.unreachable() as never };
    await deliverySendJob.handle({ ...deps, limiter: short }, payload, ctx);
    expect(receivers.accepted).toHaveLength(1);
    expect(await db.delivery.findUniqueOrThrow({ where: { id: row!.id } })).toMatchObject({
      state: "delivered",
      attempts: 2,
    });
  });
});
