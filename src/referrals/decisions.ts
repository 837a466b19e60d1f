// ART decisions on offers. Two ART members approving two offers at the same moment: the version check in
// applyTransition lets exactly one through; the other gets a ConflictError or an IllegalTransitionError.
// Each decision records its domain event in its own transaction, so the chat threads follow it whichever way
// it came (chat, API).
import type { Db, Tx } from "../db.js";
import { queueOutcomes, queueProviderMessages } from "../delivery/follow-ups.js";
import {
  ConflictError,
  ForbiddenError,
  IllegalTransitionError,
  NotFoundError,
  OfferAlreadyDecidedError,
  ValidationError,
} from "../errors.js";
import { recordEvent } from "../events.js";
import type { Actor, Clock } from "../ports.js";
import { writeAudit } from "./audit.js";
import { closeReferral } from "./close.js";
import { queueCouncilHandoff } from "./council-handoff.js";
import { type PlacementDetails, parsePlacementDetails, writePlacementRecord } from "./placement-record.js";
import { refuseIfNotLive } from "./revisions.js";
import { applyTransition, lockReferral } from "./transition.js";

export interface DecisionDeps {
  db: Db;
  clock: Clock;
  thresholdPence: number;
  /** COUNCIL_WEBHOOK_URL is set: a placement queues placement.agreed for the council's own systems. */
  councilHandoff?: boolean;
}

export type ApprovalOutcome = { status: "placed" | "awaiting_second_approval"; decisionId: string; referralId: string };

function requireArt(actor: Actor, what: string) {
  if (!actor.art) throw new ForbiddenError(`Only the Access to Resources Team can ${what}`);
}

/** Records a refused attempt so ART can see who tried what. */
export async function auditRefusal(db: Db, clock: Clock, actor: Actor, referralId: string | null, action: string) {
  await db.$transaction((tx) =>
    writeAudit(tx, { referralId, actor: actor.id, action: `refused.${action}`, at: clock.now() }),
  );
}

/**
 * An offer is decided once: approved, declined, or refused by the second approver. Without this check an offer
 * ART had declined could still be approved, placing the child and telling the provider both "not taken up" and
 * "accepted". Call it after lockReferral, so a racing decision on the same offer is seen.
 */
async function refuseIfDecided(tx: Tx, responseId: string, attempted: "approve" | "decline"): Promise<void> {
  const earlier = await tx.decision.findFirst({ where: { responseId }, orderBy: { decidedAt: "desc" } });
  if (!earlier) return;
  const was =
    earlier.kind === "approve"
      ? "already approved"
      : earlier.secondApprover
        ? "already refused by the second approver"
        : "already declined";
  throw new OfferAlreadyDecidedError(`This offer was ${was}; it cannot be ${attempted}d. Nothing was changed`);
}

/** `placement`: the approver's answers for the standard's actual-placement record (placement-record.ts). */
export async function approveOffer(
  deps: DecisionDeps,
  responseId: string,
  actor: Actor,
  placement: PlacementDetails | unknown = {},
): Promise<ApprovalOutcome> {
  const details = parsePlacementDetails(placement);
  const response = await deps.db.response.findUnique({ where: { id: responseId } });
  if (!response) throw new NotFoundError("offer");
  if (!actor.art) {
    await auditRefusal(deps.db, deps.clock, actor, response.referralId, "approve");
    requireArt(actor, "approve an offer");
  }
  if (response.type !== "offer" || response.weeklyCostPence === null)
    throw new ValidationError("Only an offer can be approved");
  const now = deps.clock.now();
  const cost = response.weeklyCostPence;
  return deps.db.$transaction(async (tx) => {
    await lockReferral(tx, response.referralId);
    await refuseIfDecided(tx, responseId, "approve");
    await refuseIfNotLive(tx, responseId, "approve");
    const decision = await tx.decision.create({
      data: { referralId: response.referralId, responseId, kind: "approve", decidedBy: actor.id, decidedAt: now },
    });
    const { to } = await applyTransition(tx, {
      referralId: response.referralId,
      event: { type: "approve", weeklyCostPence: cost, thresholdPence: deps.thresholdPence },
      actor: actor.id,
      at: now,
      detail: { responseId, decisionId: decision.id },
      extra: {
        pendingApprovalId: decision.id,
        ...(cost > deps.thresholdPence ? {} : { placedAt: now }),
      },
    });
    const referralId = response.referralId;
    // Written now even when a second approver must agree: their approval places the child without a form of
    // their own; a refusal deletes it.
    await writePlacementRecord(tx, { referralId, responseId, decisionId: decision.id, details, actor, at: now });
    await recordEvent(tx, {
      type: "offer.decided",
      referralId,
      responseId,
      decisionId: decision.id,
      outcome: "approved",
    });
    if (to === "placed") {
      await queueOutcomes(tx, referralId, responseId);
      await closeReferral(tx, { referralId, closedAs: "placed", at: now });
      await recordEvent(tx, { type: "referral.placed", referralId, responseId, decisionId: decision.id });
      if (deps.councilHandoff) await queueCouncilHandoff(tx, referralId);
    } else {
      await recordEvent(tx, { type: "second_approval.requested", referralId, decisionId: decision.id });
    }
    return { status: to as ApprovalOutcome["status"], decisionId: decision.id, referralId };
  });
}

/** The senior approver's yes or no for a cost above the threshold; never the person who approved first. */
export async function secondApproval(
  deps: DecisionDeps,
  referralId: string,
  actor: Actor,
  approve: boolean,
): Promise<{ status: "placed" | "offers_received" }> {
  if (!actor.art || !actor.senior) {
    await auditRefusal(deps.db, deps.clock, actor, referralId, "second_approval");
    throw new ForbiddenError("Only a senior ART member can give the second approval");
  }
  const now = deps.clock.now();
  return deps.db.$transaction(async (tx) => {
    await lockReferral(tx, referralId);
    const referral = await tx.referral.findUniqueOrThrow({ where: { id: referralId } });
    const decision = referral.pendingApprovalId
      ? await tx.decision.findUnique({ where: { id: referral.pendingApprovalId } })
      : null;
    if (!decision || referral.status !== "awaiting_second_approval") throw new ConflictError("No approval is waiting");
    if (decision.decidedBy === actor.id) throw new ForbiddenError("The second approver must be a different person");
    await tx.decision.update({
      where: { id: decision.id },
      data: approve
        ? { secondApprover: actor.id, secondApprovedAt: now }
        : { kind: "reject", secondApprover: actor.id, secondApprovedAt: now },
    });
    const { to } = await applyTransition(tx, {
      referralId,
      event: { type: approve ? "second_approve" : "second_reject" },
      actor: actor.id,
      at: now,
      detail: { decisionId: decision.id },
      extra: approve ? { placedAt: now } : { pendingApprovalId: null },
    });
    if (!approve) await tx.placementRecord.deleteMany({ where: { referralId } });
    await recordEvent(tx, {
      type: approve ? "second_approval.given" : "second_approval.refused",
      referralId,
      decisionId: decision.id,
    });
    if (to === "placed") {
      await queueOutcomes(tx, referralId, decision.responseId);
      await closeReferral(tx, { referralId, closedAs: "placed", at: now });
      await recordEvent(tx, {
        type: "referral.placed",
        referralId,
        responseId: decision.responseId,
        decisionId: decision.id,
      });
      if (deps.councilHandoff) await queueCouncilHandoff(tx, referralId);
    }
    return { status: to as "placed" | "offers_received" };
  });
}

/** ART turns one offer down (the referral stays open for others); the provider is told it was not taken up. */
export async function declineOffer(deps: DecisionDeps, responseId: string, actor: Actor): Promise<void> {
  const response = await deps.db.response.findUnique({ where: { id: responseId } });
  if (response?.type !== "offer") throw new NotFoundError("offer");
  if (!actor.art) {
    await auditRefusal(deps.db, deps.clock, actor, response.referralId, "decline_offer");
    requireArt(actor, "decline an offer");
  }
  const now = deps.clock.now();
  await deps.db.$transaction(async (tx) => {
    const { status } = await lockReferral(tx, response.referralId);
    await refuseIfDecided(tx, responseId, "decline");
    await refuseIfNotLive(tx, responseId, "decline");
    if (status !== "offers_received" && status !== "recirculated")
      throw new IllegalTransitionError(status, "decline_offer");
    const decision = await tx.decision.create({
      data: { referralId: response.referralId, responseId, kind: "reject", decidedBy: actor.id, decidedAt: now },
    });
    await writeAudit(tx, {
      referralId: response.referralId,
      actor: actor.id,
      action: "offer.declined",
      detail: { responseId },
      at: now,
    });
    await queueProviderMessages(tx, [{ deliveryId: response.deliveryId, kind: "outcome_not_taken_up" }]);
    await recordEvent(tx, {
      type: "offer.decided",
      referralId: response.referralId,
      responseId,
      decisionId: decision.id,
      outcome: "declined",
    });
  });
}
