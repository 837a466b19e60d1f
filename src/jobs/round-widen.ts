// Tiered and vacancy-first matching as a job: sends round 1 of each referral to the providers its gate has let in
// since (the next tier after TIER_HEAD_START_HOURS, or minutes for emergencies; the whole lot after
// VACANCY_FIRST_HOURS). Fired by the `round-widen` job scheduler every ROUND_SWEEP_INTERVAL_MS. The gates live
// in PostgreSQL, so a lost or repeated run loses or doubles nothing (src/delivery/widen-rounds.ts).
import { z } from "zod";
import { widenDueRounds } from "../delivery/widen-rounds.js";
import type { JobDeps } from "./deps.js";
import { type JobType, jobIdOf } from "./job-type.js";

const payload = z.object({
  trigger: z
    .string()
    .regex(/^[a-z0-9-]{1,40}$/)
    .default("schedule"),
});

export const roundWidenJob: JobType<typeof payload, JobDeps> = {
  name: "round-widen",
  payload,
  jobId: (p) => jobIdOf("round-widen", p.trigger),
  async handle(deps, _p, ctx) {
    const widened = await widenDueRounds(deps);
    if (widened) ctx.logger.info({ widened }, "rounds widened");
  },
};
