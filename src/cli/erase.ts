// `referral-bot erase --reference R-... --reason "..." [--force]`: erases one referral's personal data now (the
// function retention uses), audited with the reason. A live referral is refused unless --force: ART and the
// providers answering it still need its details, and a wrongly erased live referral cannot be placed well.
import type { Config } from "../config.js";
import { describeDatabase } from "../db.js";
import { ConfigError } from "../errors.js";
import { systemClock } from "../ports.js";
import { eraseReferral } from "../retention/erase.js";
import { REFERENCE_PATTERN } from "../retention/export.js";
import { cliActor, err, out, withDb } from "./common.js";

export async function eraseCommand(
  config: Config,
  opts: { reference?: string | undefined; reason?: string | undefined; force?: boolean | undefined },
): Promise<number> {
  const reason = opts.reason?.trim();
  if (!opts.reference || !REFERENCE_PATTERN.test(opts.reference) || !reason)
    throw new ConfigError([
      'erase: give --reference like R-2026-0042 and --reason "..." (recorded in the audit trail)',
    ]);
  const reference = opts.reference;
  err(`Database ${describeDatabase(config.DATABASE_URL)}; erasing the personal data of ${reference}.`);
  return withDb(config, async (db) => {
    const referral = await db.referral.findUnique({ where: { reference }, select: { id: true } });
    if (!referral) {
      err(`No referral ${reference}.`);
      return 1;
    }
    const result = await db.$transaction((tx) =>
      eraseReferral(tx, {
        referralId: referral.id,
        actor: cliActor().id,
        at: systemClock.now(),
        trigger: "request",
        reason,
        force: Boolean(opts.force),
      }),
    );
    out(result.erased ? `${reference} (${result.status}): personal data erased.` : `${reference} was already erased.`);
    return 0;
  });
}
