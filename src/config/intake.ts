// The settings of referral intake from case systems: the duplicate-match key and Entra ID client-credentials
// authentication for the API. Read as part of src/config.ts's one schema.
import { z } from "zod";
import { isDevelopment, ONLY_IN_DEVELOPMENT } from "./fields.js";

// Published in this repository, so only for development and tests (like the other development secrets).
export const DEV_DUPLICATE_MATCH_KEY = "dev-only-duplicate-match-key-not-for-production";

export const intakeSettings = {
  // Keys the hashes of a child's case id and name + date of birth that find a second live referral for the same
  // child (HMAC-SHA256). Changing it makes earlier referrals unmatchable (not wrong): set it once, keep it secret.
  DUPLICATE_MATCH_KEY: z.string().min(32, "must be at least 32 characters").default(DEV_DUPLICATE_MATCH_KEY),
  // OAuth 2.0 client credentials with Entra ID: case systems call the API with an access token for this API.
  // All three set = on. The tenant whose tokens are accepted (a token from any other tenant is refused).
  API_ENTRA_TENANT_ID: z.uuid("must be the Entra directory (tenant) id, a GUID").optional(),
  // The API's application id URI or client id: a token's `aud` must be exactly this.
  API_ENTRA_AUDIENCE: z.string().min(1).optional(),
  // The tenant's signing keys (JWKS). Default: Entra's, https://login.microsoftonline.com/<tenant>/discovery/v2.0/keys.
  API_ENTRA_JWKS_URL: z.url().optional(),
  // The issuer a token must name. Default: https://login.microsoftonline.com/<tenant>/v2.0.
  API_ENTRA_ISSUER: z.string().min(1).optional(),
};

type IntakeValues = {
  DUPLICATE_MATCH_KEY: string;
  API_ENTRA_TENANT_ID?: string | undefined;
  API_ENTRA_AUDIENCE?: string | undefined;
  API_ENTRA_JWKS_URL?: string | undefined;
  API_ENTRA_ISSUER?: string | undefined;
  NODE_ENV: string;
};

export function checkIntakeSettings(c: IntakeValues, ctx: z.RefinementCtx): void {
  if (!isDevelopment(c) && c.DUPLICATE_MATCH_KEY === DEV_DUPLICATE_MATCH_KEY) {
    ctx.addIssue({
      code: "custom",
      path: ["DUPLICATE_MATCH_KEY"],
      message: `the development key ${ONLY_IN_DEVELOPMENT}; set a random secret of 32+ characters (openssl rand -base64 48)`,
    });
  }
  if (c.API_ENTRA_AUDIENCE && !c.API_ENTRA_TENANT_ID) {
    ctx.addIssue({
      code: "custom",
      path: ["API_ENTRA_TENANT_ID"],
      message: "is required with API_ENTRA_AUDIENCE (only the council's own tenant's tokens are accepted)",
    });
  }
  if (c.API_ENTRA_TENANT_ID && !c.API_ENTRA_AUDIENCE) {
    ctx.addIssue({
      code: "custom",
      path: ["API_ENTRA_AUDIENCE"],
      message: "is required with API_ENTRA_TENANT_ID: the API's application id URI or client id",
    });
  }
}

export interface EntraApiSettings {
  tenantId: string;
  audience: string;
  jwksUrl: string;
  issuer: string;
}

/** Entra client-credentials settings when configured (tenant and audience both set), else undefined. */
export function entraApiSettings(c: Omit<IntakeValues, "NODE_ENV">): EntraApiSettings | undefined {
  if (!c.API_ENTRA_TENANT_ID || !c.API_ENTRA_AUDIENCE) return undefined;
  const tenant = c.API_ENTRA_TENANT_ID;
  return {
    tenantId: tenant,
    audience: c.API_ENTRA_AUDIENCE,
    jwksUrl: c.API_ENTRA_JWKS_URL ?? `https://login.microsoftonline.com/${tenant}/discovery/v2.0/keys`,
    issuer: c.API_ENTRA_ISSUER ?? `https://login.microsoftonline.com/${tenant}/v2.0`,
  };
}
