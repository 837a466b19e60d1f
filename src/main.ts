// The composition root: the only place that builds adapters and wires them into the core.
import type { Server } from "node:http";
import type { Worker } from "bullmq";
import type { Config } from "./config.js";
import { createDb, type Db } from "./db.js";
import { parseApiTokens } from "./http/api-auth.js";
import { createWebApp, finishWebApp } from "./http/app.js";
import { allJobTypes } from "./jobs/all.js";
import { startWorkers } from "./jobs/runtime.js";
import type { Logger } from "./logger.js";
import { migrateDatabase } from "./migrate.js";
import { type Clock, systemClock } from "./ports.js";
import { createRedis } from "./redis.js";

export type Role = "web" | "worker" | "all";

export interface Service {
  db: Db;
  url?: string;
  close(): Promise<void>;
}

export async function startService(opts: {
  config: Config;
  logger: Logger;
  role: Role;
  clock?: Clock;
}): Promise<Service> {
  const { config, logger, role } = opts;
  const clock = opts.clock ?? systemClock;
  if (config.MIGRATE_ON_START) await migrateDatabase(config.DATABASE_URL, logger);

  const db = createDb(config.DATABASE_URL);
  const redis = createRedis(config.REDIS_URL);
  const workerRedis = role === "web" ? undefined : createRedis(config.REDIS_URL, { forWorker: true });
  let server: Server | undefined;
  let workers: Worker[] = [];
  const decisions = { db, clock, thresholdPence: config.SECOND_APPROVAL_THRESHOLD_GBP * 100 };

  if (role !== "web" && workerRedis) {
    const types = allJobTypes();
    workers = startWorkers(
      types,
      { db, clock, logger, config },
      workerRedis,
      {
        prefix: config.REDIS_PREFIX,
        concurrency: config.WORKER_CONCURRENCY,
      },
      logger,
    );
    logger.info({ jobTypes: types.map((t) => t.name) }, "workers started");
  }

  let url: string | undefined;
  if (role !== "worker") {
    const app = createWebApp({ db, redis, logger, decisions, apiTokens: parseApiTokens(config.ART_API_TOKENS) });
    finishWebApp(app, logger);
    server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(config.PORT, config.HOST, () => resolve(s));
      s.once("error", reject);
    });
    const addr = server.address();
    url = typeof addr === "object" && addr ? `http://${config.HOST}:${addr.port}` : undefined;
    logger.info({ url, role }, "web server listening");
  }

  return {
    db,
    url,
    async close() {
      // Stop taking new work first, let in-flight jobs finish, then close connections.
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all([redis.quit().catch(() => undefined), workerRedis?.quit().catch(() => undefined)]);
      await db.$disconnect();
    },
  };
}
