// The placement as the council's own systems need it (case management to record it, finance to pay it): the
// child's case id, the provider, the start date, the agreed cost and the Placements Data Standard's placement
// fields. Sent as placement.agreed to COUNCIL_WEBHOOK_URL (src/jobs/council-message.ts) and written as the daily
// placements CSV (src/reporting/placements-csv.ts), so both carry the same fields.
import type { Db, Tx } from "../db.js";
import { decryptJson, type KeyRing } from "../domain/crypto.js";
import { restrictedDetailsSchema } from "../domain/referral-input.js";
import type { CostBasis } from "../domain/vocabulary.js";
import type { AddOn } from "../domain/weekly-cost.js";
import { withCarrier } from "../observability/context.js";
import { restrictedAad } from "./create.js";
import { offerCostOfRow } from "./offer-cost.js";

export const PLACEMENT_AGREED = "placement.agreed";

export interface PlacementHandoff {
  referralId: string;
  reference: string;
  /** The case-management system's id for the child; null when none was given or the details were erased. */
  caseSystemId: string | null;
  provider: { id: string; name: string; ofstedUrn: string | null };
  /** The offer's start date, else the date the referral needed the placement by (YYYY-MM-DD). */
  startDate: string;
  cost: {
    weeklyEquivalentPence: number;
    basis: CostBasis;
    amountPence: number;
    hoursPerWeek: number | null;
    daysPerWeek: number | null;
    addOns: AddOn[];
  };
  placement: {
    placementType: string;
    location: string;
    inPreferredLocation: boolean | null;
    educationContinuity: boolean | null;
    siblingsPlacedTogether: number | null;
  };
  decidedBy: string;
  secondApprover: string | null;
  approvedAt: Date;
}

/**
 * Queues placement.agreed in the placing transaction: the row (one per referral and kind, so a repeat queues
 * nothing new) and the outbox record the relay turns into a council-message job.
 */
export async function queueCouncilHandoff(tx: Tx, referralId: string): Promise<void> {
  const rows = await tx.councilMessage.createManyAndReturn({
    data: [{ referralId, kind: PLACEMENT_AGREED }],
    skipDuplicates: true,
    select: { id: true },
  });
  if (!rows.length) return;
  await tx.outboxEvent.create({
    data: { kind: "council.messages", payload: withCarrier({ ids: rows.map((r) => r.id) }) },
  });
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** Null when the referral is not placed or has no placement record. Decrypts the case id: callers send it only
 * to the council's own systems. */
export async function loadPlacementHandoff(
  deps: { db: Db | Tx; keyRing: KeyRing },
  referralId: string,
): Promise<PlacementHandoff | null> {
  const referral = await deps.db.referral.findUnique({
    where: { id: referralId },
    include: { placementRecord: true },
  });
  const record = referral?.placementRecord;
  if (!referral || !record || referral.status !== "placed") return null;
  const decision = await deps.db.decision.findUniqueOrThrow({ where: { id: record.decisionId } });
  const offer = await deps.db.response.findUniqueOrThrow({ where: { id: decision.responseId } });
  const provider = await deps.db.provider.findUniqueOrThrow({ where: { id: record.providerId } });
  const quote = offerCostOfRow(offer);
  return {
    referralId,
    reference: referral.reference,
    caseSystemId: caseIdOf(deps.keyRing, referralId, referral.restrictedEnvelope),
    provider: { id: provider.id, name: provider.name, ofstedUrn: record.providerUrn ?? provider.ofstedUrn },
    startDate: isoDay(offer.startDate ?? referral.requiredBy),
    cost: {
      weeklyEquivalentPence: record.weeklyCostPence,
      basis: quote.basis,
      amountPence: quote.amountPence,
      hoursPerWeek: quote.hoursPerWeek ?? null,
      daysPerWeek: quote.daysPerWeek ?? null,
      addOns: quote.addOns,
    },
    placement: {
      placementType: record.placementType,
      location: record.location,
      inPreferredLocation: record.inPreferredLocation,
      educationContinuity: record.educationContinuity,
      siblingsPlacedTogether: record.siblingsPlacedTogether,
    },
    decidedBy: decision.decidedBy,
    secondApprover: decision.secondApprover,
    approvedAt: referral.placedAt ?? decision.secondApprovedAt ?? decision.decidedAt,
  };
}

function caseIdOf(keyRing: KeyRing, referralId: string, envelope: string | null): string | null {
  if (!envelope) return null;
  const details = restrictedDetailsSchema.parse(decryptJson(keyRing, envelope, restrictedAad(referralId)));
  return details.caseSystemId ?? null;
}
