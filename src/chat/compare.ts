// "Compare offers": every live offer on a referral side by side, for ART. Read from PostgreSQL like the thread,
// with the same rule for when Approve still makes sense; approving from the comparison is the thread's own
// approve_offer action, so the threshold and the second approval apply exactly as they do there.
import type { Db } from "../db.js";
import { districtMiles } from "../domain/distance.js";
import { POSTCODE_DISTRICT } from "../domain/referral-input.js";
import { ForbiddenError, NotFoundError } from "../errors.js";
import type { Actor, Clock } from "../ports.js";
import { auditRefusal } from "../referrals/decisions.js";
import { costBreakdownOfRow } from "../referrals/offer-cost.js";
import type { ComparedOffer, CompareSort, OfferComparison } from "./port.js";
import { offersLive } from "./thread-model.js";

type Order = (a: ComparedOffer, b: ComparedOffer) => number;
const byCost: Order = (a, b) => a.weeklyCostGbp - b.weeklyCostGbp;
const byStart: Order = (a, b) => a.startDate.localeCompare(b.startDate);
// An offer whose distance is unknown goes after every measured one: "nearest first" cannot vouch for it.
// (Two unknowns are a tie: Infinity - Infinity is NaN, hence the `|| 0`.)
const byDistance: Order = (a, b) => (a.distanceMiles ?? Infinity) - (b.distanceMiles ?? Infinity) || 0;
const ORDERS: Record<CompareSort, [Order, Order]> = {
  cost: [byCost, byStart],
  start: [byStart, byCost],
  distance: [byDistance, byCost],
};

/**
 * Cheapest first (then soonest), soonest first (then cheapest), or nearest first (then cheapest); the provider's
 * name settles a tie.
 */
export function sortOffers(offers: ComparedOffer[], sort: CompareSort): ComparedOffer[] {
  const [first, second] = ORDERS[sort];
  return [...offers].sort((a, b) => first(a, b) || second(a, b) || a.providerName.localeCompare(b.providerName));
}

/**
 * Where an offer is: the district the provider gave with it, else the first area the provider serves when that is
 * a postcode district (a provider's areas may also be wider postcode areas like "NR", which have no one centre).
 */
export function offerDistrict(placementDistrict: string | null, providerAreas: string[]): string | null {
  if (placementDistrict) return placementDistrict;
  const first = providerAreas[0]?.trim().toUpperCase();
  return first && POSTCODE_DISTRICT.test(first) ? first : null;
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
  // The child's area is the referral's postcode district. The broadcast Placements Data Standard profile holds no
  // place; its preferred location is restricted free text (it may name a school or a street), so it is not read
  // here: distances are from the referral's district.
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
      distanceMiles: distanceFrom(fromArea, offerDistrict(r.placementDistrict, provider.areas)),
      needsMet: r.needsMet ?? "",
      responseMinutes: Math.max(0, Math.round((r.createdAt.getTime() - sentAt.getTime()) / 60_000)),
      actionable: live && r.decisions.length === 0,
    };
  });
  return { referralId, reference: referral.reference, sort, fromArea, offers: sortOffers(offers, sort) };
}

const distanceFrom = (from: string, to: string | null) => (to ? districtMiles(from, to) : null);
