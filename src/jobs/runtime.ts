// Starts one BullMQ worker per job type. A payload that fails its schema can never succeed, so it fails
// permanently at once instead of burning retries; so do permanent AppErrors (4xx other than 408/429).
import { DelayedError, type Job, UnrecoverableError, Worker } from "bullmq";
import { retryDelayMs } from "../delivery/backoff.js";
import { AppError, DeliveryError } from "../errors.js";
import type { Logger } from "../logger.js";
import { carrierOf, runWithCarrier } from "../observability/context.js";
import { jobDuration, jobsTotal } from "../observability/metrics.js";
import { inSpan } from "../observability/tracing.js";
import type { Redis } from "../redis.js";
import type { JobType } from "./job-type.js";

export interface WorkerSettings {
  prefix: string;
  concurrency: number;
  backoffBaseMs: number;
  stalledIntervalMs: number;
}

export function startWorkers<D>(
  types: JobType<never, D>[],
  deps: D,
  connection: Redis,
  settings: WorkerSettings,
  logger: Logger,
): Worker[] {
  return (types as unknown as JobType[]).map((type) => {
    const worker = new Worker(
      type.name,
      // The job runs in the context of the request (or job) that enqueued it: same trace, same request id.
      (job, token) =>
        runWithCarrier(carrierOf(job.data), () =>
          inSpan(`job ${type.name}`, { "job.type": type.name, "job.id": job.id ?? "" }, async () => {
            const started = process.hrtime.bigint();
            const attempt = job.attemptsMade + 1;
            const maxAttempts = job.opts.attempts ?? 1;
            let outcome = "completed";
            try {
              await runOne(type, deps, job, token, logger, attempt, maxAttempts);
            } catch (err) {
              outcome =
                err instanceof DelayedError
                  ? "delayed"
                  : err instanceof UnrecoverableError || attempt >= maxAttempts
                    ? "failed"
                    : "retry";
              throw err;
            } finally {
              jobsTotal.inc({ type: type.name, outcome });
              jobDuration.observe({ type: type.name, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
            }
          }),
        ),
      {
        connection,
        prefix: settings.prefix,
        concurrency: settings.concurrency,
        stalledInterval: settings.stalledIntervalMs,
        lockDuration: Math.max(settings.stalledIntervalMs, 5_000),
        maxStalledCount: 3,
        settings: {
          backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) =>
            retryDelayMs(
              attemptsMade,
              settings.backoffBaseMs,
              err instanceof DeliveryError ? err.retryAfterMs : undefined,
            ),
        },
      },
    );
    worker.on("failed", (job, err) => logger.warn({ job: type.name, jobId: job?.id, error: err.name }, "job failed"));
    worker.on("error", (err) => logger.error({ job: type.name, error: err.message }, "worker error"));
    return worker;
  });
}

async function runOne<D>(
  type: JobType,
  deps: D,
  job: Job,
  token: string | undefined,
  logger: Logger,
  attempt: number,
  maxAttempts: number,
): Promise<void> {
  const parsed = type.payload.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid payload for ${type.name}`);
  const retryLater = async (ms: number, whenDelayed?: () => Promise<void>): Promise<never> => {
    await job.moveToDelayed(Date.now() + ms, token);
    // The job is no longer ours (it is delayed): a failure here must not fail it; the delay still runs it.
    await whenDelayed?.().catch((err: Error) =>
      logger.warn({ job: type.name, jobId: job.id, error: err.message.slice(0, 200) }, "delayed job not parked"),
    );
    throw new DelayedError();
  };
  try {
    // The request id reaches this logger's lines through the logger's mixin (see src/logger.ts).
    const jobLogger = logger.child({ job: type.name, jobId: job.id });
    await type.handle(deps, parsed.data, { logger: jobLogger, attempt, maxAttempts, retryLater });
    jobLogger.debug({ attempt }, "job completed");
  } catch (err) {
    if (err instanceof AppError && !err.retryable) throw new UnrecoverableError(`${err.code}: ${err.message}`);
    throw err;
  }
}
