// Posts the day's digest to the ART channel(s). Fired by the `digest` job scheduler (DIGEST_CRON in
// Europe/London); also enqueued by hand. Idempotent through PostgreSQL (src/digest/post.ts): whoever runs it,
// however often, each channel gets the day's digest once.
import { postDailyDigests } from "../digest/post.js";
import { AppError, DeliveryError } from "../errors.js";
import { digestContract } from "../queue/contracts.js";
import type { JobDeps } from "./deps.js";
import type { JobType } from "./job-type.js";

/** How long to wait while another worker holds today's claim, before looking again. */
const BUSY_RETRY_MS = 5_000;

export const digestJob: JobType<typeof digestContract.payload, JobDeps> = {
  ...digestContract,
  async handle(deps, _p, ctx) {
    const outcomes = await postDailyDigests(deps);
    const failed = outcomes.filter((o) => o.result === "failed");
    if (failed.some((o) => o.retryable)) throw new DeliveryError(`digest not posted: ${failed[0]!.error}`, 503);
    if (failed.length) throw new AppError("digest_failed", `digest not posted: ${failed[0]!.error}`);
    // Another worker is posting right now: look again later, to finish the job if that poster dies.
    if (outcomes.some((o) => o.result === "in_progress")) return ctx.retryLater(BUSY_RETRY_MS);
  },
};
