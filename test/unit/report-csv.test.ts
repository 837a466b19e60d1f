import { describe, expect, it } from "vitest";
import { csvCell, csvRecord, toCsv } from "../../src/reporting/csv.js";
import type { LotFigures } from "../../src/reporting/lot-figures.js";
import type { PlacementReport } from "../../src/reporting/placement-report.js";
import { placementReportCsv, REPORT_CSV_HEADER } from "../../src/reporting/report-csv.js";

/** A small RFC 4180 reader, written separately from the writer, to read back what the writer wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += c;
  }
  if (cell || row.length) throw new Error("CSV does not end with CRLF");
  return rows;
}

describe("CSV cells (RFC 4180)", () => {
  it("leaves plain text and numbers alone and writes nothing for no value", () => {
    expect(csvCell("Fenland Foster Care Ltd")).toBe("Fenland Foster Care Ltd");
    expect(csvCell(12.5)).toBe("12.5");
    expect(csvCell(0)).toBe("0");
    expect(csvCell(null)).toBe("");
    expect(csvCell(undefined)).toBe("");
  });

  it("quotes cells with commas, quotes, CR or LF, doubling the quotes inside", () => {
    expect(csvCell("Homes, Ltd")).toBe('"Homes, Ltd"');
    expect(csvCell('The "Oaks"')).toBe('"The ""Oaks"""');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell("a\r\nb")).toBe('"a\r\nb"');
  });

  it("defuses cells a spreadsheet would run as a formula with a leading single quote", () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvCell("+44 1733 000000")).toBe("'+44 1733 000000");
    expect(csvCell("-1+1")).toBe("'-1+1");
    expect(csvCell("@SUM(A1:A2)")).toBe("'@SUM(A1:A2)");
    expect(csvCell("\t=1")).toBe("'\t=1");
    expect(csvCell("\r=1")).toBe('"\'\r=1"');
    expect(csvCell("=1+2,3")).toBe('"\'=1+2,3"');
    // Only at the start: these are ordinary text.
    expect(csvCell("Smith-Jones Care")).toBe("Smith-Jones Care");
    expect(csvCell("a=b")).toBe("a=b");
    // Our own numbers are written as numbers.
    expect(csvCell(-2)).toBe("-2");
  });

  it("refuses numbers that are not finite", () => {
    expect(() => csvCell(Number.NaN)).toThrow(RangeError);
    expect(() => csvCell(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it("ends each record with CRLF and reads back to the same cells", () => {
    expect(csvRecord(["a", 1, null, "b,c"])).toBe('a,1,,"b,c"\r\n');
    const text = toCsv(
      ["name", "n"],
      [
        ['He said "hi", then\nleft', 3],
        ["plain", 4],
      ],
    );
    expect(parseCsv(text)).toEqual([
      ["name", "n"],
      ['He said "hi", then\nleft', "3"],
      ["plain", "4"],
    ]);
  });
});

const figures = (raised: number): LotFigures => ({
  referrals: { raised, placed: 1, withdrawn: 0, expired: 0, open: raised - 1 },
  hoursToFirstOffer: { count: 1, median: 2.5, p90: 2.5 },
  hoursToPlacement: { count: 1, median: 48, p90: 48 },
  offersPerReferral: { mean: 1.5, median: 1 },
  approvedCost: { count: 1, totalWeeklyGbp: 4200.5, meanWeeklyGbp: 4200.5 },
});

describe("the placement report as one flat CSV table", () => {
  const report: PlacementReport = {
    period: { from: "2026-04-01", to: "2026-04-30", timeZone: "Europe/London" },
    asOf: "2026-05-01T09:00:00.000Z",
    overall: figures(2),
    byLot: [{ lot: { number: 2, name: "Residential, Children's Homes" }, ...figures(2) }],
    providers: [
      {
        provider: { id: "p-1", name: '=cmd|"/c calc"!A1' },
        deliveries: 3,
        delivered: 2,
        responded: 1,
        responseRate: 0.5,
        declines: {
          total: 1,
          byReason: {
            no_vacancy: 1,
            cannot_meet_needs: 0,
            outside_area: 0,
            outside_age_range: 0,
            matching_concerns: 0,
            other: 0,
          },
        },
      },
    ],
  };
  const rows = parseCsv(placementReportCsv(report));
  const find = (section: string, key: string, metric: string) =>
    rows.find((r) => r[0] === section && (r[1] === key || r[3] === key) && r[5] === metric)?.[6];

  it("has the header and the same number of cells on every row", () => {
    expect(rows[0]).toEqual([...REPORT_CSV_HEADER]);
    expect(rows.every((r) => r.length === REPORT_CSV_HEADER.length)).toBe(true);
  });

  it("has one row per lot (and overall) per figure, and per provider per figure", () => {
    const lotRows = rows.filter((r) => r[1] === "all" || r[1] === "2");
    expect(lotRows).toHaveLength(2 * 16);
    expect(find("referrals", "all", "raised")).toBe("2");
    expect(find("hours_to_first_offer", "2", "median")).toBe("2.5");
    expect(find("approved_cost", "2", "total_weekly_gbp")).toBe("4200.5");
    expect(rows.find((r) => r[1] === "2")?.[2]).toBe("Residential, Children's Homes");
    expect(find("provider_responses", "p-1", "response_rate")).toBe("0.5");
    expect(find("provider_declines", "p-1", "no_vacancy")).toBe("1");
    expect(rows.filter((r) => r[3] === "p-1")).toHaveLength(4 + 1 + 6);
  });

  it("defuses a provider name that is a formula", () => {
    const names = new Set(rows.filter((r) => r[3] === "p-1").map((r) => r[4]));
    expect([...names]).toEqual(['\'=cmd|"/c calc"!A1']);
  });
});
