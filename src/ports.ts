// The ports the core owns. Adapters (adapters/*) implement them; only the composition root wires them in.
import type { Logger } from "./logger.js";

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Who is acting, as the core sees it: the adapter has already decided, from config, whether they are ART. */
export interface Actor {
  /** Platform-neutral id, e.g. "slack:U123", "teams:<aad object id>", "api:reporting". */
  id: string;
  art: boolean;
  /** May give the second approval for costs above the threshold. */
  senior?: boolean;
}

export const SYSTEM_ACTOR: Actor = { id: "system", art: false };

export interface CoreDeps {
  logger: Logger;
  clock: Clock;
}
