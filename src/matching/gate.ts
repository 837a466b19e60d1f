// Who a round is open to as time passes: tier 1 first, the next tier after each head start, and (with
// VACANCY_FIRST_HOURS) only providers with a confirmed vacancy until that period is over, then the whole lot.
// Pure: the round-widen job (src/jobs/round-widen.ts) compares the gate now with the round's stored one.
import type { Config } from "../config.js";

export type GateConfig = Pick<
  Config,
  "TIER_HEAD_START_HOURS" | "TIER_HEAD_START_EMERGENCY_MINUTES" | "VACANCY_FIRST_HOURS"
>;

/** tier null: every tier. */
export interface Gate {
  tier: number | null;
  vacancyOnly: boolean;
}

export const OPEN_GATE: Gate = { tier: null, vacancyOnly: false };

export const isOpen = (g: Gate) => g.tier === null && !g.vacancyOnly;

/**
 * The gate of a round `now`. Only round 1 is gated: a recirculated round goes to the whole lot at once (the head
 * start was given in round 1). A tier at or above the highest tier on the lot is "every tier", so a lot whose
 * providers are all on tier 1 is never gated by tier and never widened.
 */
export function gateAt(
  round: { number: number; openedAt: Date; urgency: "emergency" | "standard" },
  now: Date,
  highestTier: number,
  config: GateConfig,
): Gate {
  if (round.number > 1) return OPEN_GATE;
  const elapsed = Math.max(0, now.getTime() - round.openedAt.getTime());
  const vacancyMs = config.VACANCY_FIRST_HOURS * 3_600_000;
  if (vacancyMs > 0 && elapsed >= vacancyMs) return OPEN_GATE;
  const headStart =
    round.urgency === "emergency"
      ? config.TIER_HEAD_START_EMERGENCY_MINUTES * 60_000
      : config.TIER_HEAD_START_HOURS * 3_600_000;
  const tier = headStart > 0 ? 1 + Math.floor(elapsed / headStart) : null;
  return { tier: tier === null || tier >= highestTier ? null : tier, vacancyOnly: vacancyMs > 0 };
}

/** The next wider gate: one more tier, then (with every tier in) without the vacancy condition. */
export function widerGate(g: Gate, highestTier: number): Gate {
  if (g.tier !== null) return { tier: g.tier + 1 >= highestTier ? null : g.tier + 1, vacancyOnly: g.vacancyOnly };
  return OPEN_GATE;
}

/** Whether `next` lets in someone `current` keeps out. */
export function isWider(next: Gate, current: Gate): boolean {
  const tierWider = current.tier !== null && (next.tier === null || next.tier > current.tier);
  return tierWider || (current.vacancyOnly && !next.vacancyOnly);
}

/** The gate as words: "tier 2 (confirmed vacancies only)", "the whole lot". */
export function gateText(g: Gate): string {
  if (isOpen(g)) return "the whole lot";
  const tiers = g.tier === null ? "every tier" : `tier ${g.tier}`;
  return g.vacancyOnly ? `${tiers} (confirmed vacancies only)` : tiers;
}
