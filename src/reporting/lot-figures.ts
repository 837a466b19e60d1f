// Per-lot and overall figures for the referrals raised in a period, aggregated in PostgreSQL: one row per lot
// that had any, plus one overall row (GROUPING SETS). Percentiles are nearest-rank (see percentile.ts).
import { Prisma, type Tx } from "../db.js";
import { cohortCte } from "./cohort.js";
import type { ReportPeriod } from "./period.js";

export interface LotFigures {
  referrals: {
    raised: number;
    placed: number;
    withdrawn: number;
    expired: number;
    /** Not yet placed, withdrawn or expired: open, offers received, awaiting second approval, recirculated. */
    open: number;
  };
  /** Hours from the referral being raised to its first offer; over referrals that have had an offer. */
  hoursToFirstOffer: Distribution;
  /** Hours from the referral being raised to its placement; over placed referrals. */
  hoursToPlacement: Distribution;
  /** Offers received per referral raised (a referral without offers counts as 0). */
  offersPerReferral: { mean: number | null; median: number | null };
  /** The approved offers of placed referrals (an approval still waiting for its second approver is left out). */
  approvedCost: { count: number; totalWeeklyGbp: number; meanWeeklyGbp: number | null };
}

export interface Distribution {
  /** How many referrals the figure is over. */
  count: number;
  median: number | null;
  p90: number | null;
}

export interface LotRow extends LotFigures {
  lot: { number: number; name: string };
}

interface Row {
  overall: boolean;
  lot_number: number | null;
  lot_name: string | null;
  raised: number;
  placed: number;
  withdrawn: number;
  expired: number;
  still_open: number;
  offer_count: number;
  offer_median: number | null;
  offer_p90: number | null;
  placement_count: number;
  placement_median: number | null;
  placement_p90: number | null;
  offers_mean: number | null;
  offers_median: number | null;
  approved_count: number;
  approved_total_pence: number | null;
  approved_mean_pence: number | null;
}

const round2 = (n: number | null) => (n === null ? null : Math.round(n * 100) / 100);

export async function lotFigures(db: Tx, period: ReportPeriod): Promise<{ overall: LotFigures; byLot: LotRow[] }> {
  const rows = await db.$queryRaw<Row[]>(Prisma.sql`
    WITH ${cohortCte(period)},
    per_referral AS (
      SELECT c."lotId", c."status",
        EXTRACT(EPOCH FROM (o.first_at - c."createdAt"))::float8 / 3600 AS hours_to_first_offer,
        CASE WHEN c."status" = 'placed'
          THEN EXTRACT(EPOCH FROM (c."placedAt" - c."createdAt"))::float8 / 3600 END AS hours_to_placement,
        o.offers,
        a.cost_pence
      FROM cohort c
      CROSS JOIN LATERAL (
        -- A provider's revision of their offer is the same offer: counted once (first_at keeps the original).
        SELECT min(x."createdAt") AS first_at, (count(*) FILTER (WHERE x."supersededById" IS NULL))::int AS offers
        FROM "Response" x WHERE x."referralId" = c."id" AND x."type" = 'offer'
      ) o
      LEFT JOIN LATERAL (
        SELECT x."weeklyCostPence" AS cost_pence
        FROM "Decision" d JOIN "Response" x ON x."id" = d."responseId"
        WHERE d."referralId" = c."id" AND d."kind" = 'approve' AND c."status" = 'placed'
        ORDER BY d."decidedAt" DESC LIMIT 1
      ) a ON true
    ),
    grouped AS (
      SELECT GROUPING("lotId") = 1 AS overall, "lotId",
        count(*)::int AS raised,
        count(*) FILTER (WHERE "status" = 'placed')::int AS placed,
        count(*) FILTER (WHERE "status" = 'withdrawn')::int AS withdrawn,
        count(*) FILTER (WHERE "status" = 'expired')::int AS expired,
        count(*) FILTER (WHERE "status" NOT IN ('placed', 'withdrawn', 'expired'))::int AS still_open,
        count(hours_to_first_offer)::int AS offer_count,
        percentile_disc(0.5) WITHIN GROUP (ORDER BY hours_to_first_offer) AS offer_median,
        percentile_disc(0.9) WITHIN GROUP (ORDER BY hours_to_first_offer) AS offer_p90,
        count(hours_to_placement)::int AS placement_count,
        percentile_disc(0.5) WITHIN GROUP (ORDER BY hours_to_placement) AS placement_median,
        percentile_disc(0.9) WITHIN GROUP (ORDER BY hours_to_placement) AS placement_p90,
        avg(offers)::float8 AS offers_mean,
        percentile_disc(0.5) WITHIN GROUP (ORDER BY offers) AS offers_median,
        count(cost_pence)::int AS approved_count,
        sum(cost_pence)::float8 AS approved_total_pence,
        avg(cost_pence)::float8 AS approved_mean_pence
      FROM per_referral
      GROUP BY GROUPING SETS (("lotId"), ())
    )
    SELECT g.*, l."number" AS lot_number, l."name" AS lot_name
    FROM grouped g LEFT JOIN "Lot" l ON l."id" = g."lotId" AND NOT g.overall
    ORDER BY g.overall DESC, l."number"`);

  // The () grouping set yields the overall row even when no referral matched (with zero counts).
  const overallRow = rows.find((r) => r.overall);
  if (!overallRow) throw new Error("placement report: the overall row is missing");
  const byLot = rows
    .filter((r) => !r.overall)
    .map((r) => ({ lot: { number: r.lot_number!, name: r.lot_name! }, ...figuresOf(r) }));
  return { overall: figuresOf(overallRow), byLot };
}

function figuresOf(r: Row): LotFigures {
  return {
    referrals: {
      raised: r.raised,
      placed: r.placed,
      withdrawn: r.withdrawn,
      expired: r.expired,
      open: r.still_open,
    },
    hoursToFirstOffer: { count: r.offer_count, median: round2(r.offer_median), p90: round2(r.offer_p90) },
    hoursToPlacement: { count: r.placement_count, median: round2(r.placement_median), p90: round2(r.placement_p90) },
    offersPerReferral: { mean: round2(r.offers_mean), median: r.offers_median },
    approvedCost: {
      count: r.approved_count,
      totalWeeklyGbp: round2((r.approved_total_pence ?? 0) / 100)!,
      meanWeeklyGbp: r.approved_mean_pence === null ? null : round2(r.approved_mean_pence / 100),
    },
  };
}
