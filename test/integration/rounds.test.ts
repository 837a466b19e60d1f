// The round clock with a fixed time: reminders at the configured point, rounds closing on time, recirculation
// to everyone but lasting decliners (with new links), old links refused, expiry after the last round.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookChannel } from "../../adapters/webhook/webhook-channel.js";
import { ChatChannelLimiter } from "../../src/chat/channel-limiter.js";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { DestinationLimiter } from "../../src/delivery/destination-limiter.js";
import { closeDueRounds, enqueueDueReminders } from "../../src/delivery/round-sweep.js";
import { ConflictError } from "../../src/errors.js";
import { deliveryRemindJob } from "../../src/jobs/delivery-remind.js";
import { JobQueues } from "../../src/jobs/queues.js";
import { approveOffer } from "../../src/referrals/decisions.js";
import { raiseReferral } from "../../src/referrals/raise.js";
import { recordResponse } from "../../src/referrals/responses.js";
import { resolveResponseToken } from "../../src/responses/resolve.js";
import { responseTokenFor } from "../../src/responses/tokens.js";
import { art, capturingLogger, fixedClock, freshLot, isolatedEnv, socialWorker } from "../helpers/env.js";
import { WebhookReceivers } from "../helpers/receivers.js";
import { makeProvider, referralInput } from "../helpers/referrals.js";

const clock = fixedClock("2026-11-23T09:00:00Z");
let db: Db;
let config: Config;
let redis: Redis;
let queues: JobQueues;
const deps = () => ({ db, clock, config, queues });

beforeAll(async () => {
  ({ db, config } = await isolatedEnv("rounds", { MAX_ROUNDS: "2" }));
  redis = new Redis(config.REDIS_URL);
  queues = new JobQueues(redis, config.REDIS_PREFIX);
});
afterAll(async () => {
  await queues.close();
  await redis.quit();
  await db.$disconnect();
});

const at = (iso: string) => clock.set(iso);
const events = async (referralId: string) =>
  (await db.outboxEvent.findMany({ where: { kind: "event" }, orderBy: { id: "asc" } }))
    .map(
      (e) =>
        e.payload as { type: string; referralId: string; outcome?: string; roundNumber?: number; deliveries?: number },
    )
    .filter((e) => e.referralId === referralId);

describe("rounds, reminders and recirculation", () => {
  it("reminds, closes, recirculates without lasting decliners, then keeps an approved placement", async () => {
    at("2026-11-23T09:00:00Z");
    const lot = await freshLot(db);
    const [a, b, c, d] = [
      await makeProvider(db, lot.id),
      await makeProvider(db, lot.id),
      await makeProvider(db, lot.id),
      await makeProvider(db, lot.id),
    ];
    const r = await raiseReferral(
      { db, clock, config },
      referralInput(lot.number, {}, {}, clock.now()),
      socialWorker(),
    );
    expect(r.closesAt.toISOString()).toBe("2026-11-30T09:00:00.000Z");
    await db.delivery.updateMany({ where: { round: { referralId: r.id } }, data: { state: "delivered" } });
    const deliveryOf = async (providerId: string, round = 1) =>
      db.delivery.findFirstOrThrow({ where: { providerId, round: { referralId: r.id, number: round } } });

    const offerA = await recordResponse({ db, clock }, (await deliveryOf(a!.id)).id, {
      type: "offer",
      weeklyCostGbp: 4200,
      startDate: "2026-12-01",
      needsMet: "Specialist SEMH home",
    });
    await recordResponse({ db, clock }, (await deliveryOf(b!.id)).id, { type: "decline", reason: "cannot_meet_needs" });
    await recordResponse({ db, clock }, (await deliveryOf(c!.id)).id, { type: "decline", reason: "no_vacancy" });

    at("2026-11-28T09:00:00Z"); // 71% of the round: too early
    expect(await enqueueDueReminders(deps())).toBe(0);
    at("2026-11-28T12:00:00Z"); // 73%... still early
    expect(await enqueueDueReminders(deps())).toBe(0);
    at("2026-11-28T18:00:00Z"); // 77%: only D, who has not answered, is reminded
    expect(await enqueueDueReminders(deps())).toBe(1);
    expect(await enqueueDueReminders(deps())).toBe(1); // asked again: still one job (deterministic id)
    const dDelivery = await deliveryOf(d!.id);
    const reminderJob = await queues
      .queue(deliveryRemindJob.name)
      .getJob(deliveryRemindJob.jobId({ deliveryId: dDelivery.id }));
    expect(reminderJob?.data).toEqual({ deliveryId: dDelivery.id });
    expect(await queues.queue(deliveryRemindJob.name).count()).toBe(1);

    at("2026-11-30T08:59:00Z");
    expect(await closeDueRounds(deps())).toBe(0);
    at("2026-11-30T09:00:00Z");
    expect(await closeDueRounds(deps())).toBe(1);
    expect((await db.referral.findUniqueOrThrow({ where: { id: r.id } })).status).toBe("recirculated");
    const round2 = await db.round.findFirstOrThrow({
      where: { referralId: r.id, number: 2 },
      include: { deliveries: true },
    });
    expect(round2.closesAt.toISOString()).toBe("2026-12-07T09:00:00.000Z");
    expect(round2.deliveries.map((x) => x.providerId).sort()).toEqual([a!.id, c!.id, d!.id].sort()); // not B
    expect(new Set(round2.deliveries.map((x) => x.tokenHash)).size).toBe(3);

    // The round-1 link no longer works; the round-2 link does.
    const oldToken = responseTokenFor(config.RESPONSE_TOKEN_SECRET, dDelivery.id);
    await expect(resolveResponseToken({ db, clock }, oldToken)).rejects.toBeInstanceOf(ConflictError);
    const newToken = responseTokenFor(config.RESPONSE_TOKEN_SECRET, (await deliveryOf(d!.id, 2)).id);
    expect((await resolveResponseToken({ db, clock }, newToken)).roundNumber).toBe(2);

    // A's round-1 offer still stands and can be approved after the recirculation.
    // Placing closes the open round at once (its links refuse from now), so the clock has nothing left to close.
    const placedAt = clock.now();
    expect((await approveOffer({ db, clock, thresholdPence: 500_000 }, offerA.id, art())).status).toBe("placed");
    expect((await db.round.findFirstOrThrow({ where: { referralId: r.id, number: 2 } })).closedAt).toEqual(placedAt);
    at("2026-12-07T09:00:00Z");
    expect(await closeDueRounds(deps())).toBe(0);
    expect((await db.referral.findUniqueOrThrow({ where: { id: r.id } })).status).toBe("placed");
    expect(await db.round.count({ where: { referralId: r.id } })).toBe(2);

    expect((await events(r.id)).filter((e) => e.type.startsWith("round.") || e.type === "referral.placed")).toEqual([
      expect.objectContaining({ type: "round.opened", roundNumber: 1, deliveries: 4 }),
      expect.objectContaining({ type: "round.opened", roundNumber: 2, deliveries: 3 }),
      expect.objectContaining({ type: "round.closed", roundNumber: 1, outcome: "recirculated" }),
      expect.objectContaining({ type: "referral.placed", responseId: offerA.id }),
    ]);
  });

  it("expires a referral when its last round closes unplaced; emergencies run on hours", async () => {
    at("2026-11-23T09:00:00Z");
    const lot = await freshLot(db);
    await makeProvider(db, lot.id);
    const r = await raiseReferral(
      { db, clock, config },
      referralInput(lot.number, { urgency: "emergency" }, {}, clock.now()),
      socialWorker(),
    );
    expect(r.closesAt.toISOString()).toBe("2026-11-23T13:00:00.000Z"); // 4 hours
    at("2026-11-23T13:00:00Z");
    await closeDueRounds(deps());
    expect((await db.referral.findUniqueOrThrow({ where: { id: r.id } })).status).toBe("recirculated");
    // The provider received round 2; on expiry it is told once that the referral closed.
    await db.delivery.updateMany({ where: { round: { referralId: r.id } }, data: { state: "delivered" } });
    at("2026-11-23T17:00:00Z");
    await closeDueRounds(deps());
    expect((await db.referral.findUniqueOrThrow({ where: { id: r.id } })).status).toBe("expired"); // MAX_ROUNDS=2
    expect(await db.round.count({ where: { referralId: r.id, closedAt: null } })).toBe(0);
    expect(await db.providerMessage.count({ where: { delivery: { round: { referralId: r.id } } } })).toBe(1);
    expect(
      await db.providerMessage.count({
        where: { kind: "referral_closed", delivery: { round: { referralId: r.id, number: 2 } } },
      }),
    ).toBe(1);
    expect((await events(r.id)).map((e) => e.type)).toContain("referral.expired");
  });

  it("sends the reminder once, by the provider's channel, with its own stable message id", async () => {
    at("2026-11-23T09:00:00Z");
    const receivers = new WebhookReceivers();
    await receivers.start();
    try {
      const lot = await freshLot(db);
      await db.provider.create({
        data: {
          name: "Reminded Home",
          webhookUrl: receivers.urlFor("/remind"),
          webhookSecret: receivers.secretFor("/remind"),
          needsCovered: ["SEMH"],
          lots: { create: { lotId: lot.id } },
        },
      });
      const r = await raiseReferral(
        { db, clock, config },
        referralInput(lot.number, {}, {}, clock.now()),
        socialWorker(),
      );
      const delivery = await db.delivery.findFirstOrThrow({ where: { round: { referralId: r.id } } });
      await db.delivery.update({ where: { id: delivery.id }, data: { state: "delivered" } });
      const jobDeps = {
        db,
        clock,
        config,
        queues,
        logger: capturingLogger().logger,
        subscribers: [],
        channels: { webhook: new WebhookChannel({ timeoutMs: 2000, allowLoopback: true }) },
        limiter: new DestinationLimiter(redis, config.REDIS_PREFIX, 4, 30_000),
        chats: {},
        chatLimiter: new ChatChannelLimiter(redis, config.REDIS_PREFIX, 1000),
      };
      const ctx = {
        logger: jobDeps.logger,
        attempt: 1,
        maxAttempts: 3,
        retryLater: async () => expect.unreachable() as never,
      };
      at("2026-11-28T18:00:00Z");
      await deliveryRemindJob.handle(jobDeps, { deliveryId: delivery.id }, ctx);
      await deliveryRemindJob.handle(jobDeps, { deliveryId: delivery.id }, ctx); // a repeat sends nothing
      expect(receivers.accepted).toHaveLength(1);
      expect(receivers.accepted[0]).toMatchObject({
        id: `${delivery.id}.reminder`,
        body: { type: "referral.reminder" },
      });
      expect((await db.delivery.findUniqueOrThrow({ where: { id: delivery.id } })).reminderSentAt?.toISOString()).toBe(
        "2026-11-28T18:00:00.000Z",
      );
    } finally {
      await receivers.stop();
    }
  });
});
