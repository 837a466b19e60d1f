// "Compare offers": every live offer on a referral side by side, for ART. Read from PostgreSQL like the thread,
// with the same rule for when Approve still makes sense; approving from the comparison is the thread's own
// approve_offer action, so the threshold and the second approval apply exactly as they do there.
import type { Db } from "../db.js";
import { ForbiddenError, NotFoundError } from "../errors.js";
import type { Actor, Clock } from "../ports.js";
import { auditRefusal } from "../referrals/decisions.js";
import { costBreakdownOfRow } from "../referrals/offer-cost.js";
import type { ComparedOffer, CompareSort, OfferComparison } from "./port.js";
import { offersLive } from "./thread-model.js";

/** Cheapest first (then soonest), or soonest first (then cheapest); the provider's name settles a tie. */
export function sortOffers(offers: ComparedOffer[], sort: CompareSort): ComparedOffer[] {
  const byCost = (a: ComparedOffer, b: ComparedOffer) => a.weeklyCostGbp - b.weeklyCostGbp;
  const byStart = (a: ComparedOffer, b: ComparedOffer) => a.startDate.localeCompare(b.startDate);
  const [first, second] = sort === "cost" ? [byCost, byStart] : [byStart, byCost];
  return [...offers].sort((a, b) => first(a, b) || second(a, b) || a.providerName.localeCompare(b.providerName));
}

export async function compareOffers(
  deps: { db: Db; clock: Clock },
  referralId: string,
  actor: Actor,
  sort: CompareSort,
): Promise<OfferComparison> {
  if (!actor.art) {
    await auditRefusal(deps.db, deps.clock, actor, referralId, "compare_offers");
    throw new ForbiddenError("Only the Access to Resources Team can compare and approve offers");
  }
  const referral = await deps.db.referral.findUnique({
    where: { id: referralId },
    include: {
      responses: {
        where: { type: "offer", supersededById: null, withdrawnAt: null },
        include: { delivery: { include: { provider: true } }, decisions: true },
      },
    },
  });
  if (!referral) throw new NotFoundError("referral");
  const live = offersLive(referral.status);
  const fromArea = referral.area;
  const offers: ComparedOffer[] = referral.responses.map((r) => {
    const provider = r.delivery.provider;
    const breakdown = costBreakdownOfRow(r);
    const sentAt = r.delivery.deliveredAt ?? r.delivery.createdAt;
    return {
      responseId: r.id,
      providerName: provider.name,
      ofstedGrade: provider.ofstedGrade,
      ofstedInspectedAt: provider.ofstedInspectedAt?.toISOString().slice(0, 10) ?? null,
      weeklyCostGbp: (r.weeklyCostPence ?? 0) / 100,
      ...(breakdown ? { costBreakdown: breakdown } : {}),
      startDate: r.startDate?.toISOString().slice(0, 10) ?? "",
      // No provider location is recorded yet, nor a district centroid dataset shipped: unknown until both are.
      distanceMiles: null,
      needsMet: r.needsMet ?? "",
      responseMinutes: Math.max(0, Math.round((r.createdAt.getTime() - sentAt.getTime()) / 60_000)),
      actionable: live && r.decisions.length === 0,
    };
  });
  return { referralId, reference: referral.reference, sort, fromArea, offers: sortOffers(offers, sort) };
}
