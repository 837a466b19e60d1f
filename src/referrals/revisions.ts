// One provider, one live offer per round. A later offer from the same link replaces the earlier one (which names
// its replacement), a decline after an offer withdraws the offer, and the provider may withdraw it outright.
// A question changes nothing. An offer ART has approved stands: changing it is refused. All of it runs under the
// referral's lock (lockReferral), so a revision and ART's decision on the same offer cannot cross.
import type { Db, Tx } from "../db.js";
import { AppError, OfferAlreadyAcceptedError, OfferNotLiveError, ReferralClosedError } from "../errors.js";
import { recordEvent } from "../events.js";
import { type ReferralState, TERMINAL_STATES } from "../lifecycle/referral-state.js";
import type { Clock } from "../ports.js";
import { writeAudit } from "./audit.js";
import { lockReferral } from "./transition.js";

/** The delivery's offer still open to ART: neither replaced, withdrawn nor declined by ART. */
export async function liveOfferOf(tx: Tx | Db, deliveryId: string) {
  const open = await tx.response.findMany({
    where: { deliveryId, type: "offer", supersededById: null, withdrawnAt: null },
    orderBy: { createdAt: "desc" },
    include: { decisions: true },
  });
  // Declined by ART (or refused by the second approver): decided, so a new offer is a new offer, not a revision.
  return open.find((o) => !o.decisions.some((d) => d.kind === "reject")) ?? null;
}

/** Refuses a change to an offer ART has approved (placed, or waiting for the second approver). */
export function refuseIfAccepted(offer: { decisions: { kind: string }[] }): void {
  if (offer.decisions.some((d) => d.kind === "approve")) throw new OfferAlreadyAcceptedError();
}

/**
 * Called by ART's decisions under the referral's lock: an offer the provider replaced or withdrew cannot be
 * approved or declined; the message says which, and where to look instead.
 */
export async function refuseIfNotLive(tx: Tx, responseId: string, attempted: "approve" | "decline"): Promise<void> {
  const offer = await tx.response.findUniqueOrThrow({ where: { id: responseId } });
  if (offer.supersededById) {
    throw new OfferNotLiveError(
      `This offer was replaced by the provider's revised offer, so it cannot be ${attempted}d; decide on the revised one. Nothing was changed`,
    );
  }
  if (offer.withdrawnAt) {
    throw new OfferNotLiveError(`The provider withdrew this offer, so it cannot be ${attempted}d. Nothing was changed`);
  }
}

/** Marks the earlier live offer replaced by `revisedId`, with its audit and event, in the caller's transaction. */
export async function supersedeOffer(
  tx: Tx,
  args: { earlier: { id: string; referralId: string; providerId: string }; revisedId: string; at: Date },
): Promise<void> {
  const { earlier, revisedId, at } = args;
  await tx.response.update({ where: { id: earlier.id }, data: { supersededById: revisedId } });
  await writeAudit(tx, {
    referralId: earlier.referralId,
    actor: `provider:${earlier.providerId}`,
    action: "response.revised",
    detail: { responseId: revisedId, supersededId: earlier.id },
    at,
  });
  await recordEvent(tx, {
    type: "response.revised",
    referralId: earlier.referralId,
    responseId: revisedId,
    supersededId: earlier.id,
    providerId: earlier.providerId,
  });
}

/** Marks an offer withdrawn by its provider, with its audit and event, in the caller's transaction. */
export async function markWithdrawn(
  tx: Tx,
  offer: { id: string; referralId: string; providerId: string },
  at: Date,
  how: "withdrawn" | "declined",
): Promise<void> {
  await tx.response.update({ where: { id: offer.id }, data: { withdrawnAt: at } });
  await writeAudit(tx, {
    referralId: offer.referralId,
    actor: `provider:${offer.providerId}`,
    action: "response.withdrawn",
    detail: { responseId: offer.id, how },
    at,
  });
  await recordEvent(tx, {
    type: "response.withdrawn",
    referralId: offer.referralId,
    responseId: offer.id,
    providerId: offer.providerId,
  });
}

/** The provider withdraws their live offer from their link. */
export async function withdrawOffer(
  deps: { db: Db; clock: Clock },
  deliveryId: string,
): Promise<{ id: string; referralId: string; providerId: string }> {
  const now = deps.clock.now();
  return deps.db.$transaction(async (tx) => {
    const delivery = await tx.delivery.findUniqueOrThrow({ where: { id: deliveryId }, include: { round: true } });
    const { status } = await lockReferral(tx, delivery.round.referralId);
    if (TERMINAL_STATES.has(status as ReferralState)) throw new ReferralClosedError();
    const offer = await liveOfferOf(tx, deliveryId);
    if (!offer) {
      throw new AppError("nothing_to_withdraw", "There is no open offer from you to withdraw", { httpStatus: 409 });
    }
    refuseIfAccepted(offer);
    await markWithdrawn(tx, offer, now, "withdrawn");
    return { id: offer.id, referralId: offer.referralId, providerId: offer.providerId };
  });
}
