// What a provider has already answered on their link, for the page when they come back to it: their offer (and
// whether it is still open, accepted or withdrawn) or their decline. Questions are not an answer: they leave it.
import type { Db } from "../db.js";
import type { OfferCost } from "../domain/weekly-cost.js";
import { costTextOfRow, offerCostOfRow } from "../referrals/offer-cost.js";

export type CurrentAnswer =
  | {
      type: "offer";
      responseId: string;
      /** The weekly equivalent. */
      weeklyCostGbp: number;
      /** The price as quoted, to fill the form in again. */
      cost: OfferCost;
      /** "£1,850/week" or "£973.08/week equivalent (annual 38-week fee £48,000 + transport £50/week)". */
      costText: string;
      /** YYYY-MM-DD */
      startDate: string;
      /** The home's postcode district, when the provider gave it. */
      placementDistrict: string | null;
      needsMet: string;
      notes: string | null;
      /** open: ART has not decided; accepted: ART approved it; not_taken_up: ART declined it. */
      state: "open" | "accepted" | "not_taken_up" | "withdrawn";
      revised: boolean;
    }
  | { type: "decline"; responseId: string; reason: string };

export async function currentAnswerOf(db: Db, deliveryId: string): Promise<CurrentAnswer | null> {
  const [offer, decline] = await Promise.all([
    db.response.findFirst({
      where: { deliveryId, type: "offer", supersededById: null },
      orderBy: { createdAt: "desc" },
      include: { decisions: true },
    }),
    db.response.findFirst({ where: { deliveryId, type: "decline" }, orderBy: { createdAt: "desc" } }),
  ]);
  // The later of the two; at the same instant, a decline that withdrew the offer came after it.
  const declineIsLater =
    decline &&
    (!offer || decline.createdAt > offer.createdAt || (+decline.createdAt === +offer.createdAt && offer.withdrawnAt));
  if (decline && declineIsLater)
    return { type: "decline", responseId: decline.id, reason: decline.declineReason ?? "other" };
  if (!offer) return null;
  const latest = offer;
  const revised = (await db.response.count({ where: { supersededById: latest.id } })) > 0;
  const state = latest.withdrawnAt
    ? "withdrawn"
    : latest.decisions.some((d) => d.kind === "approve")
      ? "accepted"
      : latest.decisions.some((d) => d.kind === "reject")
        ? "not_taken_up"
        : "open";
  return {
    type: "offer",
    responseId: latest.id,
    weeklyCostGbp: (latest.weeklyCostPence ?? 0) / 100,
    cost: offerCostOfRow(latest),
    costText: costTextOfRow(latest),
    startDate: latest.startDate?.toISOString().slice(0, 10) ?? "",
    placementDistrict: latest.placementDistrict,
    needsMet: latest.needsMet ?? "",
    notes: latest.notes,
    state,
    revised,
  };
}
