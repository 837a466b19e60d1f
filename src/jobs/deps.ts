import type { ChatChannelLimiter } from "../chat/channel-limiter.js";
import type { ChatPort, Platform } from "../chat/port.js";
import type { Config } from "../config.js";
import type { Db } from "../db.js";
import type { DestinationLimiter } from "../delivery/destination-limiter.js";
import type { EventSubscriber } from "../events.js";
import type { Logger } from "../logger.js";
import type { Clock, CouncilChannelPort, DeliveryChannelPort } from "../ports.js";
import type { JobQueues } from "./queues.js";

/** What job handlers get: the core's resources and the adapters the composition root wired in. */
export interface JobDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  config: Config;
  channels: Partial<Record<"email" | "webhook", DeliveryChannelPort>>;
  /** The council's own endpoint (COUNCIL_WEBHOOK_URL), when set. */
  council?: CouncilChannelPort;
  limiter: DestinationLimiter;
  queues: JobQueues;
  subscribers: EventSubscriber[];
  /** The chat platforms configured (none, Slack, Teams, or both). */
  chats: Partial<Record<Platform, ChatPort>>;
  chatLimiter: ChatChannelLimiter;
}
