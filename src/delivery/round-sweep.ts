// The round clock: reminders to providers who have not answered, and closing rounds that are due. A referral
// not placed when its round closes is recirculated (new round, new links) until placed, withdrawn, or out of
// rounds (then expired). Safe in every worker at once: rounds are claimed with SKIP LOCKED.
import type { Config } from "../config.js";
import type { Db, Tx } from "../db.js";
import { recordEvent } from "../events.js";
import type { Clock } from "../ports.js";
import { deliveryRemindContract } from "../queue/contracts.js";
import type { JobQueues } from "../queue/queues.js";
import { closeReferral } from "../referrals/close.js";
import { roundClosesAt } from "../referrals/rounds.js";
import { applyTransition, lockReferral } from "../referrals/transition.js";
import { planRoundDeliveries } from "./plan-round.js";

interface SweepDeps {
  db: Db;
  clock: Clock;
  config: Config;
  queues: JobQueues;
}

/** States in which a closing round leads to another round. */
const RECIRCULATE_FROM = new Set(["open", "offers_received", "recirculated"]);

export async function enqueueDueReminders(deps: SweepDeps): Promise<number> {
  const now = deps.clock.now();
  const pct = deps.config.REMINDER_AT_PERCENT / 100;
  const due = await deps.db.$queryRaw<{ id: string }[]>`
    SELECT d."id" FROM "Delivery" d JOIN "Round" r ON r."id" = d."roundId"
    WHERE r."closedAt" IS NULL AND r."closesAt" > ${now}
      AND d."state" = 'delivered' AND d."reminderSentAt" IS NULL
      AND r."openedAt" + (r."closesAt" - r."openedAt") * ${pct}::float8 <= ${now}
      AND NOT EXISTS (SELECT 1 FROM "Response" x WHERE x."deliveryId" = d."id")
    LIMIT 5000`;
  await deps.queues.add(
    deliveryRemindContract,
    due.map((d) => ({ deliveryId: d.id })),
    { attempts: 3 },
  );
  return due.length;
}

export async function closeDueRounds(deps: SweepDeps, batch = 50): Promise<number> {
  const now = deps.clock.now();
  let closed = 0;
  for (;;) {
    const n = await deps.db.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<{ id: string; referralId: string }[]>`
          SELECT "id", "referralId" FROM "Round" WHERE "closedAt" IS NULL AND "closesAt" <= ${now}
          ORDER BY "closesAt" LIMIT ${batch} FOR UPDATE SKIP LOCKED`;
        for (const row of rows) await closeRound(tx, deps, row.id, row.referralId, now);
        return rows.length;
      },
      { timeout: 120_000 },
    );
    closed += n;
    if (n < batch) return closed;
  }
}

async function closeRound(tx: Tx, deps: SweepDeps, roundId: string, referralId: string, now: Date) {
  const { status } = await lockReferral(tx, referralId);
  const round = await tx.round.update({ where: { id: roundId }, data: { closedAt: now } });
  const referral = await tx.referral.findUniqueOrThrow({ where: { id: referralId }, select: { urgency: true } });
  let outcome: "recirculated" | "expired" | "kept" = "kept";
  if (RECIRCULATE_FROM.has(status)) {
    if (round.number >= deps.config.MAX_ROUNDS) {
      await applyTransition(tx, {
        referralId,
        event: { type: "expire" },
        actor: "system",
        at: now,
        detail: { rounds: round.number },
      });
      await closeReferral(tx, { referralId, closedAs: "expired", at: now });
      await recordEvent(tx, { type: "referral.expired", referralId, rounds: round.number });
      outcome = "expired";
    } else {
      const closesAt = roundClosesAt(now, referral.urgency, deps.config);
      await applyTransition(tx, {
        referralId,
        event: { type: "recirculate" },
        actor: "system",
        at: now,
        detail: { round: round.number + 1 },
      });
      const next = await tx.round.create({ data: { referralId, number: round.number + 1, openedAt: now, closesAt } });
      const plan = await planRoundDeliveries(tx, {
        referralId,
        roundId: next.id,
        closesAt,
        tokenSecret: deps.config.RESPONSE_TOKEN_SECRET,
        now,
        config: deps.config,
      });
      await recordEvent(tx, {
        type: "round.opened",
        referralId,
        roundId: next.id,
        roundNumber: next.number,
        deliveries: plan.deliveries,
      });
      outcome = "recirculated";
    }
  }
  await recordEvent(tx, { type: "round.closed", referralId, roundId, roundNumber: round.number, outcome });
}
