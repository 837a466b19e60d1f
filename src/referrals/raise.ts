// Raising a referral end to end in the core, in ONE transaction: the referral, round 1, its deliveries, the
// outbox records and (from chat) the chat link. A failure anywhere leaves nothing behind, so there is never a
// draft that was reported as raised but that nothing will send.
import type { Config } from "../config.js";
import type { Db } from "../db.js";
import { type MatchingConfig, planRoundDeliveries } from "../delivery/plan-round.js";
import type { NewReferral } from "../domain/referral-input.js";
import { recordEvent } from "../events.js";
import type { Actor, Clock } from "../ports.js";
import { insertReferral, keyRingOf, prepareReferral } from "./create.js";
import { openFirstRoundIn } from "./rounds.js";

export type RaiseConfig = Pick<
  Config,
  | "RESTRICTED_DATA_KEYS"
  | "RESTRICTED_DATA_ACTIVE_KEY"
  | "REFERENCE_PREFIX"
  | "ROUND_HOURS_EMERGENCY"
  | "ROUND_DAYS_STANDARD"
  | "RESPONSE_TOKEN_SECRET"
> &
  MatchingConfig;

/** The steps of raising, in order; a test seam may fail after any of them. */
export type RaiseStep = "referral" | "round" | "deliveries" | "event" | "chat_link";

export interface RaiseOptions {
  /** The chat submission that raised it: a repeated submission creates nothing new. */
  sourceKey?: string;
  /** Where the referral's card and thread go (chat path); written in the same transaction. */
  chatLink?: { platform: string; channelId: string };
  /** Test seam: called after each step inside the transaction; throwing rolls everything back. */
  afterStep?: (step: RaiseStep) => void | Promise<void>;
}

export async function raiseReferral(
  deps: { db: Db; clock: Clock; config: RaiseConfig },
  input: NewReferral,
  actor: Actor,
  opts: RaiseOptions = {},
) {
  const { db, clock, config } = deps;
  const now = clock.now();
  const prepared = prepareReferral(keyRingOf(config), input, now);
  const step = async (s: RaiseStep) => opts.afterStep?.(s);
  return db.$transaction(
    async (tx) => {
      const created = await insertReferral(tx, {
        prepared,
        referencePrefix: config.REFERENCE_PREFIX,
        actor,
        now,
        ...(opts.sourceKey ? { sourceKey: opts.sourceKey } : {}),
      });
      await step("referral");
      const round = await openFirstRoundIn(tx, { referralId: created.id, actor, now, timing: config });
      await step("round");
      const plan = await planRoundDeliveries(tx, {
        referralId: created.id,
        roundId: round.id,
        closesAt: round.closesAt,
        tokenSecret: config.RESPONSE_TOKEN_SECRET,
        now,
        config,
      });
      await step("deliveries");
      await recordEvent(tx, {
        type: "round.opened",
        referralId: created.id,
        roundId: round.id,
        roundNumber: 1,
        deliveries: plan.deliveries,
      });
      await step("event");
      if (opts.chatLink) {
        // Marked behind from the start: the round.opened event asks for the sync, and if Redis loses that job
        // the reconciler finds the mark and posts the card anyway.
        await tx.chatLink.create({
          data: { referralId: created.id, ...opts.chatLink, dirtySince: now },
        });
        await step("chat_link");
      }
      return { ...created, roundId: round.id, closesAt: round.closesAt, deliveries: plan.deliveries };
    },
    { timeout: 60_000 },
  );
}
