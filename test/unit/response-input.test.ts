// The provider response schema's rules, as of a fixed London date.
import { describe, expect, it } from "vitest";
import { fieldErrorsOf } from "../../src/domain/referral-input.js";
import { responseInputSchemaAt, responseInputSchemaFor } from "../../src/referrals/response-input.js";

const offer = (over: Record<string, unknown> = {}) => ({
  type: "offer",
  weeklyCostGbp: 1850,
  startDate: "2026-12-01",
  needsMet: "A therapeutic home.",
  ...over,
});
const errorsOf = (value: unknown, today = "2026-11-23") => {
  const parsed = responseInputSchemaAt(today).safeParse(value);
  return parsed.success ? {} : fieldErrorsOf(parsed.error);
};

describe("response input rules", () => {
  it("refuses an offer starting in the past; today is fine", () => {
    expect(errorsOf(offer({ startDate: "2026-11-22" }))).toEqual({
      startDate: ["cannot be in the past (today is fine)"],
    });
    expect(errorsOf(offer({ startDate: "2026-11-23" }))).toEqual({});
  });

  it("refuses an offer starting more than 2 years ahead", () => {
    expect(errorsOf(offer({ startDate: "2028-11-24" }))).toEqual({
      startDate: ["must be within 2 years, by 23 November 2028"],
    });
  });

  it("says what a cost must be", () => {
    expect(errorsOf(offer({ weeklyCostGbp: 0 }))).toEqual({ weeklyCostGbp: ["must be more than £0"] });
    expect(errorsOf(offer({ weeklyCostGbp: 50_001 }))).toEqual({ weeklyCostGbp: ["must be £50,000 or less"] });
    expect(errorsOf(offer({ weeklyCostGbp: "lots" }))).toEqual({
      weeklyCostGbp: ["must be an amount in pounds, like 1850"],
    });
  });

  it("takes the home's postcode district, never a full postcode", () => {
    const parsed = responseInputSchemaAt("2026-11-23").parse(offer({ placementDistrict: " ls6 " }));
    expect(parsed.type === "offer" && parsed.placementDistrict).toBe("LS6");
    expect(errorsOf(offer())).toEqual({});
    const refused = { placementDistrict: ["must be a postcode district, like LS6 (the first half of a postcode)"] };
    expect(errorsOf(offer({ placementDistrict: "LS6 2AB" }))).toEqual(refused);
    expect(errorsOf(offer({ placementDistrict: "Leeds" }))).toEqual(refused);
  });

  it("compares with the London date, not UTC", () => {
    // 23:30 UTC on 30 June is 00:30 on 1 July in London (BST): 30 June is yesterday there.
    const parsed = responseInputSchemaFor(new Date("2026-06-30T23:30:00Z")).safeParse(
      offer({ startDate: "2026-06-30" }),
    );
    expect(parsed.success).toBe(false);
  });
});

describe("offer cost bases", () => {
  const priced = (over: Record<string, unknown>) => {
    const { weeklyCostGbp: _, ...rest } = offer(over);
    return { ...rest, ...over };
  };

  it("accepts every basis, with hours or days where the basis needs them", () => {
    expect(errorsOf(priced({ costGbp: 48_000, costBasis: "annual_38_week" }))).toEqual({});
    expect(errorsOf(priced({ costGbp: 120_000, costBasis: "annual_52_week" }))).toEqual({});
    expect(errorsOf(priced({ costGbp: 57, costBasis: "hourly", hoursPerWeek: 10 }))).toEqual({});
    expect(errorsOf(priced({ costGbp: 300, costBasis: "daily", daysPerWeek: "5" }))).toEqual({});
    expect(errorsOf(priced({ costGbp: 1850 }))).toEqual({});
  });

  it("asks for the hours of an hourly price and the days of a daily one", () => {
    expect(errorsOf(priced({ costGbp: 57, costBasis: "hourly" }))).toEqual({
      hoursPerWeek: ["is required for an hourly price"],
    });
    expect(errorsOf(priced({ costGbp: 300, costBasis: "daily", daysPerWeek: 8 }))).toEqual({
      daysPerWeek: ["must be 7 or fewer"],
    });
  });

  it("needs a price, once", () => {
    expect(errorsOf(priced({}))).toEqual({ costGbp: ["is required"] });
    expect(errorsOf(offer({ costGbp: 10 }))).toEqual({ costGbp: ["give either weeklyCostGbp or costGbp, not both"] });
    expect(errorsOf(offer({ costBasis: "hourly" }))).toEqual({
      costBasis: ["must be weekly with weeklyCostGbp (or send costGbp)"],
    });
  });

  it("checks add-ons and caps the weekly equivalent, add-ons included", () => {
    expect(
      errorsOf(
        priced({
          costGbp: 48_000,
          costBasis: "annual_38_week",
          addOns: [{ kind: "other", amountGbp: 5, basis: "hourly" }],
        }),
      ),
    ).toEqual({
      "addOns.0.hoursPerWeek": ["is required for an hourly price"],
      "addOns.0.label": ["is required for an 'other' add-on"],
    });
    expect(
      errorsOf(priced({ costGbp: 49_990, addOns: [{ kind: "transport", amountGbp: 20, basis: "weekly" }] })),
    ).toEqual({ costGbp: ["comes to £50,010 a week with its add-ons, more than the £50,000 allowed"] });
  });
});

describe("the schema of the day", () => {
  it("is made once per London day and follows the date across midnight", () => {
    // 23:30 UTC on 30 November is 23:30 in London (GMT); an hour later it is 1 December there.
    const evening = responseInputSchemaFor(new Date("2026-11-30T23:30:00Z"));
    expect(responseInputSchemaFor(new Date("2026-11-30T08:00:00Z"))).toBe(evening);
    const next = responseInputSchemaFor(new Date("2026-12-01T00:30:00Z"));
    expect(next).not.toBe(evening);
    const startingOn30th = offer({ startDate: "2026-11-30" });
    expect(evening.safeParse(startingOn30th).success).toBe(true);
    expect(next.safeParse(startingOn30th).success).toBe(false);
    // Back to an earlier day (a test clock, or a request that began before midnight): its own rules again.
    expect(responseInputSchemaFor(new Date("2026-11-30T12:00:00Z")).safeParse(startingOn30th).success).toBe(true);
  });
});
