// Documents over HTTP: a provider's download through its own response link, the upload page that "Add a
// document" in chat links to, and the upload API for case systems. The documents themselves are never sent in an
// email or webhook; this is the only way out, and every download is audited (see src/documents/documents.ts).
import express, { type Request, type Response, Router } from "express";
import type { Config } from "../config.js";
import type { Db } from "../db.js";
import { downloadForProvider, uploadDocument } from "../documents/documents.js";
import { readUploadToken } from "../documents/upload-link.js";
import { NotFoundError, UnauthorizedError, ValidationError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Clock } from "../ports.js";
import { resolveResponseToken } from "../responses/resolve.js";
import { type ApiAuthDeps, apiActor, requireScope } from "./api-auth.js";
import { logAuthFailure } from "./auth-log.js";
import { uploadPage } from "./pages/upload.js";
import { renderErrorPage, sendPage } from "./response-error-pages.js";
import { nonceOf, securityHeaders } from "./response-security.js";

export interface DocumentRouterDeps extends ApiAuthDeps {
  db: Db;
  clock: Clock;
  config: Config;
  logger: Logger;
}

const anyBody = (config: Config) => express.raw({ type: () => true, limit: config.DOCUMENT_MAX_BYTES });
const param = (req: Request, name: string) => {
  const v = req.params[name];
  return typeof v === "string" ? v : "";
};
const bytesOf = (req: Request) => (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));

export function documentsRouter(deps: DocumentRouterDeps): Router {
  const router = Router();

  router.get("/r/:token/documents/:documentId", securityHeaders, async (req, res) => {
    const token = param(req, "token");
    const documentId = param(req, "documentId");
    const formPath = `${req.baseUrl}/r/${token}`;
    try {
      const link = await resolveResponseToken(deps, token).catch((err) => {
        if (err instanceof NotFoundError)
          logAuthFailure(deps.logger, req, "/r/:token/documents", "unknown response link");
        throw err;
      });
      if (!/^[0-9a-f-]{36}$/i.test(documentId)) throw new NotFoundError("document");
      const doc = await downloadForProvider(deps, link, documentId);
      deps.logger.info({ referralId: link.referralId, providerId: link.providerId }, "document downloaded");
      res
        .status(200)
        .set({
          "Content-Type": doc.contentType,
          "Content-Disposition": `attachment; filename="${doc.filename}"`,
          "Content-Length": String(doc.bytes.length),
        })
        .end(doc.bytes);
    } catch (err) {
      renderErrorPage(res, deps.logger, err, formPath);
    }
  });

  /** The page "Add a document" links to: the link itself is the capability (see documents/upload-link.ts). */
  router.get("/documents/upload/:token", uploadHeaders, (req, res) => {
    const link = readUploadToken(deps.config.RESPONSE_TOKEN_SECRET, param(req, "token"), deps.clock.now());
    if (!link) {
      logAuthFailure(deps.logger, req, "/documents/upload/:token", "unknown or expired upload link");
      sendPage(res, 404, uploadPage({ nonce: nonceOf(res), expired: true, maxBytes: deps.config.DOCUMENT_MAX_BYTES }));
      return;
    }
    sendPage(res, 200, uploadPage({ nonce: nonceOf(res), expired: false, maxBytes: deps.config.DOCUMENT_MAX_BYTES }));
  });

  router.post("/documents/upload/:token", uploadHeaders, anyBody(deps.config), async (req, res, next) => {
    try {
      const link = readUploadToken(deps.config.RESPONSE_TOKEN_SECRET, param(req, "token"), deps.clock.now());
      if (!link) {
        logAuthFailure(deps.logger, req, "/documents/upload/:token", "unknown or expired upload link");
        throw new UnauthorizedError("This upload link is not valid or has expired; ask for a new one in the thread");
      }
      // Only the page's own script sends this header; a form posted from another site cannot (CORS preflight).
      if (req.get("x-requested-with") !== "referral-bot") throw new ValidationError("Upload from the upload page");
      const saved = await uploadDocument(deps, link.actor, {
        referralId: link.referralId,
        kind: req.get("x-document-kind") ?? "",
        contentType: req.get("content-type"),
        bytes: bytesOf(req),
      });
      res.status(201).json({ id: saved.id, reference: saved.reference });
    } catch (err) {
      next(err);
    }
  });

  /** For case systems: the bytes as the body, `kind` in the query, the type in Content-Type. */
  router.post(
    "/api/v1/referrals/:reference/documents",
    requireScope(deps, "referrals:write"),
    anyBody(deps.config),
    async (req: Request, res: Response, next) => {
      try {
        const referral = await deps.db.referral.findUnique({ where: { reference: param(req, "reference") } });
        if (!referral) throw new NotFoundError("referral");
        const saved = await uploadDocument(deps, apiActor(res), {
          referralId: referral.id,
          kind: typeof req.query.kind === "string" ? req.query.kind : "",
          contentType: req.get("content-type"),
          bytes: bytesOf(req),
        });
        res.status(201).json({ id: saved.id, reference: saved.reference });
      } catch (err) {
        next(err);
      }
    },
  );
  return router;
}

/** The upload page runs one script of its own (nonce'd) that sends the file to this same path. */
function uploadHeaders(req: Request, res: Response, next: () => void): void {
  securityHeaders(req, res, () => {
    const nonce = nonceOf(res);
    res.set(
      "Content-Security-Policy",
      `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'`,
    );
    next();
  });
}
