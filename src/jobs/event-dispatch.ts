// Hands one domain event from the outbox to every subscriber (the chat adapters).
import { z } from "zod";
import type { DomainEvent } from "../events.js";
import { CARRIER_KEY } from "../observability/context.js";
import type { JobDeps } from "./deps.js";
import { type JobType, jobIdOf } from "./job-type.js";

const payload = z.object({ outboxId: z.string().regex(/^\d+$/), event: z.looseObject({ type: z.string() }) });

export const eventDispatchJob: JobType<typeof payload, JobDeps> = {
  name: "event-dispatch",
  payload,
  jobId: (p) => jobIdOf("event", p.outboxId),
  async handle(deps, p) {
    // The stored event carries its request's trace context beside it; subscribers get the event alone.
    const { [CARRIER_KEY]: _carrier, ...event } = p.event;
    for (const subscriber of deps.subscribers) await subscriber(event as unknown as DomainEvent);
    await deps.db.outboxEvent.update({ where: { id: BigInt(p.outboxId) }, data: { processedAt: deps.clock.now() } });
  },
};
