// The provider's side of the web app in tests: a router of it (response links, vacancies) served with the app's
// own error handling on a loopback port, a fresh referral's response link with a known token, and a provider's
// two ways of answering (JSON, and the page's form with its CSRF token).
import express, { type Router } from "express";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import type { NewReferral } from "../../src/domain/referral-input.js";
import { finishWebApp } from "../../src/http/app.js";
import { CSRF_COOKIE, csrfTokenFor } from "../../src/http/response-routes.js";
import type { Logger } from "../../src/logger.js";
import type { Clock } from "../../src/ports.js";
import { hashToken, responseTokenFor } from "../../src/responses/tokens.js";
import { openReferralWithDeliveries } from "./referrals.js";
import { serveOnLoopback } from "./service.js";

export type Served = Awaited<ReturnType<typeof serveOnLoopback>>;

/** Serves the router as the web role does (its error handling after it) on a free loopback port. */
export async function serveRouter(router: Router, logger: Logger): Promise<Served> {
  const app = express();
  app.use(router);
  finishWebApp(app, logger);
  return serveOnLoopback(app);
}

/** A fresh open referral on the lot with one delivery to the provider, and that delivery's response link. */
export async function responseLink(
  deps: { db: Db; clock: Clock; config: Config },
  base: string,
  lotNumber: number,
  providerId: string,
  input?: NewReferral,
) {
  const r = await openReferralWithDeliveries(deps, lotNumber, [providerId], input);
  const deliveryId = r.deliveryIds[0]!;
  const secret = deps.config.RESPONSE_TOKEN_SECRET;
  const token = responseTokenFor(secret, deliveryId);
  await deps.db.delivery.update({ where: { id: deliveryId }, data: { tokenHash: hashToken(token) } });
  return { ...r, deliveryId, token, url: `${base}/r/${token}`, csrf: csrfTokenFor(secret, token) };
}

/** A provider's system answering in JSON. */
export const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

/** The response page's form as a browser posts it: the CSRF token in the form and in its cookie. */
export const postForm = (url: string, csrf: string, fields: Record<string, string>) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: `${CSRF_COOKIE}=${csrf}` },
    body: new URLSearchParams({ csrf, ...fields }).toString(),
  });

/** An offer that passes validation. */
export const OFFER = { type: "offer", weeklyCostGbp: 1850, startDate: "2026-12-01", needsMet: "A therapeutic home." };
