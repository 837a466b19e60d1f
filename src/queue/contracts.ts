// The job contracts: each job type's name, payload schema and deterministic id. They are the bottom layer of the
// job path: the domain (chat, delivery, referrals, digest) enqueues work through them without knowing the
// handlers, which live in src/jobs/ and import these, so the imports run one way.
import { z } from "zod";

export interface JobContract<S extends z.ZodType = z.ZodType> {
  name: string;
  payload: S;
  /** Deterministic id from the payload, so enqueuing the same work twice yields one job. */
  jobId(payload: z.infer<S>): string;
}

/** Infers the payload type from the schema, so `jobId` is checked against it. */
function jobContract<S extends z.ZodType>(contract: JobContract<S>): JobContract<S> {
  return contract;
}

/** BullMQ ids may not contain ':' (it separates key parts), so ids use '.' between parts. */
export const jobIdOf = (...parts: (string | number)[]) => parts.map(String).join(".");

/** A scheduled or hand-fired run: the trigger names it ("schedule", "catchup-2026-11-30", ...). */
const triggered = z.object({
  trigger: z
    .string()
    .regex(/^[a-z0-9-]{1,40}$/)
    .default("schedule"),
});

export const deliverySendContract = jobContract({
  name: "delivery-send",
  payload: z.object({
    deliveryId: z.uuid(),
    referralId: z.uuid(),
    round: z.number().int(),
    providerId: z.uuid(),
    // Where it goes (destinationOf), so the job can take its destination's slot before it reads anything. Jobs
    // queued without it look it up.
    destination: z.string().max(300).optional(),
  }),
  jobId: (p) => jobIdOf("delivery", p.referralId, p.round, p.providerId),
});

/** Most sends in one delivery-batch job: a lane's size (a destination with more has more lanes). */
export const MAX_BATCH_SENDS = 100;

/**
 * Sends of one round run one after the other in one job (see src/jobs/delivery-batch.ts): to destinations no other
 * send of that round goes to (a batch, made only for a fan-out wide enough to keep every worker slot busy with
 * batches), or all to one destination that has many (a lane). Each send that cannot finish in the batch goes on in
 * a delivery-send job of its own.
 */
export const deliveryBatchContract = jobContract({
  name: "delivery-batch",
  payload: z.object({ sends: z.array(deliverySendContract.payload).min(1).max(MAX_BATCH_SENDS) }),
  jobId: (p) => jobIdOf("batch", p.sends[0]!.referralId, p.sends[0]!.round, p.sends[0]!.providerId),
});

const sendJobIdParts = z.object({ referralId: z.uuid(), round: z.number().int().nonnegative(), providerId: z.uuid() });

/** The delivery a delivery-send job id names (the inverse of its jobId), or undefined for any other id. */
export function deliveryOfSendJobId(
  jobId: string,
): { referralId: string; round: number; providerId: string } | undefined {
  const [kind, referralId, round, providerId, ...rest] = jobId.split(".");
  const parsed = sendJobIdParts.safeParse({ referralId, round: Number(round), providerId });
  return kind === "delivery" && rest.length === 0 && parsed.success ? parsed.data : undefined;
}

export const deliveryRemindContract = jobContract({
  name: "delivery-remind",
  payload: z.object({ deliveryId: z.uuid() }),
  jobId: (p) => jobIdOf("reminder", p.deliveryId),
});

export const providerMessageContract = jobContract({
  name: "provider-message",
  payload: z.object({ messageId: z.uuid() }),
  jobId: (p) => jobIdOf("pmsg", p.messageId),
});

export const eventDispatchContract = jobContract({
  name: "event-dispatch",
  payload: z.object({ outboxId: z.string().regex(/^\d+$/), event: z.looseObject({ type: z.string() }) }),
  jobId: (p) => jobIdOf("event", p.outboxId),
});

/** Updates a referral's chat thread on one platform; `bucket` is the coalescing window (see request-sync). */
export const chatSyncContract = jobContract({
  name: "chat-sync",
  payload: z.object({ referralId: z.uuid(), platform: z.enum(["slack", "teams"]), bucket: z.number().int() }),
  jobId: (p) => jobIdOf("chat-sync", p.platform, p.referralId, p.bucket),
});

export const digestContract = jobContract({
  name: "digest",
  payload: triggered,
  jobId: (p) => jobIdOf("digest", p.trigger),
});

export const roundSweepContract = jobContract({
  name: "round-sweep",
  payload: triggered,
  jobId: (p) => jobIdOf("round-sweep", p.trigger),
});

export const roundWidenContract = jobContract({
  name: "round-widen",
  payload: triggered,
  jobId: (p) => jobIdOf("round-widen", p.trigger),
});

export const nudgeContract = jobContract({
  name: "nudge",
  payload: triggered,
  jobId: (p) => jobIdOf("nudge", p.trigger),
});

export const retentionContract = jobContract({
  name: "retention",
  payload: triggered,
  jobId: (p) => jobIdOf("retention", p.trigger),
});

/** Sends one message (placement.agreed) to the council's own systems; the row's id is the webhook-id. */
export const councilMessageContract = jobContract({
  name: "council-message",
  payload: z.object({ messageId: z.uuid() }),
  jobId: (p) => jobIdOf("council", p.messageId),
});

/** Writes yesterday's placements CSV into PLACEMENTS_CSV_DIR. */
export const placementsCsvContract = jobContract({
  name: "placements-csv",
  payload: triggered,
  jobId: (p) => jobIdOf("placements-csv", p.trigger),
});

/** Every job type's queue. The worker runs a handler for each (src/jobs/all.ts; a test keeps the two alike). */
export const JOB_NAMES: readonly string[] = [
  deliverySendContract,
  deliveryBatchContract,
  deliveryRemindContract,
  providerMessageContract,
  eventDispatchContract,
  chatSyncContract,
  digestContract,
  roundSweepContract,
  roundWidenContract,
  nudgeContract,
  retentionContract,
  councilMessageContract,
  placementsCsvContract,
].map((c) => c.name);
