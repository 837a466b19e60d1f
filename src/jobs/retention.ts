// The daily retention run: erases the personal data of referrals closed more than RETENTION_DAYS_AFTER_CLOSE days
// ago (src/retention/retention.ts). Fired by the `retention` job scheduler (RETENTION_CRON, Europe/London).
// Idempotent: an erased referral is skipped, so a repeated or retried run erases nothing twice; a run that
// never happened (Redis lost the scheduler) is made up by the next one, which erases everything overdue.

import { retentionContract } from "../queue/contracts.js";
import { runRetention } from "../retention/retention.js";
import type { JobDeps } from "./deps.js";
import type { JobType } from "./job-type.js";

export const retentionJob: JobType<typeof retentionContract.payload, JobDeps> = {
  ...retentionContract,
  async handle(deps, _p, ctx) {
    await runRetention({ ...deps, logger: ctx.logger, days: deps.config.RETENTION_DAYS_AFTER_CLOSE });
  },
};
