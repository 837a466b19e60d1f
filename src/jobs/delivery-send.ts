// Sends a round's referral to one provider. Idempotent: a delivered or failed delivery is never sent again,
// and a retry after a crash mid-send reuses the same message id, which the receiver uses to drop the repeat.
import {
  claimDelivery,
  destinationOfDelivery,
  finishDelivered,
  releaseForRetry,
  unclaimedReason,
} from "../delivery/claim.js";
import { channelOfDestination } from "../delivery/destination-limiter.js";
import { FAILURE_REASONS } from "../delivery/failure-reasons.js";
import { outboundFor } from "../delivery/outbound.js";
import { requestThreadSyncGated } from "../delivery/sync-gate.js";
import { DeliveryError } from "../errors.js";
import { recordEvent } from "../events.js";
import { deliveriesTotal, roundFanOut } from "../observability/metrics.js";
import type { DeliveryChannelPort } from "../ports.js";
import { deliverySendContract } from "../queue/contracts.js";
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
    const release = await takeDestinationSlot(deps, destination, waiter, ctx);
    try {
      await sendClaimed(deps, p.deliveryId, channel, ctx, release);
    } finally {
      await release(); // runs once: a send that got an answer has released it already
    }
  },
};

/** Loads and claims the delivery in one statement, sends it, and records the outcome in one more. */
async function sendClaimed(
  deps: JobDeps,
  deliveryId: string,
  channel: DeliveryChannelPort,
  ctx: JobContext,
  release: () => Promise<void>,
) {
  const d = await claimDelivery(deps.db, deliveryId, deps.clock.now());
  if (!d) {
    // Delivered, failed or gone: nothing to do. Still due but its round closed: it will never be sent.
    const closed = await unclaimedReason(deps.db, deliveryId);
    if (closed) await markFailed(deps, deliveryId, closed.referralId, closed.providerId, FAILURE_REASONS.roundClosed);
    return;
  }
  try {
    try {
      await channel.send(outboundFor(d, "referral", deps.config));
    } finally {
      // The destination is free as soon as it has answered: the next send need not wait for the bookkeeping. A
      // release that fails (Redis gone) must not turn a delivered message into a failed one: the slot then
      // expires on its own.
      await release().catch((err: Error) =>
        ctx.logger.warn({ error: err.message.slice(0, 200) }, "destination slot not released"),
      );
    }
  } catch (err) {
    // Stored and shown to ART: the classified reason only. The detail (host, socket error) goes to the log.
    const reason = failureReasonOf(err);
    ctx.logger.warn(
      { deliveryId: d.id, providerId: d.providerId, attempt: ctx.attempt, reason, detail: failureDetailOf(err) },
      "delivery attempt failed",
    );
    const last = ctx.attempt >= ctx.maxAttempts;
    const permanent = err instanceof DeliveryError && !err.retryable;
    if (permanent || last) await markFailed(deps, d.id, d.round.referralId, d.providerId, reason);
    else await releaseForRetry(deps.db, d.id, reason, deps.clock.now());
    deliveriesTotal.inc({ channel: d.channel, outcome: permanent || last ? "failed" : "retry" });
    if (err instanceof DeliveryError && err.status === 410) await suspendGoneEndpoint(deps, d.providerId);
    throw err;
  }
  const now = deps.clock.now();
  const last = await finishDelivered(deps.db, d.id, d.roundId, now);
  deliveriesTotal.inc({ channel: d.channel, outcome: "delivered" });
  // The round's last delivery out: how long the whole fan-out took. (Two last ones at once may both count.)
  if (last) roundFanOut.observe(Math.max(0, now.getTime() - d.round.openedAt.getTime()) / 1000);
  // The card counts providers reached; a burst of deliveries coalesces into one card update.
  await requestThreadSyncGated(
    { ...deps, coalesceMs: deps.config.CHAT_COALESCE_MS, logger: ctx.logger },
    d.round.referralId,
  );
}

/** What ART may read about a failed send: a DeliveryError's classified reason, else the generic one. */
export function failureReasonOf(err: unknown): string {
  return err instanceof DeliveryError ? err.reason : FAILURE_REASONS.unknown;
}

/** The log's detail: a DeliveryError's message names the host and the socket error, never a body; any other
 * error (a database error may quote row values) is logged by name only. */
export function failureDetailOf(err: unknown): string {
  if (err instanceof DeliveryError) return err.message.slice(0, 300);
  return err instanceof Error ? err.name : "unknown error";
}

async function markFailed(deps: JobDeps, deliveryId: string, referralId: string, providerId: string, error: string) {
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
