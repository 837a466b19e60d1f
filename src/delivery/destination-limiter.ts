// At most N deliveries in flight to one destination (webhook host or email domain) across every worker, so a
// slow or dead provider ties up N slots, never the whole pool. Slots expire on their own, so a worker killed
// mid-send cannot leak one. BullMQ's per-group limits are a paid feature, hence this small Redis semaphore.
//
// A job refused a slot does not poll. While this process holds slots for the destination, up to as many refused
// jobs wait here, in memory, and a finishing holder hands its slot straight to the next of them (no Redis round
// trip, no re-queueing). The rest park (delayed, with a long backstop delay) in the destination's waiting list in
// Redis, and each release that has no local waiter wakes the longest parked job (BullMQ promote), unless the
// holder can do that job's work itself: it then keeps the slot and runs it (Release.takeOver). A round's sends
// beyond the limit are put on that list when they are queued (parkQueued), so they never start only to be
// refused. If Redis loses the list, or a slot holder dies without releasing, the backstop delay still runs every
// parked job again. A batch of sends to distinct destinations takes its slots all at once (acquireAll), keeps
// them together and frees them together: two round trips for the batch, not one per send.
import { randomUUID } from "node:crypto";
import type { JobQueues } from "../queue/queues.js";
import type { Redis } from "../redis.js";
import { SCRIPTS } from "./limiter-scripts.js";

/** A parked job: its queue and id. */
export interface Waiter {
  queue: string;
  jobId: string;
}

/** Waiters tried per wake-up: entries of jobs that already ran (woken by their backstop) are skipped. */
const MAX_STALE_WAITERS = 20;

const DETACH = Symbol("detach");

/**
 * Frees a held slot (runs once). `takeOver` instead keeps the slot for the next job waiting for the destination
 * when `accept` says the caller can run that job's work itself: the entry and the slot's new release, or
 * undefined when the slot went to a job here, to nobody, or to a waiter not accepted (which is woken as usual).
 */
export type Release = (() => Promise<void>) & {
  takeOver(accept: (waiter: Waiter) => boolean): Promise<{ waiter: Waiter; release: Release } | undefined>;
  /** Keeps the slot for another lifetime, for a holder that sends on it one message after another (a lane); a
   * round trip to Redis only once a quarter of its lifetime has passed since it was taken or last renewed. */
  renew(): Promise<void>;
  /** Ends the hold for a release that goes back to Redis (see HeldSlots.release); undefined when done here. */
  [DETACH](): Promise<Detached | undefined>;
};
/** A freed slot still to be removed from Redis, with its destination (to wake its next waiter). */
type Detached = { destination: string; slots: string; waiting: string; holder: string };
/** Slots taken at several destinations at once (see acquireAll). */
export interface HeldSlots {
  /** For each destination asked for, in order: whether its slot was taken. */
  readonly taken: readonly boolean[];
  /** Keeps the slots for another lifetime; a round trip only once a quarter of it has passed since they were taken
   * or last renewed. */
  renew(): Promise<void>;
  /** Frees them (runs once): a job of this process waiting for one gets it; the rest are freed in one round trip,
   * and each of their destinations' next parked job is woken. */
  release(): Promise<void>;
}
/** The slots this process holds at one destination, and the jobs here waiting for one of them. */
type Local = { held: number; waiting: ((release: Release) => void)[] };

export class DestinationLimiter {
  /** How long a parked job waits at most: as long as a slot can be held, so a dead holder delays nobody longer. */
  readonly backstopMs: number;
  private readonly local = new Map<string, Local>();
  /** Jobs waiting in memory, all destinations: each one occupies a worker slot, so a slow host may take at most
   * `limit` slots to send and `limit` more to wait, whatever else is queued. */
  private localWaiting = 0;
  /** Slots handed from a finishing job to a waiting one in this process (for tests and the bench). */
  handOffs = 0;
  /** Waiters whose work a slot holder ran itself (see Release.takeOver). */
  takeOvers = 0;
  /** Off while the process shuts down: a holder then frees its slot rather than starting on more work. */
  takingOver = true;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly limit: number,
    private readonly slotTtlMs: number,
  ) {
    this.backstopMs = slotTtlMs;
    // EVALSHA: the scripts' text crosses the wire once per connection, not with every call.
    for (const [name, { lua, keys }] of Object.entries(SCRIPTS)) {
      if (!(name in redis)) redis.defineCommand(name, { lua, ...(keys === undefined ? {} : { numberOfKeys: keys }) });
    }
  }

  private call(name: keyof typeof SCRIPTS, ...args: (string | number)[]): Promise<unknown> {
    return (this.redis as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>)[name]!(...args);
  }

  /**
   * A release function when a slot was free, or once a job of this process hands its slot over; otherwise
   * undefined (the caller parks). The release wakes the next parked job when given the queues.
   */
  async acquire(destination: string, opts: { waiter?: Waiter; queues?: JobQueues } = {}): Promise<Release | undefined> {
    const keys = this.keysOf(destination);
    const holder = randomUUID();
    const now = Date.now();
    const got = await this.call(
      "limiterAcquire",
      keys.slots,
      keys.waiting,
      now,
      this.limit,
      now + this.slotTtlMs,
      holder,
      this.slotTtlMs * 2,
      opts.waiter ? entryOf(opts.waiter) : "",
    );
    const local = this.localOf(keys.slots);
    if (got === 1) {
      local.held++;
      return this.releaser(keys, local, holder, destination, opts.queues);
    }
    // Refused: wait here for a slot this process holds, when there are few enough waiting already.
    if (local.waiting.length < local.held && this.localWaiting < this.limit) {
      this.localWaiting++;
      return new Promise<Release>((resolve) => local.waiting.push(resolve));
    }
    if (local.held === 0 && local.waiting.length === 0) this.local.delete(keys.slots);
    return undefined;
  }

  /**
   * A slot at each of several distinct destinations that has one free, in one round trip: a batch of sends to
   * distinct destinations takes them as it starts, renews them together and frees them together as it ends. A
   * destination with none free is not waited for: the caller sends there another way.
   */
  async acquireAll(destinations: string[], queues: JobQueues): Promise<HeldSlots> {
    const keys = destinations.map((d) => this.keysOf(d));
    if (new Set(keys.map((k) => k.slots)).size !== keys.length) throw new Error("acquireAll: a destination twice");
    const holders = destinations.map(() => randomUUID());
    const now = Date.now();
    const got =
      keys.length === 0
        ? []
        : ((await this.call(
            "limiterAcquireAll",
            keys.length,
            ...keys.map((k) => k.slots),
            now,
            this.limit,
            now + this.slotTtlMs,
            this.slotTtlMs * 2,
            ...holders,
          )) as number[]);
    const held: { slots: string; holder: string; release: Release }[] = [];
    for (const [i, k] of keys.entries()) {
      if (got[i] !== 1) continue;
      const local = this.localOf(k.slots);
      local.held++;
      held.push({
        slots: k.slots,
        holder: holders[i]!,
        release: this.releaser(k, local, holders[i]!, destinations[i]!, queues),
      });
    }
    let renewedAt = now;
    let done = false;
    return {
      taken: keys.map((_, i) => got[i] === 1),
      renew: async () => {
        const at = Date.now();
        if (done || held.length === 0 || at - renewedAt < this.slotTtlMs / 4) return;
        renewedAt = at;
        await this.call(
          "limiterExtendAll",
          held.length,
          ...held.map((h) => h.slots),
          at + this.slotTtlMs,
          this.slotTtlMs * 2,
          ...held.map((h) => h.holder),
        );
      },
      release: async () => {
        if (done) return;
        done = true;
        const freed: Detached[] = [];
        for (const h of held) {
          const d = await h.release[DETACH]();
          if (d) freed.push(d);
        }
        if (freed.length === 0) return;
        const parked = (await this.call(
          "limiterReleaseAll",
          freed.length * 2,
          ...freed.map((d) => d.slots),
          ...freed.map((d) => d.waiting),
          ...freed.map((d) => d.holder),
        )) as (string | null)[];
        await Promise.all(freed.map((d, i) => this.wake(d.destination, parked[i] ?? null, queues)));
      },
    };
  }

  /** A slot's release: to the next job waiting in this process if there is one, else back to Redis. Runs once. */
  private releaser(
    keys: { slots: string; waiting: string; taken: string },
    local: Local,
    holder: string,
    destination: string,
    queues: JobQueues | undefined,
  ): Release {
    let done = false;
    let renewedAt = Date.now();
    /** Hands the slot to a job waiting here; false when there is none. */
    const handOff = async () => {
      const next = local.waiting.shift();
      if (!next) return false;
      this.localWaiting--;
      this.handOffs++;
      // Best effort: without the fresh expiry the slot still lasts its first term, and the waiter must not hang.
      await this.call("limiterExtend", keys.slots, holder, Date.now() + this.slotTtlMs, this.slotTtlMs * 2).catch(
        () => undefined,
      );
      next(this.releaser(keys, local, holder, destination, queues));
      return true;
    };
    const freed = () => {
      local.held--;
      if (local.held === 0) this.local.delete(keys.slots);
    };
    const release = async () => {
      if (done) return;
      done = true;
      if (await handOff()) return;
      freed();
      const parked = (await this.call("limiterRelease", keys.slots, keys.waiting, holder)) as string | null;
      if (queues) await this.wake(destination, parked, queues);
    };
    const detach = async (): Promise<Detached | undefined> => {
      if (done) return undefined;
      done = true;
      if (await handOff()) return undefined;
      freed();
      return { destination, slots: keys.slots, waiting: keys.waiting, holder };
    };
    const takeOver: Release["takeOver"] = async (accept) => {
      if (done) return undefined;
      if (!this.takingOver || !queues) {
        await release();
        return undefined;
      }
      done = true;
      if (await handOff()) return undefined;
      const now = Date.now();
      const entry = (await this.call(
        "limiterTakeOver",
        keys.slots,
        keys.waiting,
        keys.taken,
        holder,
        now + this.slotTtlMs,
        now,
        this.slotTtlMs * 2,
      )) as string | null;
      if (!entry) {
        freed();
        return undefined;
      }
      const waiter = waiterOf(entry);
      if (accept(waiter)) {
        this.takeOvers++;
        return { waiter, release: this.releaser(keys, local, holder, destination, queues) };
      }
      // Not work the holder can do: free the slot after all and wake that waiter to take it.
      freed();
      await this.redis.zrem(keys.slots, holder);
      await this.redis.zrem(keys.taken, entry);
      await this.wake(destination, entry, queues);
      return undefined;
    };
    const renew = async () => {
      const now = Date.now();
      if (done || now - renewedAt < this.slotTtlMs / 4) return;
      renewedAt = now;
      await this.call("limiterExtend", keys.slots, holder, now + this.slotTtlMs, this.slotTtlMs * 2);
    };
    return Object.assign(release, { takeOver, renew, [DETACH]: detach });
  }

  private localOf(key: string): Local {
    let local = this.local.get(key);
    if (!local) {
      local = { held: 0, waiting: [] };
      this.local.set(key, local);
    }
    return local;
  }

  /** Puts a parked job (already delayed by its backstop) on the destination's waiting list. */
  async park(destination: string, waiter: Waiter, queues: JobQueues): Promise<void> {
    const keys = this.keysOf(destination);
    const next = (await this.call(
      "limiterPark",
      keys.slots,
      keys.waiting,
      Date.now(),
      this.limit,
      entryOf(waiter),
      this.backstopMs * 4,
    )) as string | null;
    await this.wake(destination, next, queues);
  }

  /**
   * Jobs for one destination beyond its limit, queued delayed (by the backstop) at the moment they were made, go
   * straight onto its waiting list: they need not start, be refused and park first (a fan-out to one host would
   * otherwise run each of its jobs twice). The releases of the jobs queued to run now wake them, in this order, so
   * they must be listed before those jobs are queued (a slot freed with nobody listed wakes nobody).
   */
  async parkQueued(destination: string, waiters: Waiter[]): Promise<void> {
    const key = this.keysOf(destination).waiting;
    const at = Date.now();
    for (let i = 0; i < waiters.length; i += 1000) {
      // Scores keep the order across chunks: the script adds i/1000 ms per place within a chunk.
      const chunk = waiters.slice(i, i + 1000).map(entryOf);
      await this.call("limiterParkQueued", key, at + i, this.backstopMs * 4, ...chunk);
    }
  }

  /** How many jobs of one destination to run at once; the rest wait their turn (see parkQueued). */
  get perDestination(): number {
    return this.limit;
  }

  /** Runs the popped waiter now; one whose job is no longer parked is skipped for the next. */
  private async wake(destination: string, first: string | null, queues: JobQueues): Promise<void> {
    const keys = this.keysOf(destination);
    let entry = first;
    for (let i = 0; entry && i < MAX_STALE_WAITERS; i++) {
      const waiter = waiterOf(entry);
      if (await queues.promote(waiter.queue, waiter.jobId)) return;
      entry = (await this.call("limiterRelease", keys.slots, keys.waiting, "")) as string | null;
    }
  }

  /**
   * Whether a holder here or in another worker took this waiter's work over (Release.takeOver) and may still be
   * doing it: as long as the slot it did it on can last. The waiter's own job must then leave the work alone.
   */
  async takenOver(destination: string, waiter: Waiter): Promise<boolean> {
    const until = await this.redis.zscore(this.keysOf(destination).taken, entryOf(waiter));
    return until !== null && Number(until) > Date.now();
  }

  private keysOf(destination: string) {
    const d = destination.toLowerCase();
    return {
      slots: `${this.prefix}:dest:${d}`,
      waiting: `${this.prefix}:destwait:${d}`,
      taken: `${this.prefix}:desttaken:${d}`,
    };
  }
}

/** Queue names and BullMQ job ids hold no ':' (see jobIdOf), so the first one splits them. */
const entryOf = (w: Waiter) => `${w.queue}:${w.jobId}`;
const waiterOf = (entry: string): Waiter => {
  const cut = entry.indexOf(":");
  return { queue: entry.slice(0, cut), jobId: entry.slice(cut + 1) };
};

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
