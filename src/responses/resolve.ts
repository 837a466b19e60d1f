// From a response link's token to the one delivery it was issued for, with the HTTP-meaningful refusals:
// 404 unknown token, 410 referral closed (placed, withdrawn, expired) or link expired, 409 round closed.
import type { Db } from "../db.js";
import { ConflictError, GoneError, NotFoundError, ReferralClosedError } from "../errors.js";
import { TERMINAL_STATES } from "../lifecycle/referral-state.js";
import type { BroadcastProfile, Clock } from "../ports.js";
import { siblingReferencesOf } from "../referrals/sibling-group.js";
import { broadcastProfileOf } from "./profile.js";
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

export async function resolveResponseToken(deps: { db: Db; clock: Clock }, token: string): Promise<ResolvedDelivery> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) throw new NotFoundError("response link");
  const delivery = await deps.db.delivery.findUnique({
    where: { tokenHash: hashToken(token) },
    include: { provider: true, round: { include: { referral: { include: { lot: true } } } } },
  });
  if (!delivery) throw new NotFoundError("response link");
  if (TERMINAL_STATES.has(delivery.round.referral.status)) throw new ReferralClosedError();
  if (delivery.round.closedAt)
    throw new ConflictError("This round has closed; the referral is no longer taking responses");
  if (delivery.tokenExpiresAt.getTime() <= deps.clock.now().getTime())
    throw new GoneError("This response link has expired");
  return {
    deliveryId: delivery.id,
    referralId: delivery.round.referralId,
    providerId: delivery.providerId,
    providerName: delivery.provider.name,
    roundNumber: delivery.round.number,
    respondBy: delivery.round.closesAt,
    profile: broadcastProfileOf({
      ...delivery.round.referral,
      siblingReferences: await siblingReferencesOf(deps.db, delivery.round.referral.siblingGroupId),
    }),
  };
}
