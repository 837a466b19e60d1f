// Builds the one message a delivery sends. The profile comes from broadcastProfileOf, so only anonymised
// fields can ever reach a provider.
import type { Config } from "../config.js";
import type { Db } from "../db.js";
import type { OutboundDelivery, OutboundKind } from "../ports.js";
import { siblingReferencesOf } from "../referrals/sibling-group.js";
import { broadcastProfileOf } from "../responses/profile.js";
import { replyAddressFor, responseTokenFor, responseUrlFor } from "../responses/tokens.js";
import { vacancyTokenFor, vacancyUrlFor } from "../responses/vacancy-token.js";

export async function loadDelivery(db: Db, deliveryId: string) {
  const d = await db.delivery.findUnique({
    where: { id: deliveryId },
    include: { provider: true, round: { include: { referral: { include: { lot: true } } } } },
  });
  if (!d) return null;
  const siblingReferences = await siblingReferencesOf(db, d.round.referral.siblingGroupId);
  return { ...d, round: { ...d.round, referral: { ...d.round.referral, siblingReferences } } };
}
export type LoadedDelivery = NonNullable<Awaited<ReturnType<typeof loadDelivery>>>;

/** What a message is built from: a loaded delivery, or the claimed one the send job gets from one statement. */
export interface OutboundSource {
  id: string;
  provider: {
    id: string;
    name: string;
    email: string | null;
    webhookUrl: string | null;
    webhookSecret: string | null;
  };
  round: { number: number; closesAt: Date; referral: Parameters<typeof broadcastProfileOf>[0] };
}

export function outboundFor(
  d: OutboundSource,
  kind: OutboundKind,
  config: Pick<Config, "RESPONSE_TOKEN_SECRET" | "PUBLIC_BASE_URL" | "MAIL_REPLY_DOMAIN">,
  text?: string,
): OutboundDelivery {
  const p = d.provider;
  return {
    kind,
    // The broadcast's id is the delivery id; follow-ups add their kind. Retries reuse it, so receivers dedup.
    messageId: kind === "referral" ? d.id : `${d.id}.${kind}`,
    deliveryId: d.id,
    provider: {
      id: p.id,
      name: p.name,
      ...(p.email ? { email: p.email } : {}),
      ...(p.webhookUrl ? { webhookUrl: p.webhookUrl } : {}),
      ...(p.webhookSecret ? { webhookSecret: p.webhookSecret } : {}),
    },
    round: { number: d.round.number, respondBy: d.round.closesAt },
    profile: broadcastProfileOf(d.round.referral),
    responseUrl: responseUrlFor(config.PUBLIC_BASE_URL, responseTokenFor(config.RESPONSE_TOKEN_SECRET, d.id)),
    // Valid for VACANCY_TOKEN_DAYS after the round closes, and the same on every retry of this message.
    vacancyUrl: vacancyUrlFor(
      config.PUBLIC_BASE_URL,
      vacancyTokenFor(config.RESPONSE_TOKEN_SECRET, p.id, d.round.closesAt),
    ),
    replyTo: replyAddressFor(config.RESPONSE_TOKEN_SECRET, config.MAIL_REPLY_DOMAIN, d.id),
    ...(text ? { text } : {}),
  };
}
