// Raising a referral: validate, encrypt the restricted details at once, store as a draft, audit.

import { randomUUID } from "node:crypto";
import type { Config } from "../config.js";
import type { Db } from "../db.js";
import { encryptJson, type KeyRing } from "../domain/crypto.js";
import { fieldErrorsOf, type NewReferral, newReferralSchema } from "../domain/referral-input.js";
import { summaryWarnings } from "../domain/summary-guard.js";
import { NotFoundError, ValidationError } from "../errors.js";
import type { Actor, Clock } from "../ports.js";
import { writeAudit } from "./audit.js";
import { nextReference } from "./reference.js";

export function keyRingOf(config: Pick<Config, "RESTRICTED_DATA_KEYS" | "RESTRICTED_DATA_ACTIVE_KEY">): KeyRing {
  return { keys: config.RESTRICTED_DATA_KEYS, activeKeyId: config.RESTRICTED_DATA_ACTIVE_KEY };
}

/** The AAD that ties a restricted-details envelope to its referral row. */
export const restrictedAad = (referralId: string) => `referral:${referralId}`;

export interface CreatedReferral {
  id: string;
  reference: string;
  /** Things in the summary worth a second look (a phone number...): shown to the person who raised it. */
  warnings: string[];
}

export async function createReferral(
  deps: { db: Db; clock: Clock; keyRing: KeyRing; referencePrefix: string },
  input: NewReferral,
  actor: Actor,
  sourceKey?: string,
): Promise<CreatedReferral> {
  const parsed = newReferralSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError("The referral has errors", fieldErrorsOf(parsed.error));
  const { profile, restricted } = parsed.data;
  const now = deps.clock.now();
  const id = randomUUID();
  const envelope = encryptJson(deps.keyRing, restricted, restrictedAad(id));

  return deps.db.$transaction(async (tx) => {
    const lot = await tx.lot.findUnique({ where: { number: profile.lotNumber } });
    if (!lot?.active) throw new ValidationError("Unknown lot", { "profile.lotNumber": ["is not an active lot"] });
    const reference = await nextReference(tx, deps.referencePrefix, now.getUTCFullYear());
    await tx.referral.create({
      data: {
        id,
        reference,
        lotId: lot.id,
        status: "draft",
        ageYears: profile.ageYears,
        gender: profile.gender,
        needCodes: profile.needCodes,
        ehcp: profile.ehcp,
        legalStatus: profile.legalStatus,
        area: profile.area,
        urgency: profile.urgency,
        requiredBy: profile.requiredBy,
        summary: profile.summary,
        restrictedEnvelope: envelope,
        createdBy: actor.id,
        createdAt: now,
        sourceKey: sourceKey ?? null,
      },
    });
    await writeAudit(tx, {
      referralId: id,
      actor: actor.id,
      action: "referral.created",
      detail: { reference },
      at: now,
    });
    return { id, reference, warnings: summaryWarnings(profile.summary) };
  });
}

export async function requireReferral(db: Db, id: string) {
  const referral = await db.referral.findUnique({ where: { id }, include: { lot: true } });
  if (!referral) throw new NotFoundError("referral");
  return referral;
}
