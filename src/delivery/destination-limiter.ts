// At most N deliveries in flight to one destination (webhook host or email domain) across every worker, so a
// slow or dead provider ties up N slots, never the whole pool. Slots expire on their own, so a worker killed
// mid-send cannot leak one. BullMQ's per-group limits are a paid feature, hence this small Redis semaphore.
import { randomUUID } from "node:crypto";
import type { Redis } from "../redis.js";

const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  return 1
end
return 0`;

export class DestinationLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly limit: number,
    private readonly slotTtlMs: number,
  ) {}

  /** A release function when a slot was free, otherwise undefined (the caller retries a moment later). */
  async acquire(destination: string): Promise<(() => Promise<void>) | undefined> {
    const key = `${this.prefix}:dest:${destination.toLowerCase()}`;
    const holder = randomUUID();
    const now = Date.now();
    const got = await this.redis.eval(
      ACQUIRE,
      1,
      key,
      now,
      this.limit,
      now + this.slotTtlMs,
      holder,
      this.slotTtlMs * 2,
    );
    if (got !== 1) return undefined;
    return async () => {
      await this.redis.zrem(key, holder);
    };
  }
}

export function destinationOf(target: {
  channel: "email" | "webhook";
  email?: string | null;
  webhookUrl?: string | null;
}): string {
  if (target.channel === "webhook" && target.webhookUrl) return `webhook:${new URL(target.webhookUrl).host}`;
  return `email:${(target.email ?? "").split("@")[1] ?? "unknown"}`;
}
