// OAuth 2.0 client credentials with Entra ID: a case system gets an access token for this API from the council's
// tenant and sends it as a bearer token. It is accepted only when signed by a key of the tenant's JWKS (RS256),
// issued by the configured issuer, for this API (aud), in the configured tenant (tid), and in date. Its app roles
// (`roles`, assigned to the client in Entra) are its scopes: an Entra admin grants a system e.g. referrals:write.
import { createRemoteJWKSet, errors, jwtVerify } from "jose";
import type { EntraApiSettings } from "../config/intake.js";
import { API_SCOPES, type ApiScope } from "./api-tokens.js";

const isScope = (s: unknown): s is ApiScope => typeof s === "string" && (API_SCOPES as readonly string[]).includes(s);

/** Three base64url parts: only such a credential is worth a signature check. */
export const looksLikeJwt = (credential: string) => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(credential);

export type EntraCheck =
  | { ok: true; name: string; scopes: ReadonlySet<ApiScope> }
  | { ok: false; reason: "invalid_jwt" | "expired_jwt" | "wrong_tenant" | "wrong_audience" | "wrong_issuer" };

export type EntraVerifier = (token: string) => Promise<EntraCheck>;

export function entraVerifier(settings: EntraApiSettings): EntraVerifier {
  // jose caches the keys and fetches again (at most every 30 s) when a token names a key id it has not seen.
  const jwks = createRemoteJWKSet(new URL(settings.jwksUrl));
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: settings.issuer,
        audience: settings.audience,
        algorithms: ["RS256"],
        clockTolerance: 60,
      });
      if (payload.tid !== settings.tenantId) return { ok: false, reason: "wrong_tenant" };
      const roles = Array.isArray(payload.roles) ? payload.roles : [];
      // The client application's id: azp in v2 tokens, appid in v1.
      const app = String(payload.azp ?? payload.appid ?? payload.oid ?? "unknown").slice(0, 64);
      return { ok: true, name: `entra:${app}`, scopes: new Set(roles.filter(isScope)) };
    } catch (err) {
      if (err instanceof errors.JWTExpired) return { ok: false, reason: "expired_jwt" };
      if (err instanceof errors.JWTClaimValidationFailed) {
        if (err.claim === "aud") return { ok: false, reason: "wrong_audience" };
        if (err.claim === "iss") return { ok: false, reason: "wrong_issuer" };
      }
      return { ok: false, reason: "invalid_jwt" };
    }
  };
}
