// What chat adapters call when a person submits the referral form or clicks a button. The adapter has decided
// who the person is (Actor: ART? senior?); the core decides whether they may, does it, and says what to show.
// Nothing here asks for a thread sync: every change records its domain event in its own transaction, and the
// event dispatcher's subscriber redraws the threads, whichever way (chat, API, command line) the change came.

import { z } from "zod";
import type { Config } from "../config.js";
import type { Db } from "../db.js";
import { queueProviderMessages } from "../delivery/follow-ups.js";
import { releaseDocuments, uploadLinkText } from "../documents/documents.js";
import { fieldErrorsOf, newReferralSchemaFor, type RestrictedDetails } from "../domain/referral-input.js";
import {
  AppError,
  ConflictError,
  DuplicateReferralError,
  ForbiddenError,
  IllegalTransitionError,
  NotFoundError,
  OfferAlreadyDecidedError,
  OfferNotLiveError,
  ValidationError,
} from "../errors.js";
import { recordEvent } from "../events.js";
import type { Logger } from "../logger.js";
import type { Actor, Clock } from "../ports.js";
import type { JobQueues } from "../queue/queues.js";
import { writeAudit } from "../referrals/audit.js";
import { keyRingOf } from "../referrals/create.js";
import { approveOffer, auditRefusal, declineOffer, secondApproval } from "../referrals/decisions.js";
import { intakeExtrasSchema } from "../referrals/intake.js";
import { type RaiseStep, raiseReferral } from "../referrals/raise.js";
import { viewRestrictedDetails } from "../referrals/restricted-view.js";
import { withdrawReferral } from "../referrals/withdraw.js";
import { plural } from "./card-text.js";
import { compareOffers } from "./compare.js";
import type { FormDrafts } from "./form-drafts.js";
import {
  type ChatAction,
  compareSortOf,
  DUPLICATE_FIELDS,
  type DuplicateAnswers,
  NOT_ALLOWED_TO_RAISE,
  type OfferComparison,
  type Platform,
} from "./port.js";

export interface ChatCoreDeps {
  db: Db;
  clock: Clock;
  config: Config;
  queues: JobQueues;
  logger: Logger;
  /** Test seam: fails raising after a step, to prove a failure leaves nothing half-done. */
  raiseFault?: (step: RaiseStep) => void | Promise<void>;
  /** Unfinished forms (form-drafts.ts); without it no draft is kept. */
  drafts?: FormDrafts;
}

export type SubmitResult =
  | { ok: true; referralId: string; reference: string; warnings?: string[] }
  | { ok: false; fieldErrors: Record<string, string[]>; error?: string; duplicateOf?: string }
  | { ok: false; code: "forbidden"; text: string };

export type ActionResult =
  | { ok: true; text: string; details?: RestrictedDetails; comparison?: OfferComparison }
  | { ok: false; code: string; text: string };

export async function submitReferral(
  deps: ChatCoreDeps,
  args: {
    platform: Platform;
    channelId: string;
    actor: Actor;
    input: unknown;
    sourceKey: string;
    duplicate?: DuplicateAnswers;
  },
): Promise<SubmitResult> {
  // Checked first: someone not allowed learns nothing, not even whether this submission was already stored.
  if (!args.actor.mayRaise) {
    await auditRefusal(deps.db, deps.clock, args.actor, null, "raise");
    deps.logger.warn({ platform: args.platform, actor: args.actor.id }, "referral refused: not allowed to raise");
    return { ok: false, code: "forbidden", text: NOT_ALLOWED_TO_RAISE };
  }
  const existing = await deps.db.referral.findUnique({ where: { sourceKey: args.sourceKey } });
  if (existing) return { ok: true, referralId: existing.id, reference: existing.reference };
  const parsed = newReferralSchemaFor(deps.clock.now()).safeParse(args.input);
  const extras = duplicateAnswersSchema.safeParse(answersOf(args.duplicate));
  if (!parsed.success || !extras.success)
    return {
      ok: false,
      fieldErrors: {
        ...(parsed.success ? {} : fieldErrorsOf(parsed.error)),
        ...(extras.success ? {} : fieldErrorsOf(extras.error)),
      },
    };
  const { duplicateReason, siblingOf } = extras.data;
  try {
    const raised = await raiseReferral(deps, parsed.data, args.actor, {
      sourceKey: args.sourceKey,
      chatLink: { platform: args.platform, channelId: args.channelId },
      // The same check as the API's: a child with a live referral is raised again only with a reason.
      duplicateCheck: duplicateReason ? { reason: duplicateReason } : {},
      ...(siblingOf ? { siblingOf } : {}),
      ...(deps.raiseFault ? { afterStep: deps.raiseFault } : {}),
    });
    deps.logger.info(
      { referralId: raised.id, reference: raised.reference, platform: args.platform },
      "referral raised from chat",
    );
    return { ok: true, referralId: raised.id, reference: raised.reference, warnings: raised.warnings };
  } catch (err) {
    if (err instanceof ValidationError) return { ok: false, fieldErrors: err.fieldErrors };
    if (err instanceof DuplicateReferralError) {
      deps.logger.info(
        { platform: args.platform, actor: args.actor.id, existing: err.existingReference, matchedOn: err.matchedOn },
        "chat referral held back: the child has a live referral",
      );
      return {
        ok: false,
        duplicateOf: err.existingReference,
        fieldErrors: { [DUPLICATE_FIELDS.reason]: [duplicateWarning(err)] },
      };
    }
    // The same submission twice at once: the unique source key let one through; answer with that one.
    const again = await deps.db.referral.findUnique({ where: { sourceKey: args.sourceKey } });
    if (again) return { ok: true, referralId: again.id, reference: again.reference };
    // Raising is one transaction, so nothing was stored: say so, and keep the form so they can send it again.
    deps.logger.error(
      { platform: args.platform, actor: args.actor.id, error: (err as Error)?.name },
      "raising a referral from chat failed",
    );
    return {
      ok: false,
      fieldErrors: {},
      error: "The referral could not be raised and nothing was saved. Please try again in a minute.",
    };
  }
}

/** The form's duplicate answers in the API's names; blank answers are no answer. */
const duplicateAnswersSchema = intakeExtrasSchema.pick({ duplicateReason: true, siblingOf: true });
const answersOf = (d: DuplicateAnswers | undefined) => ({
  ...(d?.reason?.trim() ? { duplicateReason: d.reason } : {}),
  ...(d?.siblingOf?.trim() ? { siblingOf: d.siblingOf.trim().toUpperCase() } : {}),
});

/**
 * Shown on the form's reason field (Slack cuts field errors at 150 characters): the existing reference and what
 * matched, nothing more, so the person learns nothing of the child they did not type themselves.
 */
export function duplicateWarning(err: DuplicateReferralError): string {
  const on = err.matchedOn.includes("case_id") ? "case id" : "name and date of birth";
  return `This child may already have a live referral, ${err.existingReference} (same ${on}). To raise another anyway, say why here.`;
}

/**
 * Ids come from buttons, which anyone can forge: one that is not an id at all names nothing, so it is "not found"
 * here, before PostgreSQL would refuse to parse it (which surfaced as "something went wrong").
 */
const anId = z.guid();
export function requireId(id: unknown, what: string): string {
  const parsed = anId.safeParse(id);
  if (!parsed.success) throw new NotFoundError(what);
  return parsed.data;
}

function checkIds(action: ChatAction): void {
  switch (action.type) {
    case "approve_offer":
    case "decline_offer":
      requireId(action.responseId, "offer");
      return;
    case "answer_question":
      requireId(action.responseId, "question");
      return;
    case "release_documents":
      requireId(action.requestId, "document request");
      return;
    case "second_approval":
    case "view_details":
    case "compare_offers":
    case "withdraw_referral":
    case "document_upload_link":
      requireId(action.referralId, "referral");
      return;
  }
}

export async function performAction(
  deps: ChatCoreDeps,
  platform: Platform,
  actor: Actor,
  action: ChatAction,
): Promise<ActionResult> {
  const decisions = {
    db: deps.db,
    clock: deps.clock,
    thresholdPence: deps.config.SECOND_APPROVAL_THRESHOLD_GBP * 100,
    councilHandoff: Boolean(deps.config.COUNCIL_WEBHOOK_URL),
  };
  try {
    checkIds(action);
    let text = "";
    let details: RestrictedDetails | undefined;
    let comparison: OfferComparison | undefined;
    switch (action.type) {
      case "approve_offer": {
        const outcome = await approveOffer(decisions, action.responseId, actor);
        text =
          outcome.status === "placed"
            ? "Approved: the child is placed."
            : "Approved: a second, senior approver is needed for this cost.";
        break;
      }
      case "decline_offer":
        await declineOffer(decisions, action.responseId, actor);
        text = "Offer declined; the provider will be told.";
        break;
      case "second_approval":
        await secondApproval(decisions, action.referralId, actor, action.approve);
        text = action.approve ? "Second approval given: the child is placed." : "Second approval refused.";
        break;
      case "view_details":
        details = await viewRestrictedDetails(
          { db: deps.db, clock: deps.clock, keyRing: keyRingOf(deps.config) },
          action.referralId,
          actor,
        );
        break;
      case "compare_offers":
        comparison = await compareOffers(deps, action.referralId, actor, compareSortOf(action.sort));
        break;
      case "answer_question":
        text = await answerQuestion(deps, actor, action.responseId, action.answer, action.publishToAll);
        break;
      case "release_documents": {
        const r = await releaseDocuments(deps, actor, action.requestId);
        text = `Released ${plural(r.documents, "document")} of ${r.reference} to ${r.providerName} only, for ${deps.config.DOCUMENT_LINK_DAYS} days. They download from their response link; every download is recorded.`;
        break;
      }
      case "document_upload_link":
        text = await uploadLinkText(deps, actor, action.referralId);
        break;
      case "withdraw_referral": {
        const w = await withdrawReferral(deps, action.referralId, actor, {
          reason: action.reason,
          ...(action.text ? { text: action.text } : {}),
        });
        text = `Referral ${w.reference} withdrawn (${w.reasonText}). Providers will be told it has closed.`;
        break;
      }
    }
    deps.logger.info({ platform, actor: actor.id, action: action.type }, "chat action done");
    return { ok: true, text, ...(details ? { details } : {}), ...(comparison ? { comparison } : {}) };
  } catch (err) {
    return refusal(deps, platform, actor, action, err);
  }
}

/**
 * ART, or the social worker who raised the referral, may answer a provider's question. ART may also publish the
 * question and answer to every other provider on the round ("publish to all"; the default is a setting), so all
 * providers decide on the same facts. The asker is never named to the others.
 */
async function answerQuestion(
  deps: ChatCoreDeps,
  actor: Actor,
  responseId: string,
  answer: string,
  publishToAll: boolean | undefined,
): Promise<string> {
  const q = await deps.db.response.findUnique({
    where: { id: responseId },
    include: { referral: true, delivery: true },
  });
  if (q?.type !== "question") throw new NotFoundError("question");
  if (!actor.art && q.referral.createdBy !== actor.id) {
    await auditRefusal(deps.db, deps.clock, actor, q.referralId, "answer_question");
    throw new ForbiddenError("Only the Access to Resources Team or the referring social worker can answer providers");
  }
  const text = answer.trim().slice(0, 5000);
  if (!text) throw new ValidationError("The answer is empty");
  // Sharing with every provider is ART's call; a social worker's answer goes to the asker only.
  const publish = actor.art && (publishToAll ?? deps.config.ANSWERS_PUBLISHED_TO_ALL_DEFAULT);
  let others = 0;
  await deps.db.$transaction(async (tx) => {
    const n = await tx.providerMessage.count({ where: { deliveryId: q.deliveryId, kind: "answer" } });
    const dedupeKey = `${responseId}:${n + 1}`;
    await queueProviderMessages(tx, [
      { deliveryId: q.deliveryId, kind: "answer", text, createdBy: actor.id, dedupeKey },
    ]);
    await writeAudit(tx, {
      referralId: q.referralId,
      actor: actor.id,
      action: "question.answered",
      detail: { responseId, publishedToAll: publish },
    });
    await recordEvent(tx, { type: "question.answered", referralId: q.referralId, responseId });
    if (!publish) return;
    // Every provider the round reached, but the asker (who has the answer already).
    const round = await tx.delivery.findMany({
      where: { roundId: q.delivery.roundId, providerId: { not: q.providerId }, state: "delivered" },
      select: { id: true },
    });
    others = round.length;
    await queueProviderMessages(
      tx,
      round.map((d) => ({
        deliveryId: d.id,
        kind: "clarification" as const,
        text: clarificationText(q.question ?? "", text),
        createdBy: actor.id,
        dedupeKey,
      })),
    );
    await recordEvent(tx, { type: "question.published", referralId: q.referralId, responseId, recipients: others });
  });
  return publish
    ? `Your answer is on its way to the provider, and the question and answer to ${others} other provider${others === 1 ? "" : "s"} on the round (without naming who asked).`
    : "Your answer is on its way to the provider.";
}

/** A clarification's stored text: the question and the answer, read back by the provider-message job. */
export const clarificationText = (question: string, answer: string) => JSON.stringify({ question, answer });

function refusal(deps: ChatCoreDeps, platform: Platform, actor: Actor, action: ChatAction, err: unknown): ActionResult {
  if (err instanceof ForbiddenError)
    return { ok: false, code: err.code, text: `Not authorised: ${err.message}. This attempt has been recorded.` };
  if (err instanceof OfferAlreadyDecidedError || err instanceof OfferNotLiveError)
    return { ok: false, code: err.code, text: `${err.message}.` };
  if (err instanceof IllegalTransitionError || err instanceof ConflictError) {
    return {
      ok: false,
      code: err.code,
      text: `This referral has already moved on (${err.message}). Nothing was changed.`,
    };
  }
  if (err instanceof ValidationError) {
    const problems = Object.entries(err.fieldErrors).map(([field, m]) => `${field} ${m[0] ?? "is not valid"}`);
    return { ok: false, code: err.code, text: [err.message, ...problems].join("; ") };
  }
  if (err instanceof AppError) return { ok: false, code: err.code, text: err.message };
  deps.logger.error(
    { platform, actor: actor.id, action: action.type, error: (err as Error)?.name },
    "chat action failed",
  );
  return { ok: false, code: "internal", text: "Something went wrong; please try again." };
}
