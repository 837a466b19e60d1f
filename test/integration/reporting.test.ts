// The placement report against a seeded data set whose answers are worked out independently in the test
// (test/helpers/report-fixture.ts): the core function, the HTTP route on a real server, and the CLI process.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import type { Service } from "../../src/main.js";
import { type PlacementReport, placementReport } from "../../src/reporting/placement-report.js";
import { placementReportCsv } from "../../src/reporting/report-csv.js";
import { capturingLogger, fixedClock, isolatedEnv } from "../helpers/env.js";
import {
  buildFixture,
  expectedReport,
  type FxReferral,
  PERIOD,
  PROVIDERS,
  type Seeded,
  SUMMARY_CANARY,
  seedFixture,
} from "../helpers/report-fixture.js";
import { ART_TOKEN, startTestService } from "../helpers/service.js";

const exec = promisify(execFile);
const clock = fixedClock("2026-07-15T09:00:00Z");
const fixture: FxReferral[] = buildFixture();
// The report covers every referral in its database, so this file has a database of its own.
let db: Db;
let config: Config;
let seeded: Seeded;
let service: Service;

beforeAll(async () => {
  ({ db, config } = await isolatedEnv("reporting", { ART_API_TOKENS: `analyst:${ART_TOKEN}` }));
  seeded = await seedFixture(db, fixture);
  service = await startTestService({ config, logger: capturingLogger().logger, role: "web", clock });
});
afterAll(async () => {
  await service?.close();
  await db?.$disconnect();
});

/** The report with providers in id order, to compare with the expected figures. */
const byProviderId = (r: Omit<PlacementReport, "asOf">) => ({
  ...r,
  providers: [...r.providers].sort((a, b) => (a.provider.id < b.provider.id ? -1 : 1)),
});
const withoutAsOf = ({ asOf: _, ...rest }: PlacementReport) => rest;

/** The expected CSV: the expected figures flattened, with providers in the order the report listed them. */
function expectedCsv(actual: PlacementReport): string {
  const expected = expectedReport(fixture, seeded, PERIOD);
  const order = actual.providers.map((p) => p.provider.id);
  return placementReportCsv({
    ...expected,
    asOf: actual.asOf,
    providers: [...expected.providers].sort((a, b) => order.indexOf(a.provider.id) - order.indexOf(b.provider.id)),
  });
}

function assertAnonymised(text: string) {
  expect(text).not.toContain(SUMMARY_CANARY);
  for (const f of fixture) expect(text).not.toContain(f.ref);
  expect(text).not.toContain("not-a-real-envelope");
}

describe("the placement report (core)", () => {
  it("gives the figures worked out independently from the fixture", async () => {
    const expected = expectedReport(fixture, seeded, PERIOD);
    // The fixture is rich enough to mean something.
    expect(expected.overall.referrals.raised).toBe(63);
    expect(expected.byLot.map((l) => l.lot.number)).toEqual([1, 2, 3]);
    expect(expected.overall.referrals).toMatchObject({
      placed: expect.any(Number),
      withdrawn: expect.any(Number),
      expired: expect.any(Number),
    });
    for (const k of ["placed", "withdrawn", "expired", "open"] as const)
      expect(expected.overall.referrals[k]).toBeGreaterThan(0);
    expect(expected.overall.hoursToFirstOffer.count).toBeGreaterThan(10);
    expect(expected.overall.approvedCost.count).toBeGreaterThan(5);
    expect(expected.providers.some((p) => p.responded < p.delivered)).toBe(true);

    const report = await placementReport({ db, clock }, PERIOD);
    expect(report.asOf).toBe("2026-07-15T09:00:00.000Z");
    expect(byProviderId(withoutAsOf(report))).toEqual(expected);
  });

  it("puts the edges in London time: midnight on 1 July (BST) belongs to 1 July, not 30 June", async () => {
    const report = await placementReport({ db, clock }, { from: "2026-07-01", to: "2026-07-01" });
    expect(report.overall.referrals).toEqual({ raised: 1, placed: 1, withdrawn: 0, expired: 0, open: 0 });
    expect(report.byLot.map((l) => l.lot.number)).toEqual([2]);
    expect(report.overall.approvedCost).toEqual({ count: 1, totalWeeklyGbp: 49_999, meanWeeklyGbp: 49_999 });
    expect(report.overall.hoursToFirstOffer).toEqual({ count: 1, median: 1, p90: 1 });
    expect(byProviderId(withoutAsOf(report))).toEqual(expectedReport(fixture, seeded, report.period));
    const unused = report.providers.find((p) => p.provider.name.startsWith("Provider only sent"));
    expect(unused).toMatchObject({ deliveries: 1, delivered: 1, responded: 1, responseRate: 1 });
  });

  it("gives zeros and no figures for a period without referrals", async () => {
    const report = await placementReport({ db, clock }, { from: "2025-01-01", to: "2025-12-31" });
    expect(report.byLot).toEqual([]);
    expect(report.providers).toEqual([]);
    expect(report.overall).toEqual(expectedReport(fixture, seeded, { from: "2025-01-01", to: "2025-12-31" }).overall);
    expect(report.overall.hoursToPlacement).toEqual({ count: 0, median: null, p90: null });
  });

  it("agrees with the fixture for other periods too (single days, a DST change, everything)", async () => {
    for (const period of [
      { from: "2026-03-29", to: "2026-03-29" },
      { from: "2026-04-01", to: "2026-04-30" },
      { from: "2026-05-15", to: "2026-06-14" },
      { from: "2026-01-01", to: "2026-12-31" },
    ]) {
      const report = await placementReport({ db, clock }, period);
      expect(byProviderId(withoutAsOf(report)), JSON.stringify(period)).toEqual(
        expectedReport(fixture, seeded, period),
      );
    }
  });
});

describe("GET /api/v1/reports/placements", () => {
  const url = (query: string) => `${service.url}/api/v1/reports/placements?${query}`;
  const get = (query: string, token: string | null = ART_TOKEN) =>
    fetch(url(query), token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it("refuses callers without a valid ART token with 401", async () => {
    for (const token of [null, "not-the-token"]) {
      const res = await get(`from=${PERIOD.from}&to=${PERIOD.to}`, token);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    }
  });

  it("answers bad dates with 400 and an error per field", async () => {
    const cases: [string, Record<string, string>][] = [
      ["from=2026-02-30&to=2026-03-01", { from: "must be a real date written YYYY-MM-DD" }],
      ["from=29/03/2026&to=2026-06-30", { from: "must be a real date written YYYY-MM-DD" }],
      ["from=2026-03-29", { to: "is required" }],
      ["from=2026-06-30&to=2026-03-29", { to: "must be on or after from" }],
      ["from=2026-03-29&to=2026-06-30&format=xlsx", { format: "must be json, csv or pds" }],
    ];
    for (const [query, fields] of cases) {
      const res = await get(query);
      expect(res.status, query).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string; fields: Record<string, string[]> } };
      expect(body.error.code).toBe("validation_failed");
      expect(Object.keys(body.error.fields)).toEqual(Object.keys(fields));
      for (const [field, message] of Object.entries(fields)) expect(body.error.fields[field]).toEqual([message]);
      expect(body.error.message).toContain(Object.keys(fields)[0]);
    }
  });

  it("returns the report as JSON", async () => {
    const res = await get(`from=${PERIOD.from}&to=${PERIOD.to}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const text = await res.text();
    assertAnonymised(text);
    const body = JSON.parse(text) as PlacementReport;
    expect(body.asOf).toBe("2026-07-15T09:00:00.000Z");
    expect(byProviderId(withoutAsOf(body))).toEqual(expectedReport(fixture, seeded, PERIOD));
  });

  it("returns the report as CSV with ?format=csv, formula-like names defused", async () => {
    const res = await get(`from=${PERIOD.from}&to=${PERIOD.to}&format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toContain("placements-2026-03-29-to-2026-06-30.csv");
    const csv = await res.text();
    assertAnonymised(csv);
    const json = (await (await get(`from=${PERIOD.from}&to=${PERIOD.to}`)).json()) as PlacementReport;
    expect(csv).toBe(expectedCsv(json));
    expect(csv.startsWith("section,lot_number,lot_name,provider_id,provider_name,metric,value\r\n")).toBe(true);
    expect(csv).toContain(`,"'=HYPERLINK(""http://evil.example/x"",""Click"")",response_rate,`);
    expect(csv).toContain(",'@Elm Tuition,");
    expect(csv).toContain(',"Birch Homes, Ltd",');
    expect(csv).not.toMatch(/(^|,)[=+@-]/m);
  });
});

describe("referral-bot report", () => {
  async function cli(...args: string[]) {
    try {
      const { stdout, stderr } = await exec(process.execPath, ["src/bin/referral-bot.mjs", "report", ...args], {
        env: { ...process.env, DATABASE_URL: config.DATABASE_URL, REDIS_URL: config.REDIS_URL },
        maxBuffer: 16 * 1024 * 1024,
      });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
  }

  it("prints the report as JSON by default", async () => {
    const res = await cli("--from", PERIOD.from, "--to", PERIOD.to);
    expect(res.code).toBe(0);
    assertAnonymised(res.stdout);
    const body = JSON.parse(res.stdout) as PlacementReport;
    expect(byProviderId(withoutAsOf(body))).toEqual(expectedReport(fixture, seeded, PERIOD));
  });

  it("prints the report as CSV with --format csv", async () => {
    const res = await cli("--from", PERIOD.from, "--to", PERIOD.to, "--format", "csv");
    expect(res.code).toBe(0);
    assertAnonymised(res.stdout);
    const json = JSON.parse((await cli("--from", PERIOD.from, "--to", PERIOD.to)).stdout) as PlacementReport;
    expect(res.stdout).toBe(expectedCsv(json));
    for (const p of PROVIDERS.filter((x) => x.key !== "unused"))
      expect(res.stdout).toContain(seeded.providerIds.get(p.key));
  });

  it("says which flag is wrong and exits 1", async () => {
    const res = await cli("--from", "2026-13-01", "--to", PERIOD.to);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr.trim()).toBe("Invalid report request: from: must be a real date written YYYY-MM-DD");
  });
});
