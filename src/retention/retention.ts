// The retention policy: a referral's personal data is erased RETENTION_DAYS_AFTER_CLOSE days after it closed
// (placed, withdrawn or expired: Referral.closedAt). Run daily by the `retention` job scheduler and by
// `referral-bot retention`. Each referral is erased in its own transaction (see erase.ts), so a run that stops
// half-way has erased some and left the rest for the next run; a repeat erases nothing twice.
import type { Db } from "../db.js";
import type { Logger } from "../logger.js";
import type { Clock } from "../ports.js";
import { eraseReferral } from "./erase.js";

const DAY_MS = 86_400_000;
const BATCH = 200;

export interface DueReferral {
  id: string;
  reference: string;
  status: string;
  closedAt: Date;
}

export const retentionCutoff = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS);

/** Closed referrals whose retention period is over and whose data is still held, oldest first. */
export async function dueForErasure(db: Db, now: Date, days: number, limit = BATCH): Promise<DueReferral[]> {
  const rows = await db.referral.findMany({
    where: {
      status: { in: ["placed", "withdrawn", "expired"] },
      closedAt: { lt: retentionCutoff(now, days) },
      erasedAt: null,
    },
    select: { id: true, reference: true, status: true, closedAt: true },
    orderBy: [{ closedAt: "asc" }, { id: "asc" }],
    take: limit,
  });
  return rows.map((r) => ({ ...r, closedAt: r.closedAt! }));
}

export interface RetentionDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  days: number;
}

/** Erases everything due now; returns the references erased. */
export async function runRetention(deps: RetentionDeps, actor = "system:retention"): Promise<DueReferral[]> {
  const done: DueReferral[] = [];
  for (;;) {
    const due = await dueForErasure(deps.db, deps.clock.now(), deps.days);
    const erasedNow: DueReferral[] = [];
    for (const r of due) {
      const result = await deps.db.$transaction((tx) =>
        eraseReferral(tx, { referralId: r.id, actor, at: deps.clock.now(), trigger: "retention" }),
      );
      if (result.erased) erasedNow.push(r);
    }
    done.push(...erasedNow);
    // A batch that erased nothing (another worker got there first) ends the run instead of spinning.
    if (due.length < BATCH || erasedNow.length === 0) break;
  }
  if (done.length) deps.logger.info({ erased: done.length, days: deps.days }, "retention: personal data erased");
  return done;
}
