// Vacancies from providers: the page every provider email links to (/p/vacancies?token=..., HTML, CSRF-checked
// like the response form) and the JSON API for providers' systems (GET|PUT /api/v1/provider/vacancies with the
// same token as a bearer token). The token names one provider (src/responses/vacancy-token.ts); failures are
// logged through the auth log and answered without saying which provider a token named.
import express, { type Request, type Response, type Router } from "express";
import type { Db } from "../db.js";
import { AppError, ValidationError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Clock } from "../ports.js";
import { declareVacancies, vacanciesOf, vacancyDeclarationSchema, vacancyIssues } from "../providers/vacancies.js";
import { verifyVacancyToken } from "../responses/vacancy-token.js";
import { asyncRoute } from "./app.js";
import { logAuthFailure } from "./auth-log.js";
import { messagePage } from "./pages/messages.js";
import { type VacancyRowValues, vacancyPage } from "./pages/vacancies.js";
import { sendPage } from "./response-error-pages.js";
import { CSRF_COOKIE, cookieValues, csrfTokenFor, nonceOf, safeEqual, securityHeaders } from "./response-security.js";

export interface VacancyRouterDeps {
  db: Db;
  clock: Clock;
  tokenSecret: string;
  logger: Logger;
}

const PAGE = "/p/vacancies";

class VacancyAuthError extends AppError {
  constructor(reason: string) {
    super("unauthorized", `Vacancy token ${reason}`, { httpStatus: 401 });
  }
}

export function vacancyRouter(deps: VacancyRouterDeps): Router {
  const router = express.Router();
  const parseForm = express.urlencoded({ extended: false, limit: "32kb", parameterLimit: 400 });

  /** The provider a token names, if it still may declare (a removed provider may not). */
  async function providerFor(req: Request, token: string) {
    const verified = verifyVacancyToken(deps.tokenSecret, token, deps.clock.now());
    if (!verified.ok) {
      logAuthFailure(deps.logger, req, "vacancies", `token ${verified.reason}`);
      throw new VacancyAuthError(verified.reason);
    }
    const provider = await deps.db.provider.findUnique({
      where: { id: verified.providerId },
      include: { lots: { include: { lot: true } } },
    });
    if (!provider || provider.status === "removed") {
      logAuthFailure(deps.logger, req, "vacancies", "provider not in the directory");
      throw new VacancyAuthError("invalid");
    }
    return provider;
  }

  const bearer = (req: Request) => /^Bearer\s+(\S+)$/i.exec(req.get("authorization") ?? "")?.[1] ?? "";

  router.get(
    "/api/v1/provider/vacancies",
    asyncRoute(async (req, res) => {
      const provider = await providerFor(req, bearer(req));
      res.set("Cache-Control", "no-store").json({ vacancies: await vacanciesOf(deps.db, provider.id) });
    }),
  );

  router.put(
    "/api/v1/provider/vacancies",
    express.json({ limit: "32kb" }),
    asyncRoute(async (req, res) => {
      const provider = await providerFor(req, bearer(req));
      const vacancies = await declareVacancies(deps.db, provider.id, req.body, {
        actor: `provider:${provider.id}`,
        via: "api",
        now: deps.clock.now(),
      });
      res.set("Cache-Control", "no-store").json({ vacancies });
    }),
  );

  // The page: its own strict headers (no-store, no referrer: the token is in the URL), then the form.
  router.use(PAGE, securityHeaders);

  const tokenOf = (req: Request) => (typeof req.query.token === "string" ? req.query.token : "");
  const actionOf = (token: string) => `${PAGE}?token=${encodeURIComponent(token)}`;

  async function render(
    req: Request,
    res: Response,
    opts: { status: number; rows?: VacancyRowValues[]; errors?: string[]; saved?: boolean },
  ) {
    const token = tokenOf(req);
    const provider = await providerFor(req, token);
    const current = await vacanciesOf(deps.db, provider.id);
    const csrf = csrfTokenFor(deps.tokenSecret, token);
    res.cookie(CSRF_COOKIE, csrf, { httpOnly: true, sameSite: "strict", path: PAGE, secure: req.secure });
    const latest = current
      .map((v) => v.lastConfirmedAt)
      .sort()
      .at(-1);
    sendPage(
      res,
      opts.status,
      vacancyPage({
        nonce: nonceOf(res),
        providerName: provider.name,
        lots: provider.lots.map((l) => l.lot).sort((a, b) => a.number - b.number),
        rows:
          opts.rows ??
          current.map((v) => ({
            lot: String(v.lot),
            placementType: v.placementType ?? "",
            ageMin: String(v.ageMin),
            ageMax: String(v.ageMax),
            areas: v.areas.join(", "),
            count: String(v.count),
          })),
        ...(latest ? { lastConfirmedAt: latest.slice(0, 10) } : {}),
        errors: opts.errors ?? [],
        saved: opts.saved ?? false,
        action: actionOf(token),
        csrf,
      }),
    );
  }

  const pageFailure = (res: Response, err: unknown) => {
    if (err instanceof VacancyAuthError) {
      sendPage(
        res,
        401,
        messagePage({
          nonce: nonceOf(res),
          title: "This vacancy link does not work",
          paragraphs: [
            "The link may be incomplete or out of date. Use the vacancy link in the most recent referral email you received, or contact the placement team.",
          ],
        }),
      );
      return true;
    }
    return false;
  };

  router.get(PAGE, (req, res, next) => {
    render(req, res, { status: 200 }).catch((err) => (pageFailure(res, err) ? undefined : next(err)));
  });

  router.post(PAGE, parseForm, (req, res, next) => {
    (async () => {
      const token = tokenOf(req);
      const provider = await providerFor(req, token);
      const expected = csrfTokenFor(deps.tokenSecret, token);
      const body = req.body as Record<string, unknown>;
      const field = (name: string) => (typeof body[name] === "string" ? (body[name] as string).trim() : "");
      const csrfOk =
        safeEqual(field("csrf"), expected) &&
        cookieValues(req.get("cookie"), CSRF_COOKIE).some((c) => safeEqual(c, expected));
      if (!csrfOk) {
        logAuthFailure(deps.logger, req, "vacancies", "csrf");
        throw new VacancyAuthError("csrf");
      }
      const count = Math.min(Number(field("rows")) || 0, 60);
      const rows: VacancyRowValues[] = [];
      for (let i = 0; i < count; i++) {
        rows.push({
          lot: field(`lot_${i}`),
          placementType: field(`type_${i}`),
          ageMin: field(`age_min_${i}`),
          ageMax: field(`age_max_${i}`),
          areas: field(`areas_${i}`),
          count: field(`count_${i}`),
        });
      }
      // A row without a count is an unused (or removed) row.
      const filled = rows.filter((r) => r.count !== "");
      const parsed = vacancyDeclarationSchema.safeParse({
        vacancies: filled.map((r) => ({
          lot: r.lot,
          placementType: r.placementType || null,
          ...(r.ageMin ? { ageMin: r.ageMin } : {}),
          ...(r.ageMax ? { ageMax: r.ageMax } : {}),
          areas: r.areas
            .split(/[,;\s]+/)
            .map((a) => a.trim())
            .filter(Boolean),
          count: r.count,
        })),
      });
      if (!parsed.success) {
        const errors = vacancyIssues(parsed.error).map((e) =>
          e.replace(/^vacancies\.(\d+)\./, (_m, n) => `Vacancy ${Number(n) + 1}: `),
        );
        await render(req, res, { status: 400, rows: filled, errors });
        return;
      }
      try {
        await declareVacancies(deps.db, provider.id, parsed.data, {
          actor: `provider:${provider.id}`,
          via: "page",
          now: deps.clock.now(),
        });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        await render(req, res, { status: 400, rows: filled, errors: [err.message] });
        return;
      }
      await render(req, res, { status: 200, saved: true });
    })().catch((err) => (pageFailure(res, err) ? undefined : next(err)));
  });

  return router;
}
