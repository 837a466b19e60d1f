// A slot at the job's destination (src/delivery/destination-limiter.ts), or the job parks until a release wakes
// it (or its backstop delay runs out). Shared by every job that sends to a provider.
import type { Release, Waiter } from "../delivery/destination-limiter.js";
import { destinationWaitsTotal } from "../observability/metrics.js";
import type { JobDeps } from "./deps.js";
import type { JobContext } from "./job-type.js";

export async function takeDestinationSlot(
  deps: Pick<JobDeps, "limiter" | "queues">,
  destination: string,
  waiter: Waiter,
  ctx: JobContext,
): Promise<Release> {
  const release = await deps.limiter.acquire(destination, { waiter, queues: deps.queues });
  if (release) return release;
  destinationWaitsTotal.inc({ type: waiter.queue });
  return ctx.retryLater(deps.limiter.backstopMs, () => deps.limiter.park(destination, waiter, deps.queues));
}
