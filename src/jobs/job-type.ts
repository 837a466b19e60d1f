// One file per job type (src/jobs/<name>.ts) exports a JobType: its name, the zod schema of its payload and
// its handler. Handlers must be idempotent: a job can run twice (stalled worker, retry), a send must not.
import type { z } from "zod";
import type { Logger } from "../logger.js";
import type { JobContract } from "../queue/contracts.js";

export interface JobContext {
  logger: Logger;
  /** 1 for the first run. */
  attempt: number;
  /** The attempts this job was given; on the last one a failure is final. */
  maxAttempts: number;
  /**
   * Runs the job again after `ms` without counting an attempt (e.g. the destination is busy). Never returns.
   * `whenDelayed` runs once the job is delayed (say, to put it where something will wake it before `ms`), so a
   * wake-up can never come before the job is there to be woken.
   */
  retryLater(ms: number, whenDelayed?: () => Promise<void>): Promise<never>;
}

/** A job contract (src/queue/contracts.ts) with its handler. */
export interface JobType<S extends z.ZodType = z.ZodType, Deps = unknown> extends JobContract<S> {
  handle(deps: Deps, payload: z.infer<S>, ctx: JobContext): Promise<void>;
}
