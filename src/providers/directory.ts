// Provider directory operations besides import: listing, suspension, eligibility for a referral.
import type { Db } from "../db.js";
import { type MatchingConfig, providersForMatching, rulesFor } from "../delivery/plan-round.js";
import { STANDARD_LOTS } from "../domain/vocabulary.js";
import { NotFoundError, ValidationError } from "../errors.js";
import { exclusionsFor, matchProviders, type ProviderForMatching } from "../matching/eligibility.js";
import { type Gate, OPEN_GATE } from "../matching/gate.js";
import { parseReach, reachText } from "../matching/reach.js";
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

/** One provider on a referral's lot and whether the current round reached it, with every reason it did not. */
export interface EligibilityRow {
  providerId: string;
  name: string;
  tier: number;
  outcome: "sent" | "eligible" | "excluded";
  reasons: string[];
}

/**
 * The eligibility explanation for a referral (`providers list --reference`): every provider on its lot, sent or
 * not and why, under the current round's gate (tier, vacancy-first) and the Ofsted rule, with the card's summary.
 */
export async function explainEligibility(
  db: Db,
  reference: string,
  config: MatchingConfig,
  now: Date,
): Promise<{ reference: string; gate: Gate; rows: EligibilityRow[]; summary: string | undefined }> {
  const referral = await db.referral.findUnique({
    where: { reference },
    include: { lot: true, rounds: { orderBy: { number: "desc" }, take: 1, include: { deliveries: true } } },
  });
  if (!referral) throw new NotFoundError("referral");
  const round = referral.rounds[0];
  const gate: Gate = round ? { tier: round.gateTier, vacancyOnly: round.gateVacancyOnly } : OPEN_GATE;
  const sent = new Set(round?.deliveries.map((d) => d.providerId) ?? []);
  const onLot = await db.$transaction((tx) => providersForMatching(tx, referral.lotId));
  const child = {
    lotNumber: referral.lot.number,
    ageYears: referral.ageYears,
    gender: referral.gender,
    needCodes: referral.needCodes,
    area: referral.area,
  };
  const rules = rulesFor(config, gate, now);
  const rows = onLot.map((p): EligibilityRow => {
    const reasons = exclusionsFor(p, child, rules).map((e) => e.reason);
    const outcome = sent.has(p.id) ? "sent" : reasons.length ? "excluded" : "eligible";
    return { providerId: p.id, name: p.name, tier: p.tier, outcome, reasons };
  });
  const reach = parseReach(round?.reach);
  return { reference, gate, rows, summary: reach ? reachText(reach) : undefined };
}

/** Providers on the referral's lot, split into eligible and excluded (with reasons ART can read). */
export async function eligibleProvidersFor(db: Db, referralId: string, config: MatchingConfig, now: Date) {
  const referral = await db.referral.findUniqueOrThrow({ where: { id: referralId }, include: { lot: true } });
  const candidates = (await db.$transaction((tx) =>
    providersForMatching(tx, referral.lotId),
  )) satisfies ProviderForMatching[];
  return matchProviders(
    candidates,
    {
      lotNumber: referral.lot.number,
      ageYears: referral.ageYears,
      gender: referral.gender,
      needCodes: referral.needCodes,
      area: referral.area,
    },
    rulesFor(config, OPEN_GATE, now),
  );
}
