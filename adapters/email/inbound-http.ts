// POST /inbound/email: an inbound-mail service (or MTA pipe) posts the raw MIME of a provider's reply.
// Every handled message gets 202, unmatched ones too, so the relay does not retry a message we will
// never be able to place; only auth failures, empty bodies and our own faults are errors.
import { createHash, timingSafeEqual } from "node:crypto";
import express, { type RequestHandler, type Router } from "express";
import { logAuthFailure } from "../../src/http/auth-log.js";
import type { Logger } from "../../src/logger.js";
import { type InboundDeps, receiveRawReply } from "./parse-inbound.js";

export interface InboundEmailDeps extends InboundDeps {
  /** INBOUND_EMAIL_SECRET: when set, callers must send `Authorization: Bearer <secret>`. */
  inboundSecret?: string;
}

const digest = (s: string) => createHash("sha256").update(s).digest();

function requireBearer(secret: string | undefined, logger: Logger): RequestHandler {
  // Compare fixed-length digests so the check takes the same time whatever was sent.
  const expected = secret ? digest(secret) : undefined;
  return (req, res, next) => {
    if (!expected) return next();
    const m = /^Bearer\s+(\S+)$/i.exec(req.get("authorization") ?? "");
    if (m?.[1] && timingSafeEqual(digest(m[1]), expected)) return next();
    logAuthFailure(logger, req, "/inbound/email", m ? "wrong bearer secret" : "no bearer secret");
    res.set("WWW-Authenticate", "Bearer").status(401);
    res.json({ error: { code: "unauthorized", message: "A valid bearer token is required" } });
  };
}

export function inboundEmailRouter(deps: InboundEmailDeps): Router {
  const router = express.Router();
  if (!deps.inboundSecret) deps.logger.warn("INBOUND_EMAIL_SECRET is not set: /inbound/email accepts any caller");
  if (!deps.authservId) {
    deps.logger.warn("INBOUND_AUTHSERV_ID is not set: no email reply is verified, so email declines hold one round");
  }
  router.post(
    "/inbound/email",
    requireBearer(deps.inboundSecret, deps.logger),
    // Auth runs first so an unauthenticated caller cannot make us buffer a megabyte.
    express.raw({ type: () => true, limit: "1mb" }),
    (req, res, next) => {
      const raw: unknown = req.body;
      if (!Buffer.isBuffer(raw) || raw.length === 0) {
        res.status(400).json({ error: { code: "empty_message", message: "Post the raw MIME message as the body" } });
        return;
      }
      receiveRawReply(deps, raw).then((r) => {
        res.status(202).json({ status: r.status });
      }, next);
    },
  );
  return router;
}
