// The ports the core owns. Adapters (adapters/*) implement them; only the composition root wires them in.
import type { PdsProfile } from "./domain/pds-input.js";
import type { Logger } from "./logger.js";
import type { PlacementHandoff } from "./referrals/council-handoff.js";

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
  /**
   * May raise referrals from chat. Decided by the chat membership (src/chat/membership.ts): everyone unless the
   * platform's raisers are configured. Absent counts as no: chat submissions are refused without it.
   */
  mayRaise?: boolean;
}

export const SYSTEM_ACTOR: Actor = { id: "system", art: false };

export interface CoreDeps {
  logger: Logger;
  clock: Clock;
}

/** What a provider is told about a child: the anonymised profile only, never restricted details. */
export interface BroadcastProfile {
  reference: string;
  lotNumber: number;
  lotName: string;
  ageYears: number;
  gender: string;
  needCodes: string[];
  ehcp: boolean;
  legalStatus: string;
  area: string;
  urgency: "emergency" | "standard";
  /** YYYY-MM-DD */
  requiredBy: string;
  summary: string;
  /** The Placements Data Standard's categories (never its free text); absent for a referral raised before them. */
  pds?: PdsProfile;
  /**
   * Siblings referred together on purpose, by reference only, e.g. "sibling group of 2: R-2026-0041, R-2026-0042";
   * absent for a referral on its own.
   */
  siblingGroup?: string;
}

export type OutboundKind =
  | "referral"
  | "reminder"
  | "outcome_approved"
  | "outcome_not_taken_up"
  | "answer"
  /** Documents the provider asked for are ready on its response link (the text says which; never the documents). */
  | "documents_released"
  /** A question another provider asked and ART's answer, shared with every provider on the round; asker not named. */
  | "clarification"
  /** The referral closed (placed, withdrawn, expired) and is no longer available; says nothing of who was chosen. */
  | "referral_closed";

/** One message to one provider. Adapters turn it into an email or a signed webhook. */
export interface OutboundDelivery {
  kind: OutboundKind;
  /** Stable across retries: the webhook-id and the email Message-ID, so receivers can drop repeats. */
  messageId: string;
  deliveryId: string;
  provider: { id: string; name: string; email?: string; webhookUrl?: string; webhookSecret?: string };
  round: { number: number; respondBy: Date };
  profile: BroadcastProfile;
  responseUrl: string;
  /** Where the provider declares its vacancies (src/responses/vacancy-token.ts); every email links to it. */
  vacancyUrl?: string;
  /** Email only: where the provider's reply goes. */
  replyTo?: string;
  /** For kind "answer" and "clarification": ART's answer; for "documents_released", which documents are ready. */
  text?: string;
  /** For kind "clarification": the question that was asked (by another provider, who is not named). */
  question?: string;
}

/**
 * A delivery channel (email, webhook). `send` resolves when the destination accepted the message and throws
 * DeliveryError otherwise (retryable or permanent, by status).
 */
export interface DeliveryChannelPort {
  readonly channel: "email" | "webhook";
  send(message: OutboundDelivery): Promise<void>;
  close?(): Promise<void>;
}

/** One message to the council's own systems; `messageId` (the CouncilMessage row's id) is stable across retries. */
export interface CouncilMessage {
  messageId: string;
  placement: PlacementHandoff;
}

/** The council's endpoint (COUNCIL_WEBHOOK_URL). `send` throws DeliveryError as a DeliveryChannelPort does. */
export interface CouncilChannelPort {
  send(message: CouncilMessage): Promise<void>;
}
