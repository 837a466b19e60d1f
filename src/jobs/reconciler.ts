// Redis is losable: after a FLUSHALL or a restart without persistence the queues are empty. PostgreSQL still
// knows what is due, so this re-enqueues every pending delivery and unprocessed event whose job is gone.
// Deterministic job ids make it harmless when the job is in fact still there.

import type { z } from "zod";
import type { Platform } from "../chat/port.js";
import { enqueueSyncs } from "../chat/request-sync.js";
import { sendPayloadOf, sendPayloadSelect } from "../delivery/claim.js";
import { queueMissedDigest } from "../digest/catch-up.js";
import { councilMessageJob } from "./council-message.js";
import { deliveryBatchJob } from "./delivery-batch.js";
import { deliverySendJob } from "./delivery-send.js";
import type { JobDeps } from "./deps.js";
import { eventDispatchJob } from "./event-dispatch.js";
import type { JobType } from "./job-type.js";
import { providerMessageJob } from "./provider-message.js";
import { ensureSchedules } from "./schedules.js";

const CHUNK = 200;
// A job that used up its attempts while PostgreSQL still says the work is due failed for a reason outside the
// work itself (the database was down, the process kept crashing): it is tried again, but not at once.
export const FAILED_JOB_COOL_OFF_MS = 60_000;

/** Ids whose job is gone (Redis lost it) or failed long enough ago to be tried again; failed ones are removed. */
async function missing(
  deps: Pick<JobDeps, "queues">,
  queueName: string,
  ids: string[],
  coolOffMs = FAILED_JOB_COOL_OFF_MS,
): Promise<Set<string>> {
  const queue = deps.queues.queue(queueName);
  const gone = new Set<string>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const part = ids.slice(i, i + CHUNK);
    const states = await Promise.all(part.map((id) => queue.getJobState(id)));
    await Promise.all(
      states.map(async (s, j) => {
        const id = part[j]!;
        if (s === "unknown") gone.add(id);
        if (s !== "failed") return;
        const job = await queue.getJob(id);
        if (!job || Date.now() - (job.finishedOn ?? 0) < coolOffMs) return;
        await job.remove().catch(() => undefined);
        gone.add(id);
      }),
    );
  }
  return gone;
}

export async function reconcile(
  deps: Pick<JobDeps, "db" | "queues" | "config" | "clock" | "chats">,
  opts: { failedJobCoolOffMs?: number } = {},
): Promise<{
  deliveries: number;
  events: number;
  messages: number;
  threads: number;
  schedules: number;
  digestCatchUp: boolean;
}> {
  // The job schedulers (round sweep, digest) live only in Redis: put back any that went with it, and queue
  // today's digest if its fire time passed while no worker ran or Redis had lost the job.
  const schedules = await ensureSchedules(deps.queues, deps.config, { onlyMissing: true });
  const digestCatchUp = await queueMissedDigest(deps);
  const due = await deps.db.delivery.findMany({
    where: { state: { in: ["pending", "sending"] }, round: { closedAt: null } },
    select: sendPayloadSelect,
  });
  // A delivery a queued or running batch carries has no job of its own, and needs none.
  const inBatches = await batchedDeliveries(deps);
  const payloads = due.map(sendPayloadOf).filter((p) => !inBatches.has(p.deliveryId));
  const requeue = async <S extends z.ZodType>(type: JobType<S, never>, all: z.infer<S>[], attempts: number) => {
    const gone = await missing(
      deps,
      type.name,
      all.map((p) => type.jobId(p)),
      opts.failedJobCoolOffMs,
    );
    const again = all.filter((p) => gone.has(type.jobId(p)));
    await deps.queues.add(type, again, { attempts });
    return again.length;
  };
  const deliveries = await requeue(deliverySendJob, payloads, deps.config.DELIVERY_MAX_ATTEMPTS);

  const events = await deps.db.outboxEvent.findMany({
    where: { kind: "event", dispatchedAt: { not: null }, processedAt: null },
    orderBy: { id: "asc" },
    take: 5000,
  });
  const eventCount = await requeue(
    eventDispatchJob,
    events.map((e) => ({ outboxId: String(e.id), event: e.payload as { type: string } })),
    5,
  );

  const pendingMessages = await deps.db.providerMessage.findMany({
    where: { state: "pending" },
    select: { id: true },
    take: 5000,
  });
  const messages = await requeue(
    providerMessageJob,
    pendingMessages.map((m) => ({ messageId: m.id })),
    deps.config.DELIVERY_MAX_ATTEMPTS,
  );

  const pendingCouncil = await deps.db.councilMessage.findMany({
    where: { state: "pending" },
    select: { id: true },
    take: 5000,
  });
  const councilMessages = await requeue(
    councilMessageJob,
    pendingCouncil.map((m) => ({ messageId: m.id })),
    deps.config.DELIVERY_MAX_ATTEMPTS,
  );

  // Threads marked as behind for a while: their sync job may have gone with Redis. A repeat sync is harmless.
  const stale = await deps.db.chatLink.findMany({
    where: { dirtySince: { lt: new Date(deps.clock.now().getTime() - 10_000) } },
    select: { referralId: true, platform: true },
    take: 1000,
  });
  await enqueueSyncs(
    { ...deps, coalesceMs: deps.config.CHAT_COALESCE_MS },
    stale.map((l) => ({ referralId: l.referralId, platform: l.platform as Platform })),
  );
  return {
    deliveries,
    events: eventCount,
    // Provider and council messages alike: each a message row PostgreSQL says is still to send.
    messages: messages + councilMessages,
    threads: stale.length,
    schedules,
    digestCatchUp,
  };
}

/** The deliveries that batches still to run, or running, carry (read after the due ones: see reconcile). */
async function batchedDeliveries(deps: Pick<JobDeps, "queues">): Promise<Set<string>> {
  const jobs = await deps.queues.queue(deliveryBatchJob.name).getJobs(["active", "waiting", "delayed", "prioritized"]);
  const ids = new Set<string>();
  for (const job of jobs) {
    const parsed = deliveryBatchJob.payload.safeParse(job?.data);
    if (parsed.success) for (const s of parsed.data.sends) ids.add(s.deliveryId);
  }
  return ids;
}
