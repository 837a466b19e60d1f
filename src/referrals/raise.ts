// Raising a referral end to end in the core, in ONE transaction: the referral, round 1, its deliveries, the
// outbox records and (from chat) the chat link. A failure anywhere leaves nothing behind, so there is never a
// draft that was reported as raised but that nothing will send.
import type { Config } from "../config.js";
import type { Db, Tx } from "../db.js";
import { type MatchingConfig, planRoundDeliveries } from "../delivery/plan-round.js";
import type { NewReferral } from "../domain/referral-input.js";
import { DuplicateReferralError, ValidationError } from "../errors.js";
import { recordEvent } from "../events.js";
import type { Actor, Clock } from "../ports.js";
import { type IntakeColumns, insertReferral, keyRingOf, prepareReferral } from "./create.js";
import { findLiveMatch, type MatchHashes } from "./duplicates.js";
import { openFirstRoundIn } from "./rounds.js";

export type RaiseConfig = Pick<
  Config,
  | "RESTRICTED_DATA_KEYS"
  | "RESTRICTED_DATA_ACTIVE_KEY"
  | "REFERENCE_PREFIX"
  | "ROUND_HOURS_EMERGENCY"
  | "ROUND_DAYS_STANDARD"
  | "RESPONSE_TOKEN_SECRET"
  | "DUPLICATE_MATCH_KEY"
> &
  MatchingConfig;

/** The steps of raising, in order; a test seam may fail after any of them. */
export type RaiseStep = "referral" | "round" | "deliveries" | "event" | "chat_link";

export interface RaiseOptions {
  /** The chat submission that raised it: a repeated submission creates nothing new. */
  sourceKey?: string;
  /** Where the referral's card and thread go (chat path); written in the same transaction. */
  chatLink?: { platform: string; channelId: string };
  /** More than one place (the API posts in every configured referrals channel). */
  chatLinks?: { platform: string; channelId: string }[];
  /** API intake columns (who raised it, the body's digest under its Idempotency-Key). */
  intake?: Pick<IntakeColumns, "raisedBy" | "sourceDigest">;
  /**
   * Look for this child's live referral first (one child, one live referral): with a match and no reason it is
   * refused (DuplicateReferralError); with a reason it is raised and linked, and both threads show the link.
   */
  duplicateCheck?: { reason?: string };
  /** A sibling's referral, by reference: this one joins its sibling group (providers see them as one group). */
  siblingOf?: string;
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
  const prepared = prepareReferral(keyRingOf(config), input, now, config.DUPLICATE_MATCH_KEY);
  const step = async (s: RaiseStep) => opts.afterStep?.(s);
  return db.$transaction(
    async (tx) => {
      const links = await intakeLinks(tx, prepared.hashes, opts);
      const created = await insertReferral(tx, {
        prepared,
        referencePrefix: config.REFERENCE_PREFIX,
        actor,
        now,
        ...(opts.sourceKey ? { sourceKey: opts.sourceKey } : {}),
        intake: { ...opts.intake, ...links.columns },
      });
      await step("referral");
      // The other referral's thread shows the link too (this one's shows it from its first drawing).
      if (links.duplicateOf) {
        await recordEvent(tx, {
          type: "referral.duplicate_linked",
          referralId: links.duplicateOf,
          duplicateId: created.id,
        });
      }
      if (links.siblingOf) {
        await recordEvent(tx, { type: "referral.sibling_linked", referralId: links.siblingOf, siblingId: created.id });
      }
      const { profile } = prepared;
      const round = await openFirstRoundIn(tx, {
        referralId: created.id,
        actor,
        now,
        timing: config,
        urgency: profile.urgency,
      });
      await step("round");
      const plan = await planRoundDeliveries(tx, {
        referralId: created.id,
        roundId: round.id,
        closesAt: round.closesAt,
        tokenSecret: config.RESPONSE_TOKEN_SECRET,
        now,
        config,
        raised: {
          lotId: created.lotId,
          child: {
            lotNumber: profile.lotNumber,
            ageYears: profile.ageYears,
            gender: profile.gender,
            needCodes: profile.needCodes,
            area: profile.area,
          },
          urgency: profile.urgency,
          openedAt: now,
        },
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
      const chatLinks = [...(opts.chatLink ? [opts.chatLink] : []), ...(opts.chatLinks ?? [])];
      if (chatLinks.length) {
        // Marked behind from the start: the round.opened event asks for the sync, and if Redis loses that job
        // the reconciler finds the mark and posts the card anyway.
        await tx.chatLink.createMany({
          data: chatLinks.map((link) => ({ referralId: created.id, ...link, dirtySince: now })),
        });
        await step("chat_link");
      }
      return {
        ...created,
        roundId: round.id,
        closesAt: round.closesAt,
        deliveries: plan.deliveries,
        duplicateOf: links.duplicateOfReference,
      };
    },
    { timeout: 60_000 },
  );
}

/**
 * The duplicate check and the sibling link, inside the raising transaction. An advisory lock per hash makes two
 * simultaneous referrals for one child take turns, so the second one sees the first.
 */
async function intakeLinks(
  tx: Tx,
  hashes: MatchHashes,
  opts: Pick<RaiseOptions, "duplicateCheck" | "siblingOf">,
): Promise<{ columns: IntakeColumns; duplicateOf?: string; duplicateOfReference?: string; siblingOf?: string }> {
  const columns: IntakeColumns = {};
  let siblingOf: string | undefined;
  let siblingGroupId: string | undefined;
  if (opts.siblingOf) {
    const sibling = await tx.referral.findUnique({
      where: { reference: opts.siblingOf },
      select: { id: true, siblingGroupId: true, status: true },
    });
    if (!sibling) throw new ValidationError("Unknown sibling referral", { siblingOf: ["is not a referral reference"] });
    siblingOf = sibling.id;
    siblingGroupId = sibling.siblingGroupId ?? sibling.id;
    // The first referral of a group names itself, so "the group" is one column to select on.
    if (!sibling.siblingGroupId) await tx.referral.update({ where: { id: sibling.id }, data: { siblingGroupId } });
    columns.siblingGroupId = siblingGroupId;
  }
  if (!opts.duplicateCheck) return { columns, ...(siblingOf ? { siblingOf } : {}) };
  for (const hash of [hashes.caseIdHash, hashes.nameDobHash].filter((h): h is string => !!h).sort())
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${hash}))`;
  const match = await findLiveMatch(tx, hashes);
  // A sibling linked on purpose is not a duplicate of its own group (twins share a date of birth).
  if (!match || (siblingGroupId && (match.id === siblingGroupId || match.id === siblingOf)))
    return { columns, ...(siblingOf ? { siblingOf } : {}) };
  const reason = opts.duplicateCheck.reason?.trim();
  if (!reason) throw new DuplicateReferralError(match.reference, match.matchedOn);
  columns.duplicateOfId = match.id;
  columns.duplicateReason = reason;
  return {
    columns,
    duplicateOf: match.id,
    duplicateOfReference: match.reference,
    ...(siblingOf ? { siblingOf } : {}),
  };
}
