// Retention, erasure, subject access and the audit export against real PostgreSQL, the real web server and the
// CLI as a real process. The placement report for old periods must give exactly the same figures after retention.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { GoneError } from "../../src/errors.js";
import type { Service } from "../../src/main.js";
import { keyRingOf } from "../../src/referrals/create.js";
import { approveOffer, withdrawReferral } from "../../src/referrals/decisions.js";
import { recordResponse } from "../../src/referrals/responses.js";
import { viewRestrictedDetails } from "../../src/referrals/restricted-view.js";
import { placementReport } from "../../src/reporting/placement-report.js";
import { placementReportCsv } from "../../src/reporting/report-csv.js";
import { exportReferral } from "../../src/retention/export.js";
import { retentionCutoff, runRetention } from "../../src/retention/retention.js";
import { art, capturingLogger, fixedClock, isolatedEnv } from "../helpers/env.js";
import { envOf } from "../helpers/processes.js";
import { makeProvider, offer, openReferralWithDeliveries, referralInput } from "../helpers/referrals.js";
import { buildFixture, type FxReferral, PERIOD, seedFixture } from "../helpers/report-fixture.js";
import { ART_TOKEN, startTestService } from "../helpers/service.js";

const exec = promisify(execFile);
const DAY = 86_400_000;
// The CLI runs on the real clock, so the in-process runs use the same "now".
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const clock = fixedClock(NOW.toISOString());
const fixture: FxReferral[] = buildFixture();
const SECRET = { childName: "Erasable Qwv", address: "4 Old Road, PE1 4XY", narrative: "ErasableNarrative" };
const WITHDRAW_REASON = "ErasableReason: moved to a kinship carer";
const OLD_PERIOD = { from: "2026-01-01", to: "2026-02-28" };
let db: Db;
let config: Config;
let service: Service;
const ids: Record<"placed" | "withdrawnOld" | "withdrawnRecent" | "live", string> = {
  placed: "",
  withdrawnOld: "",
  withdrawnRecent: "",
  live: "",
};
const refs: Record<string, string> = {};

async function cli(args: string[]) {
  try {
    const { stdout, stderr } = await exec(
      process.execPath,
      ["--import", "./test/setup/no-egress.ts", "src/bin/referral-bot.mjs", ...args],
      { env: { ...process.env, ...envOf(config) } },
    );
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** A referral raised at `raisedAt` through the core, with an offer (notes), a decline (notes) and a question. */
async function raiseWithLife(raisedAt: Date, lotNumber: number, providers: string[]) {
  clock.set(raisedAt.toISOString());
  const input = referralInput(lotNumber, { summary: "ErasableSummary: calm home wanted" }, SECRET);
  const r = await openReferralWithDeliveries({ db, clock, config }, lotNumber, providers, input);
  clock.set(new Date(raisedAt.getTime() + 3_600_000).toISOString());
  const o = await offer({ db, clock }, r.deliveryIds[0]!, 1500);
  await recordResponse({ db, clock }, r.deliveryIds[1]!, {
    type: "decline",
    reason: "no_vacancy",
    notes: "ErasableDeclineNote",
  });
  await recordResponse({ db, clock }, r.deliveryIds[2]!, { type: "question", question: "ErasableQuestion?" });
  await db.providerMessage.create({
    data: { deliveryId: r.deliveryIds[2]!, kind: "answer", text: "ErasableAnswer", dedupeKey: "a1" },
  });
  const link = await db.chatLink.create({
    data: { referralId: r.id, platform: "slack", channelId: "C1", threadId: "1.1", messageId: "1.1" },
  });
  await db.chatPost.create({
    data: {
      chatLinkId: link.id,
      itemKey: `response:${o.id}`,
      messageId: "1.2",
      item: { kind: "offer", needsMet: "Therapeutic home", notes: "ErasableOfferNote" },
    },
  });
  refs[r.id] = r.reference;
  return { ...r, offerId: o.id };
}

beforeAll(async () => {
  ({ db, config } = await isolatedEnv("retention", { ART_API_TOKENS: `dpo:${ART_TOKEN}` }));
  await seedFixture(db, fixture);
  // The fixture is written straight to the tables; close its final referrals as the transitions would have.
  await db.$executeRaw`UPDATE "Referral" SET "closedAt" = COALESCE("placedAt", "createdAt" + interval '10 days')
    WHERE "status" IN ('placed', 'withdrawn', 'expired')`;
  const lot = await db.lot.create({ data: { number: 7, name: "Retention lot" } });
  const providers = [];
  for (let i = 0; i < 3; i++) providers.push((await makeProvider(db, lot.id)).id);
  const decisions = { db, clock, thresholdPence: 5000_00 };

  const placed = await raiseWithLife(new Date("2026-01-10T10:00:00Z"), 7, providers);
  clock.set("2026-01-12T10:00:00Z");
  await approveOffer(decisions, placed.offerId, art());
  ids.placed = placed.id;

  const old = await raiseWithLife(new Date("2026-02-01T10:00:00Z"), 7, providers);
  clock.set("2026-02-03T10:00:00Z");
  await withdrawReferral(decisions, old.id, art(), WITHDRAW_REASON);
  ids.withdrawnOld = old.id;

  const recent = await raiseWithLife(new Date(NOW.getTime() - 20 * DAY), 7, providers);
  clock.set(new Date(NOW.getTime() - 10 * DAY).toISOString());
  await withdrawReferral(decisions, recent.id, art(), WITHDRAW_REASON);
  ids.withdrawnRecent = recent.id;

  ids.live = (await raiseWithLife(new Date(NOW.getTime() - 200 * DAY), 7, providers)).id;
  clock.set(NOW.toISOString());
  service = await startTestService({ config, logger: capturingLogger().logger, role: "web", clock });
});
afterAll(async () => {
  await service?.close();
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
    expect(r.stderr).toContain(`Database 127.0.0.1:5432/`);
    const listed = r.stdout.split("\n").filter((l) => l.includes("  closed "));
    expect(listed.map((l) => l.split(/\s+/)[0]).sort()).toEqual(expected);
    expect(r.stdout).toContain(`${refs[ids.placed]}  placed     closed 2026-01-12`);
    expect(r.stdout).toContain(`${expected.length} referrals would be erased (dry run: nothing changed).`);
    expect(await db.referral.count({ where: { erasedAt: { not: null } } })).toBe(0);
  }, 120_000);

  it("erases exactly those, keeps what reporting needs, and the reports' figures do not change", async () => {
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
    expect((await db.referral.findUniqueOrThrow({ where: { id: ids.withdrawnRecent } })).statusReason).toBe(
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
    expect(withdrawal.detail).toEqual({ from: "offers_received", to: "withdrawn" });
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

describe("subject access export", () => {
  it("holds everything about the referral, details decrypted, and is audited", async () => {
    const data = await exportReferral({ db, clock, keyRing: keyRingOf(config) }, refs[ids.live]!, art("dpo"), "cli");
    expect(data.restricted).toMatchObject({ childName: SECRET.childName, narrative: SECRET.narrative });
    expect(data.referral).toMatchObject({ reference: refs[ids.live], summary: "ErasableSummary: calm home wanted" });
    expect(data.referral).not.toHaveProperty("restrictedEnvelope");
    const deliveries = data.rounds.flatMap((r) => r.deliveries);
    expect(deliveries).toHaveLength(3);
    expect(deliveries[0]!.provider.name).toMatch(/^Provider /);
    expect(deliveries.flatMap((d) => d.messages.map((m) => m.text))).toEqual(["ErasableAnswer"]);
    expect(data.responses.map((r) => r.type).sort()).toEqual(["decline", "offer", "question"]);
    expect(data.audit.map((a) => a.action)).toEqual(expect.arrayContaining(["referral.created", "referral.exported"]));
    expect(data.chat).toEqual([
      expect.objectContaining({
        platform: "slack",
        threadId: "1.1",
        posts: [expect.objectContaining({ messageId: "1.2" })],
      }),
    ]);
    const audit = await db.auditEvent.findFirstOrThrow({
      where: { referralId: ids.live, action: "referral.exported" },
    });
    expect(audit).toMatchObject({ actor: "test:dpo", detail: { reference: refs[ids.live], via: "cli" } });
  });

  it("over the API: an ART token gets the JSON (audited), no token gets 401, a bad reference 400", async () => {
    const url = `${service.url}/api/v1/referrals/${refs[ids.live]}/export`;
    expect((await fetch(url)).status).toBe(401);
    const bad = await fetch(`${service.url}/api/v1/referrals/not-a-ref/export`, {
      headers: { authorization: `Bearer ${ART_TOKEN}` },
    });
    expect(bad.status).toBe(400);
    const res = await fetch(url, { headers: { authorization: `Bearer ${ART_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as { restricted: { childName: string } };
    expect(body.restricted.childName).toBe(SECRET.childName);
    expect(
      await db.auditEvent.count({ where: { referralId: ids.live, action: "referral.exported", actor: "api:dpo" } }),
    ).toBe(1);
    const missing = await fetch(`${service.url}/api/v1/referrals/R-1999-9999/export`, {
      headers: { authorization: `Bearer ${ART_TOKEN}` },
    });
    expect(missing.status).toBe(404);
  });

  it("an erased referral exports with its anonymised fields and no details", async () => {
    const data = await exportReferral({ db, clock, keyRing: keyRingOf(config) }, refs[ids.placed]!, art(), "cli");
    expect(data.restricted).toBeNull();
    expect(data.referral).toMatchObject({ summary: null, status: "placed", erasedAt: NOW });
  });
});

describe("erase command", () => {
  it("refuses a live referral without --force and says why; with --force erases it, audited with the reason", async () => {
    const refused = await cli(["erase", "--reference", refs[ids.live]!, "--reason", "SAR-2026-17 erasure request"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `${refs[ids.live]} is still offers_received: ART and providers still need its details`,
    );
    expect((await db.referral.findUniqueOrThrow({ where: { id: ids.live } })).erasedAt).toBeNull();

    const missingReason = await cli(["erase", "--reference", refs[ids.live]!]);
    expect(missingReason.code).toBe(1);
    expect(missingReason.stderr).toContain("--reason");

    const forced = await cli([
      "erase",
      "--reference",
      refs[ids.live]!,
      "--reason",
      "SAR-2026-17 erasure request",
      "--force",
    ]);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain(`${refs[ids.live]} (offers_received): personal data erased.`);
    const row = await db.referral.findUniqueOrThrow({ where: { id: ids.live } });
    expect(row).toMatchObject({ restrictedEnvelope: null, summary: null, status: "offers_received" });
    const audit = await db.auditEvent.findFirstOrThrow({ where: { referralId: ids.live, action: "referral.erased" } });
    expect(audit.actor).toMatch(/^cli:/);
    expect(audit.detail).toMatchObject({
      trigger: "request",
      erasureReason: "SAR-2026-17 erasure request",
      forced: true,
    });

    const again = await cli(["erase", "--reference", refs[ids.live]!, "--reason", "again"]);
    expect(again.stdout).toContain("was already erased");
  }, 120_000);
});

describe("audit command", () => {
  it("exports the period's audit trail as formula-safe CSV, and audits the export", async () => {
    await db.auditEvent.create({
      data: {
        actor: '=HYPERLINK("http://evil.example","x")',
        action: "+cmd",
        detail: { note: "@SUM(1)" },
        at: new Date("2026-02-02T12:00:00Z"),
      },
    });
    const r = await cli(["audit", "--from", "2026-02-01", "--to", "2026-02-03", "--format", "csv"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\r\n").filter(Boolean);
    expect(lines[0]).toBe("id,at,actor,action,reference,detail");
    const hostile = lines.find((l) => l.includes("HYPERLINK"))!;
    expect(hostile).toMatch(
      /^\d+,2026-02-02T12:00:00\.000Z,"'=HYPERLINK\(""http:\/\/evil\.example"",""x""\)",'\+cmd,,/,
    );
    // Every cell that could start a formula is guarded.
    for (const line of lines) for (const cell of line.split(",")) expect(cell).not.toMatch(/^[=+\-@]/);
    expect(r.stdout).toContain(`,referral.withdraw,${refs[ids.withdrawnOld]},`);
    expect(r.stdout).not.toContain("Erasable");
    expect(await db.auditEvent.count({ where: { action: "audit.exported" } })).toBe(1);

    const json = await cli(["audit", "--from", "2026-02-01", "--to", "2026-02-03"]);
    const rows = JSON.parse(json.stdout) as { action: string; reference: string | null }[];
    expect(rows.some((x) => x.action === "referral.withdraw" && x.reference === refs[ids.withdrawnOld])).toBe(true);
    const bad = await cli(["audit", "--from", "2026-02-31", "--to", "2026-02-03"]);
    expect(bad.code).toBe(1);
  }, 120_000);
});
