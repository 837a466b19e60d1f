// A round's sends and what a delivery job's handler needs to send them, with no worker: for tests that run a
// delivery-batch job's handler themselves. Each provider has an email domain of its own unless `destination`
// puts them all on one; the deps have no channel (the test gives its own).
import { expect } from "vitest";
import { ChatChannelLimiter } from "../../src/chat/channel-limiter.js";
import { DestinationLimiter } from "../../src/delivery/destination-limiter.js";
import type { JobDeps } from "../../src/jobs/deps.js";
import { JobQueues } from "../../src/jobs/queues.js";
import { systemClock } from "../../src/ports.js";
import { createRedis } from "../../src/redis.js";
import { capturingLogger, freshLot, isolatedEnv } from "./env.js";
import { makeProvider, openReferralWithDeliveries } from "./referrals.js";

export async function roundSends(
  tag: string,
  opts: { providers: number; limit: number; slotTtlMs?: number; destination?: string },
) {
  const { db, config } = await isolatedEnv(tag);
  const redis = createRedis(config.REDIS_URL);
  const queues = new JobQueues(redis, config.REDIS_PREFIX);
  const lot = await freshLot(db);
  const providers = [];
  for (let i = 0; i < opts.providers; i++) providers.push(await makeProvider(db, lot.id));
  const r = await openReferralWithDeliveries(
    { db, clock: systemClock, config },
    lot.number,
    providers.map((p) => p.id),
  );
  const sends = providers.map((p, i) => ({
    deliveryId: r.deliveryIds[i]!,
    providerId: p.id,
    referralId: r.id,
    round: 1,
    destination: opts.destination ?? `email:${p.email!.split("@")[1]}`,
  }));
  const limiter = new DestinationLimiter(redis, config.REDIS_PREFIX, opts.limit, opts.slotTtlMs ?? 30_000);
  const deps = {
    db,
    clock: systemClock,
    logger: capturingLogger().logger,
    config,
    channels: {},
    limiter,
    queues,
    subscribers: [],
    chats: {},
    chatLimiter: new ChatChannelLimiter(redis, config.REDIS_PREFIX, 1000),
  } as unknown as JobDeps;
  // A send job's context; nothing here waits for a slot, so being told to run later is a broken test.
  const ctx = { logger: deps.logger, attempt: 1, maxAttempts: 3, retryLater: async () => expect.unreachable() };
  const close = async () => {
    await queues.close();
    await redis.quit();
    await db.$disconnect();
  };
  return { db, config, redis, queues, sends, limiter, deps, ctx, close };
}
