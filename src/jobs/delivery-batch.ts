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

import type { z } from "zod";
import { retryDelayMs } from "../delivery/backoff.js";
import { type ClaimedDelivery, claimDelivery, destinationOfDelivery, unclaimedReason } from "../delivery/claim.js";
import { channelOfDestination, type Release } from "../delivery/destination-limiter.js";
import { FAILURE_REASONS } from "../delivery/failure-reasons.js";
import { outboundFor } from "../delivery/outbound.js";
import { DeliveryError } from "../errors.js";
import { deliveryBatchContract, type deliverySendContract } from "../queue/contracts.js";
import { deliverySendJob, failureDetailOf, markFailed, recordDelivered, recordFailedAttempt } from "./delivery-send.js";
import type { JobDeps } from "./deps.js";
import type { JobContext, JobType } from "./job-type.js";

type Send = z.infer<typeof deliverySendContract.payload>;

/** Most sends in one batch: a slow provider holds up the sends behind it in its batch, at most this many. */
export const MAX_BATCH = 10;

export const deliveryBatchJob: JobType<typeof deliveryBatchContract.payload, JobDeps> = {
  ...deliveryBatchContract,
  async handle(deps, p, ctx) {
    // The slot of the send before, freed as the next one takes its own (one round trip to Redis for both).
    let held: Release | undefined;
    // The recording of the sends before, which runs while the next one is sent: in a fan-out every batch's answer
    // comes at about the same moment, and recording first held each next send back by the whole worker's
    // bookkeeping for all of them.
    let recording = Promise.resolve();
    try {
      for (const [i, send] of p.sends.entries()) {
        // Shutting down: the rest go on in jobs of their own, which a running worker picks up.
        if (!deps.limiter.takingOver) return await handOver(deps, p.sends.slice(i));
        try {
          const sent = await sendOne(deps, send, ctx, held);
          held = sent?.release;
          if (sent) recording = recording.then(() => record(deps, sent.delivered, send, ctx));
        } catch (err) {
          // The database or Redis failed around the send: its own job sends it (or finds it sent) after a pause.
          ctx.logger.warn(
            { deliveryId: send.deliveryId, error: failureDetailOf(err) },
            "batched send handed to its own job",
          );
          await handOver(deps, [send], { delayMs: retryDelayMs(1, deps.config.DELIVERY_BACKOFF_MS) });
        }
      }
    } finally {
      await held?.().catch((err: Error) => notReleased(ctx, err));
      await recording;
    }
  },
};

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
 * One send, on a slot at its destination taken as `previous` (the send before's, still held) is freed. Returns a
 * delivered send, still to be recorded, with its slot still held for the next send to free; otherwise undefined,
 * its slot freed.
 */
async function sendOne(
  deps: JobDeps,
  send: Send,
  ctx: JobContext,
  previous: Release | undefined,
): Promise<{ delivered: ClaimedDelivery; release: Release } | undefined> {
  const destination = send.destination ?? (await destinationOfDelivery(deps.db, send.deliveryId));
  const channel = destination ? deps.channels[channelOfDestination(destination)] : undefined;
  // Without a channel its own job fails it with the reason; a busy destination makes it wait its turn there.
  const release =
    destination && channel
      ? await deps.limiter.acquire(destination, { queues: deps.queues, ...(previous ? { after: previous } : {}) })
      : undefined;
  await previous?.().catch((err: Error) => notReleased(ctx, err)); // runs once: freed above if it went with it
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
    try {
      await channel.send(outboundFor(d, "referral", deps.config));
    } catch (err) {
      await release().catch((e: Error) => notReleased(ctx, e));
      await attemptFailed(deps, d, send, err, ctx);
      return undefined;
    }
    keep = true;
    return { delivered: d, release };
  } finally {
    if (!keep) await release().catch((err: Error) => notReleased(ctx, err));
  }
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
