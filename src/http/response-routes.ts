// A provider's response link, /r/<token>: GET shows the anonymised profile and one form; POST takes the answer
// as that form (HTML pages, CSRF-checked) or as JSON (typed errors, formatted by the app's error handler).
// The token in the URL is the only credential, so every response is no-store and sends no referrer.
// Storing a response records its "response.received" event in the outbox (see recordResponse); nothing here
// publishes it.
import express, { type Request, type Response, type Router } from "express";
import type { Db } from "../db.js";
import { londonDate } from "../digest/london.js";
import { releasedTo, requestDocuments } from "../documents/documents.js";
import { documentLabels } from "../domain/vocabulary.js";
import { AppError, NotFoundError, ValidationError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Clock } from "../ports.js";
import { type ResponseInput, recordResponse, type StoredResponse } from "../referrals/responses.js";
import { withdrawOffer } from "../referrals/revisions.js";
import { currentAnswerOf } from "../responses/current-answer.js";
import { type ResolvedDelivery, resolveResponseToken } from "../responses/resolve.js";
import { logAuthFailure } from "./auth-log.js";
import { currentAnswerHtml, valuesFromAnswer } from "./pages/current-answer.js";
import { documentsHtml } from "./pages/documents.js";
import { confirmationPage, messagePage } from "./pages/messages.js";
import { renderErrorPage, sendPage } from "./response-error-pages.js";
import {
  type FormErrors,
  type FormValues,
  formErrorsOf,
  formValuesOf,
  stringField,
  validateResponseForm,
} from "./response-form.js";
import { formPage } from "./response-page.js";
import { CSRF_COOKIE, cookieValues, csrfTokenFor, nonceOf, safeEqual, securityHeaders } from "./response-security.js";

export { formValuesOf, validateResponseForm } from "./response-form.js";
export { CSRF_COOKIE, csrfTokenFor } from "./response-security.js";

export interface ResponseRouterDeps {
  db: Db;
  clock: Clock;
  tokenSecret: string;
  logger: Logger;
}

const BODY_LIMIT = "64kb";
const MAX_IDEMPOTENCY_KEY = 200;

function mediaTypeOf(req: Request): string {
  return (req.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/** body-parser failures as typed errors; too-large and bad JSON are left for the app's error handler. */
function bodyError(err: { type?: string; status?: number }): unknown {
  if (err.type === "entity.too.large" || err.type === "entity.parse.failed") return err;
  if (err.status === 415)
    return new AppError("unsupported_media_type", "Unsupported body encoding", { httpStatus: 415 });
  if (typeof err.status === "number" && err.status >= 400 && err.status < 500) {
    return new AppError("bad_request", "The request body could not be read", { httpStatus: err.status });
  }
  return err;
}

export function responseRouter(deps: ResponseRouterDeps): Router {
  const router = express.Router();
  const parseJson = express.json({ limit: BODY_LIMIT });
  const parseForm = express.urlencoded({ extended: false, limit: BODY_LIMIT, parameterLimit: 50 });

  const formPathOf = (req: Request, token: string) => `${req.baseUrl}/r/${token}`;
  const renderError = (res: Response, err: unknown, formPath?: string) =>
    renderErrorPage(res, deps.logger, err, formPath);

  function setCsrfCookie(req: Request, res: Response, token: string, value: string): void {
    res.cookie(CSRF_COOKIE, value, {
      httpOnly: true,
      sameSite: "strict",
      path: formPathOf(req, token),
      secure: req.secure,
    });
  }

  /** The form, with the provider's answer so far above it (and, unless given, its values from an open offer). */
  async function renderForm(
    req: Request,
    res: Response,
    token: string,
    d: ResolvedDelivery,
    status: number,
    values: FormValues | undefined,
    errors: FormErrors,
  ): Promise<void> {
    const current = await currentAnswerOf(deps.db, d.deliveryId);
    const csrf = csrfTokenFor(deps.tokenSecret, token);
    const pending = await deps.db.documentRequest.findFirst({ where: { deliveryId: d.deliveryId, releasedAt: null } });
    const documents = documentsHtml({
      csrf,
      formPath: formPathOf(req, token),
      released: await releasedTo(deps, d),
      pending: pending ? documentLabels(pending.kinds).split(", ") : [],
    });
    setCsrfCookie(req, res, token, csrf);
    const html = formPage({
      nonce: nonceOf(res),
      csrf,
      providerName: d.providerName,
      roundNumber: d.roundNumber,
      respondBy: d.respondBy,
      profile: d.profile,
      values: values ?? valuesFromAnswer(current),
      errors,
      currentAnswer: currentAnswerHtml(current, csrf),
      documents,
    });
    sendPage(res, status, html);
  }

  /** The link's delivery; an unknown token is a refused credential, logged without the token. */
  async function resolve(req: Request<{ token: string }>): Promise<ResolvedDelivery> {
    try {
      return await resolveResponseToken(deps, req.params.token);
    } catch (err) {
      if (err instanceof NotFoundError) logAuthFailure(deps.logger, req, "/r/:token", "unknown response link");
      throw err;
    }
  }

  /** Ids and the type only: never the token, the CSRF value or what the provider wrote. */
  function stored(s: StoredResponse): void {
    deps.logger.info(
      { responseId: s.id, referralId: s.referralId, providerId: s.providerId, type: s.type, created: s.created },
      s.created ? "provider response stored" : "provider response repeated",
    );
  }

  async function showForm(req: Request<{ token: string }>, res: Response): Promise<void> {
    const token = req.params.token;
    let d: ResolvedDelivery;
    try {
      d = await resolve(req);
    } catch (err) {
      renderError(res, err);
      return;
    }
    await renderForm(req, res, token, d, 200, undefined, {});
  }

  async function submitForm(req: Request<{ token: string }>, res: Response): Promise<void> {
    const token = req.params.token;
    let d: ResolvedDelivery;
    try {
      d = await resolve(req);
    } catch (err) {
      renderError(res, err);
      return;
    }
    const formPath = formPathOf(req, token);
    const expected = csrfTokenFor(deps.tokenSecret, token);
    const field = stringField(req.body, "csrf");
    const fetchSite = req.get("sec-fetch-site");
    const crossSite = fetchSite !== undefined && fetchSite !== "same-origin" && fetchSite !== "none";
    const cookieOk = cookieValues(req.get("cookie"), CSRF_COOKIE).some((c) => safeEqual(c, expected));
    if (crossSite || !cookieOk || !safeEqual(field, expected)) {
      sendPage(
        res,
        403,
        messagePage({
          nonce: nonceOf(res),
          title: "Your response could not be sent",
          paragraphs: [
            "For your security, responses can only be sent from the form at your response link.",
            "Open the link again and send your response from there. Nothing has been sent.",
          ],
          link: { href: formPath, text: "Go back to the referral" },
        }),
      );
      return;
    }
    if (stringField(req.body, "type") === "request_documents") {
      await requestDocumentsFromForm(req, res, d, formPath);
      return;
    }
    const values = formValuesOf(req.body);
    if (values.type === "withdraw") {
      await withdrawFromForm(res, d, formPath);
      return;
    }
    const checked = validateResponseForm(values, londonDate(deps.clock.now()));
    if (!checked.ok) {
      await renderForm(req, res, token, d, 400, values, checked.errors);
      return;
    }
    let s: StoredResponse;
    try {
      s = await recordResponse(deps, d.deliveryId, checked.input);
    } catch (err) {
      if (err instanceof ValidationError)
        await renderForm(req, res, token, d, 400, values, formErrorsOf(err, values.type));
      else renderError(res, err, formPath);
      return;
    }
    stored(s);
    sendPage(
      res,
      200,
      confirmationPage({
        nonce: nonceOf(res),
        reference: d.profile.reference,
        type: s.type,
        respondBy: d.respondBy,
        formPath,
      }),
    );
  }

  async function requestDocumentsFromForm(req: Request, res: Response, d: ResolvedDelivery, formPath: string) {
    const raw = (req.body as Record<string, unknown>).documents;
    const kinds = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((k) => typeof k === "string");
    try {
      await requestDocuments(deps, d.deliveryId, { kinds });
    } catch (err) {
      if (!(err instanceof ValidationError)) return renderError(res, err, formPath);
      sendPage(
        res,
        400,
        messagePage({
          nonce: nonceOf(res),
          title: "Choose the documents you need",
          paragraphs: ["Tick at least one document, then ask again. Nothing has been sent."],
          link: { href: formPath, text: "Go back to the referral" },
        }),
      );
      return;
    }
    deps.logger.info({ deliveryId: d.deliveryId, kinds }, "documents requested");
    sendPage(
      res,
      200,
      messagePage({
        nonce: nonceOf(res),
        title: "Your request for documents has been sent",
        paragraphs: [
          `The placement team can see what you asked for on ${d.profile.reference}.`,
          "When they release the documents, we will let you know; you will download them from this same link.",
        ],
        link: { href: formPath, text: "Go back to the referral" },
      }),
    );
  }

  async function withdrawFromForm(res: Response, d: ResolvedDelivery, formPath: string): Promise<void> {
    try {
      const w = await withdrawOffer(deps, d.deliveryId);
      deps.logger.info({ responseId: w.id, referralId: w.referralId, providerId: w.providerId }, "offer withdrawn");
    } catch (err) {
      renderError(res, err, formPath);
      return;
    }
    sendPage(
      res,
      200,
      messagePage({
        nonce: nonceOf(res),
        title: "Your offer has been withdrawn",
        paragraphs: [
          `The placement team can see that you withdrew your offer for ${d.profile.reference}.`,
          "If things change while the referral is open, you can make a new offer using the same link.",
        ],
        link: { href: formPath, text: "Go back to the referral" },
      }),
    );
  }

  async function submitJson(req: Request<{ token: string }>, res: Response): Promise<void> {
    const d = await resolve(req);
    // {"type": "withdraw"}: the provider takes back their open offer (see referrals/revisions.ts).
    if ((req.body as { type?: unknown } | undefined)?.type === "withdraw") {
      const w = await withdrawOffer(deps, d.deliveryId);
      deps.logger.info({ responseId: w.id, referralId: w.referralId, providerId: w.providerId }, "offer withdrawn");
      res.status(200).json({ id: w.id, type: "offer", status: "withdrawn" });
      return;
    }
    // {"type": "request_documents", "kinds": ["care_plan", ...]}: ask ART for documents (see documents/documents.ts).
    if ((req.body as { type?: unknown } | undefined)?.type === "request_documents") {
      const r = await requestDocuments(deps, d.deliveryId, req.body);
      res.status(202).json({ id: r.id, type: "request_documents", status: "requested" });
      return;
    }
    const key = req.get("idempotency-key");
    if (key !== undefined && (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY || !/^[\x21-\x7e]+$/.test(key))) {
      throw new ValidationError("The Idempotency-Key header is not valid", {
        "Idempotency-Key": [`must be 1 to ${MAX_IDEMPOTENCY_KEY} printable characters`],
      });
    }
    const s = await recordResponse(deps, d.deliveryId, req.body as ResponseInput, key);
    stored(s);
    // A repeat of a request with an Idempotency-Key gets the answer the first got; a repeat without one (the same
    // body again) is told with 200 that nothing new was stored.
    res.status(s.created || key !== undefined ? 201 : 200).json({ id: s.id, type: s.type, status: "received" });
  }

  router
    .route("/r/:token")
    .all(securityHeaders)
    .get((req, res) => {
      showForm(req, res).catch((err) => renderError(res, err));
    })
    .post((req, res, next) => {
      const type = mediaTypeOf(req);
      if (type === "application/x-www-form-urlencoded") {
        parseForm(req, res, (err?: unknown) => {
          if (err) return renderError(res, bodyError(err as { type?: string; status?: number }));
          submitForm(req, res).catch((e) => renderError(res, e));
        });
      } else if (type === "application/json") {
        parseJson(req, res, (err?: unknown) => {
          if (err) return next(bodyError(err as { type?: string; status?: number }));
          submitJson(req, res).catch(next);
        });
      } else {
        next(
          new AppError("unsupported_media_type", "Send the response as application/json (or from the response page)", {
            httpStatus: 415,
          }),
        );
      }
    });
  return router;
}
