// The deliveries of one referral ask for a thread sync at most twice per window (the leading ask and the one that
// gets the trailing sync); the rest ride on that trailing sync. Without Redis everyone asks, and PostgreSQL still
// records that the thread is behind, for the reconciler.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { requestThreadSyncGated } from "../../src/delivery/sync-gate.js";
import { JobQueues } from "../../src/jobs/queues.js";
import { systemClock } from "../../src/ports.js";
import { chatSyncContract } from "../../src/queue/contracts.js";
import { raiseReferral } from "../../src/referrals/raise.js";
import { capturingLogger, freshLot, isolatedEnv, socialWorker } from "../helpers/env.js";
import { makeProvider, referralInput } from "../helpers/referrals.js";

// A window far longer than the test, so all its asks fall in one window.
const WINDOW_MS = 3_600_000;

let db: Db;
let config: Config;
let redis: Redis;
let queues: JobQueues;

beforeAll(async () => {
  ({ db, config } = await isolatedEnv("sync-gate"));
  redis = new Redis(config.REDIS_URL);
  queues = new JobQueues(redis, config.REDIS_PREFIX);
});
afterAll(async () => {
  await queues.close();
  await redis.quit();
  await db.$disconnect();
});

async function referralWithThread() {
  const lot = await freshLot(db);
  await makeProvider(db, lot.id);
  const r = await raiseReferral({ db, clock: systemClock, config }, referralInput(lot.number), socialWorker());
  await db.chatLink.create({ data: { referralId: r.id, platform: "slack", channelId: "C-GATE" } });
  return r.id;
}

describe("thread-sync gate", () => {
  it("lets the first two asks in a window through and covers the rest with the trailing sync", async () => {
    const referralId = await referralWithThread();
    const deps = { db, clock: systemClock, queues, coalesceMs: WINDOW_MS, logger: capturingLogger().logger };
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push(await requestThreadSyncGated(deps, referralId));
    expect(outcomes).toEqual(["asked", "asked", "covered", "covered", "covered"]);

    // The second ask queued the trailing sync at the window's end: it reads PostgreSQL after every covered ask.
    const window = Math.floor(Date.now() / WINDOW_MS);
    const queue = queues.queue(chatSyncContract.name);
    const state = (bucket: number) =>
      queue.getJobState(chatSyncContract.jobId({ referralId, platform: "slack", bucket }));
    expect(await state(window)).not.toBe("unknown");
    expect(await state(window + 1)).toBe("delayed");
    expect((await db.chatLink.findFirstOrThrow({ where: { referralId } })).dirtySince).not.toBeNull();
  });

  it("asks Redis at most twice per window when a fan-out's deliveries ask all at once", async () => {
    const referralId = await referralWithThread();
    const deps = { db, clock: systemClock, queues, coalesceMs: WINDOW_MS, logger: capturingLogger().logger };
    const sets: string[] = [];
    const send = redis.sendCommand.bind(redis);
    redis.sendCommand = (command, ...rest) => {
      if (command.name === "set") sets.push(String(command.args[0]));
      return send(command, ...rest);
    };
    let outcomes: string[];
    try {
      outcomes = await Promise.all(Array.from({ length: 8 }, () => requestThreadSyncGated(deps, referralId)));
    } finally {
      redis.sendCommand = send;
    }
    expect(outcomes.filter((o) => o === "asked")).toHaveLength(2);
    // The first two asks take the window's two places; the other six know, without asking Redis, that they are taken.
    expect(sets.filter((k) => k.includes(referralId)).length).toBeLessThanOrEqual(4);
  });

  it("asks PostgreSQL anyway when Redis does not answer", async () => {
    const referralId = await referralWithThread();
    const dead = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0 });
    dead.disconnect();
    const deadQueues = new JobQueues(dead, config.REDIS_PREFIX);
    const { logger, lines } = capturingLogger();
    const deps = { db, clock: systemClock, queues: deadQueues, coalesceMs: WINDOW_MS, logger };
    // Queuing the sync needs Redis too, so the ask fails after it marked the thread as behind in PostgreSQL.
    await expect(requestThreadSyncGated(deps, referralId)).rejects.toThrow();
    expect(lines.some((l) => l.includes("sync gate unavailable"))).toBe(true);
    expect((await db.chatLink.findFirstOrThrow({ where: { referralId } })).dirtySince).not.toBeNull();
    await deadQueues.close().catch(() => undefined);
  });
});
