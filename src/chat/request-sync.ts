// Something changed for a referral: mark its threads as behind and queue a sync per platform. The mark lives in
// PostgreSQL, so if Redis loses the job the reconciler queues it again.
import type { Db } from "../db.js";
import { chatSyncJob } from "../jobs/chat-sync.js";
import type { JobQueues } from "../jobs/queues.js";
import type { Clock } from "../ports.js";
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

export async function enqueueSyncs(deps: RequestSyncDeps, targets: { referralId: string; platform: Platform }[]) {
  const nowMs = Date.now();
  const bucket = Math.floor(nowMs / deps.coalesceMs);
  const delayMs = (bucket + 1) * deps.coalesceMs - nowMs;
  await deps.queues.add(
    chatSyncJob,
    targets.map((t) => ({ ...t, bucket })),
    { attempts: 10, delayMs },
  );
}
