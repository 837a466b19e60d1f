// The broadcast summary guard: refuses the child's own identifiers, warns on contact details and NHS numbers,
// and is part of the one referral schema every intake path uses.
import { describe, expect, it } from "vitest";
import { fieldErrorsOf, newReferralSchemaAt } from "../../src/domain/referral-input.js";
import { isNhsNumber, summaryErrors, summaryWarnings } from "../../src/domain/summary-guard.js";

const child = {
  childName: "Maisie-Rose O'Connor",
  dateOfBirth: new Date("2014-03-05"),
  caseSystemId: "LCS-448812",
  address: "12 Mill Lane, Peterborough PE1 2AB",
};
const clean = "Needs a stable home with experienced carers; enjoys football and art.";

const refusedFor = (summary: string) => summaryErrors(summary, child);

describe("summary guard: the child's identifiers are refused", () => {
  it("lets an ordinary summary through", () => {
    expect(refusedFor(clean)).toEqual([]);
    expect(summaryWarnings(clean)).toEqual([]);
  });

  it.each([
    ["first name", "Maisie is settled at school"],
    ["second part of a double-barrelled name, any case", "ROSE enjoys swimming"],
    ["last name with apostrophe", "Lives with the o'connor family"],
    ["whole name", "maisie-rose o'connor needs a home"],
  ])("refuses the %s", (_what, summary) => {
    expect(refusedFor(summary)).toEqual([expect.stringMatching(/child's name/)]);
  });

  it("matches whole words only", () => {
    expect(refusedFor("Enjoys roses and rosemary; a Maisiefan")).toEqual([]);
  });

  it.each([
    "born 2014-03-05",
    "DOB 05/03/2014",
    "dob 5/3/2014",
    "born 5.3.14",
    "born 5 March 2014",
    "born 5th of March 2014",
    "born 05 Mar 2014",
    "born March 5, 2014",
  ])("refuses the date of birth written as %s", (summary) => {
    expect(refusedFor(summary)).toEqual([expect.stringMatching(/date of birth/)]);
  });

  it("does not take another date for the date of birth", () => {
    expect(refusedFor("Needed by 15/03/2014 or 2014-03-15; born in March")).toEqual([]);
  });

  it("refuses the postcode of the child's address, with or without its space", () => {
    expect(refusedFor("Lives near pe12ab at present")).toEqual([expect.stringMatching(/postcode/)]);
    expect(refusedFor("Currently PE1 2AB")).toEqual([expect.stringMatching(/postcode/)]);
    expect(refusedFor("Currently in PE1")).toEqual([]);
  });

  it("refuses the case system id as entered, case-insensitively", () => {
    expect(refusedFor("See lcs-448812 for history")).toEqual(["must not contain the case system id"]);
    expect(refusedFor("See LCS-4488120")).toEqual([]);
  });

  it("never echoes the matched text in its messages", () => {
    const all = refusedFor("Maisie, 05/03/2014, PE1 2AB, LCS-448812").join(" ");
    expect(refusedFor("Maisie, 05/03/2014, PE1 2AB, LCS-448812")).toHaveLength(4);
    for (const secret of ["Maisie", "2014", "PE1", "448812"]) expect(all).not.toContain(secret);
  });
});

describe("summary guard: warnings", () => {
  it.each([
    ["07700 900123", "phone number"],
    ["+44 7700 900123", "phone number"],
    ["01733 123456", "phone number"],
    ["carer.name@example.org", "email address"],
    ["NHS 943 476 5919", "NHS number"],
    ["9434765919", "NHS number"],
    ["SW1A 1AA", "full postcode"],
  ])("warns on %s (%s)", (text, what) => {
    expect(summaryWarnings(`Contact ${text} for more.`)).toEqual(
      expect.arrayContaining([expect.stringContaining(what)]),
    );
  });

  it("does not take ten digits with a wrong check digit for an NHS number", () => {
    expect(isNhsNumber("9434765919")).toBe(true);
    expect(isNhsNumber("9434765918")).toBe(false);
    expect(summaryWarnings("Ref 943 476 5918")).toEqual([]);
  });

  it("does not warn on costs, ages or dates", () => {
    expect(summaryWarnings("Aged 14, £4,850 a week from 2026-12-01, 2 siblings")).toEqual([]);
  });
});

describe("the referral schema applies the guard", () => {
  const input = (summary: string) => ({
    profile: {
      lotNumber: 2,
      ageYears: 12,
      gender: "female",
      needCodes: ["SEMH"],
      ehcp: false,
      legalStatus: "s31",
      area: "PE1",
      urgency: "standard",
      requiredBy: "2026-12-15",
      summary,
    },
    restricted: { ...child, dateOfBirth: "2014-03-05" },
  });

  it("gives a field error on profile.summary, one per identifier", () => {
    const parsed = newReferralSchemaAt("2026-11-23").safeParse(input("Maisie (LCS-448812) was born 5 March 2014"));
    expect(parsed.success).toBe(false);
    const errors = fieldErrorsOf(parsed.error!);
    expect(Object.keys(errors)).toEqual(["profile.summary"]);
    expect(errors["profile.summary"]).toHaveLength(3);
  });

  it("accepts a summary without identifiers", () => {
    expect(newReferralSchemaAt("2026-11-23").safeParse(input(clean)).success).toBe(true);
  });
});
