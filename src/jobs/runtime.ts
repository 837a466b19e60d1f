// Starts one BullMQ worker per job type. A payload that fails its schema can never succeed, so it fails
// permanently at once instead of burning retries.
import { Queue, UnrecoverableError, Worker } from "bullmq";
import { AppError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Redis } from "../redis.js";
import type { JobType } from "./job-type.js";

export interface QueueSettings {
  prefix: string;
  concurrency: number;
}

export function queueFor(type: Pick<JobType, "name">, connection: Redis, settings: Pick<QueueSettings, "prefix">) {
  return new Queue(type.name, { connection, prefix: settings.prefix });
}

export function startWorkers<D>(
  types: JobType<never, D>[] | JobType[],
  deps: D,
  connection: Redis,
  settings: QueueSettings,
  logger: Logger,
): Worker[] {
  return (types as JobType[]).map((type) => {
    const worker = new Worker(
      type.name,
      async (job) => {
        const parsed = type.payload.safeParse(job.data);
        if (!parsed.success) throw new UnrecoverableError(`invalid payload for ${type.name}`);
        try {
          await type.handle(deps, parsed.data, {
            logger: logger.child({ job: type.name, jobId: job.id }),
            attempt: job.attemptsMade + 1,
          });
        } catch (err) {
          // Permanent failures (4xx other than 408/429, validation) must not be retried.
          if (err instanceof AppError && !err.retryable) throw new UnrecoverableError(`${err.code}: ${err.message}`);
          throw err;
        }
      },
      { connection, prefix: settings.prefix, concurrency: settings.concurrency },
    );
    worker.on("failed", (job, err) => logger.warn({ job: type.name, jobId: job?.id, code: err.name }, "job failed"));
    return worker;
  });
}
