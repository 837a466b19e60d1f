// Bearer-token authentication and scopes for ART's API callers. Every API route names the one scope it needs:
// `router.post(path, requireScope(deps, "decisions:write"), handler)`; the handler then reads the caller with
// `apiActor(res)`. No token or an unknown one is 401; a known token without the scope is 403. Each refusal is
// logged with the route, the reason and the token's name when known, never the token itself.
import { timingSafeEqual } from "node:crypto";
import type { Request, RequestHandler, Response } from "express";
import { ForbiddenError, UnauthorizedError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Actor } from "../ports.js";
import { type ApiScope, type ApiToken, tokenDigest } from "./api-tokens.js";
import { logAuthFailure, routeOf } from "./auth-log.js";

export interface ApiAuthDeps {
  apiTokens: ApiToken[];
  logger: Logger;
}

/** Finds the token in constant time per entry, comparing every entry so timing does not tell which matched. */
function tokenOf(req: Request, tokens: ApiToken[]): ApiToken | "missing" | "unknown" {
  const match = /^Bearer ([^\s]+)$/.exec(req.get("authorization") ?? "");
  if (!match?.[1]) return "missing";
  const given = tokenDigest(match[1]);
  let found: ApiToken | undefined;
  for (const t of tokens) if (timingSafeEqual(given, t.digest)) found ??= t;
  return found ?? "unknown";
}

export function requireScope(deps: ApiAuthDeps, scope: ApiScope): RequestHandler {
  return (req, res, next) => {
    const token = tokenOf(req, deps.apiTokens);
    if (typeof token === "string") {
      logAuthFailure(deps.logger, req, routeOf(req), `${token}_token`);
      res.set("WWW-Authenticate", 'Bearer realm="referral-bot"');
      next(new UnauthorizedError("A valid API bearer token is required"));
      return;
    }
    if (!token.scopes.has(scope)) {
      logAuthFailure(deps.logger, req, routeOf(req), "missing_scope", { tokenName: token.name, scope });
      res.set("WWW-Authenticate", `Bearer realm="referral-bot", error="insufficient_scope", scope="${scope}"`);
      next(new ForbiddenError(`This token does not have the ${scope} scope`));
      return;
    }
    // The route's scope is the gate; the actor acts for ART within it (never as a senior approver).
    const actor: Actor = {
      id: `api:${token.name}`,
      art: true,
      senior: false,
      mayRaise: token.scopes.has("referrals:write"),
    };
    res.locals.apiActor = actor;
    res.locals.apiScopes = token.scopes;
    next();
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
