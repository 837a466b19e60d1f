// Daily: yesterday's (London) placements as placements-YYYY-MM-DD.csv in PLACEMENTS_CSV_DIR, for councils without
// an endpoint for placement.agreed. Idempotent: a rerun rewrites the same file with the same rows.
import { placementsCsvContract } from "../queue/contracts.js";
import { keyRingOf } from "../referrals/create.js";
import { writePlacementsCsvFile, yesterdayInLondon } from "../reporting/placements-csv.js";
import type { JobDeps } from "./deps.js";
import type { JobType } from "./job-type.js";

export const placementsCsvJob: JobType<typeof placementsCsvContract.payload, JobDeps> = {
  ...placementsCsvContract,
  async handle(deps, _p, ctx) {
    const dir = deps.config.PLACEMENTS_CSV_DIR;
    if (!dir) return;
    const now = deps.clock.now();
    const date = yesterdayInLondon(now);
    const { rows } = await writePlacementsCsvFile(
      { db: deps.db, keyRing: keyRingOf(deps.config), now },
      dir,
      date,
      "system",
    );
    ctx.logger.info({ date, rows }, "placements CSV written");
  },
};
