// At most N deliveries in flight to one destination (webhook host or email domain) across every worker, so a
// slow or dead provider ties up N slots, never the whole pool. Slots expire on their own, so a worker killed
// mid-send cannot leak one. BullMQ's per-group limits are a paid feature, hence this small Redis semaphore.
//
// A job refused a slot does not poll: it parks (delayed, with a long backstop delay) in the destination's waiting
// list, and each release wakes the longest waiter (BullMQ promote). If Redis loses the list, or a slot holder dies
// without releasing, the backstop delay still runs every parked job again.
import { randomUUID } from "node:crypto";
import type { JobQueues } from "../queue/queues.js";
import type { Redis } from "../redis.js";

/** A parked job: its queue and id. */
export interface Waiter {
  queue: string;
  jobId: string;
}

// KEYS: slots, waiting. ARGV: now, limit, slot expiry, holder, slots TTL, waiter ('' for none).
// A waiter that gets its slot leaves the waiting list, so a stale entry cannot wake it later (say, mid-backoff).
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  if ARGV[6] ~= '' then redis.call('ZREM', KEYS[2], ARGV[6]) end
  return 1
end
return 0`;

// KEYS: slots, waiting. ARGV: now, limit, waiter, waiting TTL. A job parks in order of its first refusal (NX keeps
// its place when it parks again). A slot freed between the refusal and now found nobody to wake: wake one now.
const PARK = `
redis.call('ZADD', KEYS[2], 'NX', ARGV[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  return redis.call('ZPOPMIN', KEYS[2])[1]
end
return false`;

// KEYS: slots, waiting. ARGV: holder ('' to only pop). Frees the slot and hands back the next waiter to wake.
const RELEASE = `
if ARGV[1] ~= '' then redis.call('ZREM', KEYS[1], ARGV[1]) end
return redis.call('ZPOPMIN', KEYS[2])[1]`;

/** Waiters tried per wake-up: entries of jobs that already ran (woken by their backstop) are skipped. */
const MAX_STALE_WAITERS = 20;

export class DestinationLimiter {
  /** How long a parked job waits at most: as long as a slot can be held, so a dead holder delays nobody longer. */
  readonly backstopMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly limit: number,
    private readonly slotTtlMs: number,
  ) {
    this.backstopMs = slotTtlMs;
  }

  /**
   * A release function when a slot was free, otherwise undefined (the caller parks). The release wakes the next
   * parked job when given the queues.
   */
  async acquire(
    destination: string,
    opts: { waiter?: Waiter; queues?: JobQueues } = {},
  ): Promise<(() => Promise<void>) | undefined> {
    const keys = this.keysOf(destination);
    const holder = randomUUID();
    const now = Date.now();
    const got = await this.redis.eval(
      ACQUIRE,
      2,
      keys.slots,
      keys.waiting,
      now,
      this.limit,
      now + this.slotTtlMs,
      holder,
      this.slotTtlMs * 2,
      opts.waiter ? entryOf(opts.waiter) : "",
    );
    if (got !== 1) return undefined;
    return async () => {
      const next = (await this.redis.eval(RELEASE, 2, keys.slots, keys.waiting, holder)) as string | null;
      if (opts.queues) await this.wake(destination, next, opts.queues);
    };
  }

  /** Puts a parked job (already delayed by its backstop) on the destination's waiting list. */
  async park(destination: string, waiter: Waiter, queues: JobQueues): Promise<void> {
    const keys = this.keysOf(destination);
    const next = (await this.redis.eval(
      PARK,
      2,
      keys.slots,
      keys.waiting,
      Date.now(),
      this.limit,
      entryOf(waiter),
      this.backstopMs * 4,
    )) as string | null;
    await this.wake(destination, next, queues);
  }

  /** Runs the popped waiter now; one whose job is no longer parked is skipped for the next. */
  private async wake(destination: string, first: string | null, queues: JobQueues): Promise<void> {
    const keys = this.keysOf(destination);
    let entry = first;
    for (let i = 0; entry && i < MAX_STALE_WAITERS; i++) {
      const cut = entry.indexOf(":");
      if (await queues.promote(entry.slice(0, cut), entry.slice(cut + 1))) return;
      entry = (await this.redis.eval(RELEASE, 2, keys.slots, keys.waiting, "")) as string | null;
    }
  }

  private keysOf(destination: string) {
    const d = destination.toLowerCase();
    return { slots: `${this.prefix}:dest:${d}`, waiting: `${this.prefix}:destwait:${d}` };
  }
}

/** Queue names and BullMQ job ids hold no ':' (see jobIdOf), so the first one splits them. */
const entryOf = (w: Waiter) => `${w.queue}:${w.jobId}`;

export function destinationOf(target: {
  channel: "email" | "webhook";
  email?: string | null;
  webhookUrl?: string | null;
}): string {
  // A URL that does not parse shares one destination; its send fails with the reason (bad URL) anyway.
  if (target.channel === "webhook" && target.webhookUrl) return `webhook:${URL.parse(target.webhookUrl)?.host ?? "?"}`;
  return `email:${(target.email ?? "").split("@")[1] ?? "unknown"}`;
}

/** The channel a destination belongs to (a delivery's channel never changes, so its destination names it). */
export const channelOfDestination = (destination: string) =>
  destination.startsWith("webhook:") ? ("webhook" as const) : ("email" as const);
