// Reminds the people who can act on what waits too long (src/chat/nudges.ts). Fired by the `nudge` job scheduler
// every NUDGE_SWEEP_INTERVAL_MS. Idempotent through PostgreSQL: each nudge is claimed before it is sent, so a
// repeated or concurrent run sends nothing twice; the next tick is the retry for anything that failed.
import { sendNudges } from "../chat/nudges.js";
import { nudgeContract } from "../queue/contracts.js";
import type { JobDeps } from "./deps.js";
import type { JobType } from "./job-type.js";

export const nudgeJob: JobType<typeof nudgeContract.payload, JobDeps> = {
  ...nudgeContract,
  async handle(deps, _p, ctx) {
    const { sent, failed } = await sendNudges(deps);
    if (sent || failed) ctx.logger.info({ sent, failed }, "nudges sent");
  },
};
