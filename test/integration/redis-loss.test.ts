// Redis is losable: flush it in the middle of a fan-out to 200 providers and still end with exactly 200
// deliveries, each provider holding exactly one message. This test gets a Redis database index of its own,
// so FLUSHDB here cannot touch other test files' queues.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { WebhookChannel } from "../../adapters/webhook/webhook-channel.js";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import type { Service } from "../../src/main.js";
import { systemClock } from "../../src/ports.js";
import { raiseReferral } from "../../src/referrals/raise.js";
import { capturingLogger, freshLot, isolatedEnv, socialWorker } from "../helpers/env.js";
import { eventually, WebhookReceivers } from "../helpers/receivers.js";
import { referralInput } from "../helpers/referrals.js";
import { startTestService } from "../helpers/service.js";

const DB_INDEX = 1 + (Number.parseInt(inject("redisPrefix").slice(-4), 16) % 15);
const redisUrl = `${inject("redisUrl")}/${DB_INDEX}`;
const receivers = new WebhookReceivers();
let db: Db;
let config: Config;
let service: Service;
let redis: Redis;

beforeAll(async () => {
  await receivers.start();
  ({ db, config } = await isolatedEnv("redisloss", {
    REDIS_URL: redisUrl,
    RECONCILE_INTERVAL_MS: "300",
    WORKER_CONCURRENCY: "20",
    DESTINATION_CONCURRENCY: "20",
  }));
  redis = new Redis(redisUrl);
  service = await startTestService({
    config,
    logger: capturingLogger().logger,
    role: "worker",
    channels: { webhook: new WebhookChannel({ timeoutMs: 5000, allowLoopback: true }) },
  });
});
afterAll(async () => {
  await service.close();
  await redis.flushdb();
  await redis.quit();
  await db.$disconnect();
  await receivers.stop();
});

describe("losing Redis mid fan-out", () => {
  it("FLUSHDB during a 200-provider fan-out still ends with exactly 200 deliveries", async () => {
    receivers.behaviour = () => ({ status: 200, delayMs: 15 });
    const lot = await freshLot(db);
    await db.provider.createMany({
      data: Array.from({ length: 200 }, (_, i) => ({
        name: `Flush Provider ${i}`,
        webhookUrl: receivers.urlFor(`/p${i}`),
        webhookSecret: receivers.secretFor(`/p${i}`),
        needsCovered: ["SEMH"],
      })),
    });
    const ids = await db.provider.findMany({ where: { name: { startsWith: "Flush Provider" } }, select: { id: true } });
    await db.providerLot.createMany({ data: ids.map((p) => ({ providerId: p.id, lotId: lot.id })) });

    const r = await raiseReferral({ db, clock: systemClock, config }, referralInput(lot.number), socialWorker());
    expect(r.deliveries).toBe(200);
    await eventually(() => receivers.accepted.length >= 40, "fan-out under way");
    await redis.flushdb();
    const atFlush = receivers.accepted.length;
    expect(atFlush).toBeLessThan(200); // the flush really happened mid fan-out

    await eventually(
      async () => (await db.delivery.count({ where: { round: { referralId: r.id }, state: "delivered" } })) === 200,
      "all 200 delivered after the flush",
      60_000,
    );
    expect(await db.delivery.count({ where: { round: { referralId: r.id } } })).toBe(200);
    for (let i = 0; i < 200; i++) expect(receivers.uniqueAccepted(`/p${i}`).size).toBe(1);
    expect(receivers.uniqueAccepted().size).toBe(200);
    expect(receivers.badSignatures).toEqual([]);
  });
});
