// Data requests against real PostgreSQL, the real web server and the CLI as a real process: the subject access
// export (CLI and API, audited), erasure on request (a live referral needs --force), and the audit trail export
// as formula-safe CSV.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import type { Service } from "../../src/main.js";
import { keyRingOf } from "../../src/referrals/create.js";
import { exportReferral } from "../../src/retention/export.js";
import { runRetention } from "../../src/retention/retention.js";
import { art, capturingLogger, fixedClock, isolatedEnv } from "../helpers/env.js";
import { runCli } from "../helpers/processes.js";
import { type RetentionData, SECRET, SUMMARY, seedRetentionData } from "../helpers/retention-data.js";
import { ART_TOKEN, startTestService } from "../helpers/service.js";

const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const clock = fixedClock(NOW.toISOString());
let db: Db;
let config: Config;
let service: Service;
let ids: RetentionData["ids"];
let refs: RetentionData["refs"];
const cli = (args: string[]) => runCli(config, args);

beforeAll(async () => {
  ({ db, config } = await isolatedEnv("datareq", { ART_API_TOKENS: `dpo:${ART_TOKEN}:data:export` }));
  ({ ids, refs } = await seedRetentionData(db, config, clock, NOW));
  // The two referrals closed long ago are erased; the recent and the live one keep their data.
  await runRetention({ db, clock, logger: capturingLogger().logger, days: 90 });
  service = await startTestService({ config, logger: capturingLogger().logger, role: "web", clock });
});
afterAll(async () => {
  await service?.close();
  await db?.$disconnect();
});

describe("subject access export", () => {
  it("holds everything about the referral, details decrypted, and is audited", async () => {
    const data = await exportReferral({ db, clock, keyRing: keyRingOf(config) }, refs[ids.live]!, art("dpo"), "cli");
    expect(data.restricted).toMatchObject({ childName: SECRET.childName, narrative: SECRET.narrative });
    expect(data.referral).toMatchObject({ reference: refs[ids.live], summary: SUMMARY });
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
