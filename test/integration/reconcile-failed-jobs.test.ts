// A job that used up its attempts for a reason outside the work (here: its handler's database call "failed")
// while PostgreSQL still says the work is due is not left behind: after a cool-off, the reconciler removes the
// failed job and queues the work again. Before the cool-off it is left alone (no hot loop).
import { UnrecoverableError, Worker } from "bullmq";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { deliverySendJob } from "../../src/jobs/delivery-send.js";
import { JobQueues } from "../../src/jobs/queues.js";
import { reconcile } from "../../src/jobs/reconciler.js";
import { systemClock } from "../../src/ports.js";
import { createRedis } from "../../src/redis.js";
import { freshLot, isolatedEnv } from "../helpers/env.js";
import { eventually } from "../helpers/receivers.js";
import { makeProvider, openReferralWithDeliveries } from "../helpers/referrals.js";

let db: Db;
let config: Config;
let queues: JobQueues;
const redis = createRedis("redis://127.0.0.1:6379");

beforeAll(async () => {
  ({ db, config } = await isolatedEnv("failedjobs"));
  queues = new JobQueues(redis, config.REDIS_PREFIX);
});
afterAll(async () => {
  await queues.close();
  await redis.quit();
  await db.$disconnect();
});

it("queues a pending delivery again once its failed job has cooled off", async () => {
  const lot = await freshLot(db);
  const provider = await makeProvider(db, lot.id);
  const r = await openReferralWithDeliveries({ db, clock: systemClock, config }, lot.number, [provider.id]);
  const payload = { deliveryId: r.deliveryIds[0]!, providerId: provider.id, referralId: r.id, round: 1 };
  const jobId = deliverySendJob.jobId(payload);
  await queues.add(deliverySendJob, [payload], { attempts: 1 });

  // A worker whose every attempt dies before it can record anything (as when the database is unreachable).
  const workerRedis = createRedis(config.REDIS_URL, { forWorker: true });
  const worker = new Worker(
    deliverySendJob.name,
    async () => {
      throw new UnrecoverableError("database unreachable");
    },
    { connection: workerRedis, prefix: config.REDIS_PREFIX },
  );
  const queue = queues.queue(deliverySendJob.name);
  await eventually(async () => (await queue.getJobState(jobId)) === "failed", "job failed");
  await worker.close();
  await workerRedis.quit();
  expect((await db.delivery.findUniqueOrThrow({ where: { id: payload.deliveryId } })).state).toBe("pending");

  const deps = { db, queues, config, clock: systemClock, chats: {} };
  // Just failed: left alone for now.
  await reconcile(deps);
  expect(await queue.getJobState(jobId)).toBe("failed");
  // Cooled off: removed and queued again, with its attempts back.
  const result = await reconcile(deps, { failedJobCoolOffMs: 0 });
  expect(result.deliveries).toBe(1);
  expect(await queue.getJobState(jobId)).toBe("waiting");
  expect((await queue.getJob(jobId))?.attemptsMade).toBe(0);
});
