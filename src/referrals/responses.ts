// Storing a provider's answer. Idempotent: the same client key (or the same body) for one delivery stores once.
import { createHash } from "node:crypto";
import type { Db } from "../db.js";
import { fieldErrorsOf } from "../domain/referral-input.js";
import { ConflictError, NotFoundError, ReferralClosedError, ValidationError } from "../errors.js";
import { recordEvent } from "../events.js";
import { type ReferralState, TERMINAL_STATES } from "../lifecycle/referral-state.js";
import type { Clock } from "../ports.js";
import { writeAudit } from "./audit.js";
import { costColumnsOf } from "./offer-cost.js";
import { offerCostOf, type ResponseInput, responseInputSchemaFor } from "./response-input.js";
import { answeredDelivery, liveOfferOf, markWithdrawn, refuseIfAccepted, supersedeOffer } from "./revisions.js";
import { applyTransition, lockReferral } from "./transition.js";

export { DECLINE_REASONS, type ResponseInput } from "./response-input.js";

export interface StoredResponse {
  id: string;
  referralId: string;
  providerId: string;
  type: "offer" | "decline" | "question";
  /** False when this was a repeat of a response already stored. */
  created: boolean;
}

/**
 * `senderVerified: false` (an email reply our mail gateway did not vouch for) keeps a decline from counting
 * beyond its round; the web form and webhook are authenticated by their token or signature.
 */
export async function recordResponse(
  deps: { db: Db; clock: Clock },
  deliveryId: string,
  input: ResponseInput,
  idempotencyKey?: string,
  provenance: { senderVerified: boolean } = { senderVerified: true },
): Promise<StoredResponse> {
  const now = deps.clock.now();
  const parsed = responseInputSchemaFor(now).safeParse(input);
  if (!parsed.success) throw new ValidationError("The response has errors", fieldErrorsOf(parsed.error));
  const r = parsed.data;
  const key = idempotencyKey ?? createHash("sha256").update(JSON.stringify(r)).digest("hex");

  return deps.db.$transaction(async (tx) => {
    const delivery = await answeredDelivery(tx, deliveryId);
    if (!delivery) throw new NotFoundError("delivery");
    const referralId = delivery.referralId;
    const locked = await lockReferral(tx, referralId);
    const { status } = locked;
    // Looked up under the referral's lock: copies of one request sent at once queue on the lock, and each later
    // one finds the row the first stored instead of inserting it again (a unique-constraint error).
    const existing = await tx.response.findUnique({
      where: { deliveryId_idempotencyKey: { deliveryId, idempotencyKey: key } },
    });
    if (existing) {
      return {
        id: existing.id,
        referralId: existing.referralId,
        providerId: existing.providerId,
        type: existing.type,
        created: false,
      };
    }
    if (TERMINAL_STATES.has(status as ReferralState)) throw new ReferralClosedError();
    if (delivery.roundClosedAt) throw new ConflictError("This round has closed");
    // A new offer replaces the provider's live one and a decline withdraws it; a question leaves it be. Only an
    // authenticated answer may change an offer: an email our gateway did not vouch for could be anyone's.
    const earlier = r.type === "question" || !provenance.senderVerified ? null : await liveOfferOf(tx, deliveryId);
    if (earlier) refuseIfAccepted(earlier);
    const created = await tx.response.create({
      data: {
        deliveryId,
        referralId,
        providerId: delivery.providerId,
        type: r.type,
        idempotencyKey: key,
        senderVerified: provenance.senderVerified,
        createdAt: now,
        ...(r.type === "offer"
          ? {
              ...costColumnsOf(offerCostOf(r)),
              startDate: r.startDate,
              needsMet: r.needsMet,
              notes: r.notes ?? null,
              placementDistrict: r.placementDistrict ?? null,
            }
          : r.type === "decline"
            ? { declineReason: r.reason, notes: r.notes ?? null }
            : { question: r.question }),
      },
    });
    const actor = `provider:${delivery.providerId}`;
    if (r.type === "offer") {
      await applyTransition(tx, {
        referralId,
        event: { type: "offer_received" },
        actor,
        at: now,
        detail: { responseId: created.id },
        locked,
      });
    } else {
      await writeAudit(tx, {
        referralId,
        actor,
        action: `response.${r.type}`,
        detail: { responseId: created.id, ...(provenance.senderVerified ? {} : { senderVerified: false }) },
        at: now,
      });
    }
    if (earlier && r.type === "offer") await supersedeOffer(tx, { earlier, revisedId: created.id, at: now });
    if (earlier && r.type === "decline") await markWithdrawn(tx, earlier, now, "declined");
    await recordEvent(tx, {
      type: "response.received",
      referralId,
      responseId: created.id,
      providerId: delivery.providerId,
      responseType: r.type,
    });
    return { id: created.id, referralId, providerId: delivery.providerId, type: r.type, created: true };
  });
}
