// Sends several deliveries of one round, one after the other, in one job. A job costs the worker about as much as
// the send it carries (BullMQ's scripts to queue, fetch and finish it, its lock, its context): in a fan-out to
// hundreds of hosts, a job per delivery held the service to about a third of what a bare client posts. The relay
// batches only sends to destinations no other send of the round goes to, and only when there are enough of them
// to keep every worker slot busy with a batch (so as many sends are in flight as with a job each).
//
// Each send is the delivery-send job's (slot, claim, POST, record), and a send the batch cannot finish goes on in
// a delivery-send job of its own, which keeps that job's guarantees: its destination busy (it waits its turn),
// its attempt failed (it is retried with the same backoff and attempts in all), or left `sending` by an earlier
// run of this batch that died with its worker (sent again once any send still in flight has run out).
//
// The next send is made ready (its slot taken, its delivery claimed, its message built) while the one before is
// in flight, so that only its POST stands between an answer and the next send: in a fan-out every batch's answer
// comes at about the same moment, and the worker's round trips and bookkeeping for all of them held each next
// send back. So a batch holds two slots for a moment, at two destinations, and a claimed send may wait for the
// one before's answer, up to WEBHOOK_TIMEOUT_MS (the slot's lifetime allows for both; see src/roles/worker.ts).

import type { z } from "zod";
import { retryDelayMs } from "../delivery/backoff.js";
import { type ClaimedDelivery, claimDelivery, destinationOfDelivery, unclaimedReason } from "../delivery/claim.js";
import { channelOfDestination, type Release } from "../delivery/destination-limiter.js";
import { FAILURE_REASONS } from "../delivery/failure-reasons.js";
import { outboundFor } from "../delivery/outbound.js";
import { DeliveryError } from "../errors.js";
import type { DeliveryChannelPort, OutboundDelivery } from "../ports.js";
import { deliveryBatchContract, type deliverySendContract } from "../queue/contracts.js";
import { deliverySendJob, failureDetailOf, markFailed, recordDelivered, recordFailedAttempt } from "./delivery-send.js";
import type { JobDeps } from "./deps.js";
import type { JobContext, JobType } from "./job-type.js";

type Send = z.infer<typeof deliverySendContract.payload>;

/** A send made ready: its slot held, its delivery claimed, its message built. */
type Ready = {
  send: Send;
  destination: string;
  d: ClaimedDelivery;
  release: Release;
  channel: DeliveryChannelPort;
  message: OutboundDelivery;
};

/** Most sends in one batch: a slow provider holds up the sends behind it in its batch, at most this many. */
export const MAX_BATCH = 10;

export const deliveryBatchJob: JobType<typeof deliveryBatchContract.payload, JobDeps> = {
  ...deliveryBatchContract,
  async handle(deps, p, ctx) {
    const { sends } = p;
    // The slot of the last send that got its answer, freed as the next send takes its own (one round trip).
    let held: Release | undefined;
    // The recording of the sends before, which runs while the next one is sent.
    let recording = Promise.resolve();
    // Made ready and not sent yet: its slot is freed if the batch stops with it.
    let ready: Ready | undefined;
    const freeing = (release: Release | undefined) => release?.().catch((err: Error) => notReleased(ctx, err));
    /** Makes send i ready, freeing `after`: undefined when it went another way, "stop" when shutting down. */
    const prepare = async (i: number, after: Release | undefined): Promise<Ready | undefined | "stop"> => {
      // Shutting down: the rest go on in jobs of their own, which a running worker picks up.
      if (!deps.limiter.takingOver) {
        await freeing(after);
        await handOver(deps, sends.slice(i));
        return "stop";
      }
      return guarded(deps, sends[i]!, ctx, () => prepareOne(deps, sends[i]!, ctx, after));
    };
    /** A delivered send keeps its slot for the next send to free, and is recorded after the ones before. */
    const keep = async (sent: Ready | undefined) => {
      if (!sent) return;
      const before = held;
      held = sent.release;
      await freeing(before);
      recording = recording.then(() => record(deps, sent.d, sent.send, ctx));
    };
    try {
      let next = await prepare(0, undefined);
      for (let i = 0; next !== "stop"; i++) {
        const current = next;
        ready = current;
        const following = sends[i + 1];
        if (!following) {
          next = "stop";
          if (current) await keep(await guarded(deps, current.send, ctx, () => post(deps, current, ctx)));
        } else if (current && following.destination && following.destination !== current.destination) {
          // Side by side (at one destination, the next would wait for this one's slot).
          const after = held;
          held = undefined;
          const [sent, prepared] = await Promise.all([
            guarded(deps, current.send, ctx, () => post(deps, current, ctx)),
            prepare(i + 1, after),
          ]);
          next = prepared;
          await keep(sent);
        } else {
          if (current) await keep(await guarded(deps, current.send, ctx, () => post(deps, current, ctx)));
          const after = held;
          held = undefined;
          next = await prepare(i + 1, after);
        }
        ready = undefined;
      }
    } finally {
      await freeing(ready?.release);
      await freeing(held);
      await recording;
    }
  },
};

/** Runs one step of a send; when the database or Redis fails around it, its own job sends it after a pause. */
async function guarded<T>(deps: JobDeps, send: Send, ctx: JobContext, step: () => Promise<T | undefined>) {
  try {
    return await step();
  } catch (err) {
    ctx.logger.warn({ deliveryId: send.deliveryId, error: failureDetailOf(err) }, "batched send handed to its own job");
    await handOver(deps, [send], { delayMs: retryDelayMs(1, deps.config.DELIVERY_BACKOFF_MS) });
    return undefined;
  }
}

/**
 * Records a delivered send. If that fails (the database), the delivery is left `sending`: its own job looks again
 * once a send in flight could have ended, finds it so, and sends it again with the same message id (the receiver
 * drops the repeat) and records it.
 */
async function record(deps: JobDeps, d: ClaimedDelivery, send: Send, ctx: JobContext): Promise<void> {
  try {
    await recordDelivered(deps, d, ctx);
  } catch (err) {
    ctx.logger.warn(
      { deliveryId: d.id, error: failureDetailOf(err) },
      "delivery sent but not recorded; its own job will",
    );
    await handOver(deps, [send], { delayMs: deps.limiter.backstopMs }).catch((e: Error) =>
      ctx.logger.warn({ deliveryId: d.id, error: e.message.slice(0, 200) }, "sent delivery not handed over"),
    );
  }
}

const notReleased = (ctx: JobContext, err: Error) =>
  ctx.logger.warn({ error: err.message.slice(0, 200) }, "destination slot not released");

/** Queues sends as delivery-send jobs of their own (a job already queued for one is left as it is). */
function handOver(deps: JobDeps, sends: Send[], opts: { delayMs?: number; attempts?: number } = {}) {
  return deps.queues.add(deliverySendJob, sends, { attempts: deps.config.DELIVERY_MAX_ATTEMPTS, ...opts });
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
    await after?.().catch((err: Error) => notReleased(ctx, err)); // runs once: freed above if it went with it
  }
  if (!destination) return undefined;
  if (!release || !channel) {
    await handOver(deps, [send]);
    return undefined;
  }
  let keep = false;
  try {
    const d = await claimDelivery(deps.db, send.deliveryId, deps.clock.now());
    if (!d) {
      await unclaimed(deps, send);
      return undefined;
    }
    let message: OutboundDelivery;
    try {
      message = outboundFor(d, "referral", deps.config);
    } catch (err) {
      await release().catch((e: Error) => notReleased(ctx, e));
      await attemptFailed(deps, d, send, err, ctx);
      return undefined;
    }
    keep = true;
    return { send, destination, d, release, channel, message };
  } finally {
    if (!keep) await release().catch((err: Error) => notReleased(ctx, err));
  }
}

/** Sends a ready send: itself when delivered (its slot still held, its recording to come), else undefined. */
async function post(deps: JobDeps, r: Ready, ctx: JobContext): Promise<Ready | undefined> {
  try {
    await r.channel.send(r.message);
  } catch (err) {
    await r.release().catch((e: Error) => notReleased(ctx, e));
    await attemptFailed(deps, r.d, r.send, err, ctx);
    return undefined;
  }
  return r;
}

/**
 * Not pending: delivered, failed or gone, nothing to do; due in a closed round, it will never be sent; left
 * `sending`, by a run of this batch that died or by a job of its own sending it now, its own job looks again once
 * a send in flight has run out (and sends it again, with the same message id, if it is still not done).
 */
async function unclaimed(deps: JobDeps, send: Send): Promise<void> {
  const why = await unclaimedReason(deps.db, send.deliveryId);
  if (why && "roundClosed" in why) {
    await markFailed(deps, send.deliveryId, why.referralId, why.providerId, FAILURE_REASONS.roundClosed);
  } else if (why) {
    await handOver(deps, [send], { delayMs: deps.limiter.backstopMs });
  }
}

/** As the delivery-send job's first attempt failing: final if permanent, else tried again by its own job. */
async function attemptFailed(deps: JobDeps, d: ClaimedDelivery, send: Send, err: unknown, ctx: JobContext) {
  const attempts = deps.config.DELIVERY_MAX_ATTEMPTS;
  if (await recordFailedAttempt(deps, d, err, ctx, 1, attempts)) return;
  const retryAfter = err instanceof DeliveryError ? err.retryAfterMs : undefined;
  await handOver(deps, [send], {
    attempts: attempts - 1,
    delayMs: retryDelayMs(1, deps.config.DELIVERY_BACKOFF_MS, retryAfter),
  });
}
