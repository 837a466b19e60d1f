// `referral-bot retention [--dry-run]`: erases now what the daily job would (closed referrals older than
// RETENTION_DAYS_AFTER_CLOSE); --dry-run lists them (reference, status, closing date) and changes nothing.
import type { Config } from "../config.js";
import { describeDatabase } from "../db.js";
import { createLogger } from "../logger.js";
import { systemClock } from "../ports.js";
import { dueForErasure, retentionCutoff, runRetention } from "../retention/retention.js";
import { cliActor, err, out, withDb } from "./common.js";

export async function retentionCommand(config: Config, opts: { dryRun: boolean }): Promise<number> {
  const days = config.RETENTION_DAYS_AFTER_CLOSE;
  const now = systemClock.now();
  err(
    `Database ${describeDatabase(config.DATABASE_URL)}; due for erasure: referrals closed before ${retentionCutoff(now, days).toISOString()} (${days} days ago).`,
  );
  return withDb(config, async (db) => {
    if (opts.dryRun) {
      const due = await dueForErasure(db, now, days, 100_000);
      for (const r of due)
        out(`${r.reference}  ${r.status.padEnd(9)}  closed ${r.closedAt.toISOString().slice(0, 10)}`);
      out(`${due.length} referrals would be erased (dry run: nothing changed).`);
      return 0;
    }
    const logger = createLogger({ level: "warn", destination: process.stderr });
    const erased = await runRetention({ db, clock: systemClock, logger, days }, cliActor().id);
    for (const r of erased)
      out(`${r.reference}  ${r.status.padEnd(9)}  closed ${r.closedAt.toISOString().slice(0, 10)}  erased`);
    out(`${erased.length} referrals erased.`);
    return 0;
  });
}
