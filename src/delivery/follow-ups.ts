// Messages to providers after the broadcast: the outcome of their offer and ART's answers to their questions.
// Rows are written in the caller's transaction together with an outbox record, so none is lost with Redis.
import type { Tx } from "../db.js";
import { withCarrier } from "../observability/context.js";

export type ProviderMessageKind =
  | "outcome_approved"
  | "outcome_not_taken_up"
  | "answer"
  | "documents_released"
  /** Another provider's question and ART's answer, shared with every provider on the round ("publish to all"). */
  | "clarification"
  | "referral_closed";
/** The messages that close a referral for one provider: each recipient gets exactly one of them. */
export const CLOSING_KINDS = ["outcome_approved", "outcome_not_taken_up", "referral_closed"] as const;

export async function queueProviderMessages(
  tx: Tx,
  messages: {
    deliveryId: string;
    kind: ProviderMessageKind;
    text?: string;
    createdBy?: string;
    dedupeKey?: string;
  }[],
): Promise<void> {
  const ids: string[] = [];
  for (const m of messages) {
    const row = await tx.providerMessage.upsert({
      where: { deliveryId_kind_dedupeKey: { deliveryId: m.deliveryId, kind: m.kind, dedupeKey: m.dedupeKey ?? "" } },
      update: {},
      create: {
        deliveryId: m.deliveryId,
        kind: m.kind,
        dedupeKey: m.dedupeKey ?? "",
        text: m.text ?? null,
        createdBy: m.createdBy ?? null,
      },
    });
    if (row.state === "pending") ids.push(row.id);
  }
  if (ids.length) await tx.outboxEvent.create({ data: { kind: "provider.messages", payload: withCarrier({ ids }) } });
}

/** On placement: the winner hears it was approved; every other provider with an offer hears it was not taken up. */
export async function queueOutcomes(tx: Tx, referralId: string, winningResponseId: string): Promise<void> {
  const offers = await tx.response.findMany({ where: { referralId, type: "offer" }, orderBy: { createdAt: "asc" } });
  const winner = offers.find((o) => o.id === winningResponseId);
  // A provider who withdrew their offer (and made no other) is not told it was not taken up.
  const standing = offers.filter((o) => !o.supersededById && !o.withdrawnAt);
  const byProvider = new Map(standing.map((o) => [o.providerId, o.deliveryId]));
  await queueProviderMessages(tx, [
    ...(winner ? [{ deliveryId: winner.deliveryId, kind: "outcome_approved" as const }] : []),
    ...[...byProvider.entries()]
      .filter(([providerId]) => providerId !== winner?.providerId)
      .map(([, deliveryId]) => ({ deliveryId, kind: "outcome_not_taken_up" as const })),
  ]);
}
