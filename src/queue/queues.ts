// Producers' side of the job queues: one BullMQ queue per job type, jobs added with their deterministic ids.
import { Job, Queue } from "bullmq";
import type { z } from "zod";
import { withCarrier } from "../observability/context.js";
import type { Redis } from "../redis.js";
import type { JobContract } from "./contracts.js";

export class JobQueues {
  private readonly queues = new Map<string, Queue>();
  constructor(
    /** The producers' Redis connection (not a worker's blocking one): small keys beside the queues use it too. */
    readonly connection: Redis,
    readonly prefix: string,
  ) {}

  queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.connection, prefix: this.prefix });
      this.queues.set(name, q);
    }
    return q;
  }

  /**
   * Adds jobs; a job whose id already exists in Redis is left alone (that is what makes re-adding safe). Each job's
   * data carries the current request id and trace context, so the worker continues the same trace.
   */
  async add<S extends z.ZodType>(
    type: JobContract<S>,
    payloads: z.infer<S>[],
    opts: { attempts?: number; delayMs?: number } = {},
  ): Promise<void> {
    if (payloads.length === 0) return;
    await this.queue(type.name).addBulk(
      payloads.map((data) => ({
        name: type.name,
        data: withCarrier(data as object),
        opts: {
          jobId: type.jobId(data),
          attempts: opts.attempts ?? 1,
          ...(opts.delayMs ? { delay: opts.delayMs } : {}),
          backoff: { type: "custom" },
          removeOnComplete: { age: 7 * 86_400, count: 100_000 },
          removeOnFail: { age: 30 * 86_400 },
        },
      })),
    );
  }

  /**
   * Runs a delayed job now. False when the job is gone or no longer delayed (it ran, or its delay ran out), so a
   * caller waking one of several waiters can go on to the next.
   */
  async promote(queueName: string, jobId: string): Promise<boolean> {
    // A handle on the id alone: promoting needs nothing else, and reading the job first would cost a round trip.
    const job = new Job(this.queue(queueName), queueName, {}, {}, jobId);
    try {
      await job.promote();
      return true;
    } catch {
      return false;
    }
  }

  /** Removes a job that is not running (say, a delayed one whose work was done elsewhere); false if it could not. */
  async remove(queueName: string, jobId: string): Promise<boolean> {
    return (await this.queue(queueName).remove(jobId)) === 1;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
