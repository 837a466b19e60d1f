// Sends several deliveries of one round, one after the other, in one job. A job costs the worker about as much as
// the send it carries (BullMQ's scripts to queue, fetch and finish it, its lock, its context): in a fan-out to
// hundreds of hosts, a job per delivery held the service to about a third of what a bare client posts. The relay
// makes two kinds (src/jobs/outbox-relay.ts):
// - a batch: sends to destinations no other send of the round goes to, made only when there are enough of them
//   to keep every worker slot busy with a batch (so as many sends are in flight as with a job each). Each send
//   takes a slot at its destination as the send before frees its own.
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
// The next send is made ready (its delivery claimed, its message built, in a batch its slot taken) while the one
// before is in flight, so that only its POST stands between an answer and the next send: in a fan-out every
// batch's answer comes at about the same moment, and the worker's round trips and bookkeeping for all of them
// held each next send back. So a batch holds two slots for a moment, at two destinations, and a claimed send may
// wait for the one before's answer, up to WEBHOOK_TIMEOUT_MS (a slot's lifetime allows for both).

import { destinationOfDelivery } from "../delivery/claim.js";
import { channelOfDestination, type Release } from "../delivery/destination-limiter.js";
import type { DeliveryChannelPort } from "../ports.js";
import { deliveryBatchContract } from "../queue/contracts.js";
import { sendLane } from "./batch-lane.js";
import { claimAllReady, freeing, guarded, handOver, post, type Ready, recordAll, type Send } from "./batch-steps.js";
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

/** Sends to distinct destinations, each next one made ready (its slot too) while the one before is in flight. */
async function sendBatch(deps: JobDeps, sends: Send[], ctx: JobContext) {
  // The slot of the last send that got its answer, freed as the next send takes its own (one round trip).
  let held: Release | undefined;
  // The recording of the sends before, which runs while the next one is sent.
  let recording = Promise.resolve();
  // Made ready and not sent yet: its slot is freed if the batch stops with it.
  let ready: Ready | undefined;
  /** Makes send i ready, freeing `after`: undefined when it went another way, "stop" when shutting down. */
  const prepare = async (i: number, after: Release | undefined): Promise<Ready | undefined | "stop"> => {
    // Shutting down: the rest go on in jobs of their own, which a running worker picks up.
    if (!deps.limiter.takingOver) {
      await freeing(ctx, after);
      await handOver(deps, sends.slice(i));
      return "stop";
    }
    return guarded(deps, sends[i]!, ctx, () => prepareOne(deps, sends[i]!, ctx, after));
  };
  /** Sends a ready one; delivered, it keeps its slot for the next send to free and is recorded after the ones
   * before; otherwise its slot is freed. */
  const send = async (current: Ready) => {
    if (!(await guarded(deps, current.send, ctx, () => post(deps, current, ctx)))) {
      await freeing(ctx, current.release);
      return;
    }
    const before = held;
    held = current.release;
    await freeing(ctx, before);
    recording = recording.then(() => recordAll(deps, [current], ctx));
  };
  try {
    let next = await prepare(0, undefined);
    for (let i = 0; next !== "stop"; i++) {
      const current = next;
      ready = current;
      const following = sends[i + 1];
      if (!following) {
        next = "stop";
        if (current) await send(current);
      } else if (current && following.destination && following.destination !== current.destination) {
        // Side by side (at one destination, the next would wait for this one's slot).
        const after = held;
        held = undefined;
        [, next] = await Promise.all([send(current), prepare(i + 1, after)]);
      } else {
        if (current) await send(current);
        const after = held;
        held = undefined;
        next = await prepare(i + 1, after);
      }
      ready = undefined;
    }
  } finally {
    await freeing(ctx, ready?.release);
    await freeing(ctx, held);
    await recording;
  }
}

/**
 * Makes a send ready on a slot at its destination, taken as `after` (a slot this batch is done with) is freed.
 * Undefined when it goes another way: to its own job (no channel, destination busy), or nowhere (not pending).
 */
async function prepareOne(
  deps: JobDeps,
  send: Send,
  ctx: JobContext,
  after: Release | undefined,
): Promise<Ready | undefined> {
  let release: Release | undefined;
  let destination: string | undefined;
  let channel: DeliveryChannelPort | undefined;
  try {
    destination = send.destination ?? (await destinationOfDelivery(deps.db, send.deliveryId));
    channel = destination ? deps.channels[channelOfDestination(destination)] : undefined;
    // Without a channel its own job fails it with the reason; a busy destination makes it wait its turn there.
    if (destination && channel) {
      release = await deps.limiter.acquire(destination, { queues: deps.queues, ...(after ? { after } : {}) });
    }
  } finally {
    await freeing(ctx, after); // runs once: freed above if it went with the slot taken
  }
  if (!destination) return undefined;
  if (!release || !channel) {
    await handOver(deps, [send]);
    return undefined;
  }
  let made: Ready | undefined;
  try {
    [made] = await claimAllReady(deps, [send], ctx, { destination, release, channel });
    return made;
  } finally {
    if (!made) await freeing(ctx, release);
  }
}
