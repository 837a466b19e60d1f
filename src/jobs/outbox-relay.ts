// Moves outbox records to the job queues. Safe to run in every worker at once: rows are claimed with
// SKIP LOCKED, and job ids are deterministic, so a record relayed twice still makes each job once.

import { poolOf, type Tx } from "../db.js";
import { pendingSendPayloads, type sendPayloadOf } from "../delivery/claim.js";
import { carrierOf, runWithCarrier } from "../observability/context.js";
import { inSpan } from "../observability/tracing.js";
import { MAX_BATCH_SENDS } from "../queue/contracts.js";
import { councilMessageJob } from "./council-message.js";
import { deliveryBatchJob, MAX_BATCH } from "./delivery-batch.js";
import { deliverySendJob } from "./delivery-send.js";
import type { JobDeps } from "./deps.js";
import { eventDispatchJob } from "./event-dispatch.js";
import { providerMessageJob } from "./provider-message.js";

type RelayDeps = Pick<JobDeps, "db" | "queues" | "config" | "clock" | "limiter">;

export async function relayOutbox(deps: RelayDeps, batch = 100): Promise<number> {
  // Most polls find nothing: that is asked in one statement on the pool, not in a transaction through Prisma (an
  // idle worker polled that way spent most of its CPU on it).
  const due = await poolOf(deps.db).query({
    name: "outbox-due",
    text: `SELECT 1 FROM "OutboxEvent" WHERE "dispatchedAt" IS NULL LIMIT 1`,
  });
  if (due.rows.length === 0) return 0;
  return deps.db.$transaction(
    async (tx) => {
      const rows = await tx.$queryRaw<OutboxRow[]>`
        SELECT "id", "kind", "payload" FROM "OutboxEvent" WHERE "dispatchedAt" IS NULL
        ORDER BY "id" LIMIT ${batch} FOR UPDATE SKIP LOCKED`;
      for (const row of rows) {
        // Each record is relayed in the context of the request that wrote it, so its jobs join that trace.
        await runWithCarrier(carrierOf(row.payload), () =>
          inSpan(`outbox-relay ${row.kind}`, { "outbox.id": String(row.id), "outbox.kind": row.kind }, () =>
            relayOne(tx, deps, row),
          ),
        );
      }
      if (rows.length) {
        await tx.outboxEvent.updateMany({
          where: { id: { in: rows.map((r) => r.id) } },
          data: { dispatchedAt: deps.clock.now() },
        });
      }
      return rows.length;
    },
    { timeout: 60_000 },
  );
}

type OutboxRow = { id: bigint; kind: string; payload: Record<string, unknown> };

async function relayOne(tx: Tx, deps: RelayDeps, row: OutboxRow): Promise<void> {
  if (row.kind === "round.opened") {
    await queueSends(deps, await pendingSendPayloads(tx, String(row.payload.roundId)));
  } else if (row.kind === "provider.messages") {
    const ids = (row.payload.ids as string[]) ?? [];
    await deps.queues.add(
      providerMessageJob,
      ids.map((messageId) => ({ messageId })),
      { attempts: deps.config.DELIVERY_MAX_ATTEMPTS },
    );
  } else if (row.kind === "council.messages") {
    const ids = (row.payload.ids as string[]) ?? [];
    await deps.queues.add(
      councilMessageJob,
      ids.map((messageId) => ({ messageId })),
      { attempts: deps.config.DELIVERY_MAX_ATTEMPTS },
    );
  } else if (row.kind === "event") {
    await deps.queues.add(eventDispatchJob, [{ outboxId: String(row.id), event: row.payload as { type: string } }], {
      attempts: 5,
    });
  }
}

type SendPayload = ReturnType<typeof sendPayloadOf>;

/**
 * A round's sends: as many per destination as may be in flight there run now; the rest are queued delayed and
 * put on their destination's waiting list, to be woken one by one as those finish (see DestinationLimiter). A
 * destination with enough sends for a full batch per slot gets lanes instead (src/jobs/delivery-batch.ts): as
 * many as its limit run now, any more wait their turn the same way.
 */
async function queueSends(deps: RelayDeps, payloads: SendPayload[]): Promise<void> {
  const attempts = deps.config.DELIVERY_MAX_ATTEMPTS;
  const limit = deps.limiter.perDestination;
  const byDestination = new Map<string, SendPayload[]>();
  for (const p of payloads) {
    const group = byDestination.get(p.destination);
    if (group) group.push(p);
    else byDestination.set(p.destination, [p]);
  }
  const now: SendPayload[] = [];
  const lanesNow: { sends: SendPayload[] }[] = [];
  const waiting: { destination: string; jobs: SendPayload[]; lanes: { sends: SendPayload[] }[] }[] = [];
  for (const [destination, group] of byDestination) {
    if (group.length >= limit * MAX_BATCH) {
      const lanes = lanesOf(group, limit);
      lanesNow.push(...lanes.slice(0, limit));
      if (lanes.length > limit) waiting.push({ destination, jobs: [], lanes: lanes.slice(limit) });
    } else {
      now.push(...group.slice(0, limit));
      if (group.length > limit) waiting.push({ destination, jobs: group.slice(limit), lanes: [] });
    }
  }
  // The waiting ones first: queued delayed and on their destination's waiting list before any send of the round
  // can run. A first send that answered before the rest was listed would free its slot to nobody, and the rest
  // would wait for their backstop (measured: 10,000 providers on 500 hosts answering at once, some 75 sends held
  // back 30 s). This costs the first sends the time to queue the waiting ones (some 40 ms per 500).
  if (waiting.length > 0) {
    const delayed = { attempts, delayMs: deps.limiter.backstopMs };
    await deps.queues.add(
      deliverySendJob,
      waiting.flatMap((w) => w.jobs),
      delayed,
    );
    await deps.queues.add(
      deliveryBatchJob,
      waiting.flatMap((w) => w.lanes),
      delayed,
    );
    await Promise.all(
      waiting.map((w) =>
        deps.limiter.parkQueued(w.destination, [
          ...w.jobs.map((p) => ({ queue: deliverySendJob.name, jobId: deliverySendJob.jobId(p) })),
          ...w.lanes.map((l) => ({ queue: deliveryBatchJob.name, jobId: deliveryBatchJob.jobId(l) })),
        ]),
      ),
    );
  }
  // As many as the worker has slots first: a worker starts on them while the rest are being queued (adding 500
  // jobs takes some 40 ms). Lanes first: they run longest.
  const slots = deps.config.WORKER_CONCURRENCY;
  const { batches, singles } = batched(byDestination, slots);
  const jobs = [...lanesNow, ...batches];
  await deps.queues.add(deliveryBatchJob, jobs.slice(0, slots), { attempts });
  await deps.queues.add(deliveryBatchJob, jobs.slice(slots), { attempts });
  const alone = now.filter((p) => !singles.has(p));
  await deps.queues.add(deliverySendJob, alone.slice(0, slots), { attempts });
  await deps.queues.add(deliverySendJob, alone.slice(slots), { attempts });
}

/**
 * The sends to destinations that only one send of the round goes to, in batches (src/jobs/delivery-batch.ts) of
 * the size that still makes at least one batch per worker slot, so as many are in flight as with a job each; none
 * when that size would be one.
 */
function batched(byDestination: Map<string, SendPayload[]>, lanes: number) {
  const singles = [...byDestination.values()].filter((g) => g.length === 1).map((g) => g[0]!);
  const size = Math.min(MAX_BATCH, Math.floor(singles.length / lanes));
  if (size < 2) return { batches: [], singles: new Set<SendPayload>() };
  const batches: { sends: SendPayload[] }[] = [];
  for (let i = 0; i < singles.length; i += size) batches.push({ sends: singles.slice(i, i + size) });
  return { batches, singles: new Set(singles) };
}

/** One destination's sends in lanes, in their order: `limit` lanes, or more of at most MAX_BATCH_SENDS each. */
function lanesOf(group: SendPayload[], limit: number): { sends: SendPayload[] }[] {
  const count = Math.max(limit, Math.ceil(group.length / MAX_BATCH_SENDS));
  const size = Math.ceil(group.length / count);
  const lanes: { sends: SendPayload[] }[] = [];
  for (let i = 0; i < group.length; i += size) lanes.push({ sends: group.slice(i, i + size) });
  return lanes;
}
