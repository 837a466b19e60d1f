// Checks on POST /slack/events before Bolt reads the body. Bolt refuses timestamps more than five minutes old but
// not ones in the future (a request signed ahead of time could be replayed for as long as its clock says), and
// reads bodies of any size before verifying the signature. Every refusal is logged once without the signature.
import type { NextFunction, Request, Response } from "express";
import { logAuthFailure } from "../../src/http/auth-log.js";
import type { Logger } from "../../src/logger.js";

/** Slack's payloads (a modal submission with every field) are a few KB; nothing legitimate comes near this. */
export const SLACK_BODY_LIMIT = 64 * 1024;
/** How far a request's timestamp may be from our clock, either way (Slack's own rule is five minutes). */
export const SLACK_MAX_SKEW_SECONDS = 5 * 60;
const ROUTE = "/slack/events";

export function slackRequestGuard(logger: Logger, now: () => number = Date.now) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const length = Number(req.get("content-length") ?? 0);
    if (length > SLACK_BODY_LIMIT) {
      // Answer now, without reading the body; the connection is closed so the rest is not read either.
      logger.warn({ route: ROUTE, ip: req.ip, bytes: length }, "slack request refused: body too large");
      res.set("Connection", "close").status(413).end();
      return;
    }
    const ts = Number(req.get("x-slack-request-timestamp"));
    if (Number.isFinite(ts) && ts - Math.floor(now() / 1000) > SLACK_MAX_SKEW_SECONDS) {
      logAuthFailure(logger, req, ROUTE, "timestamp in the future");
      res.status(401).end();
      return;
    }
    // Bolt answers 401 to a missing, stale or wrong signature: log it here, where the client address is known.
    res.on("finish", () => {
      if (res.statusCode === 401) logAuthFailure(logger, req, ROUTE, "signature verification failed");
    });
    next();
  };
}
