// Sends a round's referral to one provider. Idempotent: a delivered or failed delivery is never sent again,
// and a retry after a crash mid-send reuses the same message id, which the receiver uses to drop the repeat.
import {
  type ClaimedDelivery,
  claimDelivery,
  claimPendingDelivery,
  claimStuckDelivery,
  destinationOfDelivery,
  unclaimedReason,
} from "../delivery/claim.js";
import { channelOfDestination, type Release, type Waiter } from "../delivery/destination-limiter.js";
import { FAILURE_REASONS } from "../delivery/failure-reasons.js";
import { finishAllDelivered, releaseForRetry } from "../delivery/finish.js";
import { outboundFor } from "../delivery/outbound.js";
import { requestThreadSyncGated } from "../delivery/sync-gate.js";
import { DeliveryError } from "../errors.js";
import { recordEvent } from "../events.js";
import { deliveriesTotal, roundFanOut } from "../observability/metrics.js";
import type { DeliveryChannelPort } from "../ports.js";
import { deliveryOfSendJobId, deliverySendContract } from "../queue/contracts.js";
import { writeAudit } from "../referrals/audit.js";
import type { JobDeps } from "./deps.js";
import { takeDestinationSlot } from "./destination-slot.js";
import type { JobContext, JobType } from "./job-type.js";

export const deliverySendJob: JobType<typeof deliverySendContract.payload, JobDeps> = {
  ...deliverySendContract,
  async handle(deps, p, ctx) {
    // The destination's slot comes first: a job that must wait has read nothing, and parks until a slot frees.
    const destination = p.destination ?? (await destinationOfDelivery(deps.db, p.deliveryId));
    if (!destination) return;
    const channelName = channelOfDestination(destination);
    const channel = deps.channels[channelName];
    if (!channel) {
      throw new DeliveryError(
        `no ${channelName} channel is configured`,
        undefined,
        undefined,
        undefined,
        FAILURE_REASONS.noChannel,
      );
    }
    const waiter = { queue: deliverySendContract.name, jobId: deliverySendContract.jobId(p) };
    let release = await takeDestinationSlot(deps, destination, waiter, ctx);
    try {
      // Loads and claims the delivery in one statement.
      const d =
        (await claimDelivery(deps.db, p.deliveryId, deps.clock.now())) ??
        (await claimUnclaimed(deps, p.deliveryId, destination, waiter, ctx));
      if (!d) return;
      let next = await sendClaimed(deps, d, channel, ctx, release);
      // The destination's sends waiting for a slot run here, on the slot this job holds, one after the other:
      // waking each one's own job instead (promote, fetch, run, complete) cost the worker about twice the CPU per
      // delivery of a fan-out to distinct hosts.
      const lane: Lane = { recording: Promise.resolve() };
      try {
        while (next) {
          release = next.release;
          next = await sendTakenOver(deps, next.waiter, channel, ctx, release, lane);
        }
      } finally {
        await lane.recording;
      }
    } finally {
      await release(); // runs once: a send that got an answer has released (or passed on) its slot already
    }
  },
};

/**
 * A delivery that was not pending. Delivered, failed or gone: nothing to do. Still due but its round closed: it
 * will never be sent. Left `sending`: either a job sending this destination's waiting sends took it over (this
 * job's backstop ran out first), and that job sends it, so this one looks again after another backstop, in case
 * that send fails and leaves it due; or the send died with its worker, and this job sends it again.
 */
async function claimUnclaimed(
  deps: JobDeps,
  deliveryId: string,
  destination: string,
  waiter: Waiter,
  ctx: JobContext,
): Promise<ClaimedDelivery | undefined> {
  const why = await unclaimedReason(deps.db, deliveryId);
  if (why && "roundClosed" in why) {
    await markFailed(deps, deliveryId, why.referralId, why.providerId, FAILURE_REASONS.roundClosed);
    return undefined;
  }
  if (!why) return undefined;
  if (await deps.limiter.takenOver(destination, waiter)) await ctx.retryLater(deps.limiter.backstopMs);
  return claimStuckDelivery(deps.db, deliveryId, deps.clock.now());
}

type Next = { waiter: Waiter; release: Release } | undefined;
/** The bookkeeping of the last send taken over, which runs while the next one is sent. */
type Lane = { recording: Promise<void> };

/** Whether a waiting job is a referral send this job can run itself (its id names the delivery). */
const takeable = (w: Waiter) => w.queue === deliverySendContract.name && deliveryOfSendJobId(w.jobId) !== undefined;

/**
 * Sends a waiting job's delivery on the slot this job holds. Its own job stays queued (delayed) until the
 * delivery is recorded, and is then removed; if the send fails, that job (woken by its delay) sends it again with
 * its own attempts, so a failure here costs one extra attempt at most. One that is no longer pending (it ran
 * already, or is being sent) is skipped for the next.
 */
async function sendTakenOver(
  deps: JobDeps,
  waiter: Waiter,
  channel: DeliveryChannelPort,
  ctx: JobContext,
  release: Release,
  lane: Lane,
): Promise<Next> {
  const job = deliveryOfSendJobId(waiter.jobId)!;
  const d = await claimPendingDelivery(deps.db, job, deps.clock.now());
  if (!d) return release.takeOver(takeable);
  return sendClaimed(deps, d, channel, ctx, release, { waiter, lane });
}

/**
 * Sends a claimed delivery and records the outcome in one more statement. The slot goes on to the next job
 * waiting for the destination as soon as it has answered (returned, for this job to run), not after the
 * bookkeeping.
 */
async function sendClaimed(
  deps: JobDeps,
  d: ClaimedDelivery,
  channel: DeliveryChannelPort,
  ctx: JobContext,
  release: Release,
  takenOver?: { waiter: Waiter; lane: Lane },
): Promise<Next> {
  // A release that fails (Redis gone) must not turn a delivered message into a failed one: the slot then expires
  // on its own.
  const notReleased = (err: Error) => {
    ctx.logger.warn({ error: err.message.slice(0, 200) }, "destination slot not released");
    return undefined;
  };
  try {
    await channel.send(outboundFor(d, "referral", deps.config));
  } catch (err) {
    await release().catch(notReleased);
    if (takenOver) {
      // Its own job, still queued, tries again when its delay runs out.
      ctx.logger.warn(
        { deliveryId: d.id, providerId: d.providerId, reason: failureReasonOf(err), detail: failureDetailOf(err) },
        "delivery attempt failed",
      );
      await releaseForRetry(deps.db, d.id, failureReasonOf(err), deps.clock.now());
      deliveriesTotal.inc({ channel: d.channel, outcome: "retry" });
      return undefined;
    }
    await recordFailedAttempt(deps, d, err, ctx, ctx.attempt, ctx.maxAttempts);
    throw err;
  }
  const next = await release.takeOver(takeable).catch(notReleased);
  if (takenOver) {
    // Recorded while the next send goes out. If that fails, the delivery's own job (still queued) sends it again
    // and records it when its delay runs out; the receiver drops the repeat by its message id.
    const { lane, waiter } = takenOver;
    await lane.recording;
    lane.recording = recordDelivered(deps, d, ctx, waiter).catch((err: Error) =>
      ctx.logger.warn({ deliveryId: d.id, error: err.name }, "delivery sent but not recorded; its own job will"),
    );
    return next;
  }
  try {
    await recordDelivered(deps, d, ctx);
  } catch (err) {
    // The waiter handed to this job will not be run here: its job runs now, on the slot freed for it.
    if (next) {
      await next.release().catch(notReleased);
      await deps.queues.promote(next.waiter.queue, next.waiter.jobId);
    }
    throw err;
  }
  return next;
}

export async function recordDelivered(deps: JobDeps, d: ClaimedDelivery, ctx: JobContext, takenOver?: Waiter) {
  await recordAllDelivered(deps, [d], ctx);
  // Its own job has nothing left to do. Not removable (its delay ran out and it is running): it finds the
  // delivery delivered and stops.
  if (takenOver) await deps.queues.remove(takenOver.queue, takenOver.jobId).catch(() => false);
}

/** Records deliveries as delivered, in one statement, and asks once per referral for its threads' sync. */
export async function recordAllDelivered(deps: JobDeps, ds: ClaimedDelivery[], ctx: JobContext) {
  const now = deps.clock.now();
  const lasts = await finishAllDelivered(deps.db, ds, now);
  for (const [i, d] of ds.entries()) {
    deliveriesTotal.inc({ channel: d.channel, outcome: "delivered" });
    // The round's last delivery out: how long the whole fan-out took. (Two last ones at once may both count.)
    if (lasts[i]) roundFanOut.observe(Math.max(0, now.getTime() - d.round.openedAt.getTime()) / 1000);
  }
  // The card counts providers reached; a burst of deliveries coalesces into one card update.
  for (const referralId of new Set(ds.map((d) => d.round.referralId))) {
    await requestThreadSyncGated({ ...deps, coalesceMs: deps.config.CHAT_COALESCE_MS, logger: ctx.logger }, referralId);
  }
}

/** What ART may read about a failed send: a DeliveryError's classified reason, else the generic one. */
export function failureReasonOf(err: unknown): string {
  return err instanceof DeliveryError ? err.reason : FAILURE_REASONS.unknown;
}

/**
 * Records a failed attempt: failed for good when the error is permanent or the attempt was the last (a 410 also
 * suspends the provider: "stop sending to us"), else due again. True when it failed for good. Stored and shown to
 * ART: the classified reason only; the detail (host, socket error) goes to the log.
 */
export async function recordFailedAttempt(
  deps: JobDeps,
  d: ClaimedDelivery,
  err: unknown,
  ctx: JobContext,
  attempt: number,
  maxAttempts: number,
): Promise<boolean> {
  const reason = failureReasonOf(err);
  ctx.logger.warn(
    { deliveryId: d.id, providerId: d.providerId, attempt, reason, detail: failureDetailOf(err) },
    "delivery attempt failed",
  );
  const final = (err instanceof DeliveryError && !err.retryable) || attempt >= maxAttempts;
  if (final) await markFailed(deps, d.id, d.round.referralId, d.providerId, reason);
  else await releaseForRetry(deps.db, d.id, reason, deps.clock.now());
  deliveriesTotal.inc({ channel: d.channel, outcome: final ? "failed" : "retry" });
  if (err instanceof DeliveryError && err.status === 410) await suspendGoneEndpoint(deps, d.providerId);
  return final;
}

/** The log's detail: a DeliveryError's message names the host and the socket error, never a body; any other
 * error (a database error may quote row values) is logged by name only. */
export function failureDetailOf(err: unknown): string {
  if (err instanceof DeliveryError) return err.message.slice(0, 300);
  return err instanceof Error ? err.name : "unknown error";
}

export async function markFailed(
  deps: JobDeps,
  deliveryId: string,
  referralId: string,
  providerId: string,
  error: string,
) {
  await deps.db.$transaction(async (tx) => {
    await tx.delivery.update({ where: { id: deliveryId }, data: { state: "failed", lastError: error } });
    await recordEvent(tx, { type: "delivery.failed", referralId, deliveryId, providerId, error });
  });
}

/** 410 Gone means "stop sending to us" (Standard Webhooks): suspend the provider until ART fixes its details. */
async function suspendGoneEndpoint(deps: JobDeps, providerId: string) {
  await deps.db.$transaction(async (tx) => {
    await tx.provider.update({
      where: { id: providerId },
      data: { status: "suspended", statusReason: "Webhook endpoint answered 410 Gone; check the provider's details" },
    });
    await writeAudit(tx, {
      actor: "system",
      action: "provider.suspended",
      detail: { providerId, reason: "webhook 410 Gone" },
    });
  });
}
