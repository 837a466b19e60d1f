// Sends a round's referral to one provider. Idempotent: a delivered or failed delivery is never sent again,
// and a retry after a crash mid-send reuses the same message id, which the receiver uses to drop the repeat.
import { requestThreadSync } from "../chat/request-sync.js";
import { destinationOf } from "../delivery/destination-limiter.js";
import { FAILURE_REASONS } from "../delivery/failure-reasons.js";
import { loadDelivery, outboundFor } from "../delivery/outbound.js";
import { DeliveryError } from "../errors.js";
import { recordEvent } from "../events.js";
import { deliveriesTotal, roundFanOut } from "../observability/metrics.js";
import { deliverySendContract } from "../queue/contracts.js";
import { writeAudit } from "../referrals/audit.js";
import type { JobDeps } from "./deps.js";
import type { JobType } from "./job-type.js";

export const deliverySendJob: JobType<typeof deliverySendContract.payload, JobDeps> = {
  ...deliverySendContract,
  async handle(deps, p, ctx) {
    const d = await loadDelivery(deps.db, p.deliveryId);
    if (!d || d.state === "delivered" || d.state === "failed") return;
    if (d.round.closedAt) {
      await markFailed(deps, d.id, d.round.referralId, d.providerId, FAILURE_REASONS.roundClosed);
      return;
    }
    const channel = deps.channels[d.channel];
    if (!channel) {
      throw new DeliveryError(
        `no ${d.channel} channel is configured`,
        undefined,
        undefined,
        undefined,
        FAILURE_REASONS.noChannel,
      );
    }

    const release = await deps.limiter.acquire(destinationOf({ channel: d.channel, ...d.provider }));
    if (!release) return ctx.retryLater(200 + Math.floor(Math.random() * 800));
    try {
      await deps.db.delivery.update({ where: { id: d.id }, data: { state: "sending", attempts: { increment: 1 } } });
      await channel.send(outboundFor(d, "referral", deps.config));
      await deps.db.delivery.update({
        where: { id: d.id },
        data: { state: "delivered", deliveredAt: deps.clock.now(), lastError: null },
      });
      deliveriesTotal.inc({ channel: d.channel, outcome: "delivered" });
      await observeFanOut(deps, d.roundId, d.round.openedAt);
      // The card counts providers reached; a burst of deliveries coalesces into one card update.
      await requestThreadSync({ ...deps, coalesceMs: deps.config.CHAT_COALESCE_MS }, d.round.referralId);
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
      else await deps.db.delivery.update({ where: { id: d.id }, data: { state: "pending", lastError: reason } });
      deliveriesTotal.inc({ channel: d.channel, outcome: permanent || last ? "failed" : "retry" });
      if (err instanceof DeliveryError && err.status === 410) await suspendGoneEndpoint(deps, d.providerId);
      throw err;
    } finally {
      await release();
    }
  },
};

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

/** The round's last delivery out: how long the whole fan-out took. (Two last ones at once may both count.) */
async function observeFanOut(deps: JobDeps, roundId: string, openedAt: Date) {
  const left = await deps.db.delivery.count({ where: { roundId, state: { in: ["pending", "sending"] } } });
  if (left === 0) roundFanOut.observe(Math.max(0, deps.clock.now().getTime() - openedAt.getTime()) / 1000);
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
