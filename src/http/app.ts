// The one Express app: health and readiness here; the chat adapters and provider pages mount on it later.
// Security headers and rate limits are set up here, first, so every route mounted later gets them.
import express, { type Express, type NextFunction, type Request, type Response } from "express";
import helmet from "helmet";
import type { Db } from "../db.js";
import type { KeyRing } from "../domain/crypto.js";
import type { Logger } from "../logger.js";
import type { Clock } from "../ports.js";
import type { Redis } from "../redis.js";
import type { DecisionDeps } from "../referrals/decisions.js";
import type { IntakeDeps } from "../referrals/intake.js";
import type { ApiToken } from "./api-tokens.js";
import { decisionsRouter } from "./decisions-routes.js";
import type { EntraVerifier } from "./entra-auth.js";
import { errorHandler } from "./errors.js";
import { exportRouter } from "./export-routes.js";
import { observeRequests } from "./observe-requests.js";
import { openApiRouter } from "./openapi.js";
import { RateLimiter, type RateLimits } from "./rate-limit.js";
import { readiness } from "./readiness.js";
import { referralsRouter } from "./referrals-routes.js";
import { reportsRouter } from "./reports-routes.js";

export interface WebDeps {
  db: Db;
  redis: Redis;
  logger: Logger;
  clock: Clock;
  decisions: DecisionDeps;
  apiTokens: ApiToken[];
  /** Key prefix of the rate limiter's counters (REDIS_PREFIX). */
  redisPrefix: string;
  rateLimits: RateLimits;
  /** TRUST_PROXY: whose X-Forwarded-For gives the client address. */
  trustProxy: string | string[] | number | false;
  /** Decrypts restricted details for a subject access export (src/http/export-routes.ts). */
  keyRing: KeyRing;
  /** Entra ID client-credentials tokens for the API (API_ENTRA_*), when configured. */
  entra?: EntraVerifier;
  /** Referral intake from case systems (POST /api/v1/referrals). */
  intake: Omit<IntakeDeps, "db" | "clock" | "logger">;
}

/**
 * Headers for every response: HSTS, nosniff, no framing, no referrer. The default policy allows nothing to load
 * (the service serves JSON and its own pages); the response page (/r/<token>) replaces it with its own, which
 * adds only its nonce'd styles.
 */
const securityHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      "default-src": ["'none'"],
      "base-uri": ["'none'"],
      "form-action": ["'none'"],
      "frame-ancestors": ["'none'"],
    },
  },
  strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
  referrerPolicy: { policy: "no-referrer" },
  xFrameOptions: { action: "deny" },
});

export const asyncRoute =
  (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) =>
    fn(req, res).catch(next);

export function createWebApp(deps: WebDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", deps.trustProxy);
  app.use(securityHeaders);
  app.use(observeRequests(deps.logger));

  // Per client address, before any route reads a body. The inbound endpoints each count on their own, so one
  // platform's traffic never uses up another's.
  const limiter = new RateLimiter(deps.redis, deps.redisPrefix, deps.rateLimits.windowMs, deps.logger);
  app.use("/r", limiter.middleware("responses", deps.rateLimits.responseLinks));
  app.use("/p", limiter.middleware("responses", deps.rateLimits.responseLinks));
  app.use("/api/v1", limiter.middleware("api", deps.rateLimits.api));
  app.use("/inbound/email", limiter.middleware("inbound-email", deps.rateLimits.inbound));
  app.use("/slack/events", limiter.middleware("slack", deps.rateLimits.inbound));
  app.use("/api/messages", limiter.middleware("teams", deps.rateLimits.inbound));

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  app.get(
    "/readyz",
    asyncRoute(async (_req, res) => {
      const body = await readiness(deps);
      res.status(body.status === "ready" ? 200 : 503).json(body);
    }),
  );

  app.use("/api/v1", express.json({ limit: "64kb" }), decisionsRouter(deps));
  app.use("/api/v1", express.json({ limit: "64kb" }), referralsRouter(deps));
  app.use("/api/v1", reportsRouter(deps));
  app.use("/api/v1", exportRouter(deps));
  app.use(
    "/api/v1",
    openApiRouter({
      clock: deps.clock,
      baseUrl: deps.intake.config.PUBLIC_BASE_URL,
      ...(deps.intake.config.API_ENTRA_TENANT_ID ? { entraTenantId: deps.intake.config.API_ENTRA_TENANT_ID } : {}),
    }),
  );
  return app;
}

/** Added last, after adapters have mounted their routes. */
export function finishWebApp(app: Express, logger: Logger): void {
  app.use((_req, res) => {
    res.status(404).json({ error: { code: "not_found", message: "No such endpoint" } });
  });
  app.use(errorHandler(logger));
}
