// Bearer-token authentication for ART's API callers. Tokens are compared in constant time.
import { createHash, timingSafeEqual } from "node:crypto";
import type { Request } from "express";
import type { Logger } from "../logger.js";
import type { Actor } from "../ports.js";
import { logAuthFailure, routeOf } from "./auth-log.js";

const digest = (s: string) => createHash("sha256").update(s).digest();

export function parseApiTokens(raw: string | undefined): Map<string, Buffer> {
  const tokens = new Map<string, Buffer>();
  for (const pair of (raw ?? "").split(",").filter(Boolean)) {
    const i = pair.indexOf(":");
    tokens.set(pair.slice(0, i), digest(pair.slice(i + 1)));
  }
  return tokens;
}

export function apiActorOf(req: Request, tokens: Map<string, Buffer>): Actor | undefined {
  const header = req.get("authorization") ?? "";
  const match = /^Bearer (\S+)$/.exec(header);
  if (!match?.[1]) return undefined;
  const given = digest(match[1]);
  for (const [name, expected] of tokens) {
    if (timingSafeEqual(given, expected)) return { id: `api:${name}`, art: true, senior: false };
  }
  return undefined;
}

/** apiActorOf, with a warn line (route, client address, reason) when the caller is refused. */
export function apiActorOrWarn(req: Request, tokens: Map<string, Buffer>, logger: Logger): Actor | undefined {
  const actor = apiActorOf(req, tokens);
  if (!actor) {
    const given = /^Bearer \S+$/.test(req.get("authorization") ?? "");
    logAuthFailure(logger, req, routeOf(req), given ? "unknown bearer token" : "no bearer token");
  }
  return actor;
}
