// `referral-bot placements-csv [--date YYYY-MM-DD] [--out file.csv]`: one London day's placements (default
// yesterday) with placement.agreed's fields, the child's case id included, for a council's own systems. Audited.
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { z } from "zod";
import type { Config } from "../config.js";
import { describeDatabase } from "../db.js";
import { ConfigError } from "../errors.js";
import { systemClock } from "../ports.js";
import { keyRingOf } from "../referrals/create.js";
import { placementsCsv, yesterdayInLondon } from "../reporting/placements-csv.js";
import { cliActor, err, withDb, write } from "./common.js";

export const PLACEMENTS_CSV_USAGE = `  placements-csv [--date YYYY-MM-DD] [--out <file.csv>]
                                           the placements made that day (Europe/London; default yesterday)
                                           with the child's case id, provider, start date and agreed cost,
                                           as CSV to stdout or the file (audited)`;

export async function placementsCsvCommand(
  config: Config,
  opts: { date?: string | undefined; out?: string | undefined },
): Promise<number> {
  const now = systemClock.now();
  const date = opts.date ?? yesterdayInLondon(now);
  if (!z.iso.date().safeParse(date).success) throw new ConfigError(["placements-csv: --date must be YYYY-MM-DD"]);
  err(`Database ${describeDatabase(config.DATABASE_URL)}; placements on ${date} (Europe/London; this is audited).`);
  const { csv, rows } = await withDb(config, (db) =>
    placementsCsv({ db, keyRing: keyRingOf(config), now }, date, cliActor().id),
  );
  if (opts.out) {
    const path = resolve(opts.out);
    await writeFile(path, csv, { mode: 0o600 });
    err(`Wrote ${rows} placement${rows === 1 ? "" : "s"} to ${path}.`);
  } else await write(csv);
  return 0;
}
