// Sends placement.agreed to the council's own systems. Idempotent: a sent or failed row is never sent again, and
// its id (the webhook-id) is stable across retries, so the receiver drops a repeat. Retried like provider
// deliveries (DELIVERY_MAX_ATTEMPTS, the runtime's backoff); the outcome is kept on the row for ART.
import { FAILURE_REASONS } from "../delivery/failure-reasons.js";
import { DeliveryError } from "../errors.js";
import { councilMessageContract } from "../queue/contracts.js";
import { writeAudit } from "../referrals/audit.js";
import { loadPlacementHandoff } from "../referrals/council-handoff.js";
import { keyRingOf } from "../referrals/create.js";
import { failureDetailOf, failureReasonOf } from "./delivery-send.js";
import type { JobDeps } from "./deps.js";
import type { JobType } from "./job-type.js";

export const councilMessageJob: JobType<typeof councilMessageContract.payload, JobDeps> = {
  ...councilMessageContract,
  async handle(deps, p, ctx) {
    const m = await deps.db.councilMessage.findUnique({ where: { id: p.messageId } });
    if (m?.state !== "pending") return;
    try {
      if (!deps.council) {
        throw new DeliveryError("COUNCIL_WEBHOOK_URL is not set", 400, undefined, undefined, FAILURE_REASONS.noChannel);
      }
      // Read at send time: the case id is decrypted only now, and a correction to the record since is included.
      const placement = await loadPlacementHandoff({ db: deps.db, keyRing: keyRingOf(deps.config) }, m.referralId);
      if (!placement)
        throw new DeliveryError("the referral is not placed", 400, undefined, undefined, FAILURE_REASONS.ourPayload);
      await deps.db.councilMessage.update({ where: { id: m.id }, data: { attempts: { increment: 1 } } });
      await deps.council.send({ messageId: m.id, placement });
      await deps.db.$transaction(async (tx) => {
        await tx.councilMessage.update({
          where: { id: m.id },
          data: { state: "sent", sentAt: deps.clock.now(), lastError: null },
        });
        // The case id left the service: recorded, as every use of the restricted details is.
        await writeAudit(tx, {
          referralId: m.referralId,
          actor: "system",
          action: "council.placement_sent",
          detail: { messageId: m.id, caseId: placement.caseSystemId !== null },
          at: deps.clock.now(),
        });
      });
    } catch (err) {
      const final = (err instanceof DeliveryError && !err.retryable) || ctx.attempt >= ctx.maxAttempts;
      const lastError = failureReasonOf(err);
      ctx.logger.warn(
        { councilMessageId: m.id, attempt: ctx.attempt, reason: lastError, detail: failureDetailOf(err) },
        "council message attempt failed",
      );
      await deps.db.councilMessage.update({
        where: { id: m.id },
        data: { lastError, ...(final ? { state: "failed" } : {}) },
      });
      throw err;
    }
  },
};
