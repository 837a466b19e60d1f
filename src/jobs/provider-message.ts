// Sends one follow-up message (outcome, answer) to a provider by the channel of its delivery. Idempotent: a sent
// or failed message is never sent again; the message id (the row's id) is stable across retries.
import { z } from "zod";
import { destinationOf } from "../delivery/destination-limiter.js";
import { FAILURE_REASONS } from "../delivery/failure-reasons.js";
import { loadDelivery, outboundFor } from "../delivery/outbound.js";
import { DeliveryError } from "../errors.js";
import type { OutboundKind } from "../ports.js";
import { providerMessageContract } from "../queue/contracts.js";
import { failureDetailOf, failureReasonOf } from "./delivery-send.js";
import type { JobDeps } from "./deps.js";
import { takeDestinationSlot } from "./destination-slot.js";
import type { JobType } from "./job-type.js";

/** A clarification row's text holds the question and the answer (src/chat/actions.ts clarificationText). */
const clarification = z.object({ question: z.string(), answer: z.string() });
function clarificationOf(text: string | null): { question: string; text: string } {
  const parsed = clarification.parse(JSON.parse(text ?? "{}"));
  return { question: parsed.question, text: parsed.answer };
}

export const providerMessageJob: JobType<typeof providerMessageContract.payload, JobDeps> = {
  ...providerMessageContract,
  async handle(deps, p, ctx) {
    const m = await deps.db.providerMessage.findUnique({ where: { id: p.messageId } });
    if (m?.state !== "pending") return;
    const d = await loadDelivery(deps.db, m.deliveryId);
    const channel = d ? deps.channels[d.channel] : undefined;
    if (!d || !channel) {
      throw new DeliveryError(
        `no channel for provider message ${m.id}`,
        undefined,
        undefined,
        undefined,
        FAILURE_REASONS.noChannel,
      );
    }
    const release = await takeDestinationSlot(
      deps,
      destinationOf({ channel: d.channel, ...d.provider }),
      { queue: providerMessageContract.name, jobId: providerMessageContract.jobId(p) },
      ctx,
    );
    try {
      await deps.db.providerMessage.update({ where: { id: m.id }, data: { attempts: { increment: 1 } } });
      const message = { ...outboundFor(d, m.kind as OutboundKind, deps.config, m.text ?? undefined), messageId: m.id };
      if (m.kind === "clarification") Object.assign(message, clarificationOf(m.text));
      if (m.kind === "clarification") Object.assign(message, clarificationOf(m.text));
      await channel.send(message);
      await deps.db.providerMessage.update({
        where: { id: m.id },
        data: { state: "sent", sentAt: deps.clock.now(), lastError: null },
      });
    } catch (err) {
      const final = (err instanceof DeliveryError && !err.retryable) || ctx.attempt >= ctx.maxAttempts;
      const lastError = failureReasonOf(err);
      ctx.logger.warn(
        {
          providerMessageId: m.id,
          deliveryId: d.id,
          attempt: ctx.attempt,
          reason: lastError,
          detail: failureDetailOf(err),
        },
        "provider message attempt failed",
      );
      await deps.db.providerMessage.update({
        where: { id: m.id },
        data: { lastError, ...(final ? { state: "failed" } : {}) },
      });
      throw err;
    } finally {
      await release();
    }
  },
};
