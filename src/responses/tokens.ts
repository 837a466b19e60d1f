// Providers' response links and reply addresses. Both derive from the delivery id with an HMAC, so a retried
// send carries the same link, nothing secret is stored (only the token's SHA-256), and a link can only ever
// name the one delivery (provider, referral, round) it was issued for.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export function responseTokenFor(secret: string, deliveryId: string): string {
  return createHmac("sha256", secret).update(`response:${deliveryId}`).digest("base64url");
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function responseUrlFor(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl.replace(/\/$/, "")}/r/${token}`;
}

const replyMac = (secret: string, deliveryId: string) =>
  createHmac("sha256", secret).update(`reply:${deliveryId}`).digest("hex").slice(0, 20);

/** reply+<deliveryId>.<mac>@domain: the address a provider's email reply comes back to. */
export function replyAddressFor(secret: string, domain: string, deliveryId: string): string {
  return `reply+${deliveryId}.${replyMac(secret, deliveryId)}@${domain}`;
}

/** The delivery a reply address names, or undefined when it is not one of ours (or has been tampered with). */
export function deliveryIdFromReplyAddress(secret: string, address: string): string | undefined {
  const m = /^reply\+([0-9a-f-]{36})\.([0-9a-f]{20})@/i.exec(address.trim());
  if (!m?.[1] || !m[2]) return undefined;
  const expected = Buffer.from(replyMac(secret, m[1].toLowerCase()));
  const given = Buffer.from(m[2].toLowerCase());
  return expected.length === given.length && timingSafeEqual(expected, given) ? m[1].toLowerCase() : undefined;
}
