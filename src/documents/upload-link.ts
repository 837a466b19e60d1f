// The link "Add a document" gives the person who clicked it in chat: a page where they upload a file for one
// referral. The link is a capability signed with the service's token secret, naming the referral, the person (as
// the chat adapter identified them) and an expiry, so nothing is stored and a copied or altered link fails.
import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { Actor } from "../ports.js";

/** Long enough to find the file on a laptop, short enough that a link forwarded by mistake soon stops working. */
export const UPLOAD_LINK_MINUTES = 30;

const claims = z.object({ r: z.uuid(), a: z.string().min(1).max(200), art: z.boolean(), e: z.number().int() });
const mac = (secret: string, body: string) => createHmac("sha256", secret).update(`upload:${body}`).digest("base64url");

export function uploadTokenFor(secret: string, referralId: string, actor: Actor, now: Date): string {
  const body = Buffer.from(
    JSON.stringify({ r: referralId, a: actor.id, art: actor.art, e: now.getTime() + UPLOAD_LINK_MINUTES * 60_000 }),
  ).toString("base64url");
  return `${body}.${mac(secret, body)}`;
}

/** The referral and person a link names, or undefined when it is forged, altered or expired. */
export function readUploadToken(
  secret: string,
  token: string,
  now: Date,
): { referralId: string; actor: Actor } | undefined {
  const [body, given] = token.split(".");
  if (!body || !given || token.length > 1000) return undefined;
  const expected = Buffer.from(mac(secret, body));
  const got = Buffer.from(given);
  if (expected.length !== got.length || !timingSafeEqual(expected, got)) return undefined;
  let parsed: z.infer<typeof claims>;
  try {
    parsed = claims.parse(JSON.parse(Buffer.from(body, "base64url").toString("utf8")));
  } catch {
    return undefined;
  }
  if (parsed.e <= now.getTime()) return undefined;
  return { referralId: parsed.r, actor: { id: parsed.a, art: parsed.art } };
}

export const uploadUrlFor = (publicBaseUrl: string, token: string) =>
  `${publicBaseUrl.replace(/\/$/, "")}/documents/upload/${token}`;
