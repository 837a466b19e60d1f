// Withdrawing a referral: by the social worker who raised it or by ART, with a reason from the fixed list.
// One transaction: the state change, its audit, the rounds closed, the providers' closing notices and the
// domain event that redraws the chat threads.
import type { Db } from "../db.js";
import { fieldErrorsOf } from "../domain/referral-input.js";
import { ForbiddenError, NotFoundError, ValidationError } from "../errors.js";
import { recordEvent } from "../events.js";
import { type Withdrawal, withdrawalSchema, withdrawalText } from "../lifecycle/withdrawal.js";
import type { Actor, Clock } from "../ports.js";
import { closeReferral } from "./close.js";
import { auditRefusal } from "./decisions.js";
import { applyTransition } from "./transition.js";

export interface WithdrawResult {
  referralId: string;
  reference: string;
  status: "withdrawn";
  reason: Withdrawal["reason"];
  /** How the reason reads on the card, e.g. "Other: moved out of area". */
  reasonText: string;
}

export async function withdrawReferral(
  deps: { db: Db; clock: Clock },
  referralId: string,
  actor: Actor,
  input: unknown,
): Promise<WithdrawResult> {
  const referral = await deps.db.referral.findUnique({
    where: { id: referralId },
    select: { createdBy: true, reference: true },
  });
  if (!referral) throw new NotFoundError("referral");
  if (!actor.art && referral.createdBy !== actor.id) {
    await auditRefusal(deps.db, deps.clock, actor, referralId, "withdraw");
    throw new ForbiddenError(
      "Only the social worker who raised the referral or the Access to Resources Team can withdraw it",
    );
  }
  const parsed = withdrawalSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError("The withdrawal has errors", fieldErrorsOf(parsed.error));
  const w = parsed.data;
  const reasonText = withdrawalText(w);
  const now = deps.clock.now();
  await deps.db.$transaction(async (tx) => {
    // applyTransition refuses a referral already placed, withdrawn or expired (IllegalTransitionError).
    await applyTransition(tx, {
      referralId,
      event: { type: "withdraw", reason: w.reason },
      actor: actor.id,
      at: now,
      // The code only: the free text is staff's own words, kept on the referral, not copied into the audit.
      detail: { reason: w.reason, withText: Boolean(w.text) },
      extra: { statusReason: reasonText },
    });
    await closeReferral(tx, { referralId, closedAs: "withdrawn", at: now });
    await recordEvent(tx, { type: "referral.withdrawn", referralId, reason: w.reason });
  });
  return { referralId, reference: referral.reference, status: "withdrawn", reason: w.reason, reasonText };
}
