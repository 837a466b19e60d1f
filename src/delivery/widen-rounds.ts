// Widening open rounds as their gate opens (src/matching/gate.ts): after a tier's head start the next tier is
// sent the referral, after VACANCY_FIRST_HOURS the whole lot. Only the newly eligible are sent to (the round's
// existing deliveries are skipped, and (round, provider) is unique). Rounds are claimed with SKIP LOCKED and the
// gate stored on the round is compared with the gate now, so a repeated or concurrent run widens nothing twice.
import type { Config } from "../config.js";
import type { Db, Tx } from "../db.js";
import { recordEvent } from "../events.js";
import { type Gate, gateAt, isWider } from "../matching/gate.js";
import type { Clock } from "../ports.js";
import { planRoundDeliveries } from "./plan-round.js";

interface WidenDeps {
  db: Db;
  clock: Clock;
  config: Config;
}

/** Widens every gated open round whose gate has opened further; returns how many it widened. */
export async function widenDueRounds(deps: WidenDeps, batch = 50): Promise<number> {
  const now = deps.clock.now();
  let widened = 0;
  // Paged by id, so a round left as it is (its gate not yet wider) is not read again in this run.
  let after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const { n, last, done } = await deps.db.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<{ id: string }[]>`
          SELECT r."id" FROM "Round" r JOIN "Referral" f ON f."id" = r."referralId"
          WHERE r."closedAt" IS NULL AND r."closesAt" > ${now} AND r."id" > ${after}::uuid
            AND (r."gateTier" IS NOT NULL OR r."gateVacancyOnly")
            AND f."status" IN ('open', 'offers_received', 'recirculated')
          ORDER BY r."id" LIMIT ${batch} FOR UPDATE OF r SKIP LOCKED`;
        let count = 0;
        for (const row of rows) if (await widenRound(tx, deps, row.id, now)) count++;
        return { n: count, last: rows.at(-1)?.id, done: rows.length < batch };
      },
      { timeout: 120_000 },
    );
    widened += n;
    if (done || !last) return widened;
    after = last;
  }
}

/** Widens one (locked) round if its gate has opened since it was last planned. */
export async function widenRound(tx: Tx, deps: WidenDeps, roundId: string, now: Date): Promise<boolean> {
  const round = await tx.round.findUniqueOrThrow({
    where: { id: roundId },
    include: {
      referral: { select: { id: true, urgency: true, lotId: true } },
      _count: { select: { widenings: true } },
    },
  });
  const tiers = await tx.provider.aggregate({
    where: { lots: { some: { lotId: round.referral.lotId } } },
    _max: { tier: true },
  });
  const highest = tiers._max.tier ?? 1;
  const current: Gate = { tier: round.gateTier, vacancyOnly: round.gateVacancyOnly };
  const next = gateAt({ ...round, urgency: round.referral.urgency }, now, highest, deps.config);
  if (!isWider(next, current)) return false;
  const plan = await planRoundDeliveries(tx, {
    referralId: round.referralId,
    roundId,
    closesAt: round.closesAt,
    tokenSecret: deps.config.RESPONSE_TOKEN_SECRET,
    now,
    config: deps.config,
    gate: next,
  });
  const step = round._count.widenings + 1;
  const shown = shownGate(current, next, highest);
  await tx.roundWidening.create({
    data: { roundId, step, tier: shown.tier, vacancyOnly: shown.vacancyOnly, deliveries: plan.deliveries, at: now },
  });
  await recordEvent(tx, {
    type: "round.widened",
    referralId: round.referralId,
    roundId,
    roundNumber: round.number,
    step,
    deliveries: plan.deliveries,
  });
  return true;
}

/**
 * How the thread names a widening: "tier 2" when the next tier came in (the top tier is stored as "every tier",
 * but people know it by its number), "the whole lot" when the vacancy-first period ended.
 */
export function shownGate(current: Gate, next: Gate, highest: number): Gate {
  if (current.vacancyOnly && !next.vacancyOnly && next.tier === null) return next;
  const tier = next.tier ?? highest;
  return current.tier !== null && tier > current.tier ? { tier, vacancyOnly: next.vacancyOnly } : next;
}
