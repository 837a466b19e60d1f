import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PROVIDER_CSV_HEADERS, type ProviderCsvRow, parseProviderRow } from "../../src/providers/csv-row.js";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

// Minimal valid email-only row; tests override single cells.
const row = (over: Record<string, string> = {}): Record<string, string> => ({
  name: "Fenland Foster Care Ltd",
  lots: "1",
  email: "referrals@fenland-foster.example",
  webhook_url: "",
  webhook_secret: "",
  ofsted_urn: "",
  ofsted_grade: "",
  genders: "",
  age_min: "",
  age_max: "",
  needs: "",
  areas: "",
  status: "",
  status_reason: "",
  ...over,
});

const ok = (record: Record<string, string>, allowLoopback = false): ProviderCsvRow => {
  const result = parseProviderRow(record, { allowLoopback });
  if (!result.ok) throw new Error(`expected row to parse: ${result.errors.join("; ")}`);
  return result.row;
};

const errorsOf = (record: Record<string, string>): string[] => {
  const result = parseProviderRow(record);
  if (result.ok) throw new Error("expected row to fail");
  return result.errors;
};

describe("parseProviderRow: valid rows", () => {
  it("parses an email-only row and applies defaults", () => {
    expect(ok(row())).toEqual({
      name: "Fenland Foster Care Ltd",
      lotNumbers: [1],
      email: "referrals@fenland-foster.example",
      webhookUrl: undefined,
      webhookSecret: undefined,
      ofstedUrn: undefined,
      ofstedGrade: undefined,
      genders: [],
      ageMin: 0,
      ageMax: 25,
      needsCovered: [],
      areas: [],
      status: "active",
      statusReason: undefined,
      tier: 1,
      ofstedInspectedAt: undefined,
      vacancies: undefined,
      vacanciesConfirmedAt: undefined,
    });
  });

  it("reads tier, Ofsted inspection date and vacancies (lot:count[:age-age][:AREA|AREA], optional /type)", () => {
    const r = ok(
      row({
        lots: "1;2",
        tier: "2",
        ofsted_inspected: "14/03/2025",
        vacancies: "1:2:5-17:PE|cb; 2/residential:0",
        vacancies_confirmed: "2026-11-20",
      }),
    );
    expect(r.tier).toBe(2);
    expect(r.ofstedInspectedAt).toEqual(new Date("2025-03-14T00:00:00Z"));
    expect(r.vacanciesConfirmedAt).toEqual(new Date("2026-11-20T00:00:00Z"));
    expect(r.vacancies).toEqual([
      { lot: 1, placementType: null, ageMin: 5, ageMax: 17, areas: ["PE", "CB"], count: 2 },
      { lot: 2, placementType: "residential", ageMin: 0, ageMax: 25, areas: [], count: 0 },
    ]);
  });

  it("refuses a bad tier, date or vacancies cell with the column's name", () => {
    const errors = errorsOf(row({ tier: "0", ofsted_inspected: "31/02/2025", vacancies: "1:many" }));
    expect(errors.some((e) => e.startsWith('tier: "0" is not a tier from 1 to 9'))).toBe(true);
    expect(errors.some((e) => e.startsWith('ofsted_inspected: "31/02/2025" is not a date'))).toBe(true);
    expect(errors.some((e) => e.startsWith('vacancies: "1:many": count'))).toBe(true);
    expect(errorsOf(row({ vacancies: "1:1:17-5" })).some((e) => e.includes("ageMin: must not be greater"))).toBe(true);
    expect(errorsOf(row({ vacancies: "1/castle:1" })).some((e) => e.startsWith("vacancies:"))).toBe(true);
  });

  it("parses a webhook-only row", () => {
    const r = ok(row({ email: "", webhook_url: "https://api.willow-house.example/referrals", webhook_secret: SECRET }));
    expect(r.email).toBeUndefined();
    expect(r.webhookUrl).toBe("https://api.willow-house.example/referrals");
    expect(r.webhookSecret).toBe(SECRET);
  });

  it("parses a row with both email and webhook", () => {
    const r = ok(row({ webhook_url: "https://api.fenland-foster.example/referrals", webhook_secret: SECRET }));
    expect(r.email).toBe("referrals@fenland-foster.example");
    expect(r.webhookUrl).toBeDefined();
  });

  it("allows http:// webhooks on localhost and 127.0.0.1 for demos, with the development setting only", () => {
    for (const url of ["http://localhost:4000/hook", "http://127.0.0.1/hook", "http://[::1]:4000/hook"]) {
      expect(ok(row({ webhook_url: url, webhook_secret: SECRET }), true).webhookUrl).toBe(url);
    }
  });

  it("parses a fully populated children's home row, normalising case, spacing and duplicates", () => {
    const r = ok(
      row({
        name: "  Willow House Children's Homes ",
        lots: " 2 ; 1;2; ",
        email: "Referrals@Willow-House.EXAMPLE",
        ofsted_urn: "sc123456",
        ofsted_grade: "requires improvement",
        genders: "Female; non-binary;female",
        age_min: "11",
        age_max: "17",
        needs: "semh; ASD;;SEMH",
        areas: "pe1; pe2 ;Cambridgeshire",
        status: "Suspended",
        status_reason: "Insurance certificate expired",
      }),
    );
    expect(r).toMatchObject({
      name: "Willow House Children's Homes",
      lotNumbers: [1, 2],
      email: "referrals@willow-house.example",
      ofstedUrn: "SC123456",
      ofstedGrade: "Requires improvement",
      genders: ["female", "non-binary"],
      ageMin: 11,
      ageMax: 17,
      needsCovered: ["SEMH", "ASD"],
      areas: ["PE1", "PE2", "CAMBRIDGESHIRE"],
      status: "suspended",
      statusReason: "Insurance certificate expired",
    });
  });

  it.each(["123456", "1234567", "SC123456", "EY1234567"])("accepts Ofsted URN %s", (urn) => {
    expect(ok(row({ ofsted_urn: urn })).ofstedUrn).toBe(urn);
  });

  it.each(["Outstanding", "Good", "Requires improvement", "Inadequate", "Not yet inspected"])(
    "accepts Ofsted grade %s",
    (grade) => {
      expect(ok(row({ ofsted_grade: grade })).ofstedGrade).toBe(grade);
    },
  );

  it("accepts equal age bounds and the 0-25 extremes", () => {
    expect(ok(row({ age_min: "16", age_max: "16" }))).toMatchObject({ ageMin: 16, ageMax: 16 });
    expect(ok(row({ age_min: "0", age_max: "25" }))).toMatchObject({ ageMin: 0, ageMax: 25 });
  });

  it("treats missing columns like blank cells", () => {
    const r = ok({ name: "Ouse Tuition Ltd", lots: "4", email: "duty@ouse-tuition.example" });
    expect(r).toMatchObject({ status: "active", ageMin: 0, ageMax: 25, genders: [], areas: [] });
  });
});

describe("parseProviderRow: invalid rows name the column", () => {
  it.each<[string, Record<string, string>, string]>([
    ["blank name", { name: "  " }, "name: is required"],
    ["long name", { name: "x".repeat(201) }, "name: must be at most 200 characters"],
    ["no lots", { lots: " ; " }, "lots: at least one lot is required"],
    ["lot zero", { lots: "0" }, 'lots: "0" is not a positive whole number'],
    ["lot not a number", { lots: "1;two" }, 'lots: "two" is not a positive whole number'],
    ["negative lot", { lots: "-1" }, 'lots: "-1" is not a positive whole number'],
    ["bad email", { email: "referrals at fenland" }, "email: not a valid email address"],
    ["no contact", { email: "", webhook_url: "" }, "email: either email or webhook_url is required"],
    [
      "http webhook",
      { webhook_url: "http://api.fenland.example/referrals", webhook_secret: SECRET },
      "webhook_url: must start with https:// (http:// only for loopback, with WEBHOOK_ALLOW_LOOPBACK)",
    ],
    [
      "ftp webhook",
      { webhook_url: "ftp://localhost/referrals", webhook_secret: SECRET },
      "webhook_url: must start with https:// (http:// only for loopback, with WEBHOOK_ALLOW_LOOPBACK)",
    ],
    [
      "unparseable webhook",
      { webhook_url: "api.fenland.example", webhook_secret: SECRET },
      "webhook_url: not a valid URL",
    ],
    [
      "credentials in webhook",
      { webhook_url: "https://user:pw@api.fenland.example/r", webhook_secret: SECRET },
      "webhook_url: must not contain a username or password",
    ],
    [
      "webhook without secret",
      { webhook_url: "https://api.fenland.example/referrals" },
      "webhook_secret: required when webhook_url is set",
    ],
    [
      "secret without prefix",
      { webhook_url: "https://api.fenland.example/r", webhook_secret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" },
      "webhook_secret: must be whsec_ followed by base64",
    ],
    [
      "secret not base64",
      { webhook_url: "https://api.fenland.example/r", webhook_secret: "whsec_not base64!" },
      "webhook_secret: must be whsec_ followed by base64",
    ],
    [
      "empty secret body",
      { webhook_url: "https://api.fenland.example/r", webhook_secret: "whsec_" },
      "webhook_secret: must be whsec_ followed by base64",
    ],
    ["secret without webhook", { webhook_secret: SECRET }, "webhook_secret: set but webhook_url is blank"],
    ["short URN", { ofsted_urn: "12345" }, "ofsted_urn: must be 6-7 digits, optionally prefixed SC or EY"],
    ["URN wrong prefix", { ofsted_urn: "XX123456" }, "ofsted_urn: must be 6-7 digits, optionally prefixed SC or EY"],
    [
      "unknown grade",
      { ofsted_grade: "Excellent" },
      'ofsted_grade: "Excellent" is not one of Outstanding, Good, Requires improvement, Inadequate, Not yet inspected',
    ],
    ["unknown gender", { genders: "female;boys" }, 'genders: "boys" is not one of female, male, non-binary'],
    ["age too high", { age_max: "26" }, 'age_max: "26" is not a whole number from 0 to 25'],
    ["negative age", { age_min: "-1" }, 'age_min: "-1" is not a whole number from 0 to 25'],
    ["fractional age", { age_min: "8.5" }, 'age_min: "8.5" is not a whole number from 0 to 25'],
    ["min above max", { age_min: "18", age_max: "17" }, "age_min: 18 is greater than age_max 17"],
    [
      "unknown need",
      { needs: "SEMH;ADHD" },
      'needs: "ADHD" is not one of ASD, SEMH, SLCN, MLD, SLD, PMLD, SPLD, HI, VI, MSI, PD, OTH',
    ],
    ["unknown status", { status: "paused" }, 'status: "paused" is not one of active, suspended, removed'],
  ])("%s", (_label, over, expected) => {
    expect(errorsOf(row(over))).toEqual([expected]);
  });

  it("reports every problem in one go", () => {
    const errors = errorsOf(row({ name: "", lots: "x", email: "nope", genders: "boys", status: "gone" }));
    expect(errors).toHaveLength(5);
    for (const column of ["name", "lots", "email", "genders", "status"]) {
      expect(errors.some((e) => e.startsWith(`${column}: `))).toBe(true);
    }
  });
});

describe("test/fixtures/providers.csv", () => {
  // The fixture has no quoted cells, so a plain split is enough here.
  const [headerLine = "", ...lines] = readFileSync(new URL("../fixtures/providers.csv", import.meta.url), "utf8")
    .trim()
    .split("\n");
  const header = headerLine.split(",");
  const records = lines.map((line) => Object.fromEntries(header.map((h, i) => [h, line.split(",")[i] ?? ""])));

  it("has the exact header and about 200 rows of 18 cells", () => {
    expect(header).toEqual([...PROVIDER_CSV_HEADERS]);
    expect(records.length).toBeGreaterThanOrEqual(190);
    for (const line of lines) expect(line.split(",")).toHaveLength(18);
  });

  it("parses every row", () => {
    const failures = records.map((r, i) => ({ line: i + 2, result: parseProviderRow(r) })).filter((f) => !f.result.ok);
    expect(failures).toEqual([]);
  });

  const rows = records.map((r) => ok(r));

  it("has unique names", () => {
    expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
  });

  it("has at least 20 active providers on every lot 1-5", () => {
    for (const lot of [1, 2, 3, 4, 5]) {
      const active = rows.filter((r) => r.status === "active" && r.lotNumbers.includes(lot));
      expect(active.length, `lot ${lot}`).toBeGreaterThanOrEqual(20);
    }
  });

  it("mixes delivery channels and includes suspended providers with reasons", () => {
    expect(rows.some((r) => r.email && !r.webhookUrl)).toBe(true);
    expect(rows.some((r) => !r.email && r.webhookUrl)).toBe(true);
    expect(rows.some((r) => r.email && r.webhookUrl)).toBe(true);
    const suspended = rows.filter((r) => r.status === "suspended");
    expect(suspended.length).toBeGreaterThanOrEqual(5);
    for (const r of suspended) expect(r.statusReason).toBeTruthy();
  });
});

describe("parseProviderRow: webhook URLs that would reach the service's own network", () => {
  const refusedRow = (webhook_url: string, allowLoopback = false) => {
    const result = parseProviderRow(row({ webhook_url, webhook_secret: SECRET }), { allowLoopback });
    return result.ok ? [] : result.errors;
  };

  it.each([
    "https://127.0.0.1/hook",
    "https://2130706433/hook",
    "https://0x7f.1/hook",
    "https://0177.0.0.1/hook",
    "https://127.0.0.1./hook",
    "https://[::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://localhost/hook",
    "https://localhost./hook",
    "https://api.localhost/hook",
    "https://10.0.0.1/hook",
    "https://172.16.0.1/hook",
    "https://192.168.1.1/hook",
    "https://100.64.0.1/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://0.0.0.0/hook",
    "https://224.0.0.1/hook",
    "https://192.0.2.1/hook",
    "https://[fd00::1]/hook",
    "https://[fe80::1]/hook",
    "https://[::ffff:10.0.0.1]/hook",
  ])("refuses %s with a reason on the row", (url) => {
    const errors = refusedRow(url);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^webhook_url: address not allowed/);
  });

  it("with the development setting accepts loopback, but still refuses private and link-local addresses", () => {
    expect(refusedRow("http://127.0.0.1:4000/hook", true)).toEqual([]);
    expect(refusedRow("http://localhost:4000/hook", true)).toEqual([]);
    for (const url of ["https://10.0.0.1/hook", "http://169.254.169.254/", "https://[fd00::1]/hook"]) {
      expect(refusedRow(url, true)[0]).toMatch(/^webhook_url: address not allowed/);
    }
  });

  it("leaves host names to the check at send time", () => {
    expect(refusedRow("https://api.provider.example/hook")).toEqual([]);
  });
});
