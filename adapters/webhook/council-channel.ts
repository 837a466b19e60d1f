// The council's own endpoint (COUNCIL_WEBHOOK_URL) as a channel: placement.agreed signed with
// COUNCIL_WEBHOOK_SECRET and sent by the same signing, address guard and error classification as providers' webhooks.
import type { CouncilChannelPort, CouncilMessage } from "../../src/ports.js";
import { placementAgreedPayloadFor } from "./council-payload.js";
import type { WebhookChannel } from "./webhook-channel.js";

export class CouncilWebhookChannel implements CouncilChannelPort {
  constructor(
    private readonly webhook: WebhookChannel,
    private readonly target: { url: string; secret: string },
  ) {}

  async send(message: CouncilMessage): Promise<void> {
    await this.webhook.sendSigned({ ...this.target, messageId: message.messageId }, (sentAt) =>
      placementAgreedPayloadFor(message.placement, message.messageId, sentAt),
    );
  }
}
