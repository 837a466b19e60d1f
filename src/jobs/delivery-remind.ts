// Reminds a provider who has not answered, once per round, before the round closes.
import { destinationOf } from "../delivery/destination-limiter.js";
import { loadDelivery, outboundFor } from "../delivery/outbound.js";
import { deliveryRemindContract } from "../queue/contracts.js";
import type { JobDeps } from "./deps.js";
import { takeDestinationSlot } from "./destination-slot.js";
import type { JobType } from "./job-type.js";

export const deliveryRemindJob: JobType<typeof deliveryRemindContract.payload, JobDeps> = {
  ...deliveryRemindContract,
  async handle(deps, p, ctx) {
    const d = await loadDelivery(deps.db, p.deliveryId);
    if (!d || d.reminderSentAt || d.state !== "delivered" || d.round.closedAt) return;
    if ((await deps.db.response.count({ where: { deliveryId: d.id } })) > 0) return;
    const channel = deps.channels[d.channel];
    if (!channel) return;
    const release = await takeDestinationSlot(
      deps,
      destinationOf({ channel: d.channel, ...d.provider }),
      { queue: deliveryRemindContract.name, jobId: deliveryRemindContract.jobId(p) },
      ctx,
    );
    try {
      await channel.send(outboundFor(d, "reminder", deps.config));
      await deps.db.delivery.update({ where: { id: d.id }, data: { reminderSentAt: deps.clock.now() } });
    } finally {
      await release();
    }
  },
};
