// Who gets a round: the eligible providers on the lot inside the round's gate (tier head start, vacancy-first;
// see src/matching/gate.ts), minus those who declined for a lasting reason in an earlier round through an
// authenticated answer (an email reply from an unverified sender counts for its own round only: anyone who saw
// the reply address could have written it), minus those the round already reached. Delivery rows and the outbox
// record are written in the caller's transaction, so a round never exists without its deliveries, and the unique
// (round, provider) key makes a second send impossible. The same planning widens a round later (round-widen job).
import { randomUUID } from "node:crypto";
import type { Config } from "../config.js";
import type { Tx } from "../db.js";
import type { Provider } from "../generated/prisma/client.js";
import { matchProviders, type ReferralForMatching, type VacancyForMatching } from "../matching/eligibility.js";
import { type Gate, type GateConfig, gateAt, isOpen, widerGate } from "../matching/gate.js";
import { DECLINED_EARLIER, NO_CHANNEL, type Reach, reachOf, summaryLabel } from "../matching/reach.js";
import { withCarrier } from "../observability/context.js";
import { hashToken, responseTokenFor } from "../responses/tokens.js";

/** Declines that will still hold next week; "no vacancy" is not one of them (a bed may free up). */
export const LASTING_DECLINE_REASONS = ["cannot_meet_needs", "outside_area", "outside_age_range"] as const;

export type MatchingConfig = GateConfig & Pick<Config, "OFSTED_EXCLUDE_INADEQUATE" | "VACANCY_FRESH_DAYS">;

export interface PlannedRound {
  roundId: string;
  /** Deliveries this planning added. */
  deliveries: number;
  gate: Gate;
  reach: Reach;
  excluded: { providerId: string; reasons: string[] }[];
}

/**
 * The lot's providers with what matching needs (lots, tier, Ofsted grade, vacancies), by name. One statement:
 * Prisma's nested includes took 30-70 ms for 500 providers, a third of the raise (between a social worker
 * submitting and the first provider being sent to). Each provider's lots and vacancies are aggregated in one pass
 * over those tables and joined, not looked up per provider (a subquery per provider and list took twice as long
 * inside PostgreSQL for 500 providers).
 */
export async function providersForMatching(tx: Tx, lotId: number) {
  const rows = await tx.$queryRaw<(ProviderRow & { lotNumbers: number[]; vacancyRows: VacancyRow[] })[]>`
    WITH "onLot" AS (SELECT x."providerId" FROM "ProviderLot" x WHERE x."lotId" = ${lotId}),
    "lots" AS (
      SELECT pl."providerId", array_agg(l."number" ORDER BY l."number") AS "lotNumbers"
      FROM "ProviderLot" pl JOIN "Lot" l ON l."id" = pl."lotId"
      WHERE pl."providerId" IN (SELECT "providerId" FROM "onLot") GROUP BY pl."providerId"),
    "vacancies" AS (
      SELECT v."providerId", json_agg(json_build_object('placementType', v."placementType", 'ageMin', v."ageMin",
          'ageMax', v."ageMax", 'areas', v."areas", 'count', v."count", 'lotNumber', vl."number",
          'lastConfirmedAt', to_char(v."lastConfirmedAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) ORDER BY v."createdAt")
        AS "vacancyRows"
      FROM "Vacancy" v JOIN "Lot" vl ON vl."id" = v."lotId"
      WHERE v."providerId" IN (SELECT "providerId" FROM "onLot") GROUP BY v."providerId")
    SELECT p."id", p."name", p."status", p."tier", p."ofstedGrade", p."email", p."webhookUrl", p."webhookSecret",
      p."genders", p."ageMin", p."ageMax", p."needsCovered", p."areas", "lots"."lotNumbers",
      COALESCE("vacancies"."vacancyRows", '[]') AS "vacancyRows"
    FROM "Provider" p JOIN "lots" ON "lots"."providerId" = p."id"
      LEFT JOIN "vacancies" ON "vacancies"."providerId" = p."id"
    ORDER BY p."name", p."id"`;
  // A list Prisma was never given a value for is NULL in the table, and [] (no restriction) through Prisma.
  return rows.map(({ vacancyRows, ...p }) => ({
    ...p,
    genders: p.genders ?? [],
    needsCovered: p.needsCovered ?? [],
    areas: p.areas ?? [],
    // Timestamps are stored as UTC without a zone (as Prisma writes them), so the text above is UTC.
    vacancies: vacancyRows.map((v) => ({ ...v, areas: v.areas ?? [], lastConfirmedAt: new Date(v.lastConfirmedAt) })),
  }));
}

type ProviderRow = Pick<
  Provider,
  | "id"
  | "name"
  | "status"
  | "tier"
  | "ofstedGrade"
  | "email"
  | "webhookUrl"
  | "webhookSecret"
  | "genders"
  | "ageMin"
  | "ageMax"
  | "needsCovered"
  | "areas"
>;
type VacancyRow = Omit<VacancyForMatching, "lastConfirmedAt"> & { lastConfirmedAt: string };

export const rulesFor = (config: MatchingConfig, gate: Gate, now: Date) => ({
  excludeInadequate: config.OFSTED_EXCLUDE_INADEQUATE,
  maxTier: gate.tier,
  vacancyOnly: gate.vacancyOnly,
  vacancyFreshSince: new Date(now.getTime() - config.VACANCY_FRESH_DAYS * 86_400_000),
});

export async function planRoundDeliveries(
  tx: Tx,
  args: {
    referralId: string;
    roundId: string;
    closesAt: Date;
    tokenSecret: string;
    now: Date;
    config: MatchingConfig;
    /** A widening's gate; absent when the round opens (its gate then follows from the round's age). */
    gate?: Gate;
    /**
     * The referral and its first round as the caller wrote them in this same transaction (raising): not read back,
     * and a referral raised a moment ago has no deliveries and no answers yet, so those are not looked up either
     * (three statements of the raise, between a social worker submitting and the first provider being sent to).
     */
    raised?: Pick<RoundContext, "lotId" | "child" | "urgency" | "openedAt">;
  },
): Promise<PlannedRound> {
  const ctx: RoundContext = args.raised
    ? { ...args.raised, number: 1, already: [], lastingDecliners: [] }
    : await roundContext(tx, args.referralId, args.roundId);
  const onLot = await providersForMatching(tx, ctx.lotId);
  const already = new Set(ctx.already);
  const lastingDecliners = new Set(ctx.lastingDecliners);
  const child = ctx.child;
  const highestTier = Math.max(1, ...onLot.map((p) => p.tier));
  const plan = (gate: Gate) => {
    const { eligible, excluded } = matchProviders(onLot, child, rulesFor(args.config, gate, args.now));
    const recipients = eligible.filter(
      (p) => !already.has(p.id) && !lastingDecliners.has(p.id) && (p.webhookUrl || p.email),
    );
    return { eligible, excluded, recipients };
  };
  let gate = args.gate ?? gateAt(ctx, args.now, highestTier, args.config);
  let planned = plan(gate);
  // A round never opens to nobody while someone could take the child: with no tier-1 provider (or none with a
  // vacancy) eligible, the gate opens a step at a time until someone is.
  while (!args.gate && planned.recipients.length === 0 && !isOpen(gate)) {
    gate = widerGate(gate, highestTier);
    planned = plan(gate);
  }
  const { eligible, excluded, recipients } = planned;

  const rows = recipients.map((p) => {
    const id = randomUUID();
    return {
      id,
      roundId: args.roundId,
      providerId: p.id,
      // Systems that gave us a webhook get the webhook; people get email.
      channel: p.webhookUrl && p.webhookSecret ? ("webhook" as const) : ("email" as const),
      tokenHash: hashToken(responseTokenFor(args.tokenSecret, id)),
      tokenExpiresAt: args.closesAt,
    };
  });
  await insertDeliveries(tx, args.roundId, args.closesAt, rows);
  if (rows.length > 0 || !args.gate) {
    await tx.outboxEvent.create({ data: { kind: "round.opened", payload: withCarrier({ roundId: args.roundId }) } });
  }
  const unreached = eligible.filter((p) => !already.has(p.id) && !recipients.includes(p));
  const labels = [
    ...excluded.filter((e) => !already.has(e.provider.id)).map((e) => summaryLabel(e.reasons[0]!, e.provider.status)),
    ...unreached.map((p) => (lastingDecliners.has(p.id) ? DECLINED_EARLIER : NO_CHANNEL)),
  ];
  const reach = reachOf(onLot.length, already.size + rows.length, labels);
  await tx.round.update({
    where: { id: args.roundId },
    data: { gateTier: gate.tier, gateVacancyOnly: gate.vacancyOnly, reach },
  });
  return {
    roundId: args.roundId,
    deliveries: rows.length,
    gate,
    reach,
    excluded: [
      ...excluded.map((e) => ({ providerId: e.provider.id, reasons: e.reasons.map((r) => r.reason) })),
      ...eligible
        .filter((p) => lastingDecliners.has(p.id))
        .map((p) => ({ providerId: p.id, reasons: ["declined earlier"] })),
    ],
  };
}

/** What planning a round reads of its referral and of the round so far. */
interface RoundContext {
  lotId: number;
  child: ReferralForMatching;
  urgency: "emergency" | "standard";
  number: number;
  openedAt: Date;
  /** Providers the round already went to. */
  already: string[];
  /** Providers who declined this referral earlier for a reason that still holds, through an authenticated answer. */
  lastingDecliners: string[];
}

async function roundContext(tx: Tx, referralId: string, roundId: string): Promise<RoundContext> {
  const referral = await tx.referral.findUniqueOrThrow({ where: { id: referralId }, include: { lot: true } });
  const round = await tx.round.findUniqueOrThrow({
    where: { id: roundId },
    select: { number: true, openedAt: true, deliveries: { select: { providerId: true } } },
  });
  const decliners = await tx.response.findMany({
    where: {
      referralId,
      type: "decline",
      declineReason: { in: [...LASTING_DECLINE_REASONS] },
      senderVerified: true,
    },
    select: { providerId: true },
  });
  return {
    lotId: referral.lotId,
    child: {
      lotNumber: referral.lot.number,
      ageYears: referral.ageYears,
      gender: referral.gender,
      needCodes: referral.needCodes,
      area: referral.area,
    },
    urgency: referral.urgency,
    number: round.number,
    openedAt: round.openedAt,
    already: round.deliveries.map((d) => d.providerId),
    lastingDecliners: decliners.map((r) => r.providerId),
  };
}

/**
 * One INSERT over arrays: Prisma's createMany took 70-120 ms of the raise for 500 providers (most of the time
 * between a social worker submitting and the first provider being sent to); this takes a few. The timestamps are
 * written as UTC, as Prisma writes them (see utcTimestamps in src/db.ts).
 */
async function insertDeliveries(
  tx: Tx,
  roundId: string,
  closesAt: Date,
  rows: { id: string; providerId: string; channel: "email" | "webhook"; tokenHash: string }[],
): Promise<void> {
  if (rows.length === 0) return;
  const now = new Date().toISOString();
  await tx.$executeRaw`
    INSERT INTO "Delivery" ("id", "roundId", "providerId", "channel", "tokenHash", "tokenExpiresAt", "createdAt", "updatedAt")
    SELECT u.id, ${roundId}::uuid, u.provider, u.channel::"DeliveryChannel", u.hash,
      ${closesAt.toISOString()}::timestamptz AT TIME ZONE 'UTC',
      ${now}::timestamptz AT TIME ZONE 'UTC', ${now}::timestamptz AT TIME ZONE 'UTC'
    FROM unnest(${rows.map((r) => r.id)}::uuid[], ${rows.map((r) => r.providerId)}::uuid[],
      ${rows.map((r) => r.channel)}::text[], ${rows.map((r) => r.tokenHash)}::text[]) AS u(id, provider, channel, hash)`;
}
