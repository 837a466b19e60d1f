// Which referrals a report covers: those RAISED in the period. A referral is raised when it is stored
// (Referral.createdAt); one still in `draft` was never sent to anyone and is left out. createdAt holds UTC, so
// the period's London dates become UTC bounds in SQL: [from 00:00 London, the day after `to` 00:00 London).
// Comparing the bare column keeps the condition usable by the index on Referral.createdAt.
import { Prisma } from "../db.js";
import { REPORT_TIME_ZONE, type ReportPeriod } from "./period.js";

/** A CTE named `cohort`: id, lotId, status, createdAt, placedAt of each referral raised in the period. */
export function cohortCte(period: ReportPeriod): Prisma.Sql {
  return Prisma.sql`cohort AS (
    SELECT r."id", r."lotId", r."status", r."createdAt", r."placedAt"
    FROM "Referral" r
    WHERE r."createdAt" >= ((${period.from}::date)::timestamp AT TIME ZONE ${REPORT_TIME_ZONE}) AT TIME ZONE 'UTC'
      AND r."createdAt" < ((${period.to}::date + 1)::timestamp AT TIME ZONE ${REPORT_TIME_ZONE}) AT TIME ZONE 'UTC'
      AND r."status" <> 'draft'
  )`;
}
