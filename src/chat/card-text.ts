// Sentences both chat platforms show the same way, written once so Slack and Teams never drift apart: counts
// with their plurals, and times in London with the zone named.
import { londonDateTime, longDate } from "../digest/london.js";
import { weeklyCostText } from "../domain/weekly-cost.js";
import type { ComparedOffer, CompareSort, OfferComparison, ReferralCard, ThreadItem } from "./port.js";

/** "1 offer", "2 offers", "0 questions". */
export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * The card's tally line: "Round 1 · sent to 12 providers · 1 offer · 0 declines · 0 questions". With the round's
 * eligibility summary, that replaces the "sent to" part: "Round 1 · sent to 14 of 31 on the lot: 9 full, ...".
 */
export function countsText(card: ReferralCard): string {
  const c = card.counts;
  return [
    `Round ${card.roundNumber}`,
    card.reach ?? `sent to ${plural(c.sent, "provider")}`,
    plural(c.offers, "offer"),
    plural(c.declines, "decline"),
    plural(c.questions, "question"),
    ...(c.failed ? [plural(c.failed, "failed delivery", "failed deliveries")] : []),
  ].join(" · ");
}

/** "Round 1 sent to 12 providers; closes Mon 30 Nov, 09:00 GMT". */
export function roundOpenedText(item: Extract<ThreadItem, { kind: "round_opened" }>): string {
  return `Round ${item.roundNumber} sent to ${plural(item.deliveries, "provider")}; closes ${londonDateTime(new Date(item.closesAt))}`;
}

/** "Widened to tier 2: sent to 6 more providers". */
export function roundWidenedText(item: Extract<ThreadItem, { kind: "round_widened" }>): string {
  return `Widened to ${item.scope}: sent to ${plural(item.deliveries, "more provider")}`;
}

/** An offer's start date as people say it: "Tue 1 Dec 2026" (an empty or odd value is shown as it is). */
export const startDateText = (ymd: string) => (/^\d{4}-\d{2}-\d{2}$/.test(ymd) ? longDate(ymd) : ymd);

/** How a decided offer is marked in the thread. */
export const OFFER_OUTCOME_TEXT = { approved: "✅ Approved", declined: "Declined" } as const;

/** Where a provider's request for documents stands, in the words both platforms show under it. */
export function documentsStatus(item: Extract<ThreadItem, { kind: "documents_requested" }>): string {
  if (item.released) return "Released to this provider (downloads are recorded).";
  if (item.available === 0) return "None of these has been added yet.";
  return `${plural(item.available, "document")} ready to release.`;
}
/** "£1,850/week", or "£973.08/week equivalent (annual 38-week fee £48,000 + transport £50/week)". */
export const costText = (c: { weeklyCostGbp: number; costBreakdown?: string | undefined }) =>
  weeklyCostText(Math.round(c.weeklyCostGbp * 100), c.costBreakdown ?? null);

/** "answered in 45 min", "answered in 3 h 20 min", "answered in 2 days 4 h". */
export function responseTimeText(minutes: number | null): string {
  if (minutes === null) return "";
  if (minutes < 60) return `answered in ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `answered in ${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ""}`;
  const days = Math.floor(hours / 24);
  return `answered in ${plural(days, "day")}${hours % 24 ? ` ${hours % 24} h` : ""}`;
}

/** The comparison's facts about one offer, in the order both platforms show them. */
export function comparedOfferFacts(o: ComparedOffer): string[] {
  return [
    costText(o),
    `starts ${startDateText(o.startDate)}`,
    o.ofstedGrade
      ? `Ofsted: ${o.ofstedGrade}${o.ofstedInspectedAt ? ` (inspected ${startDateText(o.ofstedInspectedAt)})` : ""}`
      : "Ofsted: no grade on record",
    // "0 miles": the same district, whose centre is the only place we know for either.
    ...(o.distanceMiles !== null ? [`${plural(o.distanceMiles, "mile")} away`] : ["distance not known"]),
    responseTimeText(o.responseMinutes),
  ].filter(Boolean);
}

const SORT_TEXT: Record<CompareSort, string> = {
  cost: "cheapest weekly equivalent first",
  start: "soonest start first",
  distance: "nearest first",
};

/** The comparison's heading line: how many offers, how they are ordered, and where distances are from. */
export const comparisonSortText = (c: OfferComparison) =>
  `${plural(c.offers.length, "live offer")} on ${c.reference}, ${SORT_TEXT[c.sort]}. Distances are straight-line miles between postcode district centres, from ${c.fromArea}.`;

/** The comparison's sort buttons, in the order both platforms show them. */
export const COMPARE_SORT_BUTTONS: Record<CompareSort, string> = {
  cost: "Sort by cost",
  start: "Sort by start date",
  distance: "Sort by distance",
};
