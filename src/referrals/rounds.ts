// Rounds: each circulation of a referral. The closing time follows the child's timescale.
import type { Config } from "../config.js";
import type { Db, Tx } from "../db.js";
import type { Actor, Clock } from "../ports.js";
import { applyTransition } from "./transition.js";

export type RoundTiming = Pick<Config, "ROUND_HOURS_EMERGENCY" | "ROUND_DAYS_STANDARD">;

export function roundClosesAt(openedAt: Date, urgency: "emergency" | "standard", timing: RoundTiming): Date {
  const ms =
    urgency === "emergency" ? timing.ROUND_HOURS_EMERGENCY * 3_600_000 : timing.ROUND_DAYS_STANDARD * 86_400_000;
  return new Date(openedAt.getTime() + ms);
}

/** Opens round 1 and moves the referral from draft to open, in the caller's transaction. */
export async function openFirstRoundIn(
  tx: Tx,
  args: {
    referralId: string;
    actor: Actor;
    now: Date;
    timing: RoundTiming;
    /** The referral's urgency when the caller has it at hand (raising); otherwise it is read. */
    urgency?: "emergency" | "standard";
  },
): Promise<{ id: string; number: number; closesAt: Date }> {
  const { referralId, now } = args;
  const urgency =
    args.urgency ??
    (await tx.referral.findUniqueOrThrow({ where: { id: referralId }, select: { urgency: true } })).urgency;
  const closesAt = roundClosesAt(now, urgency, args.timing);
  await applyTransition(tx, {
    referralId,
    event: { type: "open" },
    actor: args.actor.id,
    at: now,
    detail: { round: 1 },
  });
  const round = await tx.round.create({ data: { referralId, number: 1, openedAt: now, closesAt } });
  return { id: round.id, number: 1, closesAt };
}

/**
 * Opens round 1 of an existing draft (tests and tools). `inTx` lets the caller add its delivery rows in the
 * same transaction, so a round can never exist without its deliveries (or the reverse).
 */
export async function openFirstRound(
  deps: { db: Db; clock: Clock; timing: RoundTiming },
  referralId: string,
  actor: Actor,
  inTx?: (tx: Tx, round: { id: string; number: number; closesAt: Date }) => Promise<void>,
): Promise<{ roundId: string; closesAt: Date }> {
  const now = deps.clock.now();
  return deps.db.$transaction(async (tx) => {
    const round = await openFirstRoundIn(tx, { referralId, actor, now, timing: deps.timing });
    await inTx?.(tx, round);
    return { roundId: round.id, closesAt: round.closesAt };
  });
}
