// The one Express app: health and readiness here; the chat adapters and provider pages mount on it later.
import express, { type Express, type NextFunction, type Request, type Response } from "express";
import type { Db } from "../db.js";
import type { Logger } from "../logger.js";
import type { Clock } from "../ports.js";
import type { Redis } from "../redis.js";
import type { DecisionDeps } from "../referrals/decisions.js";
import { decisionsRouter } from "./decisions-routes.js";
import { errorHandler } from "./errors.js";
import { observeRequests } from "./observe-requests.js";
import { readiness } from "./readiness.js";
import { reportsRouter } from "./reports-routes.js";

export interface WebDeps {
  db: Db;
  redis: Redis;
  logger: Logger;
  clock: Clock;
  decisions: DecisionDeps;
  apiTokens: Map<string, Buffer>;
}

export const asyncRoute =
  (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) =>
    fn(req, res).catch(next);

export function createWebApp(deps: WebDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", "loopback");
  app.use(observeRequests(deps.logger));

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
  app.use("/api/v1", reportsRouter(deps));
  return app;
}

/** Added last, after adapters have mounted their routes. */
export function finishWebApp(app: Express, logger: Logger): void {
  app.use((_req, res) => {
    res.status(404).json({ error: { code: "not_found", message: "No such endpoint" } });
  });
  app.use(errorHandler(logger));
}
