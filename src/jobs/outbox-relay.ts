// Moves outbox records to the job queues. Safe to run in every worker at once: rows are claimed with
// SKIP LOCKED, and job ids are deterministic, so a record relayed twice still makes each job once.

import { poolOf, type Tx } from "../db.js";
import { pendingSendPayloads, type sendPayloadOf } from "../delivery/claim.js";
import { carrierOf, runWithCarrier } from "../observability/context.js";
import { inSpan } from "../observability/tracing.js";
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
 * put on their destination's waiting list, to be woken one by one as those finish (see DestinationLimiter).
 */
async function queueSends(deps: RelayDeps, payloads: SendPayload[]): Promise<void> {
  const attempts = deps.config.DELIVERY_MAX_ATTEMPTS;
  const byDestination = new Map<string, SendPayload[]>();
  for (const p of payloads) {
    const group = byDestination.get(p.destination);
    if (group) group.push(p);
    else byDestination.set(p.destination, [p]);
  }
  const now: SendPayload[] = [];
  const later: SendPayload[] = [];
  for (const group of byDestination.values()) {
    now.push(...group.slice(0, deps.limiter.perDestination));
    later.push(...group.slice(deps.limiter.perDestination));
  }
  // The waiting ones first: queued delayed and on their destination's waiting list before any send of the round
  // can run. A first send that answered before the rest was listed would free its slot to nobody, and the rest
  // would wait for their backstop (measured: 10,000 providers on 500 hosts answering at once, some 75 sends held
  // back 30 s). This costs the first sends the time to queue the waiting ones (some 40 ms per 500).
  if (later.length > 0) {
    await deps.queues.add(deliverySendJob, later, { attempts, delayMs: deps.limiter.backstopMs });
    await Promise.all(
      [...byDestination].map(([destination, group]) =>
        deps.limiter.parkQueued(
          destination,
          group
            .slice(deps.limiter.perDestination)
            .map((p) => ({ queue: deliverySendJob.name, jobId: deliverySendJob.jobId(p) })),
        ),
      ),
    );
  }
  // As many as the worker has slots first: a worker starts on them while the rest are being queued (adding 500
  // jobs takes some 40 ms).
  const lanes = deps.config.WORKER_CONCURRENCY;
  const { batches, singles } = batched(byDestination, lanes);
  await deps.queues.add(deliveryBatchJob, batches.slice(0, lanes), { attempts });
  await deps.queues.add(deliveryBatchJob, batches.slice(lanes), { attempts });
  const alone = now.filter((p) => !singles.has(p));
  await deps.queues.add(deliverySendJob, alone.slice(0, lanes), { attempts });
  await deps.queues.add(deliverySendJob, alone.slice(lanes), { attempts });
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
