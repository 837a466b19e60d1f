// The response link's protections: the CSRF token (an HMAC of the link's token, sent as a hidden field and a
// cookie) and the headers every /r/<token> response carries. The token in the URL is the only credential, so
// every response is no-store, sends no referrer and allows no script.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { NextFunction, Request, Response } from "express";

export const CSRF_COOKIE = "rb_csrf";

/** The value the form's hidden `csrf` field and the `rb_csrf` cookie must both carry for this link. */
export function csrfTokenFor(secret: string, token: string): string {
  return createHmac("sha256", secret).update(`csrf:${token}`).digest("hex");
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return [];
  return header
    .split(";")
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${name}=`))
    .map((part) => part.slice(name.length + 1));
}

/** The style nonce `securityHeaders` chose for this response. */
export const nonceOf = (res: Response): string => String(res.locals.cspNonce ?? "");

export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  const nonce = randomBytes(16).toString("base64");
  res.locals.cspNonce = nonce;
  res.set({
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": `default-src 'none'; style-src 'nonce-${nonce}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Robots-Tag": "noindex, nofollow",
  });
  next();
}
