// Sentences both chat platforms show the same way, written once so Slack and Teams never drift apart: counts
// with their plurals, and times in London with the zone named.
import { londonDateTime, longDate } from "../digest/london.js";
import { weeklyCostText } from "../domain/weekly-cost.js";
import type { ReferralCard, ThreadItem } from "./port.js";

/** "1 offer", "2 offers", "0 questions". */
export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The card's tally line: "Round 1 · sent to 12 providers · 1 offer · 0 declines · 0 questions". */
export function countsText(card: ReferralCard): string {
  const c = card.counts;
  return [
    `Round ${card.roundNumber}`,
    `sent to ${plural(c.sent, "provider")}`,
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

/** An offer's start date as people say it: "Tue 1 Dec 2026" (an empty or odd value is shown as it is). */
export const startDateText = (ymd: string) => (/^\d{4}-\d{2}-\d{2}$/.test(ymd) ? longDate(ymd) : ymd);

/** How a decided offer is marked in the thread. */
export const OFFER_OUTCOME_TEXT = { approved: "✅ Approved", declined: "Declined" } as const;

/** "£1,850/week", or "£973.08/week equivalent (annual 38-week fee £48,000 + transport £50/week)". */
export const costText = (c: { weeklyCostGbp: number; costBreakdown?: string | undefined }) =>
  weeklyCostText(Math.round(c.weeklyCostGbp * 100), c.costBreakdown ?? null);
