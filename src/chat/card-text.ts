// Sentences both chat platforms show the same way, written once so Slack and Teams never drift apart: counts
// with their plurals, and times in London with the zone named.
import { londonDateTime, longDate } from "../digest/london.js";
import type { ReferralCard, ThreadItem } from "./port.js";

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
