// `referral-bot export --reference R-...`: everything held about one referral as JSON on stdout, restricted
// details decrypted, for a subject access request. Audited (who, when). Handle the output as the child's file.
import type { Config } from "../config.js";
import { describeDatabase } from "../db.js";
import { ConfigError } from "../errors.js";
import { systemClock } from "../ports.js";
import { keyRingOf } from "../referrals/create.js";
import { exportReferral, REFERENCE_PATTERN } from "../retention/export.js";
import { cliActor, err, withDb, write } from "./common.js";

export async function exportCommand(config: Config, opts: { reference?: string | undefined }): Promise<number> {
  if (!opts.reference || !REFERENCE_PATTERN.test(opts.reference))
    throw new ConfigError(["export: give --reference like R-2026-0042"]);
  const reference = opts.reference;
  err(
    `Database ${describeDatabase(config.DATABASE_URL)}; exporting ${reference} (restricted details decrypted; this is audited).`,
  );
  const data = await withDb(config, (db) =>
    exportReferral({ db, clock: systemClock, keyRing: keyRingOf(config) }, reference, cliActor(), "cli"),
  );
  await write(`${JSON.stringify(data, null, 2)}\n`);
  return 0;
}
