// The card's summary of who a round reached and why the others did not: "sent to 14 of 31 on the lot: 9 full,
// 5 out of area, 2 Ofsted inadequate, 1 suspended". Computed in the core when a round is planned or widened,
// stored on the round (Round.reach), and shown by both chat adapters through the card's tally line.
import { z } from "zod";
import { EXCLUSION_SUMMARY, type Exclusion } from "./eligibility.js";

export const reachSchema = z.object({
  onLot: z.number().int(),
  sent: z.number().int(),
  excluded: z.array(z.object({ label: z.string(), count: z.number().int() })),
});
export type Reach = z.infer<typeof reachSchema>;

/** Reasons beyond the matching rules, from planning a round. */
export const DECLINED_EARLIER = "declined earlier";
export const NO_CHANNEL = "no email or webhook";

/** Each provider is counted once, under its first reason (the order of ExclusionCode). */
export function summaryLabel(first: Exclusion, status: string): string {
  return first.code === "not_active" ? status : EXCLUSION_SUMMARY[first.code];
}

export function reachOf(onLot: number, sent: number, labels: string[]): Reach {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const excluded = [...counts]
    .map(([label, count]) => ({ label, count }))
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
  return { onLot, sent, excluded };
}

export function reachText(r: Reach): string {
  const head = `sent to ${r.sent} of ${r.onLot} on the lot`;
  return r.excluded.length ? `${head}: ${r.excluded.map((e) => `${e.count} ${e.label}`).join(", ")}` : head;
}

/** A stored Round.reach, or undefined when the round predates it or the value is not one. */
export function parseReach(value: unknown): Reach | undefined {
  const parsed = reachSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
