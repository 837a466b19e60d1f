// Decisions on offers in an order that makes no sense: each is refused with a typed code, places nobody and
// tells no provider anything. The core, the chat action and the HTTP route all go through the same check.
// (Before the fix, approving an offer ART had declined placed the child and told its provider both
// "not taken up" and "accepted".)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { performAction } from "../../src/chat/actions.js";
import { JobQueues } from "../../src/jobs/queues.js";
import type { Service } from "../../src/main.js";
import { systemClock } from "../../src/ports.js";
import { createRedis } from "../../src/redis.js";
import { approveOffer, declineOffer, secondApproval } from "../../src/referrals/decisions.js";
import { art, capturingLogger, freshLot, testConfig, testDb } from "../helpers/env.js";
import { makeProvider, offer, openReferralWithDeliveries } from "../helpers/referrals.js";
import { ART_TOKEN, postJson, startTestService } from "../helpers/service.js";

const config = testConfig({ ART_API_TOKENS: `integration:${ART_TOKEN}:decisions:write` });
const db = testDb();
const clock = systemClock;
const deps = { db, clock, config };
const decisions = { db, clock, thresholdPence: 5000_00 };
let lot: { id: number; number: number };
let service: Service;
let queues: JobQueues;

beforeAll(async () => {
  lot = await freshLot(db);
  service = await startTestService({ config, logger: capturingLogger().logger, role: "web" });
  queues = new JobQueues(createRedis(config.REDIS_URL), config.REDIS_PREFIX);
});
afterAll(async () => {
  await service.close();
  await queues.close();
});

/** A referral with two offers (the first at the given cost). */
async function twoOffers(firstCostGbp = 1500) {
  const providers = [await makeProvider(db, lot.id), await makeProvider(db, lot.id)];
  const r = await openReferralWithDeliveries(
    deps,
    lot.number,
    providers.map((p) => p.id),
  );
  const a = await offer(deps, r.deliveryIds[0]!, firstCostGbp);
  const b = await offer(deps, r.deliveryIds[1]!, 1600);
  return {
    referralId: r.id,
    a: { id: a.id, deliveryId: r.deliveryIds[0]! },
    b: { id: b.id, deliveryId: r.deliveryIds[1]! },
  };
}

const messagesTo = async (deliveryId: string) =>
  (await db.providerMessage.findMany({ where: { deliveryId }, orderBy: { createdAt: "asc" } })).map((m) => m.kind);
const statusOf = async (referralId: string) =>
  (await db.referral.findUniqueOrThrow({ where: { id: referralId } })).status;
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => "no error",
    (e: { code?: string }) => e.code,
  );

describe("impossible decision sequences (core)", () => {
  it("refuses to approve an offer ART already declined: nobody placed, no 'accepted' to the provider", async () => {
    const r = await twoOffers();
    await declineOffer(decisions, r.a.id, art());
    expect(await codeOf(approveOffer(decisions, r.a.id, art("art-2")))).toBe("offer_already_decided");
    expect(await statusOf(r.referralId)).toBe("offers_received");
    expect(await messagesTo(r.a.deliveryId)).toEqual(["outcome_not_taken_up"]);
    expect(await messagesTo(r.b.deliveryId)).toEqual([]);
    expect(await db.decision.count({ where: { referralId: r.referralId } })).toBe(1);
    // The other offer can still be approved.
    expect((await approveOffer(decisions, r.b.id, art())).status).toBe("placed");
  });

  it("refuses to approve the same offer twice, and another offer once the child is placed", async () => {
    const r = await twoOffers();
    await approveOffer(decisions, r.a.id, art());
    expect(await codeOf(approveOffer(decisions, r.a.id, art()))).toBe("offer_already_decided");
    expect(await codeOf(approveOffer(decisions, r.b.id, art()))).toBe("illegal_transition");
    expect(await db.decision.count({ where: { referralId: r.referralId } })).toBe(1);
    expect(await messagesTo(r.a.deliveryId)).toEqual(["outcome_approved"]);
    expect(await messagesTo(r.b.deliveryId)).toEqual(["outcome_not_taken_up"]);
  });

  it("refuses to decline an approved offer, or an offer twice", async () => {
    const r = await twoOffers();
    await approveOffer(decisions, r.a.id, art());
    expect(await codeOf(declineOffer(decisions, r.a.id, art()))).toBe("offer_already_decided");
    const s = await twoOffers();
    await declineOffer(decisions, s.a.id, art());
    expect(await codeOf(declineOffer(decisions, s.a.id, art()))).toBe("offer_already_decided");
    expect(await messagesTo(s.a.deliveryId)).toEqual(["outcome_not_taken_up"]);
  });

  it("refuses to approve again an offer the senior approver refused", async () => {
    const r = await twoOffers(9000);
    await approveOffer(decisions, r.a.id, art("lead", true));
    expect(await secondApproval(decisions, r.referralId, art("head", true), false)).toEqual({
      status: "offers_received",
    });
    expect(await codeOf(approveOffer(decisions, r.a.id, art("lead", true)))).toBe("offer_already_decided");
    expect(await statusOf(r.referralId)).toBe("offers_received");
  });

  it("refuses an offer of a withdrawn or expired referral", async () => {
    for (const status of ["withdrawn", "expired"] as const) {
      const r = await twoOffers();
      await db.referral.update({ where: { id: r.referralId }, data: { status } });
      expect(await codeOf(approveOffer(decisions, r.a.id, art()))).toBe("illegal_transition");
      expect(await codeOf(declineOffer(decisions, r.b.id, art()))).toBe("illegal_transition");
      expect(await messagesTo(r.a.deliveryId)).toEqual([]);
      expect(await db.decision.count({ where: { referralId: r.referralId } })).toBe(0);
    }
  });
});

describe("impossible decision sequences (chat and HTTP)", () => {
  it("chat: approving a declined offer answers with the code and a clear message", async () => {
    const r = await twoOffers();
    const core = { db, clock, config, queues, logger: capturingLogger().logger };
    expect(await performAction(core, "slack", art(), { type: "decline_offer", responseId: r.a.id })).toMatchObject({
      ok: true,
    });
    const again = await performAction(core, "slack", art(), { type: "approve_offer", responseId: r.a.id });
    expect(again).toMatchObject({ ok: false, code: "offer_already_decided" });
    expect(!again.ok && again.text).toMatch(/already declined.*cannot be approved/i);
    expect(await statusOf(r.referralId)).toBe("offers_received");
    expect(await messagesTo(r.a.deliveryId)).toEqual(["outcome_not_taken_up"]);
  });

  it("POST /api/v1/offers/:id/approve on a declined offer answers 409 offer_already_decided", async () => {
    const r = await twoOffers();
    await declineOffer(decisions, r.a.id, art());
    const res = await postJson(`${service.url}/api/v1/offers/${r.a.id}/approve`, {}, ART_TOKEN);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: "offer_already_decided", message: expect.stringMatching(/declined/) });
    expect(await statusOf(r.referralId)).toBe("offers_received");
    expect(await messagesTo(r.a.deliveryId)).toEqual(["outcome_not_taken_up"]);
    // And twice over HTTP: the second approval of the same offer is refused too.
    expect((await postJson(`${service.url}/api/v1/offers/${r.b.id}/approve`, {}, ART_TOKEN)).status).toBe(200);
    const twice = await postJson(`${service.url}/api/v1/offers/${r.b.id}/approve`, {}, ART_TOKEN);
    expect(twice.status).toBe(409);
    expect((twice.body.error as { code: string }).code).toBe("offer_already_decided");
    expect(await messagesTo(r.b.deliveryId)).toEqual(["outcome_approved"]);
  });
});
