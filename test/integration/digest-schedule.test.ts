// When the digest fires, as BullMQ itself computes it: the scheduler the workers upsert is read back from a real
// queue, stepping through the weeks the clocks change. 08:30 London on weekdays: 08:30Z in winter (GMT),
// 07:30Z in summer (BST). Upserting from several workers leaves one scheduler and one next job.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import { JobQueues } from "../../src/jobs/queues.js";
import { ensureSchedules, schedulesOf, upsertSchedule } from "../../src/jobs/schedules.js";
import { testConfig } from "../helpers/env.js";

let config: Config;
let redis: Redis;
let queues: JobQueues;

beforeAll(() => {
  config = testConfig();
  config = { ...config, REDIS_PREFIX: `${config.REDIS_PREFIX}-sched` };
  redis = new Redis(config.REDIS_URL);
  queues = new JobQueues(redis, config.REDIS_PREFIX);
});
afterAll(async () => {
  await queues.close();
  await redis.quit();
});

/** The last Sunday of a month (0-based), when UK clocks change (March forward, October back). */
const lastSunday = (year: number, month: number) => {
  const d = new Date(Date.UTC(year, month + 1, 0));
  d.setUTCDate(d.getUTCDate() - d.getUTCDay());
  return d;
};
const addDays = (d: Date, n: number) => new Date(d.getTime() + n * 86_400_000);
const iso = (d: Date) => d.toISOString().slice(0, 16);
const london = (d: Date) =>
  new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/London",
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
  }).format(d);

/** The scheduler's next fire times from `from` on, as BullMQ computes and stores them. */
async function fireTimes(from: Date, n: number): Promise<Date[]> {
  const digest = schedulesOf(config).find((s) => s.id === "digest")!;
  const queue = queues.queue(digest.type.name);
  const out: Date[] = [];
  let start = from;
  for (let i = 0; i < n; i++) {
    // startDate stands in for "now" so the test can stand in any week; everything else is what workers upsert.
    await upsertSchedule(queues, { ...digest, repeat: { ...digest.repeat, startDate: start } });
    const next = (await queue.getJobScheduler("digest"))!.next!;
    expect(await queue.getJob(`repeat:digest:${next}`)).toBeDefined(); // the delayed job BullMQ will run
    out.push(new Date(next));
    start = new Date(next + 1000);
  }
  return out;
}

// Next year's changes, so the dates are always in the future (BullMQ never schedules in the past).
const year = new Date().getUTCFullYear() + 1;

describe("digest schedule (DIGEST_CRON in Europe/London)", () => {
  it("uses the configured pattern and time zone", () => {
    expect(config.DIGEST_CRON).toBe("30 8 * * 1-5");
    expect(schedulesOf(config).find((s) => s.id === "digest")!.repeat).toEqual({
      pattern: "30 8 * * 1-5",
      tz: "Europe/London",
    });
  });

  it("fires at 08:30 London on weekdays across the March change (08:30Z, then 07:30Z)", async () => {
    const sunday = lastSunday(year, 2);
    const times = await fireTimes(addDays(sunday, -6), 10);
    expect(times.map(iso)).toEqual([
      ...[-6, -5, -4, -3, -2].map((d) => `${iso(addDays(sunday, d)).slice(0, 10)}T08:30`),
      ...[1, 2, 3, 4, 5].map((d) => `${iso(addDays(sunday, d)).slice(0, 10)}T07:30`),
    ]);
    expect(times.map(london)).toEqual(
      ["Mon", "Tue", "Wed", "Thu", "Fri", "Mon", "Tue", "Wed", "Thu", "Fri"].map((d) => `${d} 08:30`),
    );
  });

  it("fires at 08:30 London on weekdays across the October change (07:30Z, then 08:30Z)", async () => {
    const sunday = lastSunday(year, 9);
    const times = await fireTimes(addDays(sunday, -6), 10);
    expect(times.map(iso)).toEqual([
      ...[-6, -5, -4, -3, -2].map((d) => `${iso(addDays(sunday, d)).slice(0, 10)}T07:30`),
      ...[1, 2, 3, 4, 5].map((d) => `${iso(addDays(sunday, d)).slice(0, 10)}T08:30`),
    ]);
    expect(new Set(times.map(london))).toEqual(new Set(["Mon", "Tue", "Wed", "Thu", "Fri"].map((d) => `${d} 08:30`)));
  });

  it("keeps one scheduler and one next job however many workers upsert it", async () => {
    await Promise.all([
      ensureSchedules(queues, config),
      ensureSchedules(queues, config),
      ensureSchedules(queues, config),
    ]);
    for (const name of ["digest", "round-sweep", "round-widen", "retention"]) {
      const queue = queues.queue(name);
      expect(await queue.getJobSchedulersCount()).toBe(1);
      expect(await queue.getDelayedCount()).toBeLessThanOrEqual(1);
    }
    const digest = await queues.queue("digest").getJobScheduler("digest");
    expect(digest).toMatchObject({ pattern: "30 8 * * 1-5", tz: "Europe/London" });
    expect(london(new Date(digest!.next!))).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 08:30$/);
    expect(await queues.queue("round-sweep").getJobScheduler("round-sweep")).toMatchObject({ every: 30_000 });
    const retention = await queues.queue("retention").getJobScheduler("retention");
    expect(retention).toMatchObject({ pattern: "15 2 * * *", tz: "Europe/London" });
    expect(london(new Date(retention!.next!))).toMatch(/^\w{3} 02:15$/);
    // The reconciler's pass writes nothing while they are there.
    expect(await ensureSchedules(queues, config, { onlyMissing: true })).toBe(0);
  });
});
