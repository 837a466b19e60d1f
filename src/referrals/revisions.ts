// One provider, one live offer per round. A later offer from the same link replaces the earlier one (which names
// its replacement), a decline after an offer withdraws the offer, and the provider may withdraw it outright.
// A question changes nothing. An offer ART has approved stands: changing it is refused. All of it runs under the
// referral's lock (lockReferral), so a revision and ART's decision on the same offer cannot cross.
import { z } from "zod";
import type { Db, Tx } from "../db.js";
import {
  AppError,
  NotFoundError,
  OfferAlreadyAcceptedError,
  OfferNotLiveError,
  ReferralClosedError,
} from "../errors.js";
import { recordEvent } from "../events.js";
import { type ReferralState, TERMINAL_STATES } from "../lifecycle/referral-state.js";
import type { Clock } from "../ports.js";
import { writeAudit } from "./audit.js";
import { lockReferral } from "./transition.js";

/**
 * The delivery a provider's answer is for: who sent it, its referral and whether its round has closed; null for no
 * such delivery. One statement: every offer, decline and question reads it under the referral's lock, so in a burst
 * of answers to one referral its cost is paid one answer at a time (Prisma's include took two).
 */
export async function answeredDelivery(
  tx: Tx,
  deliveryId: string,
): Promise<{ providerId: string; referralId: string; roundClosedAt: Date | null } | null> {
  // Cast to a UUID in the statement: anything else is no delivery, not a database error.
  if (!z.uuid().safeParse(deliveryId).success) return null;
  const rows = await tx.$queryRaw<{ providerId: string; referralId: string; roundClosedAt: Date | null }[]>`
    SELECT d."providerId", r."referralId", r."closedAt" AS "roundClosedAt"
    FROM "Delivery" d JOIN "Round" r ON r."id" = d."roundId" WHERE d."id" = ${deliveryId}::uuid`;
  return rows[0] ?? null;
}

/**
 * The delivery's offer still open to ART: neither replaced, withdrawn nor declined by ART. One statement, with
 * the kinds of ART's decisions on each (Prisma's include took two).
 */
export async function liveOfferOf(tx: Tx | Db, deliveryId: string) {
  const open = await tx.$queryRaw<{ id: string; referralId: string; providerId: string; kinds: string[] }[]>`
    SELECT o."id", o."referralId", o."providerId",
      ARRAY(SELECT d."kind"::text FROM "Decision" d WHERE d."responseId" = o."id") AS "kinds"
    FROM "Response" o
    WHERE o."deliveryId" = ${deliveryId}::uuid AND o."type" = 'offer' AND o."supersededById" IS NULL
      AND o."withdrawnAt" IS NULL
    ORDER BY o."createdAt" DESC`;
  const offers = open.map(({ kinds, ...o }) => ({ ...o, decisions: kinds.map((kind) => ({ kind })) }));
  // Declined by ART (or refused by the second approver): decided, so a new offer is a new offer, not a revision.
  return offers.find((o) => !o.decisions.some((d) => d.kind === "reject")) ?? null;
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
    const delivery = await answeredDelivery(tx, deliveryId);
    if (!delivery) throw new NotFoundError("delivery");
    const { status } = await lockReferral(tx, delivery.referralId);
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
