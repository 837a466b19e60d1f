// Two ART members approve two different offers for one child at the same moment: exactly one wins.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../../src/main.js";
import { systemClock } from "../../src/ports.js";
import { capturingLogger, freshLot, testConfig, testDb } from "../helpers/env.js";
import { makeProvider, offer, openReferralWithDeliveries } from "../helpers/referrals.js";
import { ART_TOKEN, postJson, startTestService } from "../helpers/service.js";

const config = testConfig({
  ART_API_TOKENS: `art-a:${ART_TOKEN}:decisions:write,art-b:${ART_TOKEN}x:decisions:write`,
});
const db = testDb();
let service: Service;

beforeAll(async () => {
  service = await startTestService({ config, logger: capturingLogger().logger, role: "web" });
});
afterAll(() => service.close());

describe("concurrent approvals over HTTP", () => {
  it("refuses callers without an ART token", async () => {
    const res = await postJson(`${service.url}/api/v1/offers/00000000-0000-4000-8000-000000000000/approve`, {});
    expect(res.status).toBe(401);
    expect((res.body.error as { code: string }).code).toBe("unauthorized");
  });

  it("lets exactly one of many parallel approvals win, every time", async () => {
    const lot = await freshLot(db);
    for (let trial = 0; trial < 5; trial++) {
      const providers = [await makeProvider(db, lot.id), await makeProvider(db, lot.id)];
      const r = await openReferralWithDeliveries(
        { db, clock: systemClock, config },
        lot.number,
        providers.map((p) => p.id),
      );
      const offers = await Promise.all(r.deliveryIds.map((d) => offer({ db, clock: systemClock }, d, 1500)));
      // Four requests at once: two per offer, from two different ART callers.
      const results = await Promise.all(
        [...offers, ...offers].map((o, i) =>
          postJson(`${service.url}/api/v1/offers/${o.id}/approve`, {}, i % 2 ? `${ART_TOKEN}x` : ART_TOKEN),
        ),
      );
      const statuses = results.map((x) => x.status).sort();
      expect(statuses).toEqual([200, 409, 409, 409]);
      const referral = await db.referral.findUniqueOrThrow({ where: { id: r.id } });
      expect(referral.status).toBe("placed");
      const decisions = await db.decision.findMany({ where: { referralId: r.id } });
      expect(decisions).toHaveLength(1);
      const approvals = await db.auditEvent.count({ where: { referralId: r.id, action: "referral.approve" } });
      expect(approvals).toBe(1);
    }
  });

  it("keeps every one of many offers that arrive at the same moment", async () => {
    const lot = await freshLot(db);
    const providers = await Promise.all(Array.from({ length: 20 }, () => makeProvider(db, lot.id)));
    const r = await openReferralWithDeliveries(
      { db, clock: systemClock, config },
      lot.number,
      providers.map((p) => p.id),
    );
    const stored = await Promise.all(r.deliveryIds.map((d, i) => offer({ db, clock: systemClock }, d, 1000 + i)));
    expect(stored.every((s) => s.created)).toBe(true);
    expect(await db.response.count({ where: { referralId: r.id, type: "offer" } })).toBe(20);
    expect((await db.referral.findUniqueOrThrow({ where: { id: r.id } })).status).toBe("offers_received");
  });
});
