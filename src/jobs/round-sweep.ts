// The round clock as a job: reminders to providers who have not answered, closing rounds that are due and
// recirculating or expiring their referrals. Fired by the `round-sweep` job scheduler every
// ROUND_SWEEP_INTERVAL_MS; the rounds themselves live in PostgreSQL, so a lost or repeated run loses nothing, and
// rounds are claimed with SKIP LOCKED, so runs on several workers never close one twice.
import { closeDueRounds, enqueueDueReminders } from "../delivery/round-sweep.js";
import { roundSweepContract } from "../queue/contracts.js";
import type { JobDeps } from "./deps.js";
import type { JobType } from "./job-type.js";

export const roundSweepJob: JobType<typeof roundSweepContract.payload, JobDeps> = {
  ...roundSweepContract,
  async handle(deps, _p, ctx) {
    const closed = await closeDueRounds(deps);
    const reminders = await enqueueDueReminders(deps);
    if (closed || reminders) ctx.logger.info({ closed, reminders }, "round sweep");
  },
};
