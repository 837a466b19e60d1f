// Erasing one referral's personal data: the restricted details (the encrypted envelope) and every free text
// written about the child or to providers. What reporting needs stays: lot, age, gender, need codes, area, dates,
// costs, statuses, decline reason codes, and every row (rounds, deliveries, responses, decisions, audit), so the
// placement report for any period gives the same figures before and after. One transaction: the erasure, its
// audit row and its domain event are written together or not at all. Retention (src/retention/retention.ts) and
// `referral-bot erase` both call this.
import type { Tx } from "../db.js";
import { ConflictError, NotFoundError } from "../errors.js";
import { recordEvent } from "../events.js";
import { Prisma } from "../generated/prisma/client.js";
import { type ReferralState, TERMINAL_STATES } from "../lifecycle/referral-state.js";
import { writeAudit } from "../referrals/audit.js";
import { lockReferral } from "../referrals/transition.js";

export type ErasureTrigger = "retention" | "request";

export interface ErasureArgs {
  referralId: string;
  actor: string;
  at: Date;
  trigger: ErasureTrigger;
  /** Why (an erasure request's reference, say). Written to the audit trail: no personal data here. */
  reason?: string;
  /** Erase a referral that is still live (not placed, withdrawn or expired). */
  force?: boolean;
}

export interface ErasureResult {
  /** False when it had already been erased: erasing is idempotent. */
  erased: boolean;
  reference: string;
  status: ReferralState;
}

export async function eraseReferral(tx: Tx, args: ErasureArgs): Promise<ErasureResult> {
  // The referral row first: the rows updated below reference it (see lockReferral).
  await lockReferral(tx, args.referralId);
  const referral = await tx.referral.findUnique({
    where: { id: args.referralId },
    select: { reference: true, status: true, erasedAt: true, closedAt: true },
  });
  if (!referral) throw new NotFoundError("referral");
  const status = referral.status as ReferralState;
  if (referral.erasedAt) return { erased: false, reference: referral.reference, status };
  if (!TERMINAL_STATES.has(status) && !args.force) {
    throw new ConflictError(
      `${referral.reference} is still ${status}: ART and providers still need its details. Withdraw it first, or force the erasure`,
    );
  }

  await tx.referral.update({
    where: { id: args.referralId },
    // The match hashes go too: kept, they would still say "this child was referred" to anyone holding the key.
    data: {
      restrictedEnvelope: null,
      summary: null,
      statusReason: null,
      caseIdHash: null,
      nameDobHash: null,
      duplicateReason: null,
      raisedBy: null,
      erasedAt: args.at,
    },
  });
  const responses = await tx.response.updateMany({
    where: { referralId: args.referralId },
    data: { needsMet: null, notes: null, question: null },
  });
  // An "other" add-on's name is the provider's free text too; the add-on's amount and basis stay for reporting.
  await tx.$executeRaw`
    UPDATE "Response" SET "costAddOns" = (
      SELECT COALESCE(jsonb_agg(e - 'label'), '[]'::jsonb) FROM jsonb_array_elements("costAddOns") e
    )
    WHERE "referralId" = ${args.referralId}::uuid AND jsonb_typeof("costAddOns") = 'array'`;
  const messages = await tx.providerMessage.updateMany({
    where: { delivery: { round: { referralId: args.referralId } } },
    data: { text: null },
  });
  // The thread items as posted (offers' text, questions, answers, the withdrawal reason). A message with no stored
  // item is never redrawn, so the chat platform keeps what it shows; see docs/data-protection.md.
  const chatPosts = await tx.chatPost.updateMany({
    where: { chatLink: { referralId: args.referralId } },
    data: { item: Prisma.DbNull },
  });
  // Documents about the child (care plans, risk assessments): the bytes go; the row (kind, size, dates) stays.
  const documents = await tx.referralDocument.updateMany({
    where: { referralId: args.referralId, erasedAt: null },
    data: { contentEnvelope: null, erasedAt: args.at },
  });
  // Audit rows carry no free text (a withdrawal's reason is recorded as its code), so they stay whole.

  await writeAudit(tx, {
    referralId: args.referralId,
    actor: args.actor,
    action: "referral.erased",
    detail: {
      reference: referral.reference,
      trigger: args.trigger,
      status,
      closedAt: referral.closedAt?.toISOString() ?? null,
      ...(args.reason ? { erasureReason: args.reason } : {}),
      ...(args.force && !TERMINAL_STATES.has(status) ? { forced: true } : {}),
      cleared: {
        responses: responses.count,
        providerMessages: messages.count,
        chatPosts: chatPosts.count,
        documents: documents.count,
      },
    },
    at: args.at,
  });
  await recordEvent(tx, { type: "referral.erased", referralId: args.referralId, trigger: args.trigger });
  return { erased: true, reference: referral.reference, status };
}
