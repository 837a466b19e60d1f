// The placement report: the one core function behind `referral-bot report` and GET /api/v1/reports/placements.
// Anonymised by construction: it reads counts, timestamps, costs, lots and providers, never a child's profile or
// the restricted envelope, and it reports no referral one by one.
import { type Db, Prisma } from "../db.js";
import type { Clock } from "../ports.js";
import { type LotFigures, type LotRow, lotFigures } from "./lot-figures.js";
import { REPORT_TIME_ZONE, type ReportPeriod } from "./period.js";
import { type ProviderRow, providerFigures } from "./provider-figures.js";

export interface PlacementReport {
  period: ReportPeriod & { timeZone: string };
  /** When it was computed: outcomes (placed, withdrawn, ...) are each referral's status at this moment. */
  asOf: string;
  overall: LotFigures;
  /** Lots that had referrals raised in the period, by lot number. */
  byLot: LotRow[];
  /** Providers that were sent the period's referrals, by name. */
  providers: ProviderRow[];
}

export async function placementReport(deps: { db: Db; clock: Clock }, period: ReportPeriod): Promise<PlacementReport> {
  const asOf = deps.clock.now().toISOString();
  // One snapshot for both queries, so the sections agree with each other even while referrals change.
  const [lots, providers] = await deps.db.$transaction(
    async (tx) => [await lotFigures(tx, period), await providerFigures(tx, period)] as const,
    { isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead, timeout: 60_000 },
  );
  return {
    period: { from: period.from, to: period.to, timeZone: REPORT_TIME_ZONE },
    asOf,
    overall: lots.overall,
    byLot: lots.byLot,
    providers,
  };
}
