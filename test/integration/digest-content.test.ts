// The digest's content on a known data set: sections in order of urgency, each referral listed once, counts by
// lot and days waiting, offers waiting for ART, failed deliveries, thread links; anonymised (canaries planted in
// every restricted field never appear); and a readable chart as a small PNG.
import { writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { attachThreads, buildDigest } from "../../src/digest/build.js";
import { digestChartSvg, renderDigestChart } from "../../src/digest/chart.js";
import type { Digest } from "../../src/digest/model.js";
import { digestText } from "../../src/digest/plain-text.js";
import {
  DIGEST_CANARIES,
  DIGEST_CANARY_DOB,
  DIGEST_NOW,
  type Seeded,
  SUMMARY_CANARY,
  seedDigestData,
} from "../helpers/digest-seed.js";
import { isolatedEnv } from "../helpers/env.js";

let db: Db;
let config: Config;
let seeded: Seeded;
let digest: Digest;

beforeAll(async () => {
  ({ db, config } = await isolatedEnv("digest"));
  seeded = await seedDigestData(db, config);
  digest = await buildDigest(db, new Date(DIGEST_NOW));
});
afterAll(() => db.$disconnect());

const section = (key: string) => digest.sections.find((s) => s.key === key)!;
const refs = (key: string) => section(key).lines.map((l) => l.reference);

describe("daily digest content", () => {
  it("lists the most urgent first, each referral once", () => {
    expect(digest.date).toBe("2026-11-23");
    expect(digest.sections.map((s) => s.key)).toEqual([
      "emergencies",
      "overdue",
      "closing_today",
      "no_offers",
      "by_lot",
      "by_days_waiting",
      "awaiting_decision",
      "failed_deliveries",
      "withdrawn",
    ]);
    expect(refs("emergencies")).toEqual([seeded.emergency.reference]);
    expect(refs("overdue")).toEqual([seeded.overdue.reference]);
    expect(refs("closing_today")).toEqual([seeded.closing.reference]);
    // The emergency and the overdue referral have no offer either, but are listed above, not again here.
    expect(refs("no_offers")).toEqual([seeded.noOffer.reference]);
    expect(digest.unplaced).toBe(6);
    expect(digest.headline).toBe(
      "6 unplaced children: 1 emergency, 1 past their required-by date, 1 round closing today, 1 with no offer yet, " +
        "3 offers awaiting a decision, 1 failed delivery.",
    );
  });

  it("lists the week's withdrawals with their reason's label, never the free text", () => {
    expect(refs("withdrawn")).toEqual([seeded.withdrawn.reference]);
    expect(section("withdrawn").lines[0]!.text).toBe(
      "Lot 1 Independent Fostering Agencies · withdrawn 2 days ago: Other",
    );
    expect(JSON.stringify(digest)).not.toContain("Secret words of staff");
  });

  it("describes each referral by its anonymised profile only", () => {
    const [emergency] = section("emergencies").lines;
    expect(emergency!.text).toBe(
      "EMERGENCY · Lot 2 Residential Children's Homes · 15, female · SEMH, ASD · PE1 · required by 2026-11-23 (today) · " +
        "waiting 1 hour · no offers yet · round closes 11:00 today",
    );
    expect(section("overdue").lines[0]!.text).toContain("required by 2026-11-20 (3 days ago)");
    expect(section("overdue").lines[0]!.text).toContain("waiting 12 days");
    expect(section("closing_today").lines[0]!.text).toContain("1 offer · round closes 12:00 today");
  });

  it("counts unplaced children by lot and by days waiting", () => {
    expect(digest.chart.byLot).toEqual([
      { label: "Lot 1 Independent Fostering Agencies", count: 1 },
      { label: "Lot 2 Residential Children's Homes", count: 4 },
      { label: "Lot 3 Independent Special Education Provision / Post-16", count: 1 },
    ]);
    // Raised today (0), 3 days ago (0-2), 4-7 days ago (three), 13 days ago (8-14).
    expect(digest.chart.byDaysWaiting).toEqual([
      { label: "0-2 days", count: 2 },
      { label: "3-7 days", count: 3 },
      { label: "8-14 days", count: 1 },
      { label: "15+ days", count: 0 },
    ]);
    expect(section("by_lot").lines.map((l) => l.text)).toContain("Lot 2 Residential Children's Homes: 4");
  });

  it("shows offers awaiting a decision, second approvals first, with how long they have waited", () => {
    expect(refs("awaiting_decision")).toEqual([
      seeded.secondApproval.reference,
      seeded.closing.reference,
      seeded.waiting.reference,
    ]);
    const [second, closing, waiting] = section("awaiting_decision").lines;
    expect(second!.text).toMatch(/^Lot 2 Home \d, £6,500\/week: approved, waiting 23 hours for a second approver$/);
    expect(closing!.text).toMatch(/^offer from Lot 3 Home \d, £2,400\/week: waiting 4 days$/);
    expect(waiting!.text).toMatch(/waiting 2 days$/);
  });

  it("shows deliveries that failed on current rounds", () => {
    expect(refs("failed_deliveries")).toEqual([seeded.noOffer.reference]);
    expect(section("failed_deliveries").lines[0]!.text).toMatch(/^could not reach Lot 2 Home \d: answered 410 Gone$/);
  });

  it("never shows placed referrals, withdrawn ones outside their section, restricted details or the summary", async () => {
    const all = [JSON.stringify(digest), digestText(digest), digestChartSvg(digest)].join("\n");
    expect(all).not.toContain(seeded.placed.reference);
    const unplacedSections = digest.sections.filter((s) => s.key !== "withdrawn");
    expect(JSON.stringify(unplacedSections)).not.toContain(seeded.withdrawn.reference);
    for (const canary of [...Object.values(DIGEST_CANARIES), DIGEST_CANARY_DOB, SUMMARY_CANARY, "Likes music"])
      expect(all).not.toContain(canary);
  });

  it("links each line to the referral's thread on the platform it is posted to", async () => {
    const linked = await attachThreads(db, digest, "slack");
    const line = linked.sections[0]!.lines[0]!;
    expect(line.thread).toEqual({ channelId: "C0REFERRALS", threadId: "1700000001.000100" });
    const waiting = linked.sections.find((s) => s.key === "awaiting_decision")!.lines.at(-1)!;
    expect(waiting.thread).toEqual({ channelId: "C0REFERRALS", threadId: "1700000002.000200" });
    expect(linked.sections[1]!.lines[0]!.thread).toBeUndefined();
    expect((await attachThreads(db, digest, "teams")).sections[0]!.lines[0]!.thread).toBeUndefined();
  });

  it("prints as plain text for the command line", async () => {
    const text = digestText(digest);
    await writeFile("test/artifacts/digest.txt", text);
    expect(text.split("\n").slice(0, 4)).toEqual([
      "Daily digest for Mon 23 Nov 2026",
      digest.headline,
      "",
      "Emergencies (1)",
    ]);
    expect(text).toContain(`  - ${seeded.emergency.reference} · EMERGENCY · Lot 2`);
    expect(text).toContain("Unplaced by days waiting (6)\n  - 0-2 days: 2\n  - 3-7 days: 3");
  });

  it("caps long lists and says how many more there are", async () => {
    const capped = await buildDigest(db, new Date(DIGEST_NOW), 1);
    const offers = capped.sections.find((s) => s.key === "awaiting_decision")!;
    expect(offers).toMatchObject({ total: 3, more: 2 });
    expect(offers.lines).toHaveLength(1);
    expect(digestText(capped)).toContain("  ... and 2 more");
  });

  it("renders the chart as a small PNG with its text drawn", async () => {
    const { png, altText } = await renderDigestChart(digest);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.length).toBeLessThan(100_000);
    expect(altText).toContain("By lot: Lot 1 Independent Fostering Agencies 1, Lot 2 Residential Children's Homes 4");
    await writeFile("test/artifacts/digest-chart.png", png);
    // Text really drawn: the same chart without its labels has markedly fewer dark pixels.
    const { png: bare } = await renderDigestChart({
      ...digest,
      chart: {
        byLot: digest.chart.byLot.map((b) => ({ ...b, label: "" })),
        byDaysWaiting: digest.chart.byDaysWaiting.map((b) => ({ ...b, label: "" })),
      },
    });
    expect(png.length).toBeGreaterThan(bare.length + 2000);
  });
});
