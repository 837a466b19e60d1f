// Provider directory operations besides import: listing, suspension, eligibility for a referral.
import type { Db } from "../db.js";
import { STANDARD_LOTS } from "../domain/vocabulary.js";
import { NotFoundError, ValidationError } from "../errors.js";
import { matchProviders, type ProviderForMatching } from "../matching/eligibility.js";
import { writeAudit } from "../referrals/audit.js";

export async function ensureLots(
  db: Db,
  lots: readonly { number: number; name: string }[] = STANDARD_LOTS,
): Promise<void> {
  for (const lot of lots) {
    await db.lot.upsert({ where: { number: lot.number }, update: {}, create: lot });
  }
}

export async function listProviders(db: Db, opts: { lotNumber?: number } = {}) {
  return db.provider.findMany({
    where: opts.lotNumber ? { lots: { some: { lot: { number: opts.lotNumber } } } } : {},
    include: { lots: { include: { lot: true } } },
    orderBy: { name: "asc" },
  });
}

export async function suspendProvider(db: Db, id: string, reason: string, actor: string) {
  if (!reason.trim()) throw new ValidationError("A reason is required to suspend a provider");
  return db.$transaction(async (tx) => {
    const found = await tx.provider.findUnique({ where: { id } });
    if (!found) throw new NotFoundError("provider");
    const provider = await tx.provider.update({ where: { id }, data: { status: "suspended", statusReason: reason } });
    await writeAudit(tx, { actor, action: "provider.suspended", detail: { providerId: id, reason } });
    return provider;
  });
}

/** Providers on the referral's lot, split into eligible and excluded (with reasons ART can read). */
export async function eligibleProvidersFor(db: Db, referralId: string) {
  const referral = await db.referral.findUniqueOrThrow({ where: { id: referralId }, include: { lot: true } });
  const onLot = await db.provider.findMany({
    where: { lots: { some: { lotId: referral.lotId } } },
    include: { lots: { include: { lot: true } } },
  });
  const candidates = onLot.map((p) => ({
    ...p,
    lotNumbers: p.lots.map((l) => l.lot.number),
  })) satisfies ProviderForMatching[];
  return matchProviders(candidates, {
    lotNumber: referral.lot.number,
    ageYears: referral.ageYears,
    gender: referral.gender,
    needCodes: referral.needCodes,
    area: referral.area,
  });
}
