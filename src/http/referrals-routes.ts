// Referral lifecycle over HTTP, for integrations (the chat adapters and the command line call the same core).
import { Router } from "express";
import { z } from "zod";
import { ValidationError } from "../errors.js";
import { withdrawReferral } from "../referrals/withdraw.js";
import { apiActor, requireScope } from "./api-auth.js";
import { asyncRoute, type WebDeps } from "./app.js";

export function referralsRouter(deps: WebDeps): Router {
  const router = Router();
  /** Body: { "reason": "<code of WITHDRAWAL_REASONS>", "text": "..." } (text required for "other"). */
  router.post(
    "/referrals/:referralId/withdraw",
    requireScope(deps, "referrals:write"),
    asyncRoute(async (req, res) => {
      const actor = apiActor(res);
      const id = z.uuid().safeParse(req.params.referralId);
      if (!id.success) throw new ValidationError("Not a referral id");
      res.json(await withdrawReferral(deps, id.data, actor, req.body ?? {}));
    }),
  );
  return router;
}
