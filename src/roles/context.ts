// What the composition root (src/main.ts) hands each role it starts: the settings, the shared connections, and
// the list of closers that stops them in order.
import type { Config } from "../config.js";
import type { Db } from "../db.js";
import type { Logger } from "../logger.js";
import type { ServiceOptions } from "../main.js";
import type { Clock } from "../ports.js";
import type { JobQueues } from "../queue/queues.js";
import type { createRedis } from "../redis.js";

export interface RoleContext {
  opts: ServiceOptions;
  config: Config;
  logger: Logger;
  clock: Clock;
  db: Db;
  redis: ReturnType<typeof createRedis>;
  queues: JobQueues;
  /** Every job type's queue. */
  queueNames: string[];
  /** Run in order at shutdown; a role puts its own first (unshift) or last (push). */
  closers: (() => Promise<unknown>)[];
}

/** How long requests and chat work in flight may take to finish once the service is told to stop. */
export const SHUTDOWN_GRACE_MS = 10_000;
