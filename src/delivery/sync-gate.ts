// A fan-out delivers to hundreds of providers for one referral within seconds, and each delivery changes the
// card's count of providers reached. Asking for a thread sync costs an UPDATE and a SELECT on the chat links, so
// the deliveries of one referral ask at most twice per sync window: the first (a leading sync) and the second
// (which gets the trailing sync at the window's end, see enqueueSyncs); the rest of the window rides on that
// trailing sync, which reads PostgreSQL after the window ends. Redis `SET NX` decides who asks; if Redis does
// not answer, everyone asks (PostgreSQL stays the truth, and the reconciler re-syncs a thread left marked).
import { type RequestSyncDeps, requestThreadSync } from "../chat/request-sync.js";
import type { Logger } from "../logger.js";
import type { JobQueues } from "../queue/queues.js";

export type SyncGateDeps = Omit<RequestSyncDeps, "queues"> & { queues: JobQueues; logger: Logger };

/** Asks for a sync of the referral's threads, unless this window's leading and trailing asks were made. */
export async function requestThreadSyncGated(deps: SyncGateDeps, referralId: string): Promise<"asked" | "covered"> {
  if (await firstTwoInWindow(deps, referralId)) {
    await requestThreadSync(deps, referralId);
    return "asked";
  }
  return "covered";
}

// Windows this process has seen fully asked for (both asks taken): later deliveries in them skip Redis too.
const covered = new Map<string, number>();

async function firstTwoInWindow(deps: SyncGateDeps, referralId: string): Promise<boolean> {
  const window = Math.floor(Date.now() / deps.coalesceMs);
  const key = `${deps.queues.prefix}:syncgate:${referralId}:${window}`;
  if (covered.has(key)) return false;
  try {
    const redis = deps.queues.connection;
    if ((await redis.set(key, "1", "PX", deps.coalesceMs * 2, "NX")) === "OK") return true;
    if ((await redis.set(`${key}:trailing`, "1", "PX", deps.coalesceMs * 2, "NX")) === "OK") return true;
    remember(key, window);
    return false;
  } catch (err) {
    deps.logger.warn({ error: (err as Error).message.slice(0, 200) }, "sync gate unavailable: asking anyway");
    return true;
  }
}

function remember(key: string, window: number) {
  if (covered.size >= 1000) for (const [k, w] of covered) if (w < window) covered.delete(k);
  covered.set(key, window);
}
