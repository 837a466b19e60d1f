// The weekly equivalent: every basis, add-ons on their own bases, rounding once, and the words cards show.
import { describe, expect, it } from "vitest";
import {
  costBreakdownText,
  type OfferCost,
  weeklyCostText,
  weeklyEquivalentPence,
  weeklyPenceOf,
} from "../../src/domain/weekly-cost.js";
import { offerCostOf } from "../../src/referrals/response-input.js";

const plain = (over: Partial<OfferCost>): OfferCost => ({ amountPence: 0, basis: "weekly", addOns: [], ...over });

describe("weekly equivalent", () => {
  it("converts each basis by its formula", () => {
    expect(weeklyEquivalentPence(plain({ amountPence: 185_000, basis: "weekly" }))).toBe(185_000);
    // A 38-week school fee spread over the 52 weeks of the year it pays for: £48,000 / 52 = £923.0769...
    expect(weeklyEquivalentPence(plain({ amountPence: 4_800_000, basis: "annual_38_week" }))).toBe(92_308);
    expect(weeklyEquivalentPence(plain({ amountPence: 5_200_000, basis: "annual_52_week" }))).toBe(100_000);
    expect(weeklyEquivalentPence(plain({ amountPence: 5_700, basis: "hourly", hoursPerWeek: 7.5 }))).toBe(42_750);
    expect(weeklyEquivalentPence(plain({ amountPence: 30_000, basis: "daily", daysPerWeek: 5 }))).toBe(150_000);
  });

  it("adds each add-on on its own basis", () => {
    const cost = plain({
      amountPence: 4_800_000,
      basis: "annual_38_week",
      addOns: [
        { kind: "transport", amountPence: 5_000, basis: "weekly" },
        { kind: "one_to_one", amountPence: 2_500, basis: "hourly", hoursPerWeek: 20 },
        { kind: "therapeutic", amountPence: 520_000, basis: "annual_52_week" },
        { kind: "other", label: "Speech therapy", amountPence: 12_000, basis: "daily", daysPerWeek: 1 },
      ],
    });
    // 92,307.69 + 5,000 + 50,000 + 10,000 + 12,000
    expect(weeklyEquivalentPence(cost)).toBe(169_308);
  });

  it("rounds once at the end, halves up, not per item", () => {
    // 26p a year is exactly half a penny a week: rounds up.
    expect(weeklyEquivalentPence(plain({ amountPence: 26, basis: "annual_52_week" }))).toBe(1);
    // Three add-ons of 0.4p a week each: rounded per item they would vanish; together they are 1.2p -> 1p.
    const tiny = { kind: "other" as const, label: "x", amountPence: 20, basis: "annual_52_week" as const };
    expect(weeklyPenceOf(tiny)).toBeCloseTo(0.3846, 4);
    expect(weeklyEquivalentPence(plain({ amountPence: 100, addOns: [tiny, tiny, tiny] }))).toBe(101);
  });

  it("refuses an hourly or daily price without its hours or days", () => {
    expect(() => weeklyPenceOf({ amountPence: 100, basis: "hourly" })).toThrow(/hours per week/);
    expect(() => weeklyPenceOf({ amountPence: 100, basis: "daily" })).toThrow(/days per week/);
  });

  it("says how the figure was reached, and nothing extra for a plain weekly price", () => {
    const annual = plain({
      amountPence: 4_800_000,
      basis: "annual_38_week",
      addOns: [{ kind: "transport", amountPence: 5_000, basis: "weekly" }],
    });
    expect(weeklyCostText(weeklyEquivalentPence(annual), costBreakdownText(annual))).toBe(
      "£973.08/week equivalent (annual 38-week fee £48,000 + transport £50/week)",
    );
    const weekly = plain({ amountPence: 185_050 });
    expect(weeklyCostText(weeklyEquivalentPence(weekly), costBreakdownText(weekly))).toBe("£1,850.50/week");
    expect(
      costBreakdownText(
        plain({
          amountPence: 150_000,
          addOns: [{ kind: "one_to_one", amountPence: 2_500, basis: "hourly", hoursPerWeek: 12.5 }],
        }),
      ),
    ).toBe("placement £1,500/week + 1:1 staffing £25/hour × 12.5 hours/week");
  });

  it("reads the old weeklyCostGbp shape as a weekly price", () => {
    expect(offerCostOf({ weeklyCostGbp: 1850.5 })).toEqual({
      amountPence: 185_050,
      basis: "weekly",
      hoursPerWeek: null,
      daysPerWeek: null,
      addOns: [],
    });
  });
});
