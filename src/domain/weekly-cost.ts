// One comparable figure for every offer, however it was priced: the weekly equivalent. The approval threshold,
// the digest, the report and the offer comparison all use it, so a school's annual fee and a home's weekly fee are
// weighed on the same scale.
//
// The formula, per priced item (the placement itself and each add-on, each on its own basis):
//   weekly          amount
//   annual_38_week  amount / 52
//   annual_52_week  amount / 52
//   hourly          amount x hours per week
//   daily           amount x days per week
// weekly equivalent = sum over the items, rounded once to the nearest penny (halves up).
//
// Why a 38-week fee is divided by 52, not 38: the fee buys a whole year of provision (the school year, with the
// holidays the child spends elsewhere), and the council's budget is spent by the year. Spreading it over the 52
// calendar weeks gives what the placement costs per week of the year, which multiplied back by 52 is what the
// council pays, the same as a 52-week home's weekly fee x 52. Dividing by 38 would price a week at school instead
// and make a £48,000 day school look as dear as a £65,700-a-year placement.
// Hourly and daily prices are taken at the hours or days a week the provider states; the figure is per week in
// which the service runs, as tuition is quoted.
// Rounding once at the end (not per item) keeps the total from drifting by a penny per add-on.
import { ADD_ON_LABELS, type AddOnKind, type CostBasis } from "./vocabulary.js";

export interface PricedItem {
  /** The amount as quoted, in pence, on its basis. */
  amountPence: number;
  basis: CostBasis;
  /** Required for an hourly price. */
  hoursPerWeek?: number | null;
  /** Required for a daily price. */
  daysPerWeek?: number | null;
}

export interface AddOn extends PricedItem {
  kind: AddOnKind;
  /** What an "other" add-on is, in the provider's words. */
  label?: string | null;
}

export interface OfferCost extends PricedItem {
  addOns: AddOn[];
}

export const WEEKS_PER_YEAR = 52;

/** One item's cost per week, unrounded (pence). Throws when an hourly or daily price lacks its hours or days. */
export function weeklyPenceOf(item: PricedItem): number {
  switch (item.basis) {
    case "weekly":
      return item.amountPence;
    case "annual_38_week":
    case "annual_52_week":
      return item.amountPence / WEEKS_PER_YEAR;
    case "hourly":
      if (!item.hoursPerWeek) throw new Error("An hourly price needs its hours per week");
      return item.amountPence * item.hoursPerWeek;
    case "daily":
      if (!item.daysPerWeek) throw new Error("A daily price needs its days per week");
      return item.amountPence * item.daysPerWeek;
  }
}

/** The offer's weekly equivalent in whole pence: the placement plus every add-on, rounded once. */
export function weeklyEquivalentPence(cost: OfferCost): number {
  const exact = cost.addOns.reduce((sum, a) => sum + weeklyPenceOf(a), weeklyPenceOf(cost));
  // The epsilon keeps a true half (e.g. 26p / 52 = 0.5p) from rounding down on a binary fraction's error.
  return Math.round(exact + 1e-9);
}

/** "£48,000", "£1,850.50". */
export function poundsText(pence: number): string {
  const gbp = pence / 100;
  return `£${gbp.toLocaleString("en-GB", { minimumFractionDigits: Number.isInteger(gbp) ? 0 : 2, maximumFractionDigits: 2 })}`;
}

const count = (n: number, unit: string) => `${n.toLocaleString("en-GB", { maximumFractionDigits: 2 })} ${unit}`;

/** One item as quoted: "£50/week", "annual 38-week fee £48,000", "£25/hour x 20 hours/week". */
export function quotedText(item: PricedItem): string {
  const amount = poundsText(item.amountPence);
  switch (item.basis) {
    case "weekly":
      return `${amount}/week`;
    case "annual_38_week":
      return `annual 38-week fee ${amount}`;
    case "annual_52_week":
      return `annual 52-week fee ${amount}`;
    case "hourly":
      return `${amount}/hour × ${count(item.hoursPerWeek ?? 0, "hours/week")}`;
    case "daily":
      return `${amount}/day × ${count(item.daysPerWeek ?? 0, "days/week")}`;
  }
}

export const addOnName = (a: Pick<AddOn, "kind" | "label">) =>
  a.kind === "other" && a.label ? a.label : ADD_ON_LABELS[a.kind];

/**
 * How the weekly equivalent was reached, for people: "annual 38-week fee £48,000 + transport £50/week". Null for a
 * plain weekly price with no add-ons, where the weekly figure is the price itself and needs no explaining.
 */
export function costBreakdownText(cost: OfferCost): string | null {
  if (cost.basis === "weekly" && cost.addOns.length === 0) return null;
  const main = cost.basis === "weekly" ? `placement ${quotedText(cost)}` : quotedText(cost);
  const addOns = cost.addOns.map((a) => {
    const name = addOnName(a);
    // "1:1 staffing" keeps its case; "Transport" reads as "transport" mid-sentence.
    return `${/^[A-Z][a-z]/.test(name) ? name[0]?.toLowerCase() + name.slice(1) : name} ${quotedText(a)}`;
  });
  return [main, ...addOns].join(" + ");
}

/** "£973.08/week equivalent (annual 38-week fee £48,000 + transport £50/week)", or "£1,850/week" when plain. */
export function weeklyCostText(weeklyPence: number, breakdown: string | null): string {
  return breakdown ? `${poundsText(weeklyPence)}/week equivalent (${breakdown})` : `${poundsText(weeklyPence)}/week`;
}
