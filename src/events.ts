// Domain events: what happened to a referral, for the chat adapters to show in its thread. Each is written to
// the outbox in the same transaction as the change, then dispatched by a job, so none is lost with Redis.
import type { Tx } from "./db.js";
import { withCarrier } from "./observability/context.js";

export type DomainEvent =
  | { type: "round.opened"; referralId: string; roundId: string; roundNumber: number; deliveries: number }
  /** Round 1 reached more providers: a tier's head start or the vacancy-first period is over. */
  | {
      type: "round.widened";
      referralId: string;
      roundId: string;
      roundNumber: number;
      step: number;
      deliveries: number;
    }
  | {
      type: "response.received";
      referralId: string;
      responseId: string;
      providerId: string;
      responseType: "offer" | "decline" | "question";
    }
  /** A provider's offer replaced by their later one from the same link: the thread shows the revised one. */
  | { type: "response.revised"; referralId: string; responseId: string; supersededId: string; providerId: string }
  /** A provider withdrew their offer (from the link, or by declining after offering): it can no longer be approved. */
  | { type: "response.withdrawn"; referralId: string; responseId: string; providerId: string }
  | { type: "delivery.failed"; referralId: string; deliveryId: string; providerId: string; error: string }
  | {
      type: "round.closed";
      referralId: string;
      roundId: string;
      roundNumber: number;
      outcome: "recirculated" | "expired" | "kept";
    }
  /** ART approved or turned down one offer. An approval is followed by second_approval.requested or referral.placed. */
  | {
      type: "offer.decided";
      referralId: string;
      responseId: string;
      decisionId: string;
      outcome: "approved" | "declined";
    }
  | { type: "second_approval.requested"; referralId: string; decisionId: string }
  | { type: "second_approval.given"; referralId: string; decisionId: string }
  | { type: "second_approval.refused"; referralId: string; decisionId: string }
  | { type: "question.answered"; referralId: string; responseId: string }
  /** A provider asked for documents (care plan, risk assessment, EHCP) before it can decide. */
  | { type: "documents.requested"; referralId: string; requestId: string }
  | { type: "document.uploaded"; referralId: string; documentId: string }
  /** ART (or the raiser) made documents available to the one provider that asked. */
  | { type: "documents.released"; referralId: string; requestId: string; documents: number }
  /** ART shared a provider's question and its answer with every other provider on the round (asker not named). */
  | { type: "question.published"; referralId: string; responseId: string; recipients: number }
  /** The referral is closed: placed, withdrawn or expired. Its rounds are closed and providers told. */
  | { type: "referral.placed"; referralId: string; responseId: string; decisionId: string }
  | { type: "referral.withdrawn"; referralId: string; reason: string }
  | { type: "referral.expired"; referralId: string; rounds: number }
  /** A referral raised (with a reason) although this live one is for the same child: its thread shows the link. */
  | { type: "referral.duplicate_linked"; referralId: string; duplicateId: string }
  /** A sibling's referral joined this one's sibling group. */
  | { type: "referral.sibling_linked"; referralId: string; siblingId: string }
  // Its personal data was erased (retention after closing, or an erasure request): threads drop what they held.
  | { type: "referral.erased"; referralId: string; trigger: "retention" | "request" };

/** A subscriber (a chat adapter) gets each event at least once; it must tolerate a repeat. */
export type EventSubscriber = (event: DomainEvent) => Promise<void>;

export async function recordEvent(tx: Tx, event: DomainEvent): Promise<void> {
  await tx.outboxEvent.create({ data: { kind: "event", payload: withCarrier(event) } });
}
