// One provider, one live offer per round, through the real response link against real PostgreSQL: a second offer
// replaces the first (the thread shows one offer, marked revised), the link shows the answer so far and lets the
// provider change or withdraw it, a decline withdraws it, a question leaves it, and ART cannot approve an offer
// that was replaced or withdrawn. An offer ART approved cannot be changed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { performAction } from "../../src/chat/actions.js";
import { buildThread, loadThreadState } from "../../src/chat/thread-model.js";
import { pendingOffers } from "../../src/digest/queries.js";
import type { DomainEvent } from "../../src/events.js";
import { responseRouter } from "../../src/http/response-routes.js";
import { JobQueues } from "../../src/jobs/queues.js";
import { createRedis } from "../../src/redis.js";
import { approveOffer, declineOffer } from "../../src/referrals/decisions.js";
import { recordResponse } from "../../src/referrals/responses.js";
import { withdrawOffer } from "../../src/referrals/revisions.js";
import { art, capturingLogger, fixedClock, freshLot, testConfig, testDb } from "../helpers/env.js";
import { makeProvider } from "../helpers/referrals.js";
import { OFFER, postForm, postJson, responseLink, type Served, serveRouter } from "../helpers/response-links.js";

const db = testDb();
const config = testConfig();
const SECRET = config.RESPONSE_TOKEN_SECRET;
const clock = fixedClock("2026-11-23T09:00:00Z");
const decisions = { db, clock, thresholdPence: 5000_00 };
let lot: { id: number; number: number };
let providerId: string;
let served: Served;

beforeAll(async () => {
  lot = await freshLot(db);
  providerId = (await makeProvider(db, lot.id, { name: "Willow House" })).id;
  const logger = capturingLogger().logger;
  served = await serveRouter(responseRouter({ db, clock, tokenSecret: SECRET, logger }), logger);
});
afterAll(() => served?.close());

const link = () => responseLink({ db, clock, config }, served.url, lot.number, providerId);
const thread = async (referralId: string) => buildThread(await loadThreadState(db, referralId));
const offersIn = async (referralId: string) => (await thread(referralId)).items.filter((i) => i.kind === "offer");
async function eventTypes(referralId: string): Promise<string[]> {
  const rows = await db.outboxEvent.findMany({ where: { kind: "event" }, orderBy: { id: "asc" } });
  return rows
    .map((r) => r.payload as DomainEvent)
    .filter((e) => e.referralId === referralId)
    .map((e) => e.type);
}

describe("a second offer from the same link", () => {
  it("replaces the first: one offer in the thread, marked revised, in the first one's place", async () => {
    const l = await link();
    const first = (await (await postJson(l.url, OFFER)).json()) as { id: string };
    const before = await offersIn(l.id);
    const res = await postJson(l.url, { ...OFFER, weeklyCostGbp: 1700, needsMet: "Now with a therapist." });
    expect(res.status).toBe(201);
    const second = (await res.json()) as { id: string };
    expect((await db.response.findUniqueOrThrow({ where: { id: first.id } })).supersededById).toBe(second.id);

    const offers = await offersIn(l.id);
    expect(offers).toHaveLength(1);
    expect(offers[0]).toMatchObject({
      key: before[0]!.key, // the message that showed the first offer is redrawn as the revised one
      responseId: second.id,
      providerName: "Willow House (revised)",
      weeklyCostGbp: 1700,
      actionable: true,
    });
    expect((await thread(l.id)).card.counts.offers).toBe(1);
    expect(await eventTypes(l.id)).toContain("response.revised");
    const audit = await db.auditEvent.findMany({ where: { referralId: l.id, action: "response.revised" } });
    expect(audit).toHaveLength(1);
  });

  it("leaves only the revised offer in the digest's offers waiting for a decision", async () => {
    const l = await link();
    const first = (await (await postJson(l.url, OFFER)).json()) as { id: string };
    const second = (await (await postJson(l.url, { ...OFFER, weeklyCostGbp: 1650 })).json()) as { id: string };
    const waiting = (await pendingOffers(db, 10_000)).filter((o) => o.referralId === l.id).map((o) => o.responseId);
    expect(waiting).toEqual([second.id]);
    expect(waiting).not.toContain(first.id);
  });

  it("leaves the replaced offer impossible to approve or decline, with a message saying why", async () => {
    const l = await link();
    const first = (await (await postJson(l.url, OFFER)).json()) as { id: string };
    const second = (await (await postJson(l.url, { ...OFFER, weeklyCostGbp: 1600 })).json()) as { id: string };
    const refused = await approveOffer(decisions, first.id, art()).catch((e) => e);
    expect(refused.code).toBe("offer_not_live");
    expect(refused.message).toContain("replaced by the provider's revised offer");
    expect((await declineOffer(decisions, first.id, art()).catch((e) => e)).code).toBe("offer_not_live");
    expect(await db.decision.count({ where: { responseId: first.id } })).toBe(0);
    expect((await approveOffer(decisions, second.id, art())).status).toBe("placed");
  });

  it("is what ART is told to decide on when they click Approve on the replaced one in chat", async () => {
    const l = await link();
    const first = (await (await postJson(l.url, OFFER)).json()) as { id: string };
    await postJson(l.url, { ...OFFER, weeklyCostGbp: 1600 });
    const queues = new JobQueues(createRedis(config.REDIS_URL), config.REDIS_PREFIX);
    try {
      const core = { db, clock, config, queues, logger: capturingLogger().logger };
      const result = await performAction(core, "slack", art(), { type: "approve_offer", responseId: first.id });
      expect(result).toEqual({
        ok: false,
        code: "offer_not_live",
        text: "This offer was replaced by the provider's revised offer, so it cannot be approved; decide on the revised one. Nothing was changed.",
      });
    } finally {
      await queues.close();
    }
  });

  it("is refused once ART has approved the offer", async () => {
    const l = await link();
    const big = (await (await postJson(l.url, { ...OFFER, weeklyCostGbp: 6000 })).json()) as { id: string };
    expect((await approveOffer(decisions, big.id, art())).status).toBe("awaiting_second_approval");
    const res = await postJson(l.url, { ...OFFER, weeklyCostGbp: 5900 });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("offer_already_accepted");
    const withdraw = await postJson(l.url, { type: "withdraw" });
    expect(withdraw.status).toBe(409);
    const page = await postForm(l.url, l.csrf, { type: "withdraw" });
    expect(page.status).toBe(409);
    expect(await page.text()).toContain("Your offer has already been accepted");
    expect(await db.response.count({ where: { deliveryId: l.deliveryId } })).toBe(1);
  });

  it("from the form, revises the offer the page showed filled in", async () => {
    const l = await link();
    await postJson(l.url, OFFER);
    const page = await (await fetch(l.url)).text();
    expect(page).toContain("Your answer so far");
    expect(page).toContain("your offer of <strong>£1,850/week</strong>, starting 1 December 2026");
    expect(page).toContain('value="1850"');
    expect(page).toContain("Withdraw my offer");
    const sent = await postForm(l.url, l.csrf, {
      type: "offer",
      costGbp: "1,795",
      startDate: "2026-12-02",
      needsMet: "A therapeutic home.",
    });
    expect(sent.status).toBe(200);
    const offers = await offersIn(l.id);
    expect(offers).toHaveLength(1);
    expect(offers[0]).toMatchObject({ weeklyCostGbp: 1795, providerName: "Willow House (revised)" });
    expect(await (await fetch(l.url)).text()).toContain("your revised offer of <strong>£1,795/week</strong>");
  });
});

describe("withdrawing", () => {
  it("from the JSON link: the thread says so, it cannot be approved, and the event is recorded", async () => {
    const l = await link();
    const o = (await (await postJson(l.url, OFFER)).json()) as { id: string };
    const res = await postJson(l.url, { type: "withdraw" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: o.id, type: "offer", status: "withdrawn" });
    expect(await offersIn(l.id)).toEqual([
      expect.objectContaining({ providerName: "Willow House (offer withdrawn by the provider)", actionable: false }),
    ]);
    expect((await thread(l.id)).card.counts.offers).toBe(0);
    expect(await eventTypes(l.id)).toContain("response.withdrawn");
    const refused = await approveOffer(decisions, o.id, art()).catch((e) => e);
    expect(refused.code).toBe("offer_not_live");
    expect(refused.message).toContain("The provider withdrew this offer");
    // Nothing left to withdraw.
    expect((await postJson(l.url, { type: "withdraw" })).status).toBe(409);
    expect(await (await fetch(l.url)).text()).toContain("You withdrew your offer of <strong>£1,850/week</strong>");
  });

  it("from the page's button", async () => {
    const l = await link();
    await postJson(l.url, OFFER);
    const res = await postForm(l.url, l.csrf, { type: "withdraw" });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Your offer has been withdrawn");
    expect((await db.response.findFirstOrThrow({ where: { deliveryId: l.deliveryId } })).withdrawnAt).not.toBeNull();
  });

  it("does not happen for a decline by an email our mail gateway did not vouch for", async () => {
    const l = await link();
    const o = (await (await postJson(l.url, OFFER)).json()) as { id: string };
    await recordResponse({ db, clock }, l.deliveryId, { type: "decline", reason: "no_vacancy" }, undefined, {
      senderVerified: false,
    });
    expect((await db.response.findUniqueOrThrow({ where: { id: o.id } })).withdrawnAt).toBeNull();
    expect((await offersIn(l.id))[0]).toMatchObject({ actionable: true });
  });

  it("happens when the provider declines after offering; a question leaves the offer open", async () => {
    const l = await link();
    const o = (await (await postJson(l.url, OFFER)).json()) as { id: string };
    await postJson(l.url, { type: "question", question: "Does the child have contact with siblings?" });
    expect((await db.response.findUniqueOrThrow({ where: { id: o.id } })).withdrawnAt).toBeNull();
    expect((await offersIn(l.id))[0]).toMatchObject({ actionable: true, providerName: "Willow House" });
    await postJson(l.url, { type: "decline", reason: "no_vacancy" });
    expect((await db.response.findUniqueOrThrow({ where: { id: o.id } })).withdrawnAt).not.toBeNull();
    expect((await offersIn(l.id))[0]).toMatchObject({ actionable: false });
    const page = await (await fetch(l.url)).text();
    expect(page).toContain("You declined this referral: No vacancy.");
    expect((await approveOffer(decisions, o.id, art()).catch((e) => e)).code).toBe("offer_not_live");
  });
});

describe("an answer for a delivery that is not there", () => {
  it("is refused as not found, whether its id is unknown or not an id at all, storing nothing", async () => {
    // The delivery is read with its id cast to a UUID: anything else must be a 404, never a database error.
    const deps = { db, clock };
    const before = await db.response.count();
    for (const id of ["00000000-0000-4000-8000-000000000000", "not-a-uuid", "'; DROP TABLE x; --", ""]) {
      await expect(recordResponse(deps, id, { ...OFFER, type: "offer" })).rejects.toMatchObject({ code: "not_found" });
      await expect(withdrawOffer(deps, id)).rejects.toMatchObject({ code: "not_found" });
    }
    expect(await db.response.count()).toBe(before);
  });
});
