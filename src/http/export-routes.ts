// Subject access over HTTP: GET /api/v1/referrals/:reference/export answers everything held about one referral
// as JSON, restricted details decrypted, audited (who, when). The CLI's `referral-bot export` calls the same core
// function. It needs a token with the `data:export` scope.
import { Router } from "express";
import type { KeyRing } from "../domain/crypto.js";
import { ValidationError } from "../errors.js";
import { exportReferral, REFERENCE_PATTERN } from "../retention/export.js";
import { apiActor, requireScope } from "./api-auth.js";
import { asyncRoute, type WebDeps } from "./app.js";

export function exportRouter(deps: WebDeps & { keyRing: KeyRing }): Router {
  const router = Router();
  router.get(
    "/referrals/:reference/export",
    requireScope(deps, "data:export"),
    asyncRoute(async (req, res) => {
      const actor = apiActor(res);
      const reference = String(req.params.reference ?? "");
      if (!REFERENCE_PATTERN.test(reference))
        throw new ValidationError("Not a referral reference", { reference: ["must look like R-2026-0042"] });
      const data = await exportReferral(deps, reference, actor, "api");
      res.set("Cache-Control", "no-store");
      res.attachment(`${reference}-export.json`).json(data);
    }),
  );
  return router;
}
