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
const covered = new Set<string>();
// Asks of this process per window that Redis has answered or is answering. Two are enough to take both places
// (or to learn that others took them), so a third and later need not ask Redis: in a fan-out, dozens of
// deliveries of one referral are recorded at once, before any answer could mark the window covered.
const asking = new Map<string, number>();

async function firstTwoInWindow(deps: SyncGateDeps, referralId: string): Promise<boolean> {
  const window = Math.floor(Date.now() / deps.coalesceMs);
  const key = `${deps.queues.prefix}:syncgate:${referralId}:${window}`;
  if (covered.has(key)) return false;
  const asked = asking.get(key) ?? 0;
  if (asked >= 2) return false;
  prune(asking, window);
  asking.set(key, asked + 1);
  try {
    const redis = deps.queues.connection;
    if ((await redis.set(key, "1", "PX", deps.coalesceMs * 2, "NX")) === "OK") return true;
    if ((await redis.set(`${key}:trailing`, "1", "PX", deps.coalesceMs * 2, "NX")) === "OK") return true;
    prune(covered, window);
    covered.add(key);
    return false;
  } catch (err) {
    // Not an answer: the next delivery asks again.
    asking.set(key, (asking.get(key) ?? 1) - 1);
    deps.logger.warn({ error: (err as Error).message.slice(0, 200) }, "sync gate unavailable: asking anyway");
    return true;
  }
}

/** Drops earlier windows' entries (a key ends with its window) once there are many. */
function prune(entries: Set<string> | Map<string, number>, window: number) {
  if (entries.size < 1000) return;
  for (const key of entries.keys()) if (Number(key.slice(key.lastIndexOf(":") + 1)) < window) entries.delete(key);
}
