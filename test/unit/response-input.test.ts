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

  it("compares with the London date, not UTC", () => {
    // 23:30 UTC on 30 June is 00:30 on 1 July in London (BST): 30 June is yesterday there.
    const parsed = responseInputSchemaFor(new Date("2026-06-30T23:30:00Z")).safeParse(
      offer({ startDate: "2026-06-30" }),
    );
    expect(parsed.success).toBe(false);
  });
});
