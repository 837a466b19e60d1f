// Reminds the people who can act on what waits too long (src/chat/nudges.ts). Fired by the `nudge` job scheduler
// every NUDGE_SWEEP_INTERVAL_MS. Idempotent through PostgreSQL: each nudge is claimed before it is sent, so a
// repeated or concurrent run sends nothing twice; the next tick is the retry for anything that failed.
import { z } from "zod";
import { sendNudges } from "../chat/nudges.js";
import type { JobDeps } from "./deps.js";
import { type JobType, jobIdOf } from "./job-type.js";

const payload = z.object({
  trigger: z
    .string()
    .regex(/^[a-z0-9-]{1,40}$/)
    .default("schedule"),
});

export const nudgeJob: JobType<typeof payload, JobDeps> = {
  name: "nudge",
  payload,
  jobId: (p) => jobIdOf("nudge", p.trigger),
  async handle(deps, _p, ctx) {
    const { sent, failed } = await sendNudges(deps);
    if (sent || failed) ctx.logger.info({ sent, failed }, "nudges sent");
  },
};
