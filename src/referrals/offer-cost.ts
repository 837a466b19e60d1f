// An offer's price as the Response row stores it: the quote (amount, basis, hours or days, add-ons) and, in
// weeklyCostPence, its weekly equivalent, which everything that compares or totals costs reads.
import { ADD_ON_KINDS, COST_BASES, type CostBasis } from "../domain/vocabulary.js";
import {
  type AddOn,
  costBreakdownText,
  type OfferCost,
  weeklyCostText,
  weeklyEquivalentPence,
} from "../domain/weekly-cost.js";

export interface CostColumns {
  weeklyCostPence: number | null;
  costBasis: CostBasis | null;
  costAmountPence: number | null;
  costHoursPerWeek: number | null;
  costDaysPerWeek: number | null;
  costAddOns: unknown;
}

/** The columns an offer's price is stored in. */
export function costColumnsOf(cost: OfferCost) {
  return {
    weeklyCostPence: weeklyEquivalentPence(cost),
    costBasis: cost.basis,
    costAmountPence: cost.amountPence,
    costHoursPerWeek: cost.hoursPerWeek ?? null,
    costDaysPerWeek: cost.daysPerWeek ?? null,
    costAddOns: cost.addOns.map((a) => ({ ...a })),
  };
}

function addOnsOf(json: unknown): AddOn[] {
  if (!Array.isArray(json)) return [];
  return json.flatMap((a) => {
    const kind = (ADD_ON_KINDS as readonly string[]).includes(a?.kind) ? a.kind : null;
    const basis = (COST_BASES as readonly string[]).includes(a?.basis) ? a.basis : null;
    if (!kind || !basis || typeof a.amountPence !== "number") return [];
    return [
      {
        kind,
        basis,
        amountPence: a.amountPence,
        label: a.label ?? null,
        hoursPerWeek: a.hoursPerWeek ?? null,
        daysPerWeek: a.daysPerWeek ?? null,
      },
    ];
  });
}

/** A stored offer's price; a row from before cost bases (no costBasis) was a plain weekly price. */
export function offerCostOfRow(row: CostColumns): OfferCost {
  if (!row.costBasis || row.costAmountPence === null)
    return { amountPence: row.weeklyCostPence ?? 0, basis: "weekly", addOns: [] };
  return {
    amountPence: row.costAmountPence,
    basis: row.costBasis,
    hoursPerWeek: row.costHoursPerWeek,
    daysPerWeek: row.costDaysPerWeek,
    addOns: addOnsOf(row.costAddOns),
  };
}

/** How the stored weekly equivalent was reached, or null for a plain weekly price. */
export const costBreakdownOfRow = (row: CostColumns) => costBreakdownText(offerCostOfRow(row));

/** "£973.08/week equivalent (annual 38-week fee £48,000 + transport £50/week)" or "£1,850/week". */
export const costTextOfRow = (row: CostColumns) => weeklyCostText(row.weeklyCostPence ?? 0, costBreakdownOfRow(row));
