// The daily retention run: erases the personal data of referrals closed more than RETENTION_DAYS_AFTER_CLOSE days
// ago (src/retention/retention.ts). Fired by the `retention` job scheduler (RETENTION_CRON, Europe/London).
// Idempotent: an erased referral is skipped, so a repeated or retried run erases nothing twice; a run that
// never happened (Redis lost the scheduler) is made up by the next one, which erases everything overdue.
import { z } from "zod";
import { runRetention } from "../retention/retention.js";
import type { JobDeps } from "./deps.js";
import { type JobType, jobIdOf } from "./job-type.js";

const payload = z.object({
  trigger: z
    .string()
    .regex(/^[a-z0-9-]{1,40}$/)
    .default("schedule"),
});

export const retentionJob: JobType<typeof payload, JobDeps> = {
  name: "retention",
  payload,
  jobId: (p) => jobIdOf("retention", p.trigger),
  async handle(deps, _p, ctx) {
    await runRetention({ ...deps, logger: ctx.logger, days: deps.config.RETENTION_DAYS_AFTER_CLOSE });
  },
};
