import { Redis } from "ioredis";

/** BullMQ workers need maxRetriesPerRequest: null, so they wait for Redis to come back instead of failing. */
export function createRedis(url: string, opts: { forWorker?: boolean } = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: opts.forWorker ? null : 3,
    enableReadyCheck: true,
    lazyConnect: false,
  });
}
export type { Redis };
