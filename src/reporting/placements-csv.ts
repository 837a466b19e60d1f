// The day's placements as CSV, for councils whose systems take a file rather than a webhook: the same fields as
// placement.agreed (src/referrals/council-handoff.ts), one row per child placed that London day. It holds the
// child's case id, so it is written only where the council's own systems read it (stdout or PLACEMENTS_CSV_DIR)
// and each export is audited.
import { rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Db } from "../db.js";
import { londonDate, londonDayBounds, londonMidnight } from "../digest/london.js";
import type { KeyRing } from "../domain/crypto.js";
import { writeAudit } from "../referrals/audit.js";
import { loadPlacementHandoff, type PlacementHandoff } from "../referrals/council-handoff.js";
import { type CsvValue, toCsv } from "./csv.js";

export const PLACEMENTS_CSV_HEADER = [
  "reference",
  "case_id",
  "provider_id",
  "provider_name",
  "provider_ofsted_urn",
  "start_date",
  "weekly_equivalent_pence",
  "cost_basis",
  "cost_amount_pence",
  "cost_hours_per_week",
  "cost_days_per_week",
  "add_ons",
  "placement_type",
  "location",
  "in_preferred_location",
  "education_continuity",
  "siblings_placed_together",
  "decided_by",
  "second_approver",
  "approved_at",
] as const;

const yesNo = (b: boolean | null) => (b === null ? null : b ? "true" : "false");

function rowOf(h: PlacementHandoff): CsvValue[] {
  // Add-ons in one cell as the webhook's JSON array, so a row stays one placement however many there are.
  const addOns = h.cost.addOns.map((a) => ({
    kind: a.kind,
    label: a.label ?? null,
    basis: a.basis,
    amount_pence: a.amountPence,
    hours_per_week: a.hoursPerWeek ?? null,
    days_per_week: a.daysPerWeek ?? null,
  }));
  return [
    h.reference,
    h.caseSystemId,
    h.provider.id,
    h.provider.name,
    h.provider.ofstedUrn,
    h.startDate,
    h.cost.weeklyEquivalentPence,
    h.cost.basis,
    h.cost.amountPence,
    h.cost.hoursPerWeek,
    h.cost.daysPerWeek,
    addOns.length ? JSON.stringify(addOns) : null,
    h.placement.placementType,
    h.placement.location,
    yesNo(h.placement.inPreferredLocation),
    yesNo(h.placement.educationContinuity),
    h.placement.siblingsPlacedTogether,
    h.decidedBy,
    h.secondApprover,
    h.approvedAt.toISOString(),
  ];
}

/** The London day before `now`, YYYY-MM-DD: the default day, complete once it is over. */
export function yesterdayInLondon(now: Date): string {
  return londonDate(new Date(londonDayBounds(now).start.getTime() - 1));
}

/** The placements CSV for one London day (YYYY-MM-DD); the export is audited as `actor`. */
export async function placementsCsv(
  deps: { db: Db; keyRing: KeyRing; now: Date },
  date: string,
  actor: string,
): Promise<{ csv: string; rows: number }> {
  const start = londonMidnight(date);
  const end = londonDayBounds(new Date(start.getTime() + 36 * 3600_000)).start;
  const placed = await deps.db.referral.findMany({
    where: { status: "placed", placedAt: { gte: start, lt: end } },
    orderBy: [{ placedAt: "asc" }, { reference: "asc" }],
    select: { id: true },
  });
  const handoffs: PlacementHandoff[] = [];
  for (const r of placed) {
    const h = await loadPlacementHandoff(deps, r.id);
    if (h) handoffs.push(h);
  }
  await deps.db.$transaction((tx) =>
    writeAudit(tx, { actor, action: "placements.exported", detail: { date, rows: handoffs.length }, at: deps.now }),
  );
  return { csv: toCsv(PLACEMENTS_CSV_HEADER, handoffs.map(rowOf)), rows: handoffs.length };
}

/** Writes (or rewrites) placements-<date>.csv in `dir`; through a temporary file, so a reader never sees half. */
export async function writePlacementsCsvFile(
  deps: { db: Db; keyRing: KeyRing; now: Date },
  dir: string,
  date: string,
  actor: string,
): Promise<{ path: string; rows: number }> {
  const { csv, rows } = await placementsCsv(deps, date, actor);
  const path = join(dir, `placements-${date}.csv`);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, csv, { mode: 0o600 });
  await rename(tmp, path);
  return { path, rows };
}
