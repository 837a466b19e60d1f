// The composition root: the only place (with the roles it starts, src/roles/) that builds adapters and wires them
// into the core. The connections every role shares are made here; each role's own wiring is in src/roles/.

import type { Server } from "node:http";
import type { Express } from "express";
import type { ChatCoreDeps } from "./chat/actions.js";
import type { ChatChannelLimiter } from "./chat/channel-limiter.js";
import type { Config } from "./config.js";
import { createDb, type Db } from "./db.js";
import type { EventSubscriber } from "./events.js";
import type { JobDeps } from "./jobs/deps.js";
import type { Logger } from "./logger.js";
import { migrateDatabase } from "./migrate.js";
import { useMetricSources } from "./observability/metrics.js";
import { type OpsServer, startOpsServer } from "./observability/ops-server.js";
import { setupTracing } from "./observability/tracing.js";
import { type Clock, systemClock } from "./ports.js";
import { JOB_NAMES } from "./queue/contracts.js";
import { JobQueues } from "./queue/queues.js";
import { createRedis } from "./redis.js";
import { type RoleContext, SHUTDOWN_GRACE_MS } from "./roles/context.js";

export { chatsFromConfig } from "./roles/chats.js";

export type Role = "web" | "worker" | "all";

export interface Service {
  db: Db;
  /** The web app (web roles), for tests that walk its routes. */
  app?: Express;
  queues: JobQueues;
  url?: string;
  /** The metrics and probes listener, when METRICS_PORT is set. */
  opsUrl?: string;
  close(): Promise<void>;
}

export interface ServiceOptions {
  config: Config;
  logger: Logger;
  role: Role;
  clock?: Clock;
  /** Chat adapters subscribe here to referral events. */
  subscribers?: EventSubscriber[];
  /** Replaces the real channels (tests measuring the core alone). */
  channels?: JobDeps["channels"];
  /** Chat platforms to post threads to (tests pass adapters pointed at local fakes). */
  chats?: JobDeps["chats"];
  /** The channels' posting schedule (tests pass one that records the slots it grants). */
  chatLimiter?: ChatChannelLimiter;
  /**
   * Tests only: the Teams bot's own outbound token, so a test with Teams credentials configured sends to its
   * local connector without asking Microsoft's login service (MSAL accepts only an https authority).
   */
  teamsBotToken?: () => Promise<string>;
  /** Test seam: fails raising a referral from chat after a step (see raiseReferral), to prove nothing is left. */
  raiseFault?: ChatCoreDeps["raiseFault"];
  /**
   * An HTTP server already listening, served instead of listening on PORT: the demo binds every port it needs
   * before it changes anything, so a port in use stops it with nothing touched.
   */
  server?: Server;
}

export async function startService(opts: ServiceOptions): Promise<Service> {
  const { config, logger, role } = opts;
  const clock = opts.clock ?? systemClock;
  // First, so that everything after it is traced (a no-op unless OTEL_EXPORTER_OTLP_ENDPOINT is set).
  const tracing = await setupTracing({
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    serviceName: config.OTEL_SERVICE_NAME,
  });
  if (config.MIGRATE_ON_START) await migrateDatabase(config.DATABASE_URL, logger);

  const db = createDb(config.DATABASE_URL, { poolSize: config.DATABASE_POOL_SIZE });
  const redis = createRedis(config.REDIS_URL);
  const queues = new JobQueues(redis, config.REDIS_PREFIX);
  const closers: (() => Promise<unknown>)[] = [];
  const queueNames = [...JOB_NAMES];
  useMetricSources({ db, queues, queueNames });
  // Before anything that waits on Redis or PostgreSQL: probes must answer (live, not ready) while they are down.
  const ops: OpsServer | undefined =
    config.METRICS_PORT > 0
      ? await startOpsServer({ port: config.METRICS_PORT, host: config.HOST, db, redis }, logger)
      : undefined;

  // Each role's code is loaded only by a process that runs it (a worker holds no routes, a web process no handlers).
  const ctx: RoleContext = { opts, config, logger, clock, db, redis, queues, queueNames, closers };
  if (role !== "web") await (await import("./roles/worker.js")).startWorkerRole(ctx);
  const web = role !== "worker" ? await (await import("./roles/web.js")).startWebRole(ctx) : undefined;
  const { app, url } = web ?? {};

  closers.push(() => tracing.shutdown());

  return {
    db,
    queues,
    url,
    ...(app ? { app } : {}),
    ...(ops ? { opsUrl: ops.url } : {}),
    async close() {
      for (const close of closers) await close();
      await queues.close();
      await redis.quit().catch(() => undefined);
      // A query still waiting for a connection would keep the pool from ever closing: bounded, so the process
      // still exits (its transactions roll back) rather than wait for the orchestrator's SIGKILL.
      const timer = new Promise<"timeout">((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS, "timeout").unref());
      if ((await Promise.race([db.$disconnect(), timer])) === "timeout") {
        logger.error("database connections still busy after the shutdown grace period: closing anyway");
      }
      await ops?.close();
    },
  };
}
