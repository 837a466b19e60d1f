// Sibling referrals linked on purpose (siblingOf) are one sibling group: providers see the group's references
// (never anything else of the other children) so they can offer to place them together.
import type { Db } from "../db.js";

/** Every referral of the group, by reference; empty when the referral is in no group. */
export async function siblingReferencesOf(db: Db, siblingGroupId: string | null): Promise<string[]> {
  if (!siblingGroupId) return [];
  const rows = await db.referral.findMany({
    where: { siblingGroupId },
    select: { reference: true },
    orderBy: { reference: "asc" },
  });
  return rows.map((r) => r.reference);
}

/** "sibling group of 2: R-2026-0041, R-2026-0042", or undefined for a referral on its own. */
export function siblingGroupText(references: readonly string[] | null | undefined): string | undefined {
  const refs = [...new Set(references ?? [])].sort();
  return refs.length >= 2 ? `sibling group of ${refs.length}: ${refs.join(", ")}` : undefined;
}
