import type { Tx } from "../db.js";
import type { Prisma } from "../generated/prisma/client.js";

export interface AuditEntry {
  referralId?: string | null;
  actor: string;
  action: string;
  /** Never put restricted details here: audit rows are shown to ART and exported in reports. */
  detail?: Prisma.InputJsonValue;
  at?: Date;
}

export async function writeAudit(tx: Tx, entry: AuditEntry): Promise<void> {
  await tx.auditEvent.create({
    data: {
      referralId: entry.referralId ?? null,
      actor: entry.actor,
      action: entry.action,
      detail: entry.detail ?? {},
      ...(entry.at ? { at: entry.at } : {}),
    },
  });
}
