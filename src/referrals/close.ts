// What happens when a referral closes (placed, withdrawn, expired), in the transaction that closes it: its open
// round closes at once (so every response link refuses and no reminder goes out), and every provider that
// received it is told, exactly once. Providers that made an offer on a referral that was placed get their
// outcome (accepted / not taken up) instead; everyone else gets a "referral closed" notice that says nothing of
// who was chosen. The notices are provider messages: sent by the provider-message job, retried, idempotent.
import type { Tx } from "../db.js";
import { CLOSING_KINDS, queueProviderMessages } from "../delivery/follow-ups.js";

export type ClosedAs = "placed" | "withdrawn" | "expired";

export async function closeReferral(
  tx: Tx,
  args: { referralId: string; closedAs: ClosedAs; at: Date },
): Promise<{ roundsClosed: number; notices: number }> {
  const { referralId, at } = args;
  const { count: roundsClosed } = await tx.round.updateMany({
    where: { referralId, closedAt: null },
    data: { closedAt: at },
  });
  // "Received": delivered, or in flight (a send may have reached them). Pending deliveries will never be sent
  // now that the round is closed, so those providers never heard of the referral.
  const received = await tx.delivery.findMany({
    where: { round: { referralId }, state: { in: ["delivered", "sending"] } },
    select: { id: true, providerId: true, round: { select: { number: true } } },
    orderBy: [{ round: { number: "desc" } }, { id: "asc" }],
  });
  const alreadyTold = new Set(
    (
      await tx.providerMessage.findMany({
        where: { kind: { in: [...CLOSING_KINDS] }, delivery: { round: { referralId } } },
        select: { delivery: { select: { providerId: true } } },
      })
    ).map((m) => m.delivery.providerId),
  );
  const offerers =
    args.closedAs === "placed"
      ? new Set(
          (await tx.response.findMany({ where: { referralId, type: "offer" }, select: { providerId: true } })).map(
            (r) => r.providerId,
          ),
        )
      : new Set<string>();
  // One notice per provider, on its latest delivery: the (delivery, kind) key keeps it to one however often
  // this runs, and the message row's id is the webhook id / Message-ID on every retry.
  const latest = new Map<string, string>();
  for (const d of received) if (!latest.has(d.providerId)) latest.set(d.providerId, d.id);
  const notices = [...latest.entries()]
    .filter(([providerId]) => !alreadyTold.has(providerId) && !offerers.has(providerId))
    .map(([, deliveryId]) => ({ deliveryId, kind: "referral_closed" as const }));
  await queueProviderMessages(tx, notices);
  return { roundsClosed, notices: notices.length };
}
