// The Placements Data Standard's "actual placement": what was placed, where and at what cost, so a council can
// share sufficiency data with its region (`report --format pds`). Written by the approval that places the child,
// in the same transaction as its referral.placed event (or, for a cost that needs a second approver, with the
// first approval and kept only if the second is given). The offer and the provider give the cost and the URN;
// the approver may give what only they know (education continuity...) then or later (correctPlacementRecord).
import { z } from "zod";
import type { Db, Tx } from "../db.js";
import { PLACEMENT_TYPES, placementTypeOfLot } from "../domain/pds.js";
import { SIBLINGS_MAX } from "../domain/pds-input.js";
import { pdsProfileOf } from "../domain/pds-rows.js";
import { areaSchema, fieldErrorsOf } from "../domain/referral-input.js";
import { ForbiddenError, NotFoundError, ValidationError } from "../errors.js";
import type { Actor, Clock } from "../ports.js";
import { writeAudit } from "./audit.js";

/** What the approver may say about the placement; each field left out keeps the derived (or earlier) value. */
export const placementDetailsSchema = z
  .object({
    location: areaSchema.optional(),
    inPreferredLocation: z.boolean().optional(),
    educationContinuity: z.boolean().optional(),
    siblingsPlacedTogether: z.coerce.number().int().min(0).max(SIBLINGS_MAX).optional(),
    placementType: z.enum(PLACEMENT_TYPES).optional(),
  })
  .strict();
export type PlacementDetails = z.infer<typeof placementDetailsSchema>;

export function parsePlacementDetails(input: unknown): PlacementDetails {
  const parsed = placementDetailsSchema.safeParse(input ?? {});
  if (!parsed.success) throw new ValidationError("The placement details have errors", fieldErrorsOf(parsed.error));
  return parsed.data;
}

/**
 * Writes (or rewrites) the record for an approved offer. Defaults: the location is the district the referral
 * asked for (matching sent it to providers covering it), so "in the preferred location" unless the approver
 * names another; the type follows the lot; siblings placed together is 0 when none were to be placed with the
 * child and unknown otherwise; education continuity unknown until the approver says.
 */
export async function writePlacementRecord(
  tx: Tx,
  args: {
    referralId: string;
    responseId: string;
    decisionId: string;
    details: PlacementDetails;
    actor: Actor;
    at: Date;
  },
): Promise<void> {
  const referral = await tx.referral.findUniqueOrThrow({ where: { id: args.referralId }, include: { lot: true } });
  const offer = await tx.response.findUniqueOrThrow({ where: { id: args.responseId } });
  const provider = await tx.provider.findUniqueOrThrow({ where: { id: offer.providerId } });
  const d = args.details;
  const location = d.location ?? referral.area;
  const siblingsAsked = pdsProfileOf(referral.pds)?.siblingsToPlaceWith;
  const data = {
    decisionId: args.decisionId,
    providerId: provider.id,
    weeklyCostPence: offer.weeklyCostPence ?? 0,
    location,
    inPreferredLocation: d.inPreferredLocation ?? location === referral.area,
    educationContinuity: d.educationContinuity ?? null,
    providerUrn: provider.ofstedUrn,
    siblingsPlacedTogether: d.siblingsPlacedTogether ?? (siblingsAsked === 0 ? 0 : null),
    placementType: d.placementType ?? placementTypeOfLot(referral.lot.number),
    recordedBy: args.actor.id,
    recordedAt: args.at,
  };
  await tx.placementRecord.upsert({
    where: { referralId: args.referralId },
    create: { referralId: args.referralId, ...data },
    update: data,
  });
}

/** ART completes or corrects the record after the placement (the approver may not know everything at once). */
export async function correctPlacementRecord(
  deps: { db: Db; clock: Clock },
  referralId: string,
  input: unknown,
  actor: Actor,
): Promise<void> {
  if (!actor.art) throw new ForbiddenError("Only the Access to Resources Team can record placement details");
  const details = parsePlacementDetails(input);
  const now = deps.clock.now();
  await deps.db.$transaction(async (tx) => {
    const record = await tx.placementRecord.findUnique({ where: { referralId } });
    const referral = await tx.referral.findUnique({ where: { id: referralId } });
    if (!record || referral?.status !== "placed") throw new NotFoundError("placement");
    const location = details.location ?? record.location;
    await tx.placementRecord.update({
      where: { referralId },
      data: {
        ...details,
        location,
        // A new location changes the answer unless the approver gives it too.
        ...(details.location && details.inPreferredLocation === undefined
          ? { inPreferredLocation: location === referral.area }
          : {}),
        recordedBy: actor.id,
        recordedAt: now,
      },
    });
    await writeAudit(tx, {
      referralId,
      actor: actor.id,
      action: "placement.recorded",
      detail: { fields: Object.keys(details) },
      at: now,
    });
  });
}
