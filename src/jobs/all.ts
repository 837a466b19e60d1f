// Every job type the worker role runs. Each lives in its own file under src/jobs/.
import { chatSyncJob } from "./chat-sync.js";
import { councilMessageJob } from "./council-message.js";
import { deliveryBatchJob } from "./delivery-batch.js";
import { deliveryRemindJob } from "./delivery-remind.js";
import { deliverySendJob } from "./delivery-send.js";
import type { JobDeps } from "./deps.js";
import { digestJob } from "./digest.js";
import { eventDispatchJob } from "./event-dispatch.js";
import type { JobType } from "./job-type.js";
import { nudgeJob } from "./nudge.js";
import { placementsCsvJob } from "./placements-csv.js";
import { providerMessageJob } from "./provider-message.js";
import { retentionJob } from "./retention.js";
import { roundSweepJob } from "./round-sweep.js";
import { roundWidenJob } from "./round-widen.js";

export function allJobTypes(): JobType<never, JobDeps>[] {
  return [
    deliverySendJob,
    deliveryBatchJob,
    deliveryRemindJob,
    eventDispatchJob,
    chatSyncJob,
    providerMessageJob,
    digestJob,
    roundSweepJob,
    roundWidenJob,
    retentionJob,
    nudgeJob,
    councilMessageJob,
    placementsCsvJob,
  ] as unknown as JobType<never, JobDeps>[];
}
