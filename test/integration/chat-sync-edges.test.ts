// When a thread sync is queued, as BullMQ holds it: an event on an idle thread is synced at once (no wait for
// the coalescing window); events while a sync is pending or running share exactly one trailing sync at the
// window's end, so nothing that happened during a sync is left unshown.
import { randomUUID } from "node:crypto";
import { type Job, Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueSyncs, type RequestSyncDeps } from "../../src/chat/request-sync.js";
import { chatSyncJob } from "../../src/jobs/chat-sync.js";
import { JobQueues } from "../../src/jobs/queues.js";
import { systemClock } from "../../src/ports.js";
import { testConfig, testDb } from "../helpers/env.js";

// A long window, so that a test's steps fall in one window (the rule holds across a boundary too).
const WINDOW_MS = 60_000;
let redis: Redis;
let deps: RequestSyncDeps;
let prefix: string;

beforeAll(() => {
  const config = testConfig();
  prefix = `${config.REDIS_PREFIX}-sync-edges`;
  redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  deps = { db: testDb(), clock: systemClock, queues: new JobQueues(redis, prefix), coalesceMs: WINDOW_MS };
});
afterAll(async () => {
  await deps.queues.close();
  await redis.quit();
});

const queue = () => deps.queues.queue(chatSyncJob.name);
/** The sync jobs of one thread, by state. */
async function jobsOf(referralId: string) {
  const [waiting, delayed, active] = await Promise.all([
    queue().getWaiting(),
    queue().getDelayed(),
    queue().getActive(),
  ]);
  const mine = (jobs: Job[]) => jobs.filter((j) => j.data.referralId === referralId);
  return { waiting: mine(waiting), delayed: mine(delayed), active: mine(active) };
}

describe("thread sync: leading and trailing edge", () => {
  it("syncs an idle thread at once, and coalesces events during a pending sync into one trailing sync", async () => {
    const thread = { referralId: randomUUID(), platform: "slack" as const };
    await enqueueSyncs(deps, [thread]);
    const first = await jobsOf(thread.referralId);
    expect(first.waiting).toHaveLength(1); // ready to run now, not waiting for the window
    expect(first.waiting[0]!.opts.delay ?? 0).toBe(0);
    expect(first.delayed).toHaveLength(0);

    // Three more events while that sync is still pending: one trailing sync, at the window's end.
    for (let i = 0; i < 3; i++) await enqueueSyncs(deps, [thread]);
    const later = await jobsOf(thread.referralId);
    expect(later.waiting).toHaveLength(1);
    expect(later.delayed).toHaveLength(1);
    expect(later.delayed[0]!.opts.delay).toBeGreaterThan(0);
    expect(later.delayed[0]!.opts.delay).toBeLessThanOrEqual(WINDOW_MS);

    // Another thread is idle: it does not wait behind this one.
    const other = { referralId: randomUUID(), platform: "teams" as const };
    await enqueueSyncs(deps, [other]);
    expect((await jobsOf(other.referralId)).waiting).toHaveLength(1);
  });

  it("adds one more sync after a running one for an event that came while it ran", async () => {
    const thread = { referralId: randomUUID(), platform: "teams" as const };
    // A worker that only takes jobs (no processor): the job it takes is running, as a sync would be.
    const worker = new Worker(chatSyncJob.name, null, { connection: redis, prefix, autorun: false });
    try {
      await enqueueSyncs(deps, [thread]);
      let running: Job | undefined;
      for (let i = 0; i < 50 && running?.data.referralId !== thread.referralId; i++)
        running = await worker.getNextJob(randomUUID());
      expect(running?.data.referralId).toBe(thread.referralId);
      expect((await jobsOf(thread.referralId)).active).toHaveLength(1);

      await enqueueSyncs(deps, [thread]);
      await enqueueSyncs(deps, [thread]);
      const after = await jobsOf(thread.referralId);
      expect(after.waiting).toHaveLength(0);
      expect(after.delayed).toHaveLength(1);
    } finally {
      await worker.close(true);
    }
  });
});
