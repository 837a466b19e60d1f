// Per-provider figures for the referrals raised in a period, aggregated in PostgreSQL: how reliably each provider
// answers what reaches it, and why it declines.
import { Prisma, type Tx } from "../db.js";
import { DECLINE_REASONS } from "../referrals/responses.js";
import { cohortCte } from "./cohort.js";
import type { ReportPeriod } from "./period.js";

export type DeclineReasonCode = (typeof DECLINE_REASONS)[number];

export interface ProviderRow {
  provider: { id: string; name: string };
  /** Deliveries of the period's referrals to this provider, in any state (pending, failed, ...). */
  deliveries: number;
  /** Of those, the ones its channel accepted (state `delivered`). */
  delivered: number;
  /** Of the delivered ones, those that got any response (offer, decline or question). */
  responded: number;
  /** responded / delivered, to 4 decimal places; null when nothing was delivered. */
  responseRate: number | null;
  /** The provider's declines on the period's referrals: all of them, and by reason code. */
  declines: { total: number; byReason: Record<DeclineReasonCode, number> };
}

interface Row {
  provider_id: string;
  provider_name: string;
  deliveries: number;
  delivered: number;
  responded: number;
  declines: number;
  by_reason: Record<string, number> | null;
}

export async function providerFigures(db: Tx, period: ReportPeriod): Promise<ProviderRow[]> {
  const rows = await db.$queryRaw<Row[]>(Prisma.sql`
    WITH ${cohortCte(period)},
    sent AS (
      SELECT d."providerId",
        count(*)::int AS deliveries,
        count(*) FILTER (WHERE d."state" = 'delivered')::int AS delivered,
        count(*) FILTER (
          WHERE d."state" = 'delivered' AND EXISTS (SELECT 1 FROM "Response" x WHERE x."deliveryId" = d."id")
        )::int AS responded
      FROM cohort c
      JOIN "Round" ro ON ro."referralId" = c."id"
      JOIN "Delivery" d ON d."roundId" = ro."id"
      GROUP BY d."providerId"
    ),
    reasons AS (
      SELECT x."providerId", x."declineReason"::text AS reason, count(*)::int AS n
      FROM cohort c JOIN "Response" x ON x."referralId" = c."id" AND x."type" = 'decline'
      GROUP BY x."providerId", x."declineReason"
    ),
    declined AS (
      SELECT "providerId", sum(n)::int AS declines,
        jsonb_object_agg(reason, n) FILTER (WHERE reason IS NOT NULL) AS by_reason
      FROM reasons GROUP BY "providerId"
    )
    SELECT p."id"::text AS provider_id, p."name" AS provider_name,
      COALESCE(s.deliveries, 0) AS deliveries, COALESCE(s.delivered, 0) AS delivered,
      COALESCE(s.responded, 0) AS responded, COALESCE(k.declines, 0) AS declines, k.by_reason
    FROM sent s
    FULL JOIN declined k ON k."providerId" = s."providerId"
    JOIN "Provider" p ON p."id" = COALESCE(s."providerId", k."providerId")
    ORDER BY p."name", p."id"`);

  return rows.map((r) => ({
    provider: { id: r.provider_id, name: r.provider_name },
    deliveries: r.deliveries,
    delivered: r.delivered,
    responded: r.responded,
    responseRate: r.delivered === 0 ? null : Math.round((r.responded / r.delivered) * 10_000) / 10_000,
    declines: {
      total: r.declines,
      byReason: Object.fromEntries(DECLINE_REASONS.map((code) => [code, r.by_reason?.[code] ?? 0])) as Record<
        DeclineReasonCode,
        number
      >,
    },
  }));
}
