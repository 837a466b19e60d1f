// Retention against real PostgreSQL, with the CLI as a real process: exactly the closed referrals past the period
// are erased, what reporting needs stays, and the placement report for old periods gives exactly the same figures.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { GoneError } from "../../src/errors.js";
import { keyRingOf } from "../../src/referrals/create.js";
import { viewRestrictedDetails } from "../../src/referrals/restricted-view.js";
import { placementReport } from "../../src/reporting/placement-report.js";
import { placementReportCsv } from "../../src/reporting/report-csv.js";
import { retentionCutoff, runRetention } from "../../src/retention/retention.js";
import { art, capturingLogger, fixedClock, isolatedEnv } from "../helpers/env.js";
import { runCli } from "../helpers/processes.js";
import { buildFixture, type FxReferral, PERIOD, seedFixture } from "../helpers/report-fixture.js";
import { type RetentionData, seedRetentionData, WITHDRAW_REASON } from "../helpers/retention-data.js";

// The CLI runs on the real clock, so the in-process runs use the same "now".
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const clock = fixedClock(NOW.toISOString());
const fixture: FxReferral[] = buildFixture();
const OLD_PERIOD = { from: "2026-01-01", to: "2026-02-28" };
let db: Db;
let config: Config;
let ids: RetentionData["ids"];
let refs: RetentionData["refs"];
const cli = (args: string[]) => runCli(config, args);

beforeAll(async () => {
  ({ db, config } = await isolatedEnv("retention"));
  await seedFixture(db, fixture);
  // The fixture is written straight to the tables; close its final referrals as the transitions would have.
  await db.$executeRaw`UPDATE "Referral" SET "closedAt" = COALESCE("placedAt", "createdAt" + interval '10 days')
    WHERE "status" IN ('placed', 'withdrawn', 'expired')`;
  ({ ids, refs } = await seedRetentionData(db, config, clock, NOW));
});
afterAll(async () => {
  await db?.$disconnect();
});

const reportsNow = async () => {
  const out: string[] = [];
  for (const period of [PERIOD, OLD_PERIOD]) {
    const report = await placementReport({ db, clock }, period);
    out.push(JSON.stringify(report), placementReportCsv(report));
  }
  return out;
};

describe("retention", () => {
  let reportsBefore: string[];
  let expected: string[];

  it("--dry-run lists the closed referrals past the period (reference, closing date) and changes nothing", async () => {
    reportsBefore = await reportsNow();
    const cutoff = retentionCutoff(NOW, config.RETENTION_DAYS_AFTER_CLOSE);
    const rows = await db.referral.findMany({ select: { reference: true, status: true, closedAt: true } });
    expected = rows
      .filter((r) => ["placed", "withdrawn", "expired"].includes(r.status) && r.closedAt! < cutoff)
      .map((r) => r.reference)
      .sort();
    expect(expected).toContain(refs[ids.placed]);
    expect(expected).toContain(refs[ids.withdrawnOld]);
    expect(expected).not.toContain(refs[ids.withdrawnRecent]);
    expect(expected).not.toContain(refs[ids.live]);
    expect(expected.length).toBeGreaterThan(10);

    const r = await cli(["retention", "--dry-run"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Database \S+ on 127\.0\.0\.1:5432;/);
    const listed = r.stdout.split("\n").filter((l) => l.includes("  closed "));
    expect(listed.map((l) => l.split(/\s+/)[0]).sort()).toEqual(expected);
    expect(r.stdout).toContain(`${refs[ids.placed]}  placed     closed 2026-01-12`);
    expect(r.stdout).toContain(`${expected.length} referrals would be erased (dry run: nothing changed).`);
    expect(await db.referral.count({ where: { erasedAt: { not: null } } })).toBe(0);
  }, 120_000);

  it("erases exactly those, keeps what reporting needs, and the reports' figures do not change", async () => {
    // An "other" add-on's name is the provider's own words: erased, while its amount and basis stay.
    const placedOffer = await db.response.findFirstOrThrow({ where: { referralId: ids.placed, type: "offer" } });
    const addOn = { kind: "other", label: "ErasableAddOn", amountPence: 5000, basis: "weekly" };
    await db.response.update({ where: { id: placedOffer.id }, data: { costAddOns: [addOn] } });
    const erased = await runRetention({ db, clock, logger: capturingLogger().logger, days: 90 });
    expect(erased.map((r) => r.reference).sort()).toEqual(expected);
    expect(await reportsNow()).toEqual(reportsBefore);

    const row = await db.referral.findUniqueOrThrow({ where: { id: ids.withdrawnOld } });
    expect(row).toMatchObject({
      restrictedEnvelope: null,
      summary: null,
      statusReason: null,
      status: "withdrawn",
      ageYears: 14,
      gender: "female",
      needCodes: ["SEMH"],
      area: "PE1",
      erasedAt: NOW,
    });
    const responses = await db.response.findMany({ where: { referralId: ids.placed } });
    expect(responses.find((r) => r.id === placedOffer.id)?.costAddOns).toEqual([
      { kind: "other", amountPence: 5000, basis: "weekly" },
    ]);
    expect(responses.map((r) => [r.type, r.needsMet, r.notes, r.question])).toEqual(
      expect.arrayContaining([
        ["offer", null, null, null],
        ["decline", null, null, null],
        ["question", null, null, null],
      ]),
    );
    expect(responses.find((r) => r.type === "offer")?.weeklyCostPence).toBe(150_000);
    expect(responses.find((r) => r.type === "decline")?.declineReason).toBe("no_vacancy");

    // Not one of the free texts or details is left anywhere in the database, in any column.
    const dump = JSON.stringify(
      await db.$queryRaw`SELECT r.*, x.*, m.*, p.*, a.* FROM "Referral" r
        LEFT JOIN "Response" x ON x."referralId" = r."id"
        LEFT JOIN "Round" ro ON ro."referralId" = r."id" LEFT JOIN "Delivery" d ON d."roundId" = ro."id"
        LEFT JOIN "ProviderMessage" m ON m."deliveryId" = d."id"
        LEFT JOIN "ChatLink" l ON l."referralId" = r."id" LEFT JOIN "ChatPost" p ON p."chatLinkId" = l."id"
        LEFT JOIN "AuditEvent" a ON a."referralId" = r."id"
        WHERE r."id" IN (${ids.placed}::uuid, ${ids.withdrawnOld}::uuid)`,
      (_k, v) => (typeof v === "bigint" ? String(v) : v),
    );
    expect(dump).not.toMatch(/Erasable/);
    expect(dump).not.toContain("v1.dev.");
    // The ones kept still hold theirs.
    expect((await db.referral.findUniqueOrThrow({ where: { id: ids.withdrawnRecent } })).statusReason).toContain(
      WITHDRAW_REASON,
    );
    expect((await db.referral.findUniqueOrThrow({ where: { id: ids.live } })).restrictedEnvelope).toMatch(/^v1\./);
  });

  it("audits each erasure (no personal data) and records a domain event in the same transaction", async () => {
    const audit = await db.auditEvent.findFirstOrThrow({
      where: { referralId: ids.withdrawnOld, action: "referral.erased" },
    });
    expect(audit).toMatchObject({ actor: "system:retention", at: NOW });
    expect(audit.detail).toMatchObject({
      trigger: "retention",
      status: "withdrawn",
      closedAt: "2026-02-03T10:00:00.000Z",
    });
    const withdrawal = await db.auditEvent.findFirstOrThrow({
      where: { referralId: ids.withdrawnOld, action: "referral.withdraw" },
    });
    // The withdrawal's audit row holds the reason's code only, never its text: it stays as it was.
    expect(withdrawal.detail).toEqual({ from: "offers_received", to: "withdrawn", reason: "other", withText: true });
    const events = await db.outboxEvent.findMany({ where: { kind: "event" } });
    const erasedEvents = events.filter((e) => (e.payload as { type: string }).type === "referral.erased");
    expect(erasedEvents).toHaveLength(expected.length);
    expect(await db.auditEvent.count({ where: { action: "referral.erased" } })).toBe(expected.length);
  });

  it("is idempotent: a second run erases nothing, and erased details can no longer be viewed", async () => {
    expect(await runRetention({ db, clock, logger: capturingLogger().logger, days: 90 })).toEqual([]);
    expect(await db.auditEvent.count({ where: { action: "referral.erased" } })).toBe(expected.length);
    const err = await viewRestrictedDetails({ db, clock, keyRing: keyRingOf(config) }, ids.placed, art()).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(GoneError);
  });
});
