// ART's reports over HTTP. The CLI's `referral-bot report` calls the same core function.
import { Router } from "express";
import { pdsExportCsv } from "../reporting/pds-export.js";
import { parseReportQuery } from "../reporting/period.js";
import { placementReport } from "../reporting/placement-report.js";
import { placementReportCsv } from "../reporting/report-csv.js";
import { requireScope } from "./api-auth.js";
import { asyncRoute, type WebDeps } from "./app.js";

export function reportsRouter(deps: WebDeps): Router {
  const router = Router();
  router.get(
    "/reports/placements",
    requireScope(deps, "reports:read"),
    asyncRoute(async (req, res) => {
      const query = parseReportQuery(req.query as Record<string, unknown>);
      res.set("Cache-Control", "no-store");
      if (query.format === "pds") {
        res
          .type("text/csv; charset=utf-8")
          .attachment(`placements-pds-${query.from}-to-${query.to}.csv`)
          .send(await pdsExportCsv({ db: deps.db }, query));
        return;
      }
      const report = await placementReport({ db: deps.db, clock: deps.clock }, query);
      res.set("Cache-Control", "no-store");
      if (query.format === "csv") {
        res
          .type("text/csv; charset=utf-8")
          .attachment(`placements-${query.from}-to-${query.to}.csv`)
          .send(placementReportCsv(report));
        return;
      }
      res.json(report);
    }),
  );
  return router;
}
