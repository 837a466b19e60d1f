import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors.js";
import { parseReportQuery } from "../../src/reporting/period.js";

const fieldsOf = (input: Record<string, unknown>) => {
  try {
    parseReportQuery(input);
  } catch (e) {
    if (e instanceof ValidationError) return e.fieldErrors;
    throw e;
  }
  throw new Error("expected a ValidationError");
};

describe("the report period", () => {
  it("takes two real dates, the same day twice, and json by default", () => {
    expect(parseReportQuery({ from: "2028-02-29", to: "2028-03-01" })).toEqual({
      from: "2028-02-29",
      to: "2028-03-01",
      format: "json",
    });
    expect(parseReportQuery({ from: "2026-05-01", to: "2026-05-01", format: "csv" }).format).toBe("csv");
  });

  it("names every bad field", () => {
    expect(fieldsOf({ from: "2026-02-29", to: "2026-04-31" })).toEqual({
      from: ["must be a real date written YYYY-MM-DD"],
      to: ["must be a real date written YYYY-MM-DD"],
    });
    expect(fieldsOf({})).toEqual({ from: ["is required"], to: ["is required"] });
    expect(fieldsOf({ from: ["2026-01-01", "2026-01-02"], to: "2026-01-03" })).toEqual({
      from: ["must be a real date written YYYY-MM-DD"],
    });
    expect(fieldsOf({ from: "2026-05-02", to: "2026-05-01", format: "pdf" })).toEqual({
      format: ["must be json, csv or pds"],
      to: ["must be on or after from"],
    });
  });
});
