// The digest's reads: a few indexed queries over PostgreSQL, each capped, so the digest takes the same time with
// ten referrals or ten thousand. Only anonymised profile columns are selected (never restrictedEnvelope, never
// the free-text summary). Each referral appears in the first list it qualifies for, most urgent first.
import { type Db, Prisma } from "../db.js";
import { REFERRAL_STATES, type ReferralState, TERMINAL_STATES } from "../lifecycle/referral-state.js";

/** "Unplaced": every state that is not final. */
export const UNPLACED_STATES = REFERRAL_STATES.filter((s) => !TERMINAL_STATES.has(s));
/** States in which an offer can still be approved or declined. */
const DECIDABLE: ReferralState[] = ["offers_received", "recirculated"];

const states = (list: readonly string[]) => Prisma.sql`ARRAY[${Prisma.join([...list])}]::"ReferralStatus"[]`;

export interface ReferralRow {
  id: string;
  reference: string;
  lotNumber: number;
  lotName: string;
  ageYears: number;
  gender: string;
  needCodes: string[];
  area: string;
  urgency: "emergency" | "standard";
  requiredBy: Date;
  createdAt: Date;
  status: ReferralState;
  offers: number;
  closesAt: Date | null;
  total: number;
}

export type ReferralListKey = "emergencies" | "overdue" | "closing_today" | "no_offers";

export interface DigestWindow {
  now: Date;
  /** Start of today's London date, as the UTC midnight requiredBy dates are stored at. */
  todayDate: Date;
  /** End of today's London day (rounds closing before it close "today"). */
  endOfDay: Date;
  limit: number;
}

/** An offer (alias o) still in play: not replaced by the provider's revision, not withdrawn by them. */
const LIVE_OFFER = Prisma.sql`o."type" = 'offer' AND o."supersededById" IS NULL AND o."withdrawnAt" IS NULL`;

/** The conditions that put a referral in each list, each excluding the lists above it. */
function listCondition(key: ReferralListKey, w: DigestWindow): Prisma.Sql {
  const closingToday = Prisma.sql`EXISTS (SELECT 1 FROM "Round" c WHERE c."referralId" = r."id"
    AND c."closedAt" IS NULL AND c."closesAt" < ${w.endOfDay})`;
  const hasOffer = Prisma.sql`EXISTS (SELECT 1 FROM "Response" o WHERE o."referralId" = r."id" AND ${LIVE_OFFER})`;
  switch (key) {
    case "emergencies":
      return Prisma.sql`r."urgency" = 'emergency'`;
    case "overdue":
      return Prisma.sql`r."urgency" = 'standard' AND r."requiredBy" < ${w.todayDate}`;
    case "closing_today":
      return Prisma.sql`r."urgency" = 'standard' AND r."requiredBy" >= ${w.todayDate} AND ${closingToday}`;
    case "no_offers":
      return Prisma.sql`r."urgency" = 'standard' AND r."requiredBy" >= ${w.todayDate} AND NOT ${closingToday}
        AND NOT ${hasOffer}`;
  }
}

// Sort columns per list (constants, so safe to splice in): the most pressing first.
const ORDER: Record<ReferralListKey, string[]> = {
  emergencies: ["requiredBy", "createdAt"],
  overdue: ["requiredBy", "createdAt"],
  closing_today: ["closesAt", "createdAt"],
  no_offers: ["createdAt", "reference"],
};
// Inside the CTE "closesAt" is the computed output column, so it is named bare; the rest are the table's.
const orderIn = (key: ReferralListKey) =>
  Prisma.raw(ORDER[key].map((c) => (c === "closesAt" ? `"closesAt"` : `r."${c}"`)).join(", "));
const orderOut = (key: ReferralListKey) => Prisma.raw(ORDER[key].map((c) => `p."${c}"`).join(", "));

export async function referralList(db: Db, key: ReferralListKey, w: DigestWindow): Promise<ReferralRow[]> {
  // The count comes from a window over the filtered rows; the lot and offer lookups run only for the rows kept.
  return db.$queryRaw<ReferralRow[]>`
    WITH picked AS (
      SELECT r."id", r."reference", r."lotId", r."ageYears", r."gender", r."needCodes", r."area",
        r."urgency"::text AS "urgency", r."requiredBy", r."createdAt", r."status"::text AS "status",
        (SELECT min(c."closesAt") FROM "Round" c WHERE c."referralId" = r."id" AND c."closedAt" IS NULL) AS "closesAt",
        count(*) OVER ()::int AS "total"
      FROM "Referral" r
      WHERE r."status" = ANY(${states(UNPLACED_STATES)}) AND ${listCondition(key, w)}
      ORDER BY ${orderIn(key)}
      LIMIT ${w.limit}
    )
    SELECT p.*, l."number" AS "lotNumber", l."name" AS "lotName",
      (SELECT count(*)::int FROM "Response" o WHERE o."referralId" = p."id" AND ${LIVE_OFFER}) AS "offers"
    FROM picked p JOIN "Lot" l ON l."id" = p."lotId"
    ORDER BY ${orderOut(key)}`;
}

export interface CountRow {
  lotNumber: number;
  lotName: string;
  bucket: number;
  count: number;
}

/** Unplaced referrals by lot and by days waiting (0: 0-2 days, 1: 3-7, 2: 8-14, 3: 15+; whole days since raised). */
export async function unplacedCounts(db: Db, now: Date): Promise<CountRow[]> {
  const before = (days: number) => new Date(now.getTime() - days * 86_400_000);
  return db.$queryRaw<CountRow[]>`
    SELECT l."number" AS "lotNumber", l."name" AS "lotName", c."bucket", c."count"
    FROM (
      SELECT r."lotId",
        CASE WHEN r."createdAt" > ${before(3)} THEN 0 WHEN r."createdAt" > ${before(8)} THEN 1
          WHEN r."createdAt" > ${before(15)} THEN 2 ELSE 3 END AS "bucket",
        count(*)::int AS "count"
      FROM "Referral" r
      WHERE r."status" = ANY(${states(UNPLACED_STATES)})
      GROUP BY 1, 2
    ) c JOIN "Lot" l ON l."id" = c."lotId"
    ORDER BY l."number", c."bucket"`;
}

export interface PendingOfferRow {
  responseId: string;
  referralId: string;
  reference: string;
  providerName: string;
  weeklyCostPence: number | null;
  since: Date;
  secondApproval: boolean;
  total: number;
}

/**
 * Offers waiting for ART: approvals waiting for a second (senior) approver first, then offers nobody has decided
 * on yet on referrals that can still take them, longest waiting first.
 */
export async function pendingOffers(db: Db, limit: number): Promise<PendingOfferRow[]> {
  return db.$queryRaw<PendingOfferRow[]>`
    WITH pending AS (
      SELECT x."id" AS "responseId", r."id" AS "referralId", r."reference", x."providerId", x."weeklyCostPence",
        d."decidedAt" AS "since", true AS "secondApproval"
      FROM "Referral" r JOIN "Decision" d ON d."id" = r."pendingApprovalId" JOIN "Response" x ON x."id" = d."responseId"
      WHERE r."status" = 'awaiting_second_approval'
      UNION ALL
      SELECT x."id", r."id", r."reference", x."providerId", x."weeklyCostPence", x."createdAt", false
      FROM "Response" x JOIN "Referral" r ON r."id" = x."referralId"
      WHERE x."type" = 'offer' AND x."supersededById" IS NULL AND x."withdrawnAt" IS NULL
        AND r."status" = ANY(${states(DECIDABLE)})
        AND NOT EXISTS (SELECT 1 FROM "Decision" d WHERE d."responseId" = x."id")
    ), ranked AS (
      SELECT *, count(*) OVER ()::int AS "total" FROM pending
      ORDER BY "secondApproval" DESC, "since", "reference" LIMIT ${limit}
    )
    SELECT k.*, p."name" AS "providerName" FROM ranked k JOIN "Provider" p ON p."id" = k."providerId"
    ORDER BY k."secondApproval" DESC, k."since", k."reference"`;
}

export interface FailedDeliveryRow {
  referralId: string;
  reference: string;
  providerName: string;
  error: string | null;
  failedAt: Date;
  total: number;
}

/** Providers the current round of an unplaced referral could not reach: the referral never got to them. */
export async function failedDeliveries(db: Db, limit: number): Promise<FailedDeliveryRow[]> {
  return db.$queryRaw<FailedDeliveryRow[]>`
    WITH failed AS (
      SELECT r."id" AS "referralId", r."reference", d."providerId", d."lastError" AS "error", d."updatedAt" AS "failedAt",
        count(*) OVER ()::int AS "total"
      FROM "Delivery" d JOIN "Round" c ON c."id" = d."roundId" JOIN "Referral" r ON r."id" = c."referralId"
      WHERE d."state" = 'failed' AND c."closedAt" IS NULL AND r."status" = ANY(${states(UNPLACED_STATES)})
      ORDER BY d."updatedAt" DESC, r."reference" LIMIT ${limit}
    )
    SELECT f.*, p."name" AS "providerName" FROM failed f JOIN "Provider" p ON p."id" = f."providerId"
    ORDER BY f."failedAt" DESC, f."reference"`;
}

/** Thread locations on one platform for the referrals listed. */
export async function threadsOf(db: Db, referralIds: string[], platform: string) {
  if (referralIds.length === 0) return [];
  return db.chatLink.findMany({
    where: { referralId: { in: referralIds }, platform, threadId: { not: null } },
    select: { referralId: true, channelId: true, threadId: true },
  });
}

export interface WithdrawnRow {
  referralId: string;
  reference: string;
  lotNumber: number;
  lotName: string;
  withdrawnAt: Date;
  /** The reason's code (from the audit row), never the free text: that is staff's own words. */
  reason: string | null;
  total: number;
}

/** Referrals withdrawn since `since`, newest first. */
export async function recentlyWithdrawn(db: Db, since: Date, limit: number): Promise<WithdrawnRow[]> {
  return db.$queryRaw<WithdrawnRow[]>`
    SELECT r."id" AS "referralId", r."reference", l."number" AS "lotNumber", l."name" AS "lotName",
      a."at" AS "withdrawnAt", a."detail"->>'reason' AS "reason", count(*) OVER ()::int AS "total"
    FROM "Referral" r JOIN "Lot" l ON l."id" = r."lotId"
      JOIN "AuditEvent" a ON a."referralId" = r."id" AND a."action" = 'referral.withdraw'
    WHERE r."status" = 'withdrawn' AND a."at" >= ${since}
    ORDER BY a."at" DESC, r."reference" LIMIT ${limit}`;
}
