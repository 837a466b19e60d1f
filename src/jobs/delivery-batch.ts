// Sends several deliveries of one round, one after the other, in one job. A job costs the worker about as much as
// the send it carries (BullMQ's scripts to queue, fetch and finish it, its lock, its context): in a fan-out to
// hundreds of hosts, a job per delivery held the service to about a third of what a bare client posts. The relay
// makes two kinds (src/jobs/outbox-relay.ts):
// - a batch: sends to destinations no other send of the round goes to, made only when there are enough of them
//   to keep every worker slot busy with a batch (so as many sends are in flight as with a job each). It takes a
//   slot at each of its destinations as it starts, in one round trip to Redis, and frees them all as it ends: a
//   round trip per send (free the last slot, take the next) was about a sixth of a fan-out's time. Each slot is
//   thus held a little longer than its send, by a job whose sends are one after the other.
// - a lane: sends to one destination that has many in the round. The lane waits for a slot there as one job
//   (parked, woken by a release, as a delivery-send job waits) and keeps it from one send to the next, as many
//   lanes as the destination's limit: its sends go out in the order they were queued, as the waiting list would
//   have run them, without a job, a wake-up and a slot's round trips for each.
//
// Each send is the delivery-send job's (slot, claim, POST, record), and a send the batch cannot finish goes on in
// a delivery-send job of its own, which keeps that job's guarantees: its destination busy (it waits its turn),
// its attempt failed (it is retried with the same backoff and attempts in all), or left `sending` by an earlier
// run of this batch that died with its worker (sent again once any send still in flight has run out).
//
// The next send is made ready (its delivery claimed, its message built) while the one before is in flight, so
// that only its POST stands between an answer and the next send: in a fan-out every batch's answer comes at about
// the same moment, and the worker's round trips and bookkeeping for all of them held each next send back. So a
// claimed send may wait for the one before's answer, up to WEBHOOK_TIMEOUT_MS (a slot's lifetime allows for it).

import { retryDelayMs } from "../delivery/backoff.js";
import { destinationOfDelivery } from "../delivery/claim.js";
import { channelOfDestination, type HeldSlots } from "../delivery/destination-limiter.js";
import type { DeliveryChannelPort } from "../ports.js";
import { deliveryBatchContract } from "../queue/contracts.js";
import { sendLane } from "./batch-lane.js";
import {
  claimAllReady,
  guarded,
  handOver,
  notReleased,
  post,
  type Ready,
  recordAll,
  type Send,
} from "./batch-steps.js";
import { failureDetailOf } from "./delivery-send.js";
import type { JobDeps } from "./deps.js";
import type { JobContext, JobType } from "./job-type.js";

/** Most sends in a batch: a slow provider holds up the sends behind it in its batch, at most this many. */
export const MAX_BATCH = 10;

export const deliveryBatchJob: JobType<typeof deliveryBatchContract.payload, JobDeps> = {
  ...deliveryBatchContract,
  async handle(deps, p, ctx) {
    const lane = laneOf(p.sends);
    if (lane)
      await sendLane(deps, lane, p.sends, ctx, {
        queue: deliveryBatchContract.name,
        jobId: deliveryBatchContract.jobId(p),
      });
    else await sendBatch(deps, p.sends, ctx);
  },
};

/** The one destination of a lane: every send (two or more) goes there. */
function laneOf(sends: Send[]): string | undefined {
  const first = sends[0]?.destination;
  return sends.length > 1 && first && sends.every((s) => s.destination === first) ? first : undefined;
}

/**
 * Sends to distinct destinations, on slots there all taken as the batch starts (one round trip) and freed as it
 * ends (one more), each next send made ready while the one before is in flight.
 */
async function sendBatch(deps: JobDeps, sends: Send[], ctx: JobContext) {
  // Shutting down: they go on in jobs of their own, which a running worker picks up.
  if (!deps.limiter.takingOver) return void (await handOver(deps, sends));
  const placed = await onSlots(deps, sends, ctx);
  if (!placed) return;
  const { going, slots } = placed;
  // The recording of the sends before, which runs while the next one is sent.
  let recording = Promise.resolve();
  /** Makes send i ready: undefined when it went another way, "stop" (the rest handed over) when shutting down. */
  const prepare = async (i: number): Promise<Ready | undefined | "stop"> => {
    if (!deps.limiter.takingOver) {
      await handOver(
        deps,
        going.slice(i).map((g) => g.send),
      );
      return "stop";
    }
    const g = going[i]!;
    return guarded(deps, g.send, ctx, async () => (await claimAllReady(deps, [g.send], ctx, g))[0]);
  };
  /** Sends a ready one; delivered, it is recorded after the ones before. */
  const send = async (current: Ready) => {
    if (await guarded(deps, current.send, ctx, () => post(deps, current, ctx)))
      recording = recording.then(() => recordAll(deps, [current], ctx));
  };
  try {
    let next = await prepare(0);
    for (let i = 0; next !== "stop"; i++) {
      const current = next;
      // A batch can outlast a slot's lifetime (its sends one after the other, each up to WEBHOOK_TIMEOUT_MS).
      await slots.renew().catch((err: Error) => notReleased(ctx, err));
      if (i + 1 < going.length) [, next] = await Promise.all([current && send(current), prepare(i + 1)]);
      else {
        if (current) await send(current);
        next = "stop";
      }
    }
  } finally {
    await slots.release().catch((err: Error) => notReleased(ctx, err));
    await recording;
  }
}

/**
 * Each send's destination and channel, and a slot at each destination, all taken in one round trip. The sends
 * that cannot go now go on in jobs of their own: no channel (it fails them with the reason), destination busy
 * (it waits its turn there), or a destination twice in the batch. Undefined when none goes now.
 */
async function onSlots(deps: JobDeps, sends: Send[], ctx: JobContext) {
  const candidates: { send: Send; destination: string; channel: DeliveryChannelPort }[] = [];
  const others: Send[] = [];
  let slots: HeldSlots | undefined;
  try {
    // The limiter counts a destination whatever its case (an email domain keeps the case it was written in).
    const seen = new Set<string>();
    for (const send of sends) {
      // Payloads queued before sends carried their destination look it up; a delivery gone has nothing to send.
      const destination = send.destination ?? (await destinationOfDelivery(deps.db, send.deliveryId));
      if (!destination) continue;
      const channel = deps.channels[channelOfDestination(destination)];
      if (!channel || seen.has(destination.toLowerCase())) others.push(send);
      else {
        seen.add(destination.toLowerCase());
        candidates.push({ send, destination, channel });
      }
    }
    slots = await deps.limiter.acquireAll(
      candidates.map((c) => c.destination),
      deps.queues,
    );
    const taken = slots.taken;
    await handOver(deps, [...others, ...candidates.filter((_, i) => !taken[i]).map((c) => c.send)]);
    const going = candidates.filter((_, i) => taken[i]);
    if (going.length > 0) return { going, slots };
    await slots.release();
  } catch (err) {
    // The database or Redis failed: they all go on in their own jobs after a pause, and any slots taken are freed.
    ctx.logger.warn(
      { deliveryIds: sends.map((s) => s.deliveryId), error: failureDetailOf(err) },
      "batched sends handed to their own jobs",
    );
    await slots?.release().catch((e: Error) => notReleased(ctx, e));
    await handOver(deps, sends, { delayMs: retryDelayMs(1, deps.config.DELIVERY_BACKOFF_MS) });
  }
  return undefined;
}
