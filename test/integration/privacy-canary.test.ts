// A child's restricted details must never reach a log line, an audit row or any plaintext column.
// Canary values are planted in every restricted field; the whole flow runs; then everything is searched.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../../src/main.js";
import { systemClock } from "../../src/ports.js";
import { keyRingOf } from "../../src/referrals/create.js";
import { viewRestrictedDetails } from "../../src/referrals/restricted-view.js";
import { art, capturingLogger, freshLot, testConfig, testDb } from "../helpers/env.js";
import { makeProvider, offer, openReferralWithDeliveries, referralInput } from "../helpers/referrals.js";
import { ART_TOKEN, postJson, startTestService } from "../helpers/service.js";

const CANARIES = {
  childName: "CanaryName Zqxw",
  caseSystemId: "CANARY-CASE-7731",
  address: "1 Canary Wharf Lane",
  narrative: "CanaryNarrative disclosed history",
  risks: "CanaryRisk pattern",
};
const CANARY_DOB = "2011-02-03";

const config = testConfig({ ART_API_TOKENS: `art:${ART_TOKEN}:decisions:write` });
const db = testDb();
const { logger, lines } = capturingLogger();
let service: Service;

beforeAll(async () => {
  service = await startTestService({ config, logger, role: "all" });
});
afterAll(() => service.close());

describe("restricted details stay out of logs", () => {
  it("never logs a canary through the whole flow, even when code logs a referral object by mistake", async () => {
    const lot = await freshLot(db);
    const provider = await makeProvider(db, lot.id);
    const input = referralInput(lot.number, {}, { ...CANARIES, dateOfBirth: new Date(CANARY_DOB) });
    const r = await openReferralWithDeliveries({ db, clock: systemClock, config }, lot.number, [provider.id], input);
    const o = await offer({ db, clock: systemClock }, r.deliveryIds[0]!, 1100);
    expect((await postJson(`${service.url}/api/v1/offers/${o.id}/approve`, {}, ART_TOKEN)).status).toBe(200);
    const seen = await viewRestrictedDetails({ db, clock: systemClock, keyRing: keyRingOf(config) }, r.id, art());
    expect(seen.childName).toBe(CANARIES.childName);

    // The second line of defence: a careless log call with restricted fields is redacted by pino.
    logger.info({ referral: { restricted: seen, childName: seen.childName, dateOfBirth: seen.dateOfBirth } }, "oops");
    logger.info({ childName: CANARIES.childName, address: CANARIES.address, narrative: CANARIES.narrative }, "oops2");

    const all = lines.join("\n");
    expect(lines.length).toBeGreaterThan(2);
    for (const canary of [...Object.values(CANARIES), CANARY_DOB]) expect(all).not.toContain(canary);

    const audit = JSON.stringify(await db.auditEvent.findMany({ where: { referralId: r.id } }), (_k, v) =>
      typeof v === "bigint" ? String(v) : v,
    );
    const row = JSON.stringify(await db.referral.findUniqueOrThrow({ where: { id: r.id } }));
    for (const canary of [...Object.values(CANARIES), CANARY_DOB]) {
      expect(audit).not.toContain(canary);
      expect(row).not.toContain(canary);
    }
  });
});
