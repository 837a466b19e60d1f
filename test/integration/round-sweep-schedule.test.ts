// The round clock runs as a BullMQ job scheduler: a round that is due closes on the next tick, the referral is
// recirculated, and both events reach the referral's thread through the chat sync. The scheduler survives losing
// its Redis keys (the reconciler puts it back) and a restart (upserted again, still one).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookChannel } from "../../adapters/webhook/webhook-channel.js";
import { submitReferral } from "../../src/chat/actions.js";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { JobQueues } from "../../src/jobs/queues.js";
import type { Service } from "../../src/main.js";
import { createRedis, type Redis } from "../../src/redis.js";
import { capturingLogger, fixedClock, freshLot, isolatedEnv, socialWorker } from "../helpers/env.js";
import { eventually, WebhookReceivers } from "../helpers/receivers.js";
import { RecordingChat } from "../helpers/recording-chat.js";
import { referralInput } from "../helpers/referrals.js";
import { startTestService } from "../helpers/service.js";

const clock = fixedClock("2026-11-23T09:00:00Z");
const chat = new RecordingChat("slack");
const receivers = new WebhookReceivers();
let db: Db;
let config: Config;
let redis: Redis;
let queues: JobQueues;
let service: Service;

const start = () =>
  startTestService({
    config,
    logger: capturingLogger().logger,
    role: "worker",
    clock,
    chats: { slack: chat },
    channels: { webhook: new WebhookChannel({ timeoutMs: 2000, allowLoopback: true }) },
  });

beforeAll(async () => {
  await receivers.start();
  ({ db, config } = await isolatedEnv("sweepsched", {
    ROUND_SWEEP_INTERVAL_MS: "1000",
    RECONCILE_INTERVAL_MS: "300",
    CHAT_COALESCE_MS: "100",
    CHAT_CHANNEL_INTERVAL_MS: "0",
  }));
  redis = createRedis(config.REDIS_URL);
  queues = new JobQueues(redis, config.REDIS_PREFIX);
  service = await start();
});
afterAll(async () => {
  await service.close();
  await queues.close();
  await redis.quit();
  await db.$disconnect();
  await receivers.stop();
});

const roundItems = () =>
  chat
    .items()
    .filter((i) => i.kind === "round_opened" || i.kind === "round_closed")
    .map(
      (i) => `${i.kind}:${"roundNumber" in i ? i.roundNumber : ""}${i.kind === "round_closed" ? `:${i.outcome}` : ""}`,
    );

describe("the round sweep as a job scheduler", () => {
  it("closes a due round on its own, recirculates, and shows both in the thread", async () => {
    const lot = await freshLot(db);
    await db.provider.create({
      data: {
        name: "Sweep Home",
        webhookUrl: receivers.urlFor("/sweep"),
        webhookSecret: receivers.secretFor("/sweep"),
        needsCovered: ["SEMH"],
        lots: { create: { lotId: lot.id } },
      },
    });
    const core = { db, clock, config, queues, logger: capturingLogger().logger };
    const raised = await submitReferral(core, {
      platform: "slack",
      channelId: "C0REF",
      actor: socialWorker(),
      input: referralInput(lot.number, { urgency: "emergency" }, {}, clock.now()),
      sourceKey: "test:sweep-1",
    });
    if (!raised.ok) throw new Error("not raised");
    await eventually(() => roundItems().includes("round_opened:1"), "round 1 in the thread");

    clock.set("2026-11-23T13:00:01Z"); // the emergency round (4 hours) is now due
    await eventually(
      async () => (await db.referral.findUniqueOrThrow({ where: { id: raised.referralId } })).status === "recirculated",
      "recirculated by the scheduled sweep",
    );
    await eventually(
      () => ["round_closed:1:recirculated", "round_opened:2"].every((k) => roundItems().includes(k)),
      "round events in the thread",
    );
    expect(await queues.queue("round-sweep").getJobScheduler("round-sweep")).toMatchObject({ every: 1000 });
  });

  it("comes back after its Redis keys are lost, and after a restart, still as one scheduler", async () => {
    const keys = await redis.keys(`${config.REDIS_PREFIX}:round-sweep:*`);
    expect(keys.length).toBeGreaterThan(0);
    await redis.del(...keys);
    expect(await queues.queue("round-sweep").getJobScheduler("round-sweep")).toBeUndefined();
    await eventually(
      async () => Boolean(await queues.queue("round-sweep").getJobScheduler("round-sweep")),
      "scheduler restored by the reconciler",
    );

    await service.close();
    service = await start();
    expect(await queues.queue("round-sweep").getJobSchedulersCount()).toBe(1);
    expect(await queues.queue("digest").getJobSchedulersCount()).toBe(1);

    // And it still sweeps: round 2 (emergency, opened at 13:00:01) is due four hours later.
    clock.set("2026-11-23T17:00:02Z");
    await eventually(() => roundItems().includes("round_closed:2:recirculated"), "round 2 closed after the loss");
  }, 60_000);
});
