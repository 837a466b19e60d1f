// The service's clocks as BullMQ job schedulers: one scheduler per id in Redis, however many workers upsert it,
// and BullMQ creates one job per tick. Every worker upserts them when it starts (so a changed DIGEST_CRON takes
// effect), and the reconciler puts back any that vanished with Redis, since Redis may be lost.
import type { RepeatOptions } from "bullmq";
import type { Config } from "../config.js";
import { LONDON } from "../digest/london.js";
import { digestJob } from "./digest.js";
import type { JobType } from "./job-type.js";
import { nudgeJob } from "./nudge.js";
import { placementsCsvJob } from "./placements-csv.js";
import type { JobQueues } from "./queues.js";
import { retentionJob } from "./retention.js";
import { roundSweepJob } from "./round-sweep.js";
import { roundWidenJob } from "./round-widen.js";

export interface Schedule {
  /** The scheduler's id (one per id, in the job type's own queue). */
  id: string;
  type: JobType<never, never>;
  repeat: Omit<RepeatOptions, "key">;
  data: Record<string, unknown>;
  attempts: number;
}

export type ScheduleConfig = Pick<
  Config,
  "DIGEST_CRON" | "ROUND_SWEEP_INTERVAL_MS" | "RETENTION_CRON" | "NUDGE_SWEEP_INTERVAL_MS" | "PLACEMENTS_CSV_DIR"
>;

/** 01:30 London: yesterday is over, and the file is there before the working day. */
export const PLACEMENTS_CSV_CRON = "30 1 * * *";

export function schedulesOf(config: ScheduleConfig): Schedule[] {
  return [
    {
      id: "digest",
      type: digestJob as unknown as JobType<never, never>,
      // The pattern is read in London time, so 08:30 stays 08:30 when the clocks change.
      repeat: { pattern: config.DIGEST_CRON, tz: LONDON },
      data: { trigger: "schedule" },
      attempts: 6,
    },
    {
      id: "round-sweep",
      type: roundSweepJob as unknown as JobType<never, never>,
      repeat: { every: config.ROUND_SWEEP_INTERVAL_MS },
      data: { trigger: "schedule" },
      // The next tick is the retry.
      attempts: 1,
    },
    {
      id: "round-widen",
      type: roundWidenJob as unknown as JobType<never, never>,
      repeat: { every: config.ROUND_SWEEP_INTERVAL_MS },
      data: { trigger: "schedule" },
      // The next tick is the retry.
      attempts: 1,
    },
    {
      id: "retention",
      type: retentionJob as unknown as JobType<never, never>,
      // Daily, in London time; a missed day is made up by the next run (it erases everything overdue).
      repeat: { pattern: config.RETENTION_CRON, tz: LONDON },
      data: { trigger: "schedule" },
      attempts: 3,
    },
    {
      id: "nudge",
      type: nudgeJob as unknown as JobType<never, never>,
      repeat: { every: config.NUDGE_SWEEP_INTERVAL_MS },
      data: { trigger: "schedule" },
      // The next tick is the retry; each nudge is claimed in PostgreSQL, so none is sent twice.
      attempts: 1,
    },
    ...(config.PLACEMENTS_CSV_DIR
      ? [
          {
            id: "placements-csv",
            type: placementsCsvJob as unknown as JobType<never, never>,
            repeat: { pattern: PLACEMENTS_CSV_CRON, tz: LONDON },
            data: { trigger: "schedule" },
            attempts: 3,
          },
        ]
      : []),
  ];
}

export async function upsertSchedule(queues: JobQueues, s: Schedule): Promise<void> {
  await queues.queue(s.type.name).upsertJobScheduler(s.id, s.repeat, {
    name: s.type.name,
    data: s.data,
    opts: {
      attempts: s.attempts,
      backoff: { type: "custom" },
      removeOnComplete: { age: 7 * 86_400, count: 1000 },
      removeOnFail: { age: 30 * 86_400 },
    },
  });
}

/** Upserts every schedule, or with `onlyMissing` just those Redis no longer has. Returns how many it wrote. */
export async function ensureSchedules(
  queues: JobQueues,
  config: ScheduleConfig,
  opts: { onlyMissing?: boolean } = {},
): Promise<number> {
  let written = 0;
  for (const s of schedulesOf(config)) {
    if (opts.onlyMissing && (await queues.queue(s.type.name).getJobScheduler(s.id))) continue;
    await upsertSchedule(queues, s);
    written++;
  }
  return written;
}
