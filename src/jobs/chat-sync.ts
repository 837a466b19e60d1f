// Updates a referral's chat thread on one platform. Jobs are keyed by a window (CHAT_COALESCE_MS, one second):
// an idle thread's first event is synced at once, and later events share one sync at the window's end (bursts
// coalesce); see enqueueSyncs in src/chat/request-sync.ts.
import { SyncLater, syncThread } from "../chat/sync.js";
import { DeliveryError } from "../errors.js";
import { chatThrottlesTotal } from "../observability/metrics.js";
import { chatSyncContract } from "../queue/contracts.js";
import type { JobDeps } from "./deps.js";
import type { JobType } from "./job-type.js";

export const chatSyncJob: JobType<typeof chatSyncContract.payload, JobDeps> = {
  ...chatSyncContract,
  async handle(deps, p, ctx) {
    try {
      await syncThread(deps, p.referralId, p.platform);
    } catch (err) {
      if (err instanceof SyncLater) return ctx.retryLater(err.ms);
      // The platform's 429: wait as long as it asks, without using up an attempt.
      if (err instanceof DeliveryError && err.status === 429) {
        chatThrottlesTotal.inc({ platform: p.platform, reason: "rate_limited" });
        return ctx.retryLater(err.retryAfterMs ?? 1000);
      }
      throw err;
    }
  },
};
