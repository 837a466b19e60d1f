// Domain events: what happened to a referral, for the chat adapters to show in its thread. Each is written to
// the outbox in the same transaction as the change, then dispatched by a job, so none is lost with Redis.
import type { Tx } from "./db.js";
import { withCarrier } from "./observability/context.js";

export type DomainEvent =
  | { type: "round.opened"; referralId: string; roundId: string; roundNumber: number; deliveries: number }
  | {
      type: "response.received";
      referralId: string;
      responseId: string;
      providerId: string;
      responseType: "offer" | "decline" | "question";
    }
  | { type: "delivery.failed"; referralId: string; deliveryId: string; providerId: string; error: string }
  | {
      type: "round.closed";
      referralId: string;
      roundId: string;
      roundNumber: number;
      outcome: "recirculated" | "expired" | "kept";
    };

/** A subscriber (a chat adapter) gets each event at least once; it must tolerate a repeat. */
export type EventSubscriber = (event: DomainEvent) => Promise<void>;

export async function recordEvent(tx: Tx, event: DomainEvent): Promise<void> {
  await tx.outboxEvent.create({ data: { kind: "event", payload: withCarrier(event) } });
}
