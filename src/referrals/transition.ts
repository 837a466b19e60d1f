// Persists one lifecycle step: the pure state machine decides, the row is locked while it changes, and the
// audit event is written in the same transaction.
import type { Tx } from "../db.js";
import { ConflictError, NotFoundError } from "../errors.js";
import type { Prisma } from "../generated/prisma/client.js";
import { nextState, type ReferralEvent, type ReferralState, TERMINAL_STATES } from "../lifecycle/referral-state.js";
import { writeAudit } from "./audit.js";

export interface TransitionResult {
  from: ReferralState;
  to: ReferralState;
  version: number;
}

/**
 * Locks the referral row for the rest of the transaction: racing transitions queue here instead of failing, so
 * two offers arriving together are both kept, and of two racing approvals the second sees the first's result.
 * Call it FIRST in any transaction that also writes rows referencing the referral: inserting those takes a
 * key-share lock on it, and taking that before this lock deadlocks against a concurrent transaction.
 */
export async function lockReferral(tx: Tx, referralId: string): Promise<{ status: string; version: number }> {
  const rows = await tx.$queryRaw<{ status: string; version: number }[]>`
    SELECT "status"::text AS status, "version" FROM "Referral" WHERE "id" = ${referralId}::uuid FOR UPDATE`;
  if (!rows[0]) throw new NotFoundError("referral");
  return rows[0];
}

export async function applyTransition(
  tx: Tx,
  args: {
    referralId: string;
    event: ReferralEvent;
    actor: string;
    at: Date;
    detail?: Record<string, Prisma.InputJsonValue>;
    extra?: Prisma.ReferralUpdateManyMutationInput;
    /**
     * What lockReferral returned earlier in this same transaction, if the caller took the lock already and has not
     * changed the referral since: the row cannot have changed under the lock, so it is not read again.
     */
    locked?: { status: string; version: number };
  },
): Promise<TransitionResult> {
  const current = args.locked ?? (await lockReferral(tx, args.referralId));
  const from = current.status as ReferralState;
  const to = nextState(from, args.event);
  const { count } = await tx.referral.updateMany({
    where: { id: args.referralId, version: current.version },
    // closedAt starts the retention clock (src/retention/): set once, when the referral reaches a final state.
    data: {
      ...args.extra,
      status: to,
      version: { increment: 1 },
      ...(TERMINAL_STATES.has(to) ? { closedAt: args.at } : {}),
    },
  });
  if (count !== 1) throw new ConflictError("the referral changed at the same time; reload and try again");
  const { type, ...eventDetail } = args.event;
  await writeAudit(tx, {
    referralId: args.referralId,
    actor: args.actor,
    action: `referral.${type}`,
    detail: { from, to, ...eventDetail, ...args.detail },
    at: args.at,
  });
  return { from, to, version: current.version + 1 };
}
