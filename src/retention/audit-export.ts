// The audit trail for a period (who viewed or changed what, and when), as JSON or CSV. The period is two London
// calendar dates, both included, as for the placement report. Actor ids and details come from outside (chat user
// ids, provider-supplied values), so the CSV goes through the formula guard of src/reporting/csv.ts. The export is
// itself audited.
import type { Db } from "../db.js";
import { Prisma } from "../db.js";
import type { Clock } from "../ports.js";
import { writeAudit } from "../referrals/audit.js";
import { toCsv } from "../reporting/csv.js";
import { REPORT_TIME_ZONE, type ReportPeriod } from "../reporting/period.js";

export interface AuditLine {
  id: string;
  at: string;
  actor: string;
  action: string;
  reference: string | null;
  detail: unknown;
}

export const AUDIT_CSV_HEADER = ["id", "at", "actor", "action", "reference", "detail"] as const;

export async function auditTrail(
  deps: { db: Db; clock: Clock },
  period: ReportPeriod,
  exportedBy: string,
): Promise<AuditLine[]> {
  const rows = await deps.db.$queryRaw<
    { id: bigint; at: Date; actor: string; action: string; reference: string | null; detail: unknown }[]
  >(Prisma.sql`
    SELECT a."id", a."at", a."actor", a."action", r."reference", a."detail"
    FROM "AuditEvent" a LEFT JOIN "Referral" r ON r."id" = a."referralId"
    WHERE a."at" >= ((${period.from}::date)::timestamp AT TIME ZONE ${REPORT_TIME_ZONE}) AT TIME ZONE 'UTC'
      AND a."at" < ((${period.to}::date + 1)::timestamp AT TIME ZONE ${REPORT_TIME_ZONE}) AT TIME ZONE 'UTC'
    ORDER BY a."at", a."id"`);
  await deps.db.$transaction((tx) =>
    writeAudit(tx, {
      actor: exportedBy,
      action: "audit.exported",
      detail: { from: period.from, to: period.to, rows: rows.length },
      at: deps.clock.now(),
    }),
  );
  return rows.map((r) => ({
    id: String(r.id),
    at: r.at.toISOString(),
    actor: r.actor,
    action: r.action,
    reference: r.reference,
    detail: r.detail,
  }));
}

export function auditCsv(lines: AuditLine[]): string {
  return toCsv(
    AUDIT_CSV_HEADER,
    lines.map((l) => [l.id, l.at, l.actor, l.action, l.reference, JSON.stringify(l.detail ?? {})]),
  );
}
