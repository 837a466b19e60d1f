// ART decisions over HTTP, for integrations (the chat adapters call the same core functions).
import { Router } from "express";
import { z } from "zod";
import { ForbiddenError, ValidationError } from "../errors.js";
import { approveOffer } from "../referrals/decisions.js";
import { apiActorOrWarn } from "./api-auth.js";
import { asyncRoute, type WebDeps } from "./app.js";

export function decisionsRouter(deps: WebDeps): Router {
  const router = Router();
  router.post(
    "/offers/:responseId/approve",
    asyncRoute(async (req, res) => {
      const actor = apiActorOrWarn(req, deps.apiTokens, deps.logger);
      if (!actor) throw new ForbiddenError("A valid ART API token is required");
      const id = z.uuid().safeParse(req.params.responseId);
      if (!id.success) throw new ValidationError("Not an offer id");
      res.json(await approveOffer(deps.decisions, id.data, actor));
    }),
  );
  return router;
}
