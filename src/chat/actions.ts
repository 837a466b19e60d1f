// What chat adapters call when a person submits the referral form or clicks a button. The adapter has decided
// who the person is (Actor: ART? senior?); the core decides whether they may, does it, and says what to show.
import type { Config } from "../config.js";
import type { Db } from "../db.js";
import { queueProviderMessages } from "../delivery/follow-ups.js";
import { fieldErrorsOf, newReferralSchema, type RestrictedDetails } from "../domain/referral-input.js";
import {
  AppError,
  ConflictError,
  ForbiddenError,
  IllegalTransitionError,
  NotFoundError,
  ValidationError,
} from "../errors.js";
import type { JobQueues } from "../jobs/queues.js";
import type { Logger } from "../logger.js";
import type { Actor, Clock } from "../ports.js";
import { writeAudit } from "../referrals/audit.js";
import { keyRingOf } from "../referrals/create.js";
import { approveOffer, auditRefusal, declineOffer, secondApproval } from "../referrals/decisions.js";
import { raiseReferral } from "../referrals/raise.js";
import { viewRestrictedDetails } from "../referrals/restricted-view.js";
import type { ChatAction, Platform } from "./port.js";
import { requestThreadSync } from "./request-sync.js";

export interface ChatCoreDeps {
  db: Db;
  clock: Clock;
  config: Config;
  queues: JobQueues;
  logger: Logger;
}

export type SubmitResult =
  | { ok: true; referralId: string; reference: string; warnings?: string[] }
  | { ok: false; fieldErrors: Record<string, string[]> };
export type ActionResult =
  | { ok: true; text: string; details?: RestrictedDetails }
  | { ok: false; code: string; text: string };

const syncDeps = (d: ChatCoreDeps) => ({ ...d, coalesceMs: d.config.CHAT_COALESCE_MS });

export async function submitReferral(
  deps: ChatCoreDeps,
  args: { platform: Platform; channelId: string; actor: Actor; input: unknown; sourceKey: string },
): Promise<SubmitResult> {
  const existing = await deps.db.referral.findUnique({ where: { sourceKey: args.sourceKey } });
  if (existing) return { ok: true, referralId: existing.id, reference: existing.reference };
  const parsed = newReferralSchema.safeParse(args.input);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsOf(parsed.error) };
  try {
    const raised = await raiseReferral(deps, parsed.data, args.actor, args.sourceKey);
    await deps.db.chatLink.create({
      data: { referralId: raised.id, platform: args.platform, channelId: args.channelId },
    });
    await requestThreadSync(syncDeps(deps), raised.id);
    deps.logger.info(
      { referralId: raised.id, reference: raised.reference, platform: args.platform },
      "referral raised from chat",
    );
    return { ok: true, referralId: raised.id, reference: raised.reference, warnings: raised.warnings };
  } catch (err) {
    if (err instanceof ValidationError) return { ok: false, fieldErrors: err.fieldErrors };
    // The same submission twice at once: the unique source key let one through; answer with that one.
    const again = await deps.db.referral.findUnique({ where: { sourceKey: args.sourceKey } });
    if (again) return { ok: true, referralId: again.id, reference: again.reference };
    throw err;
  }
}

export async function performAction(
  deps: ChatCoreDeps,
  platform: Platform,
  actor: Actor,
  action: ChatAction,
): Promise<ActionResult> {
  const decisions = { db: deps.db, clock: deps.clock, thresholdPence: deps.config.SECOND_APPROVAL_THRESHOLD_GBP * 100 };
  try {
    let referralId: string | undefined;
    let text = "";
    let details: RestrictedDetails | undefined;
    switch (action.type) {
      case "approve_offer": {
        const outcome = await approveOffer(decisions, action.responseId, actor);
        referralId = outcome.referralId;
        text =
          outcome.status === "placed"
            ? "Approved: the child is placed."
            : "Approved: a second, senior approver is needed for this cost.";
        break;
      }
      case "decline_offer":
        await declineOffer(decisions, action.responseId, actor);
        referralId = (await deps.db.response.findUniqueOrThrow({ where: { id: action.responseId } })).referralId;
        text = "Offer declined; the provider will be told.";
        break;
      case "second_approval":
        await secondApproval(decisions, action.referralId, actor, action.approve);
        referralId = action.referralId;
        text = action.approve ? "Second approval given: the child is placed." : "Second approval refused.";
        break;
      case "view_details":
        details = await viewRestrictedDetails(
          { db: deps.db, clock: deps.clock, keyRing: keyRingOf(deps.config) },
          action.referralId,
          actor,
        );
        break;
      case "answer_question":
        referralId = await answerQuestion(deps, actor, action.responseId, action.answer);
        text = "Your answer is on its way to the provider.";
        break;
    }
    if (referralId) await requestThreadSync(syncDeps(deps), referralId);
    deps.logger.info({ platform, actor: actor.id, action: action.type }, "chat action done");
    return { ok: true, text, ...(details ? { details } : {}) };
  } catch (err) {
    return refusal(deps, platform, actor, action, err);
  }
}

/** ART, or the social worker who raised the referral, may answer a provider's question. */
async function answerQuestion(deps: ChatCoreDeps, actor: Actor, responseId: string, answer: string): Promise<string> {
  const q = await deps.db.response.findUnique({ where: { id: responseId }, include: { referral: true } });
  if (!q || q.type !== "question") throw new NotFoundError("question");
  if (!actor.art && q.referral.createdBy !== actor.id) {
    await auditRefusal(deps.db, deps.clock, actor, q.referralId, "answer_question");
    throw new ForbiddenError("Only the Access to Resources Team or the referring social worker can answer providers");
  }
  const text = answer.trim().slice(0, 5000);
  if (!text) throw new ValidationError("The answer is empty");
  await deps.db.$transaction(async (tx) => {
    const n = await tx.providerMessage.count({ where: { deliveryId: q.deliveryId, kind: "answer" } });
    await queueProviderMessages(tx, [
      { deliveryId: q.deliveryId, kind: "answer", text, createdBy: actor.id, dedupeKey: `${responseId}:${n + 1}` },
    ]);
    await writeAudit(tx, {
      referralId: q.referralId,
      actor: actor.id,
      action: "question.answered",
      detail: { responseId },
    });
  });
  return q.referralId;
}

function refusal(deps: ChatCoreDeps, platform: Platform, actor: Actor, action: ChatAction, err: unknown): ActionResult {
  if (err instanceof ForbiddenError)
    return { ok: false, code: err.code, text: `Not authorised: ${err.message}. This attempt has been recorded.` };
  if (err instanceof IllegalTransitionError || err instanceof ConflictError) {
    return {
      ok: false,
      code: err.code,
      text: `This referral has already moved on (${err.message}). Nothing was changed.`,
    };
  }
  if (err instanceof AppError) return { ok: false, code: err.code, text: err.message };
  deps.logger.error(
    { platform, actor: actor.id, action: action.type, error: (err as Error)?.name },
    "chat action failed",
  );
  return { ok: false, code: "internal", text: "Something went wrong; please try again." };
}
