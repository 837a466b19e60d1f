// Referrals over HTTP, for case systems and integrations (the chat adapters and the command line call the same
// core): raise one (POST /referrals, src/referrals/intake.ts), read one (GET /referrals/:reference), withdraw one.
import { Router } from "express";
import { z } from "zod";
import { ForbiddenError, ValidationError } from "../errors.js";
import { intakeReferral } from "../referrals/intake.js";
import { referralView } from "../referrals/referral-view.js";
import { withdrawReferral } from "../referrals/withdraw.js";
import { REFERENCE_PATTERN } from "../retention/export.js";
import { apiActor, callerHasScope, requireScope } from "./api-auth.js";
import { asyncRoute, type WebDeps } from "./app.js";

export function referralsRouter(deps: WebDeps): Router {
  const router = Router();
  router.post(
    "/referrals",
    requireScope(deps, "referrals:write"),
    asyncRoute(async (req, res) => {
      const { created, result } = await intakeReferral(
        { db: deps.db, clock: deps.clock, logger: deps.logger, ...deps.intake },
        { body: req.body, idempotencyKey: req.get("idempotency-key"), actor: apiActor(res) },
      );
      // A repeat of a request already answered gets the same answer, marked as a replay.
      if (!created) res.set("Idempotent-Replayed", "true");
      res.status(201).location(result.links.self).json(result);
    }),
  );

  /** `?include=restricted` adds the child's details: it needs referrals:restricted:read, and is audited. */
  router.get(
    "/referrals/:reference",
    requireScope(deps, "referrals:read"),
    asyncRoute(async (req, res) => {
      const reference = String(req.params.reference ?? "");
      if (!REFERENCE_PATTERN.test(reference))
        throw new ValidationError("Not a referral reference", { reference: ["must look like R-2026-0042"] });
      const restricted = String(req.query.include ?? "") === "restricted";
      if (restricted && !callerHasScope(res, "referrals:restricted:read"))
        throw new ForbiddenError("The child's details need the referrals:restricted:read scope");
      res.set("Cache-Control", "no-store");
      res.json(await referralView(deps, reference, { actor: apiActor(res), restricted }));
    }),
  );

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
