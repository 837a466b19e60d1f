// Redis is losable: after a FLUSHALL or a restart without persistence the queues are empty. PostgreSQL still
// knows what is due, so this re-enqueues every pending delivery and unprocessed event whose job is gone.
// Deterministic job ids make it harmless when the job is in fact still there.

import { deliverySendJob } from "./delivery-send.js";
import type { JobDeps } from "./deps.js";
import { eventDispatchJob } from "./event-dispatch.js";

const CHUNK = 200;

async function missing(deps: Pick<JobDeps, "queues">, queueName: string, ids: string[]): Promise<Set<string>> {
  const queue = deps.queues.queue(queueName);
  const gone = new Set<string>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const part = ids.slice(i, i + CHUNK);
    const states = await Promise.all(part.map((id) => queue.getJobState(id)));
    states.forEach((s, j) => {
      if (s === "unknown") gone.add(part[j]!);
    });
  }
  return gone;
}

export async function reconcile(
  deps: Pick<JobDeps, "db" | "queues" | "config" | "clock">,
): Promise<{ deliveries: number; events: number }> {
  const due = await deps.db.delivery.findMany({
    where: { state: { in: ["pending", "sending"] }, round: { closedAt: null } },
    select: { id: true, providerId: true, round: { select: { referralId: true, number: true } } },
  });
  const payloads = due.map((d) => ({
    deliveryId: d.id,
    providerId: d.providerId,
    referralId: d.round.referralId,
    round: d.round.number,
  }));
  const goneDeliveries = await missing(
    deps,
    deliverySendJob.name,
    payloads.map((p) => deliverySendJob.jobId(p)),
  );
  const toSend = payloads.filter((p) => goneDeliveries.has(deliverySendJob.jobId(p)));
  await deps.queues.add(deliverySendJob, toSend, { attempts: deps.config.DELIVERY_MAX_ATTEMPTS });

  const events = await deps.db.outboxEvent.findMany({
    where: { kind: "event", dispatchedAt: { not: null }, processedAt: null },
    orderBy: { id: "asc" },
    take: 5000,
  });
  const eventPayloads = events.map((e) => ({ outboxId: String(e.id), event: e.payload as { type: string } }));
  const goneEvents = await missing(
    deps,
    eventDispatchJob.name,
    eventPayloads.map((p) => eventDispatchJob.jobId(p)),
  );
  await deps.queues.add(
    eventDispatchJob,
    eventPayloads.filter((p) => goneEvents.has(eventDispatchJob.jobId(p))),
    { attempts: 5 },
  );
  return { deliveries: toSend.length, events: goneEvents.size };
}
