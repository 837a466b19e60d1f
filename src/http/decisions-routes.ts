// ART decisions over HTTP, for integrations (the chat adapters call the same core functions).
import { Router } from "express";
import { z } from "zod";
import { ValidationError } from "../errors.js";
import { approveOffer } from "../referrals/decisions.js";
import { correctPlacementRecord } from "../referrals/placement-record.js";
import { apiActor, requireScope } from "./api-auth.js";
import { asyncRoute, type WebDeps } from "./app.js";

export function decisionsRouter(deps: WebDeps): Router {
  const router = Router();
  router.post(
    "/offers/:responseId/approve",
    requireScope(deps, "decisions:write"),
    asyncRoute(async (req, res) => {
      const actor = apiActor(res);
      const id = z.uuid().safeParse(req.params.responseId);
      if (!id.success) throw new ValidationError("Not an offer id");
      // Optional body { placement: {...} }: the approver's answers for the actual-placement record.
      const body = (req.body ?? {}) as { placement?: unknown };
      res.json(await approveOffer(deps.decisions, id.data, actor, body.placement ?? {}));
    }),
  );
  router.put(
    "/referrals/:referralId/placement",
    requireScope(deps, "decisions:write"),
    asyncRoute(async (req, res) => {
      const actor = apiActor(res);
      const id = z.uuid().safeParse(req.params.referralId);
      if (!id.success) throw new ValidationError("Not a referral id");
      await correctPlacementRecord({ db: deps.db, clock: deps.clock }, id.data, req.body ?? {}, actor);
      res.status(204).end();
    }),
  );
  return router;
}
