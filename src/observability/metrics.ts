// Prometheus metrics, one registry per process (a process runs one service). Labels are bounded sets: route
// patterns (never raw URLs, which hold response tokens), job types, channels, platforms, states.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Db } from "../db.js";
import type { JobQueues } from "../queue/queues.js";

export const registry = new Registry();
registry.setDefaultLabels({ service: "referral-bot" });
// Process figures (memory, event loop lag, CPU) for the alerts on a worker that is falling behind. The lag is
// sampled every 100 ms, not prom-client's 10 ms: that timer alone woke an idle process 100 times a second, and
// the lag that matters to an alert lasts far longer than 100 ms.
collectDefaultMetrics({ register: registry, prefix: "rb_", eventLoopMonitoringPrecision: 100 });

const seconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const httpDuration = new Histogram({
  name: "rb_http_request_duration_seconds",
  help: "HTTP requests by method, route pattern and status",
  labelNames: ["method", "route", "status"] as const,
  buckets: seconds,
  registers: [registry],
});

export const jobsTotal = new Counter({
  name: "rb_jobs_total",
  help: "Jobs run, by type and outcome (completed, retry, failed, delayed)",
  labelNames: ["type", "outcome"] as const,
  registers: [registry],
});

export const jobDuration = new Histogram({
  name: "rb_job_duration_seconds",
  help: "Job run time by type and outcome",
  labelNames: ["type", "outcome"] as const,
  buckets: [...seconds, 60],
  registers: [registry],
});

export const deliveriesTotal = new Counter({
  name: "rb_deliveries_total",
  help: "Delivery attempts to providers by channel and outcome (delivered, retry, failed)",
  labelNames: ["channel", "outcome"] as const,
  registers: [registry],
});

export const roundFanOut = new Histogram({
  name: "rb_round_fanout_seconds",
  help: "From a round opening (the raise, for round 1) to its last delivery accepted",
  buckets: [1, 5, 15, 30, 60, 120, 300, 900, 3600, 14_400],
  registers: [registry],
});

export const destinationWaitsTotal = new Counter({
  name: "rb_destination_waits_total",
  help: "Jobs parked because their destination (webhook host, email domain) had no free slot, by job type",
  labelNames: ["type"] as const,
  registers: [registry],
});

export const chatPostsTotal = new Counter({
  name: "rb_chat_posts_total",
  help: "Messages posted or updated in chat, by platform and kind (card, reply, update)",
  labelNames: ["platform", "kind"] as const,
  registers: [registry],
});

export const chatThrottlesTotal = new Counter({
  name: "rb_chat_throttles_total",
  help: "Chat posts held back, by platform and reason (channel_interval: our pacing; rate_limited: a 429)",
  labelNames: ["platform", "reason"] as const,
  registers: [registry],
});

/** Where the scrape-time figures come from: set by the service at start. */
interface Sources {
  db: Db;
  queues: JobQueues;
  queueNames: string[];
}
let sources: Sources | undefined;
export function useMetricSources(s: Sources | undefined): void {
  sources = s;
}

/**
 * Scrape-time reads give up after 2 s and leave their series out: a scrape must still answer (with the process
 * figures) while Redis or PostgreSQL is down, which is when it matters most.
 */
async function settle<T>(read: () => Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      read(),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), 2_000);
      }),
    ]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

const QUEUE_STATES = ["waiting", "delayed", "active", "failed"] as const;
new Gauge({
  name: "rb_queue_jobs",
  help: "Jobs in each queue by state, read from Redis at scrape time",
  labelNames: ["queue", "state"] as const,
  registers: [registry],
  async collect() {
    this.reset();
    if (!sources) return;
    const { queues, queueNames } = sources;
    const all = await settle(() =>
      Promise.all(queueNames.map((name) => queues.queue(name).getJobCounts(...QUEUE_STATES))),
    );
    all?.forEach((counts, i) => {
      for (const state of QUEUE_STATES) this.set({ queue: queueNames[i]!, state }, counts[state] ?? 0);
    });
  },
});

// PostgreSQL figures are cached briefly: several scrapers (or a fast one) must not load the database.
const SQL_CACHE_MS = 5_000;
let sqlCache: { at: number; byStatus: { status: string; n: number }[]; oldestSeconds: number } | undefined;
async function sqlFigures() {
  if (!sources) return undefined;
  if (sqlCache && Date.now() - sqlCache.at < SQL_CACHE_MS) return sqlCache;
  const { db } = sources;
  const read = await settle(async () => {
    const byStatus = await db.$queryRaw<{ status: string; n: number }[]>`
      SELECT "status"::text AS "status", COUNT(*)::int AS "n" FROM "Referral" GROUP BY "status"`;
    const [oldest] = await db.$queryRaw<{ seconds: number | null }[]>`
      SELECT EXTRACT(EPOCH FROM (now() - MIN("createdAt")))::float8 AS "seconds" FROM "Referral"
      WHERE "status" NOT IN ('draft', 'placed', 'withdrawn', 'expired')`;
    return { byStatus, oldestSeconds: oldest?.seconds ?? 0 };
  });
  if (!read) return undefined;
  sqlCache = { at: Date.now(), ...read };
  return sqlCache;
}

new Gauge({
  name: "rb_referrals",
  help: "Referrals by state (PostgreSQL, cached 5 s)",
  labelNames: ["state"] as const,
  registers: [registry],
  async collect() {
    this.reset();
    for (const row of (await sqlFigures())?.byStatus ?? []) this.set({ state: row.status }, row.n);
  },
});

new Gauge({
  name: "rb_oldest_unplaced_referral_age_seconds",
  help: "Age of the oldest referral not yet placed, withdrawn or expired (0 when there is none)",
  registers: [registry],
  async collect() {
    this.reset();
    const figures = await sqlFigures();
    if (figures) this.set(figures.oldestSeconds);
  },
});
