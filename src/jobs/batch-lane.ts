// A lane (see src/jobs/delivery-batch.ts): a delivery-batch job's sends all to one destination, on one slot there
// kept from one send to the next. A destination's lanes answer one at a time, not together as a fan-out to many
// hosts does, so their statements would not group with each other's (src/delivery/batcher.ts): a lane claims its
// next sends several at a time, while the last of the ones before is in flight, and records what was delivered
// several at a time, in one statement each. It claims no more than it sends in about a second: a claimed send
// goes out even if its referral closes meanwhile (its provider then gets the closed notice too), so a referral
// closed during a lane's run reaches at most a second's worth of that lane's sends more.

import { unclaimDeliveries } from "../delivery/claim.js";
import { channelOfDestination, type Waiter } from "../delivery/destination-limiter.js";
import {
  claimAllReady,
  freeing,
  guarded,
  handOver,
  notReleased,
  post,
  type Ready,
  recordAll,
  type Send,
} from "./batch-steps.js";
import type { JobDeps } from "./deps.js";
import { takeDestinationSlot } from "./destination-slot.js";
import type { JobContext } from "./job-type.js";

/** Most sends claimed at a time, and delivered ones recorded at a time. */
const STEP = 8;
/** How far ahead, in time, a lane claims: as many sends as its destination answers in this long. */
const CLAIM_AHEAD_MS = 1000;
/** How late a delivered send may be recorded at most (the card's count of providers reached waits for it). */
const RECORD_WITHIN_MS = 1000;

export async function sendLane(deps: JobDeps, destination: string, sends: Send[], ctx: JobContext, waiter: Waiter) {
  const channel = deps.channels[channelOfDestination(destination)];
  // Shutting down, the sends go on in jobs of their own, which a running worker picks up; without a channel, their
  // own jobs fail them with the reason.
  if (!deps.limiter.takingOver || !channel) return void (await handOver(deps, sends));
  // Busy: the whole lane parks until a release wakes it.
  const release = await takeDestinationSlot(deps, destination, waiter, ctx);
  let claimed = 0;
  // How long the destination takes to answer (a moving average); a guess until it has: two claimed at first.
  let answerMs = CLAIM_AHEAD_MS / 2;
  const claimNext = () => {
    const step = sends.slice(claimed, claimed + Math.max(1, Math.min(STEP, Math.floor(CLAIM_AHEAD_MS / answerMs))));
    claimed += step.length;
    return claimAllReady(deps, step, ctx, { destination, channel });
  };
  let queue: Ready[] = [];
  let ahead: Promise<Ready[]> | undefined = claimNext();
  let delivered: Ready[] = [];
  let oldest = 0;
  let recording = Promise.resolve();
  const flush = () => {
    const done = delivered;
    delivered = [];
    if (done.length > 0) recording = recording.then(() => recordAll(deps, done, ctx));
  };
  try {
    while (queue.length > 0 || ahead) {
      if (queue.length === 0) {
        queue = await ahead!;
        ahead = undefined;
      }
      if (!deps.limiter.takingOver) break;
      // The next sends are claimed while the last of these is in flight.
      if (queue.length <= 1 && !ahead && claimed < sends.length) ahead = claimNext();
      const current = queue.shift();
      if (!current) continue;
      await release.renew().catch((err: Error) => notReleased(ctx, err));
      const sentAt = performance.now();
      const ok = await guarded(deps, current.send, ctx, () => post(deps, current, ctx));
      answerMs = 0.7 * answerMs + 0.3 * (performance.now() - sentAt);
      if (ok) {
        if (delivered.length === 0) oldest = Date.now();
        delivered.push(current);
      }
      if (delivered.length >= STEP || (delivered.length > 0 && Date.now() - oldest >= RECORD_WITHIN_MS)) flush();
    }
  } finally {
    flush();
    await handBack(deps, ctx, [...queue, ...(ahead ? await ahead.catch(() => []) : [])], sends.slice(claimed));
    await freeing(ctx, release);
    await recording;
  }
}

/**
 * A lane that stops early (its worker shutting down, or an error): its sends claimed and not sent are pending
 * again, and they and the ones never claimed go on in jobs of their own. If that fails too, the lane's own retry
 * finds them (claimed ones after a send in flight could have ended).
 */
async function handBack(deps: JobDeps, ctx: JobContext, claimed: Ready[], rest: Send[]): Promise<void> {
  if (claimed.length === 0 && rest.length === 0) return;
  try {
    await unclaimDeliveries(
      deps.db,
      claimed.map((r) => r.d.id),
    );
    await handOver(deps, [...claimed.map((r) => r.send), ...rest]);
  } catch (err) {
    ctx.logger.warn({ sends: claimed.length + rest.length, error: (err as Error).name }, "lane's rest not handed over");
  }
}
