// Bearer-token authentication and scopes for API callers. Every API route names the one scope it needs:
// `router.post(path, requireScope(deps, "decisions:write"), handler)`; the handler then reads the caller with
// `apiActor(res)`. No credential or an unknown one is 401; a known one without the scope is 403. Each refusal is
// logged with the route, the reason and the caller's name when known, never the credential itself.
//
// Three kinds of credential, tried in this order: an ART_API_TOKENS token (configuration), an API key
// (`rbk_<id>_<secret>`, stored hashed, see api-keys.ts), an Entra ID access token (a JWT, see entra-auth.ts).
import { timingSafeEqual } from "node:crypto";
import type { Request, RequestHandler, Response } from "express";
import type { Db } from "../db.js";
import { ForbiddenError, UnauthorizedError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Actor, Clock } from "../ports.js";
import { looksLikeApiKey, verifyApiKey } from "./api-keys.js";
import { type ApiScope, type ApiToken, tokenDigest } from "./api-tokens.js";
import { logAuthFailure, routeOf } from "./auth-log.js";
import { type EntraVerifier, looksLikeJwt } from "./entra-auth.js";

export interface ApiAuthDeps {
  apiTokens: ApiToken[];
  logger: Logger;
  /** For API keys (looked up on every request, so a revocation applies at once). */
  db?: Db;
  clock?: Clock;
  /** Entra ID client-credentials tokens, when API_ENTRA_* is set. */
  entra?: EntraVerifier;
}

type Caller = { name: string; scopes: ReadonlySet<ApiScope> };

/** Finds the token in constant time per entry, comparing every entry so timing does not tell which matched. */
function staticToken(credential: string, tokens: ApiToken[]): ApiToken | undefined {
  const given = tokenDigest(credential);
  let found: ApiToken | undefined;
  for (const t of tokens) if (timingSafeEqual(given, t.digest)) found ??= t;
  return found;
}

/** The caller, or why not (a fixed reason for the log: missing_token, unknown_token, expired_key, wrong_tenant...). */
async function callerOf(req: Request, deps: ApiAuthDeps): Promise<Caller | { refused: string; name?: string }> {
  const match = /^Bearer ([^\s]+)$/.exec(req.get("authorization") ?? "");
  const credential = match?.[1];
  if (!credential) return { refused: "missing_token" };
  const token = staticToken(credential, deps.apiTokens);
  if (token) return token;
  if (deps.db && looksLikeApiKey(credential)) {
    const key = await verifyApiKey(deps.db, credential, deps.clock?.now() ?? new Date());
    return key.ok ? key : { refused: key.reason, ...(key.id ? { name: `key:${key.id}` } : {}) };
  }
  if (deps.entra && looksLikeJwt(credential)) {
    const entra = await deps.entra(credential);
    return entra.ok ? entra : { refused: entra.reason };
  }
  return { refused: "unknown_token" };
}

export function requireScope(deps: ApiAuthDeps, scope: ApiScope): RequestHandler {
  return (req, res, next) => {
    callerOf(req, deps)
      .then((caller) => {
        if ("refused" in caller) {
          logAuthFailure(deps.logger, req, routeOf(req), caller.refused, caller.name ? { tokenName: caller.name } : {});
          res.set("WWW-Authenticate", 'Bearer realm="referral-bot"');
          next(new UnauthorizedError("A valid API bearer token is required"));
          return;
        }
        if (!caller.scopes.has(scope)) {
          logAuthFailure(deps.logger, req, routeOf(req), "missing_scope", { tokenName: caller.name, scope });
          res.set("WWW-Authenticate", `Bearer realm="referral-bot", error="insufficient_scope", scope="${scope}"`);
          next(new ForbiddenError(`This token does not have the ${scope} scope`));
          return;
        }
        // The route's scope is the gate; the actor acts for ART within it (never as a senior approver).
        const actor: Actor = {
          id: `api:${caller.name}`,
          art: true,
          senior: false,
          mayRaise: caller.scopes.has("referrals:write"),
        };
        res.locals.apiActor = actor;
        res.locals.apiScopes = caller.scopes;
        next();
      })
      .catch(next);
  };
}

/** Whether the caller that requireScope let through also holds `scope` (for a route's optional parts). */
export function callerHasScope(res: Response, scope: ApiScope): boolean {
  return (res.locals.apiScopes as ReadonlySet<ApiScope> | undefined)?.has(scope) ?? false;
}

/** The caller that requireScope let through (a route without requireScope has none, and this throws). */
export function apiActor(res: Response): Actor {
  const actor = res.locals.apiActor as Actor | undefined;
  if (!actor) throw new UnauthorizedError("A valid API bearer token is required");
  return actor;
}
