// From a response link's token to the one delivery it was issued for, with the HTTP-meaningful refusals:
// 404 unknown token, 410 referral closed (placed, withdrawn, expired) or link expired, 409 round closed.
import type { Db } from "../db.js";
import { ConflictError, GoneError, NotFoundError, ReferralClosedError } from "../errors.js";
import { type ReferralState, TERMINAL_STATES } from "../lifecycle/referral-state.js";
import type { BroadcastProfile, Clock } from "../ports.js";
import { broadcastProfileOf, type ReferralProfileRow } from "./profile.js";
import { hashToken } from "./tokens.js";

export interface ResolvedDelivery {
  deliveryId: string;
  referralId: string;
  providerId: string;
  providerName: string;
  roundNumber: number;
  respondBy: Date;
  profile: BroadcastProfile;
}

/**
 * One statement from the token's hash to everything the link's page and answers need: every offer, decline and
 * question (and every view of the form) starts here, and Prisma's nested include took five.
 */
export async function resolveResponseToken(deps: { db: Db; clock: Clock }, token: string): Promise<ResolvedDelivery> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) throw new NotFoundError("response link");
  const [row] = await deps.db.$queryRaw<ResolvedRow[]>`
    SELECT d."id", d."providerId", d."tokenExpiresAt", p."name" AS "providerName", r."referralId",
      r."number" AS "roundNumber", r."closesAt", r."closedAt" AS "roundClosedAt", f."status"::text AS "status",
      f."reference", f."ageYears", f."gender", f."needCodes", f."ehcp", f."legalStatus", f."area",
      f."urgency"::text AS "urgency", f."requiredBy", f."summary", f."pds",
      l."number" AS "lotNumber", l."name" AS "lotName",
      CASE WHEN f."siblingGroupId" IS NULL THEN NULL ELSE ARRAY(SELECT s."reference" FROM "Referral" s
        WHERE s."siblingGroupId" = f."siblingGroupId" ORDER BY s."reference") END AS "siblingReferences"
    FROM "Delivery" d JOIN "Provider" p ON p."id" = d."providerId" JOIN "Round" r ON r."id" = d."roundId"
      JOIN "Referral" f ON f."id" = r."referralId" JOIN "Lot" l ON l."id" = f."lotId"
    WHERE d."tokenHash" = ${hashToken(token)}`;
  if (!row) throw new NotFoundError("response link");
  if (TERMINAL_STATES.has(row.status as ReferralState)) throw new ReferralClosedError();
  if (row.roundClosedAt) throw new ConflictError("This round has closed; the referral is no longer taking responses");
  if (row.tokenExpiresAt.getTime() <= deps.clock.now().getTime()) throw new GoneError("This response link has expired");
  return {
    deliveryId: row.id,
    referralId: row.referralId,
    providerId: row.providerId,
    providerName: row.providerName,
    roundNumber: row.roundNumber,
    respondBy: row.closesAt,
    profile: broadcastProfileOf({ ...row, lot: { number: row.lotNumber, name: row.lotName } }),
  };
}

/** The statement's row: the referral's broadcast fields, with the lot's as columns of their own. */
type ResolvedRow = Omit<ReferralProfileRow, "lot" | "siblingReferences"> & {
  id: string;
  providerId: string;
  tokenExpiresAt: Date;
  providerName: string;
  referralId: string;
  roundNumber: number;
  closesAt: Date;
  roundClosedAt: Date | null;
  status: string;
  lotNumber: number;
  lotName: string;
  siblingReferences: string[] | null;
};
