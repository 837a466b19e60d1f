// A provider's vacancy credential: "<providerId>.<expiry YYYYMMDD>.<mac>", an HMAC of both under
// RESPONSE_TOKEN_SECRET (like the response links). Every email a provider receives carries a fresh one in its
// vacancy link (/p/vacancies?token=...), and a provider's system can send the same token as a bearer token to
// GET|PUT /api/v1/provider/vacancies. It names one provider and nothing else (no referral, no child), expires
// after VACANCY_TOKEN_DAYS, and all outstanding ones die when the secret changes.
import { createHmac, timingSafeEqual } from "node:crypto";

export const VACANCY_TOKEN_DAYS = 90;

const mac = (secret: string, providerId: string, expiry: string) =>
  createHmac("sha256", secret).update(`vacancy:${providerId}:${expiry}`).digest("base64url").slice(0, 32);

const ymd = (d: Date) => d.toISOString().slice(0, 10).replace(/-/g, "");

export function vacancyTokenFor(secret: string, providerId: string, now: Date, days = VACANCY_TOKEN_DAYS): string {
  const expiry = ymd(new Date(now.getTime() + days * 86_400_000));
  return `${providerId}.${expiry}.${mac(secret, providerId, expiry)}`;
}

export function vacancyUrlFor(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl.replace(/\/$/, "")}/p/vacancies?token=${encodeURIComponent(token)}`;
}

/** The provider a token names, or why it does not count ("invalid" or "expired"). */
export function verifyVacancyToken(
  secret: string,
  token: string,
  now: Date,
): { ok: true; providerId: string } | { ok: false; reason: "invalid" | "expired" } {
  const m = /^([0-9a-f-]{36})\.(\d{8})\.([A-Za-z0-9_-]{32})$/.exec(token.trim());
  if (!m?.[1] || !m[2] || !m[3]) return { ok: false, reason: "invalid" };
  const given = Buffer.from(m[3]);
  const expected = Buffer.from(mac(secret, m[1], m[2]));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "invalid" };
  if (m[2] < ymd(now)) return { ok: false, reason: "expired" };
  return { ok: true, providerId: m[1] };
}
