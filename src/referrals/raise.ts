// Raising a referral end to end in the core: store it, open round 1 and plan its deliveries, in one go.
import type { Config } from "../config.js";
import type { Db } from "../db.js";
import { planRoundDeliveries } from "../delivery/plan-round.js";
import type { NewReferral } from "../domain/referral-input.js";
import { recordEvent } from "../events.js";
import type { Actor, Clock } from "../ports.js";
import { createReferral, keyRingOf } from "./create.js";
import { openFirstRound } from "./rounds.js";

export type RaiseConfig = Pick<
  Config,
  | "RESTRICTED_DATA_KEYS"
  | "RESTRICTED_DATA_ACTIVE_KEY"
  | "REFERENCE_PREFIX"
  | "ROUND_HOURS_EMERGENCY"
  | "ROUND_DAYS_STANDARD"
  | "RESPONSE_TOKEN_SECRET"
>;

export async function raiseReferral(
  deps: { db: Db; clock: Clock; config: RaiseConfig },
  input: NewReferral,
  actor: Actor,
  sourceKey?: string,
) {
  const { db, clock, config } = deps;
  const created = await createReferral(
    { db, clock, keyRing: keyRingOf(config), referencePrefix: config.REFERENCE_PREFIX },
    input,
    actor,
    sourceKey,
  );
  let deliveries = 0;
  const round = await openFirstRound({ db, clock, timing: config }, created.id, actor, async (tx, r) => {
    const plan = await planRoundDeliveries(tx, {
      referralId: created.id,
      roundId: r.id,
      closesAt: r.closesAt,
      tokenSecret: config.RESPONSE_TOKEN_SECRET,
    });
    deliveries = plan.deliveries;
    await recordEvent(tx, { type: "round.opened", referralId: created.id, roundId: r.id, roundNumber: 1, deliveries });
  });
  return { ...created, roundId: round.roundId, closesAt: round.closesAt, deliveries };
}
