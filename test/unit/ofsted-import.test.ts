// Reading Ofsted's published providers CSV: tolerant header mapping, judgements as words or numbers, UK dates.
import { describe, expect, it } from "vitest";
import { mapOfstedHeader, ofstedDateOf, ofstedGradeOf } from "../../src/providers/ofsted-import.js";

describe("mapOfstedHeader", () => {
  it("finds the columns of the provider-level file whatever their case and punctuation", () => {
    expect(
      mapOfstedHeader([
        "Provider type",
        "URN",
        "Inspection date",
        "Overall experiences and progress of children and young people",
      ]),
    ).toEqual({ columns: { urn: 1, grade: 3, date: 2 } });
    expect(mapOfstedHeader(["Unique reference number", "Date of inspection", "OVERALL EFFECTIVENESS"])).toEqual({
      columns: { urn: 0, grade: 2, date: 1 },
    });
    expect(
      mapOfstedHeader([
        "Provider URN",
        "Latest full inspection date",
        "Overall experiences and progress of children and young people (latest)",
      ]),
    ).toEqual({ columns: { urn: 0, grade: 2, date: 1 } });
  });
  it("names what is missing", () => {
    expect(mapOfstedHeader(["Children's social care data in England"])).toEqual({ missing: ["urn", "grade", "date"] });
    expect(mapOfstedHeader(["URN", "Inspection date"])).toEqual({ missing: ["grade"] });
  });
});

describe("ofstedGradeOf and ofstedDateOf", () => {
  it("reads judgements as words or Ofsted's numbers; not judged is no grade", () => {
    expect(ofstedGradeOf("Outstanding")).toBe("Outstanding");
    expect(ofstedGradeOf("2")).toBe("Good");
    expect(ofstedGradeOf("Requires improvement to be good")).toBe("Requires improvement");
    expect(ofstedGradeOf("Adequate")).toBe("Requires improvement");
    expect(ofstedGradeOf("4")).toBe("Inadequate");
    expect(ofstedGradeOf("inadequate")).toBe("Inadequate");
    expect(ofstedGradeOf("5")).toBeUndefined();
    expect(ofstedGradeOf("Not judged")).toBeUndefined();
    expect(ofstedGradeOf("")).toBeUndefined();
  });
  it("reads UK and ISO dates and refuses impossible ones", () => {
    expect(ofstedDateOf("14/03/2025")).toEqual(new Date("2025-03-14T00:00:00Z"));
    expect(ofstedDateOf("2025-06-30")).toEqual(new Date("2025-06-30T00:00:00Z"));
    expect(ofstedDateOf("31/02/2025")).toBeUndefined();
    expect(ofstedDateOf("March 2025")).toBeUndefined();
  });
});
