// `referral-bot audit --from YYYY-MM-DD --to YYYY-MM-DD [--format csv|json]`: the audit trail for those London
// days (both included) on stdout; the CSV is safe to open in a spreadsheet. The export is itself audited.
import type { Config } from "../config.js";
import { describeDatabase } from "../db.js";
import { systemClock } from "../ports.js";
import { parseReportQuery } from "../reporting/period.js";
import { auditCsv, auditTrail } from "../retention/audit-export.js";
import { cliActor, err, withDb, write } from "./common.js";

export async function auditCommand(
  config: Config,
  opts: { from?: string | undefined; to?: string | undefined; format?: string | undefined },
): Promise<number> {
  const query = parseReportQuery({ from: opts.from, to: opts.to, format: opts.format });
  err(`Database ${describeDatabase(config.DATABASE_URL)}; audit trail ${query.from} to ${query.to} (Europe/London).`);
  const lines = await withDb(config, (db) => auditTrail({ db, clock: systemClock }, query, cliActor().id));
  await write(query.format === "csv" ? auditCsv(lines) : `${JSON.stringify(lines, null, 2)}\n`);
  return 0;
}
