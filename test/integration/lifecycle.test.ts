// The lifecycle against real PostgreSQL: every transition audited in the same transaction, approvals by
// ART only, the second-approver rule, and restricted details that only ART can see (each view audited).
import { beforeAll, describe, expect, it } from "vitest";
import { buildThread, loadThreadState } from "../../src/chat/thread-model.js";
import { FAILURE_REASONS } from "../../src/delivery/failure-reasons.js";
import { ConflictError, ForbiddenError, IllegalTransitionError, ValidationError } from "../../src/errors.js";
import { createReferral, keyRingOf } from "../../src/referrals/create.js";
import { approveOffer, secondApproval } from "../../src/referrals/decisions.js";
import { recordResponse } from "../../src/referrals/responses.js";
import { viewRestrictedDetails } from "../../src/referrals/restricted-view.js";
import { applyTransition } from "../../src/referrals/transition.js";
import { withdrawReferral } from "../../src/referrals/withdraw.js";
import { art, fixedClock, freshLot, socialWorker, testConfig, testDb } from "../helpers/env.js";
import { makeProvider, offer, openReferralWithDeliveries, referralInput } from "../helpers/referrals.js";

const db = testDb();
const config = testConfig();
const clock = fixedClock("2026-11-23T09:00:00Z");
const deps = { db, clock, config };
const decisions = { db, clock, thresholdPence: 5000_00 };
let lot: { id: number; number: number };
let providers: string[];

beforeAll(async () => {
  lot = await freshLot(db);
  providers = [];
  for (let i = 0; i < 3; i++) providers.push((await makeProvider(db, lot.id)).id);
});

const auditActions = async (referralId: string) =>
  (await db.auditEvent.findMany({ where: { referralId }, orderBy: { id: "asc" } })).map((a) => a.action);

describe("referral lifecycle in the database", () => {
  it("creates a draft with a yearly reference and encrypted restricted details", async () => {
    // A year no other test file raises referrals in: the counter is shared by the files running in parallel,
    // so in 2026 another file's referral could take the number between these two.
    const ownYear = fixedClock("2047-03-02T09:00:00Z");
    const raise = () =>
      createReferral(
        { db, clock: ownYear, keyRing: keyRingOf(config), referencePrefix: "R" },
        referralInput(lot.number, {}, {}, ownYear.now()),
        socialWorker(),
      );
    const a = await raise();
    const b = await raise();
    expect(a.reference).toMatch(/^R-2047-\d{4}$/);
    expect(Number(b.reference.slice(-4))).toBe(Number(a.reference.slice(-4)) + 1);
    const row = await db.referral.findUniqueOrThrow({ where: { id: a.id } });
    expect(row.status).toBe("draft");
    expect(row.restrictedEnvelope).toMatch(/^v1\.dev\./);
    expect(row.restrictedEnvelope).not.toContain("Test Child");
    expect(await auditActions(a.id)).toEqual(["referral.created"]);
  });

  it("rejects invalid input with field errors and stores nothing", async () => {
    const before = await db.referral.count();
    const bad = referralInput(lot.number, { area: "PE1 2AB", ageYears: 40 }, { childName: "" });
    const err = await createReferral(
      { db, clock, keyRing: keyRingOf(config), referencePrefix: "R" },
      bad,
      socialWorker(),
    ).catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(Object.keys(err.fieldErrors).sort()).toEqual(["profile.ageYears", "profile.area", "restricted.childName"]);
    expect(await db.referral.count()).toBe(before);
  });

  it("runs draft -> open -> offers_received -> placed, auditing each step", async () => {
    const r = await openReferralWithDeliveries(deps, lot.number, providers);
    expect((await db.referral.findUniqueOrThrow({ where: { id: r.id } })).status).toBe("open");
    const round = await db.round.findFirstOrThrow({ where: { referralId: r.id } });
    expect(round.closesAt.toISOString()).toBe("2026-11-30T09:00:00.000Z"); // standard: 7 days

    const o1 = await offer(deps, r.deliveryIds[0]!, 1200);
    const again = await offer(deps, r.deliveryIds[0]!, 1200);
    expect(again).toMatchObject({ id: o1.id, created: false }); // identical repeat stored once
    await recordResponse(deps, r.deliveryIds[1]!, { type: "decline", reason: "no_vacancy" });
    await recordResponse(deps, r.deliveryIds[2]!, { type: "question", question: "Is there a sibling?" });

    await expect(approveOffer(decisions, o1.id, socialWorker())).rejects.toBeInstanceOf(ForbiddenError);
    const outcome = await approveOffer(decisions, o1.id, art());
    expect(outcome.status).toBe("placed");
    const row = await db.referral.findUniqueOrThrow({ where: { id: r.id } });
    expect(row.status).toBe("placed");
    expect(row.placedAt?.toISOString()).toBe("2026-11-23T09:00:00.000Z");
    expect(await auditActions(r.id)).toEqual([
      "referral.created",
      "referral.open",
      "referral.offer_received",
      "response.decline",
      "response.question",
      "refused.approve",
      "referral.approve",
    ]);
    // A placed referral takes no more transitions.
    await expect(withdrawReferral(decisions, r.id, art(), { reason: "needs_changed" })).rejects.toBeInstanceOf(
      IllegalTransitionError,
    );
  });

  it("needs a second, different, senior approver above the threshold", async () => {
    const r = await openReferralWithDeliveries(deps, lot.number, providers.slice(0, 1));
    const o = await offer(deps, r.deliveryIds[0]!, 6500);
    const first = await approveOffer(decisions, o.id, art("lead", true));
    expect(first.status).toBe("awaiting_second_approval");
    await expect(secondApproval(decisions, r.id, art("lead", true), true)).rejects.toThrow(/different person/);
    await expect(secondApproval(decisions, r.id, art("junior", false), true)).rejects.toBeInstanceOf(ForbiddenError);
    expect(await secondApproval(decisions, r.id, art("head", true), true)).toEqual({ status: "placed" });
    const decision = await db.decision.findUniqueOrThrow({ where: { id: first.decisionId } });
    expect(decision).toMatchObject({ decidedBy: "test:lead", secondApprover: "test:head", kind: "approve" });
    await expect(secondApproval(decisions, r.id, art("head", true), true)).rejects.toBeInstanceOf(ConflictError);
  });

  it("a second approver can refuse, which returns the referral to its offers", async () => {
    const r = await openReferralWithDeliveries(deps, lot.number, providers.slice(0, 1));
    const o = await offer(deps, r.deliveryIds[0]!, 9000);
    await approveOffer(decisions, o.id, art("lead", true));
    expect(await secondApproval(decisions, r.id, art("head", true), false)).toEqual({ status: "offers_received" });
    expect((await db.decision.findFirstOrThrow({ where: { referralId: r.id } })).kind).toBe("reject");
  });

  it("withdrawn straight away: the deliveries never sent are not listed as failures in the thread", async () => {
    const r = await openReferralWithDeliveries(deps, lot.number, providers.slice(0, 2));
    await withdrawReferral(decisions, r.id, socialWorker(), { reason: "raised_in_error" });
    // What the send job does with a delivery whose round closed first, and a real failure beside it.
    await db.delivery.update({
      where: { id: r.deliveryIds[0]! },
      data: { state: "failed", lastError: FAILURE_REASONS.roundClosed },
    });
    await db.delivery.update({
      where: { id: r.deliveryIds[1]! },
      data: { state: "failed", lastError: "answered 500" },
    });
    const { card, items } = buildThread(await loadThreadState(db, r.id));
    expect(card.counts.failed).toBe(1);
    expect(items.filter((i) => i.kind === "delivery_failed")).toEqual([
      expect.objectContaining({ error: "answered 500" }),
    ]);
    expect(card).toMatchObject({ status: "withdrawn", statusText: "Withdrawn: Raised in error", withdrawable: false });
    expect(items.at(-1)).toEqual({ kind: "withdrawn", key: "withdrawn", reason: "Raised in error" });
  });

  it("withdraws with a reason; expiry and recirculation follow the state machine", async () => {
    const r = await openReferralWithDeliveries(deps, lot.number, providers.slice(0, 1));
    // Only the social worker who raised it (here sw-1) or ART may withdraw it.
    await expect(
      withdrawReferral(decisions, r.id, socialWorker("sw-2"), { reason: "other", text: "x" }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(withdrawReferral(decisions, r.id, art(), { reason: "other" })).rejects.toBeInstanceOf(ValidationError);
    await expect(withdrawReferral(decisions, r.id, art(), { reason: "bored" })).rejects.toBeInstanceOf(ValidationError);
    await withdrawReferral(decisions, r.id, art(), { reason: "other", text: "Child returned home" });
    const row = await db.referral.findUniqueOrThrow({ where: { id: r.id } });
    expect(row).toMatchObject({ status: "withdrawn", statusReason: "Other: Child returned home" });

    const r2 = await openReferralWithDeliveries(deps, lot.number, providers.slice(0, 1));
    await db.$transaction((tx) =>
      applyTransition(tx, { referralId: r2.id, event: { type: "recirculate" }, actor: "system", at: clock.now() }),
    );
    await db.$transaction((tx) =>
      applyTransition(tx, { referralId: r2.id, event: { type: "expire" }, actor: "system", at: clock.now() }),
    );
    expect((await db.referral.findUniqueOrThrow({ where: { id: r2.id } })).status).toBe("expired");
  });

  it("rolls the audit back with a failed transition (same transaction)", async () => {
    const r = await openReferralWithDeliveries(deps, lot.number, providers.slice(0, 1));
    const before = await db.auditEvent.count({ where: { referralId: r.id } });
    await expect(
      db.$transaction(async (tx) => {
        await applyTransition(tx, {
          referralId: r.id,
          event: { type: "recirculate" },
          actor: "system",
          at: clock.now(),
        });
        throw new Error("crash after the transition");
      }),
    ).rejects.toThrow("crash");
    expect(await db.auditEvent.count({ where: { referralId: r.id } })).toBe(before);
    expect((await db.referral.findUniqueOrThrow({ where: { id: r.id } })).status).toBe("open");
  });

  it("shows restricted details to ART only, auditing every view and every refusal", async () => {
    const r = await openReferralWithDeliveries(
      deps,
      lot.number,
      [],
      referralInput(lot.number, {}, { childName: "Jo Bloggs", risks: "none known" }, clock.now()),
    );
    const viewDeps = { db, clock, keyRing: keyRingOf(config) };
    await expect(viewRestrictedDetails(viewDeps, r.id, socialWorker())).rejects.toBeInstanceOf(ForbiddenError);
    const details = await viewRestrictedDetails(viewDeps, r.id, art());
    expect(details).toMatchObject({ childName: "Jo Bloggs", risks: "none known" });
    const actions = await auditActions(r.id);
    expect(actions.filter((a) => a === "restricted.viewed")).toHaveLength(1);
    expect(actions).toContain("refused.view_restricted");
  });
});
