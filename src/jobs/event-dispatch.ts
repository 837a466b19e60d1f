// Hands one domain event from the outbox to every subscriber (the chat adapters).
import type { DomainEvent } from "../events.js";
import { CARRIER_KEY } from "../observability/context.js";
import { eventDispatchContract } from "../queue/contracts.js";
import type { JobDeps } from "./deps.js";
import type { JobType } from "./job-type.js";

export const eventDispatchJob: JobType<typeof eventDispatchContract.payload, JobDeps> = {
  ...eventDispatchContract,
  async handle(deps, p) {
    // The stored event carries its request's trace context beside it; subscribers get the event alone.
    const { [CARRIER_KEY]: _carrier, ...event } = p.event;
    for (const subscriber of deps.subscribers) await subscriber(event as unknown as DomainEvent);
    await deps.db.outboxEvent.update({ where: { id: BigInt(p.outboxId) }, data: { processedAt: deps.clock.now() } });
  },
};
