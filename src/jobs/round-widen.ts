// Tiered and vacancy-first matching as a job: sends round 1 of each referral to the providers its gate has let in
// since (the next tier after TIER_HEAD_START_HOURS, or minutes for emergencies; the whole lot after
// VACANCY_FIRST_HOURS). Fired by the `round-widen` job scheduler every ROUND_SWEEP_INTERVAL_MS. The gates live
// in PostgreSQL, so a lost or repeated run loses or doubles nothing (src/delivery/widen-rounds.ts).
import { widenDueRounds } from "../delivery/widen-rounds.js";
import { roundWidenContract } from "../queue/contracts.js";
import type { JobDeps } from "./deps.js";
import type { JobType } from "./job-type.js";

export const roundWidenJob: JobType<typeof roundWidenContract.payload, JobDeps> = {
  ...roundWidenContract,
  async handle(deps, _p, ctx) {
    const widened = await widenDueRounds(deps);
    if (widened) ctx.logger.info({ widened }, "rounds widened");
  },
};
