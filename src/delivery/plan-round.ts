// Who gets a round: every eligible provider on the lot, minus those who declined for a lasting reason in an
// earlier round through an authenticated answer (an email reply from an unverified sender counts for its own
// round only: anyone who saw the reply address could have written it). Delivery rows and the outbox record are written in the caller's transaction, so a round never
// exists without its deliveries, and the unique (round, provider) key makes a second send impossible.
import { randomUUID } from "node:crypto";
import type { Tx } from "../db.js";
import { matchProviders } from "../matching/eligibility.js";
import { withCarrier } from "../observability/context.js";
import { hashToken, responseTokenFor } from "../responses/tokens.js";

/** Declines that will still hold next week; "no vacancy" is not one of them (a bed may free up). */
export const LASTING_DECLINE_REASONS = ["cannot_meet_needs", "outside_area", "outside_age_range"] as const;

export interface PlannedRound {
  roundId: string;
  deliveries: number;
  excluded: { providerId: string; reasons: string[] }[];
}

export async function planRoundDeliveries(
  tx: Tx,
  args: { referralId: string; roundId: string; closesAt: Date; tokenSecret: string },
): Promise<PlannedRound> {
  const referral = await tx.referral.findUniqueOrThrow({ where: { id: args.referralId }, include: { lot: true } });
  const onLot = await tx.provider.findMany({
    where: { lots: { some: { lotId: referral.lotId } } },
    include: { lots: { include: { lot: { select: { number: true } } } } },
  });
  const lastingDecliners = new Set(
    (
      await tx.response.findMany({
        where: {
          referralId: args.referralId,
          type: "decline",
          declineReason: { in: [...LASTING_DECLINE_REASONS] },
          senderVerified: true,
        },
        select: { providerId: true },
      })
    ).map((r) => r.providerId),
  );
  const { eligible, excluded } = matchProviders(
    onLot.map((p) => ({ ...p, lotNumbers: p.lots.map((l) => l.lot.number) })),
    {
      lotNumber: referral.lot.number,
      ageYears: referral.ageYears,
      gender: referral.gender,
      needCodes: referral.needCodes,
      area: referral.area,
    },
  );
  const recipients = eligible.filter((p) => !lastingDecliners.has(p.id) && (p.webhookUrl || p.email));

  const rows = recipients.map((p) => {
    const id = randomUUID();
    return {
      id,
      roundId: args.roundId,
      providerId: p.id,
      // Systems that gave us a webhook get the webhook; people get email.
      channel: p.webhookUrl && p.webhookSecret ? ("webhook" as const) : ("email" as const),
      tokenHash: hashToken(responseTokenFor(args.tokenSecret, id)),
      tokenExpiresAt: args.closesAt,
    };
  });
  await tx.delivery.createMany({ data: rows });
  await tx.outboxEvent.create({ data: { kind: "round.opened", payload: withCarrier({ roundId: args.roundId }) } });
  return {
    roundId: args.roundId,
    deliveries: rows.length,
    excluded: [
      ...excluded.map((e) => ({ providerId: e.provider.id, reasons: e.reasons.map((r) => r.reason) })),
      ...eligible
        .filter((p) => lastingDecliners.has(p.id))
        .map((p) => ({ providerId: p.id, reasons: ["declined earlier"] })),
    ],
  };
}
