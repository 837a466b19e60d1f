// The steps of a send in a delivery-batch job (src/jobs/delivery-batch.ts), shared by its two ways of sending:
// a batch to distinct destinations and a lane to one. Each step keeps a delivery-send job's guarantees by handing
// the send to a job of its own whenever the batch cannot finish it.

import type { z } from "zod";
import { retryDelayMs } from "../delivery/backoff.js";
import { type ClaimedDelivery, claimDeliveries, unclaimedReason } from "../delivery/claim.js";
import type { Release } from "../delivery/destination-limiter.js";
import { FAILURE_REASONS } from "../delivery/failure-reasons.js";
import { outboundFor } from "../delivery/outbound.js";
import { DeliveryError } from "../errors.js";
import type { DeliveryChannelPort, OutboundDelivery } from "../ports.js";
import type { deliverySendContract } from "../queue/contracts.js";
import {
  deliverySendJob,
  failureDetailOf,
  markFailed,
  recordAllDelivered,
  recordFailedAttempt,
} from "./delivery-send.js";
import type { JobDeps } from "./deps.js";
import type { JobContext } from "./job-type.js";

export type Send = z.infer<typeof deliverySendContract.payload>;

/** A send made ready (on a slot its job holds): its delivery claimed, its message built. */
export type Ready = {
  send: Send;
  destination: string;
  d: ClaimedDelivery;
  channel: DeliveryChannelPort;
  message: OutboundDelivery;
};

/** Runs one step of a send; when the database or Redis fails around it, its own job sends it after a pause. */
export async function guarded<T>(deps: JobDeps, send: Send, ctx: JobContext, step: () => Promise<T | undefined>) {
  try {
    return await step();
  } catch (err) {
    ctx.logger.warn({ deliveryId: send.deliveryId, error: failureDetailOf(err) }, "batched send handed to its own job");
    await handOver(deps, [send], { delayMs: retryDelayMs(1, deps.config.DELIVERY_BACKOFF_MS) });
    return undefined;
  }
}

/** Queues sends as delivery-send jobs of their own (a job already queued for one is left as it is). */
export function handOver(deps: JobDeps, sends: Send[], opts: { delayMs?: number; attempts?: number } = {}) {
  return deps.queues.add(deliverySendJob, sends, { attempts: deps.config.DELIVERY_MAX_ATTEMPTS, ...opts });
}

export const notReleased = (ctx: JobContext, err: Error) =>
  ctx.logger.warn({ error: err.message.slice(0, 200) }, "destination slot not released");

/** Frees a slot (runs once); a failure is logged, and the slot expires on its own. */
export const freeing = (ctx: JobContext, release: Release | undefined) =>
  release?.().catch((err: Error) => notReleased(ctx, err));

/**
 * Claims sends' deliveries, in one statement, and builds their messages, on a slot already held (which this
 * leaves held whatever happens): the ones made ready, in their order. A send not pending, or whose message could
 * not be built (a failed attempt, recorded), is left out; when the database fails, they all go on in their own
 * jobs after a pause.
 */
export async function claimAllReady(
  deps: JobDeps,
  sends: Send[],
  ctx: JobContext,
  on: { destination: string; channel: DeliveryChannelPort },
): Promise<Ready[]> {
  let ds: (ClaimedDelivery | undefined)[];
  try {
    ds = await claimDeliveries(
      deps.db,
      sends.map((s) => s.deliveryId),
      deps.clock.now(),
    );
  } catch (err) {
    ctx.logger.warn(
      { deliveryIds: sends.map((s) => s.deliveryId), error: failureDetailOf(err) },
      "batched sends handed to their own jobs",
    );
    await handOver(deps, sends, { delayMs: retryDelayMs(1, deps.config.DELIVERY_BACKOFF_MS) });
    return [];
  }
  const ready: Ready[] = [];
  for (const [i, send] of sends.entries()) {
    const d = ds[i];
    const made = await guarded(deps, send, ctx, async () => {
      if (!d) return void (await unclaimed(deps, send));
      try {
        return { send, d, ...on, message: outboundFor(d, "referral", deps.config) };
      } catch (err) {
        await attemptFailed(deps, d, send, err, ctx);
        return undefined;
      }
    });
    if (made) ready.push(made);
  }
  return ready;
}

/** Sends a ready send: true when delivered (its recording to come), false when the attempt failed (recorded). */
export async function post(deps: JobDeps, r: Ready, ctx: JobContext): Promise<boolean> {
  try {
    await r.channel.send(r.message);
    return true;
  } catch (err) {
    await attemptFailed(deps, r.d, r.send, err, ctx);
    return false;
  }
}

/**
 * Records delivered sends, in one statement. If that fails (the database), the deliveries are left `sending`: their
 * own jobs look again once a send in flight could have ended, find them so, and send them again with the same
 * message ids (the receivers drop the repeats) and record them.
 */
export async function recordAll(deps: JobDeps, rs: Ready[], ctx: JobContext): Promise<void> {
  if (rs.length === 0) return;
  try {
    await recordAllDelivered(
      deps,
      rs.map((r) => r.d),
      ctx,
    );
  } catch (err) {
    ctx.logger.warn(
      { deliveryIds: rs.map((r) => r.d.id), error: failureDetailOf(err) },
      "deliveries sent but not recorded; their own jobs will",
    );
    await handOver(
      deps,
      rs.map((r) => r.send),
      { delayMs: deps.limiter.backstopMs },
    ).catch((e: Error) => ctx.logger.warn({ error: e.message.slice(0, 200) }, "sent deliveries not handed over"));
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
