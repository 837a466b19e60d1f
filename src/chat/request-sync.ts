// Something changed for a referral: mark its threads as behind and queue a sync per platform. The mark lives in
// PostgreSQL, so if Redis loses the job the reconciler queues it again.
import type { Db } from "../db.js";
import type { Clock } from "../ports.js";
import { chatSyncContract as chatSyncJob } from "../queue/contracts.js";
import type { JobQueues } from "../queue/queues.js";
import type { Platform } from "./port.js";

export interface RequestSyncDeps {
  db: Db;
  clock: Clock;
  queues: JobQueues;
  coalesceMs: number;
}

export async function requestThreadSync(deps: RequestSyncDeps, referralId: string): Promise<void> {
  const now = deps.clock.now();
  await deps.db.chatLink.updateMany({ where: { referralId, dirtySince: null }, data: { dirtySince: now } });
  const links = await deps.db.chatLink.findMany({ where: { referralId }, select: { platform: true } });
  await enqueueSyncs(
    deps,
    links.map((l) => ({ referralId, platform: l.platform as Platform })),
  );
}

/** Job states in which a sync has not finished yet: an event now may come too late for its snapshot. */
const UNFINISHED = new Set(["active", "waiting", "delayed", "prioritized", "waiting-children"]);

/**
 * Leading and trailing edge, per thread: a thread with no sync in this window (and none still running from the
 * last one) is synced at once, so a quiet thread shows an event without waiting; events that come while a sync is
 * pending or running, or after one already ran in this window, share one trailing sync at the window's end, so a
 * burst still makes one sync a window. Nothing is lost: a sync reads PostgreSQL when it runs, and an event after a
 * sync started always adds the trailing one. Job ids are per window, so repeats (and the reconciler) add nothing.
 */
export async function enqueueSyncs(deps: RequestSyncDeps, targets: { referralId: string; platform: Platform }[]) {
  const nowMs = Date.now();
  const bucket = Math.floor(nowMs / deps.coalesceMs);
  const queue = deps.queues.queue(chatSyncJob.name);
  const busy = await Promise.all(
    targets.map(async (t) => {
      const [current, previous] = await Promise.all(
        [bucket, bucket - 1].map((b) => queue.getJobState(chatSyncJob.jobId({ ...t, bucket: b }))),
      );
      // This window's sync exists (even finished: one leading sync a window), or the last window's is not done.
      return current !== "unknown" || UNFINISHED.has(previous!);
    }),
  );
  const now = targets.filter((_, i) => !busy[i]);
  const later = targets.filter((_, i) => busy[i]);
  await deps.queues.add(
    chatSyncJob,
    now.map((t) => ({ ...t, bucket })),
    { attempts: 10 },
  );
  await deps.queues.add(
    chatSyncJob,
    later.map((t) => ({ ...t, bucket: bucket + 1 })),
    { attempts: 10, delayMs: (bucket + 1) * deps.coalesceMs - nowMs },
  );
}
