// One warn line per refused credential, for spotting probing and misconfigured callers: the route, the client
// address (as TRUST_PROXY resolves it) and a fixed reason. Never the credential itself or the request body.
import type { Request } from "express";
import type { Logger } from "../logger.js";

/** The route pattern (e.g. /r/:token), never the path: a path may carry the secret (a response link's token). */
export function routeOf(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  return `${req.baseUrl}${typeof pattern === "string" ? pattern : ""}` || "unknown";
}

export function logAuthFailure(
  logger: Logger,
  req: Request,
  route: string,
  reason: string,
  extra: Record<string, string> = {},
): void {
  logger.warn({ route, ip: req.ip, reason, ...extra }, "authentication failed");
}
