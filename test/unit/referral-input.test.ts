// The referral schema's rules, as of a fixed London date: each rule refuses what it should, says what is
// allowed, and accepts the edge it should (today, the exact age, a district).
import { describe, expect, it } from "vitest";
import { addYears, wholeYearsBetween } from "../../src/domain/dates.js";
import { fieldErrorsOf, newReferralSchemaAt, newReferralSchemaFor } from "../../src/domain/referral-input.js";

const TODAY = "2026-11-23";

function input(profile: Record<string, unknown> = {}, restricted: Record<string, unknown> = {}) {
  return {
    profile: {
      lotNumber: 2,
      ageYears: 14,
      gender: "female",
      needCodes: ["SEMH"],
      ehcp: false,
      legalStatus: "s31",
      area: "PE1",
      urgency: "standard",
      requiredBy: "2026-12-15",
      summary: "Needs a calm home; loves drawing.",
      ...profile,
    },
    restricted: { childName: "Test Child", dateOfBirth: "2012-05-01", ...restricted },
  };
}

const errorsOf = (value: unknown, today = TODAY) => {
  const parsed = newReferralSchemaAt(today).safeParse(value);
  return parsed.success ? {} : fieldErrorsOf(parsed.error);
};

describe("referral input rules", () => {
  it("accepts a valid referral", () => {
    expect(errorsOf(input())).toEqual({});
  });

  it("refuses an age outside 0 to 25 saying so, not that it is required", () => {
    for (const age of [30, -1, 26, "30"]) {
      const errors = errorsOf(input({ ageYears: age }));
      expect(errors["profile.ageYears"]).toEqual(["must be a whole number between 0 and 25"]);
    }
    expect(errorsOf(input({ ageYears: 14.5 }))["profile.ageYears"]).toEqual([
      "must be a whole number between 0 and 25",
    ]);
    expect(errorsOf(input({ ageYears: Number.NaN }))["profile.ageYears"]?.[0]).toMatch(/between 0 and 25/);
  });

  it("accepts ages 0 and 25 when the date of birth agrees", () => {
    expect(errorsOf(input({ ageYears: 0 }, { dateOfBirth: "2026-11-23" }))).toEqual({});
    expect(errorsOf(input({ ageYears: 25 }, { dateOfBirth: "2001-11-23" }))).toEqual({});
  });

  it("refuses an age that does not match the date of birth, as of today in London", () => {
    // Born 1 May 2012: 14 on 23 November 2026.
    expect(errorsOf(input({ ageYears: 13 }))).toEqual({
      "profile.ageYears": ["does not match the date of birth, which makes the child 14 today"],
    });
    // The birthday itself: 24 November 2012 turns 14 on 24 November 2026, not the day before.
    expect(errorsOf(input({ ageYears: 14 }, { dateOfBirth: "2012-11-24" }))["profile.ageYears"]).toBeDefined();
    expect(errorsOf(input({ ageYears: 14 }, { dateOfBirth: "2012-11-23" }))).toEqual({});
  });

  it("refuses a date of birth in the future", () => {
    expect(errorsOf(input({ ageYears: 0 }, { dateOfBirth: "2026-11-24" }))).toEqual({
      "restricted.dateOfBirth": ["cannot be in the future"],
    });
    expect(errorsOf(input({}, { dateOfBirth: "not a date" }))["restricted.dateOfBirth"]).toEqual([
      "must be a date, like 2026-12-01",
    ]);
  });

  it("refuses a required-by date in the past or more than 2 years ahead; today and 2 years are fine", () => {
    expect(errorsOf(input({ requiredBy: "2026-11-22" }))).toEqual({
      "profile.requiredBy": ["cannot be in the past (today is fine)"],
    });
    expect(errorsOf(input({ requiredBy: "2026-11-23" }))).toEqual({});
    expect(errorsOf(input({ requiredBy: "2028-11-23" }))).toEqual({});
    expect(errorsOf(input({ requiredBy: "2028-11-24" }))).toEqual({
      "profile.requiredBy": ["must be within 2 years, by 23 November 2028"],
    });
  });

  it("uses the London date: 23:30 UTC on 31 May is already 1 June in London", () => {
    const schema = newReferralSchemaFor(new Date("2026-05-31T23:30:00Z"));
    const parsed = schema.safeParse(input({ requiredBy: "2026-05-31", ageYears: 14 }, { dateOfBirth: "2012-05-01" }));
    expect(parsed.success).toBe(false);
    expect(fieldErrorsOf(parsed.error!)).toEqual({ "profile.requiredBy": ["cannot be in the past (today is fine)"] });
  });

  it("accepts postcode districts and refuses anything else with examples", () => {
    for (const area of ["PE1", "cb22", " SW1A ", "M1", "B33", "W1D", "EC1A"])
      expect(errorsOf(input({ area })), area).toEqual({});
    for (const area of ["LONDON", "Peterborough", "Q1", "PE", "1PE", "PE1 2", "XX99 9"]) {
      expect(errorsOf(input({ area }))["profile.area"], area).toEqual([
        "must be a postcode district, the first half of a postcode, like PE1, CB22 or SW1A",
      ]);
    }
    expect(errorsOf(input({ area: "PE1 2AB" }))["profile.area"]).toEqual([
      "is a full postcode: give only the district, the first half (for example PE1)",
    ]);
    expect(errorsOf(input({ area: "" }))["profile.area"]?.[0]).toMatch(/^is required: a postcode district/);
  });
});

describe("the Placements Data Standard's fields", () => {
  const parse = (profile: Record<string, unknown>, restricted: Record<string, unknown> = {}) =>
    newReferralSchemaAt(TODAY).parse(input(profile, restricted));

  it("gives a referral raised without them the standard's 'not known' answers, and the band of its date", () => {
    expect(parse({}).profile.pds).toEqual({
      placementNeeded: "over_5_days",
      siblingsToPlaceWith: 0,
      communicationNeeds: [],
      adaptationsToHome: false,
      culturalNeeds: "not_known",
      caredForAlongside: "no_preference",
      pets: "not_known",
      additionalSupport: [],
      deprivationOfLiberty: false,
      suitability: { foster: "not_specified", residential: "not_specified", supported: "not_specified" },
      risksToChild: [],
      risksToOthers: [],
    });
    expect(parse({ requiredBy: TODAY }).profile.pds.placementNeeded).toBe("today");
    expect(parse({ requiredBy: "2026-11-27" }).profile.pds.placementNeeded).toBe("within_5_days");
    expect(parse({ requiredBy: "2026-11-28" }).profile.pds.placementNeeded).toBe("over_5_days");
    // Given, the social worker's band stands.
    expect(parse({ pds: { placementNeeded: "today" } }).profile.pds.placementNeeded).toBe("today");
  });

  it("keeps risks as a set of the standard's categories and refuses any other", () => {
    const pds = parse({ pds: { risksToChild: ["going_missing", "self_harm", "going_missing"] } }).profile.pds;
    expect(pds.risksToChild).toEqual(["self_harm", "going_missing"]);
    expect(errorsOf(input({ pds: { risksToOthers: ["arson"] } }))).toHaveProperty(["profile.pds.risksToOthers.0"]);
    expect(errorsOf(input({ pds: { siblingsToPlaceWith: 11 } }))["profile.pds.siblingsToPlaceWith"]).toEqual([
      "must be a whole number from 0 to 10",
    ]);
    expect(errorsOf(input({ pds: { suitability: { foster: "maybe" } } }))).toHaveProperty([
      "profile.pds.suitability.foster",
    ]);
  });

  it("keeps the free text in the restricted details, never the profile", () => {
    const parsed = parse({}, { preferredLocation: "Near Canary School", culturalNeedsDetail: "Attends mosque" });
    expect(parsed.restricted).toMatchObject({ preferredLocation: "Near Canary School" });
    expect(JSON.stringify(parsed.profile)).not.toContain("Canary");
    expect(JSON.stringify(parsed.profile)).not.toContain("mosque");
  });
});

describe("calendar helpers", () => {
  it("counts whole years and adds years to 29 February", () => {
    expect(wholeYearsBetween("2012-05-01", "2026-04-30")).toBe(13);
    expect(wholeYearsBetween("2012-05-01", "2026-05-01")).toBe(14);
    expect(addYears("2028-02-29", 2)).toBe("2030-02-28");
    expect(addYears("2026-11-23", 2)).toBe("2028-11-23");
  });
});
