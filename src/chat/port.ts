// The chat port: what the core asks of any chat platform (Slack, Teams). The core decides WHAT to say, as the
// platform-neutral models below; an adapter decides how it looks (Block Kit, Adaptive Cards). Ids are the
// platform's own, kept opaque. A platform's rate-limit answer is thrown as DeliveryError(…, 429, retryAfterMs).

import type { Digest } from "../digest/model.js";
import type { RestrictedDetails } from "../domain/referral-input.js";
import type { ReferralState } from "../lifecycle/referral-state.js";
import type { Actor, BroadcastProfile } from "../ports.js";

export type Platform = "slack" | "teams";

/** The referral's card: anonymised profile, status and counts. Updated in place as things happen. */
export interface ReferralCard {
  referralId: string;
  reference: string;
  /** Exactly what providers were sent (broadcastProfileOf); adapters show it with profileRows. */
  profile: BroadcastProfile;
  status: ReferralState;
  /** Plain words for the status, e.g. "Open: round 2 closes Mon 30 Nov, 09:00 GMT". */
  statusText: string;
  roundNumber: number;
  counts: { sent: number; failed: number; offers: number; declines: number; questions: number };
  /** Set once placed. */
  placement?: { providerName: string; weeklyCostGbp: number };
  /** Whether the Withdraw button still makes sense (not yet placed, withdrawn or expired). */
  withdrawable: boolean;
}

/** One entry of the referral's timeline, posted in the card's thread. `key` is unique per referral. */
export type ThreadItem =
  | { kind: "round_opened"; key: string; roundNumber: number; deliveries: number; closesAt: Date }
  | {
      kind: "offer";
      key: string;
      responseId: string;
      providerName: string;
      ofstedGrade: string | null;
      weeklyCostGbp: number;
      startDate: string;
      needsMet: string;
      notes: string | null;
      /** Whether Approve / Decline buttons still make sense. */
      actionable: boolean;
      /** What ART decided on this offer, once decided ("approved": placed with it, or awaiting the senior). */
      outcome?: "approved" | "declined";
    }
  | { kind: "decline"; key: string; providerName: string; reasonText: string; notes: string | null }
  | { kind: "question"; key: string; responseId: string; providerName: string; question: string }
  | { kind: "delivery_failed"; key: string; providerName: string; error: string }
  | { kind: "round_closed"; key: string; roundNumber: number; outcome: "recirculated" | "expired" | "kept" }
  | {
      kind: "second_approval_needed";
      key: string;
      referralId: string;
      providerName: string;
      weeklyCostGbp: number;
      firstApproverId: string;
      /** Whether the second-approval buttons still make sense. */
      actionable: boolean;
    }
  | {
      kind: "decision";
      key: string;
      outcome: "placed" | "offer_declined" | "second_approval_refused";
      providerName: string;
      weeklyCostGbp: number;
      /** Platform-neutral actor ids, e.g. "slack:U123". */
      decidedBy: string[];
    }
  | { kind: "answer_sent"; key: string; providerName: string; answer: string; answeredBy: string }
  | { kind: "withdrawn"; key: string; reason: string }
  /** A line of plain text from the core: who raised it from a case system, a duplicate or sibling link. */
  | { kind: "note"; key: string; text: string };

export interface CardRef {
  channelId: string;
  messageId: string;
}
export interface ThreadRef {
  channelId: string;
  threadId: string;
}

export interface ChatPort {
  readonly platform: Platform;
  /** Posts the card as a new message in the channel; its thread becomes the referral's timeline. */
  postCard(channelId: string, card: ReferralCard): Promise<{ threadId: string; messageId: string }>;
  /** Replaces the card's content in place, for everyone. */
  updateCard(ref: CardRef, card: ReferralCard): Promise<void>;
  /**
   * Posts timeline items as a reply in the thread; the adapter may split them into several messages (the core
   * passes one group from `splitThreadItems` at a time, which is one message). Returns the messages' ids.
   */
  replyInThread(ref: ThreadRef, items: ThreadItem[]): Promise<{ messageIds: string[] }>;
  /** Redraws one thread message (posted by replyInThread with these items' keys) with the items as they are now. */
  updateThreadMessage(ref: ThreadRef & { messageId: string }, items: ThreadItem[]): Promise<void>;
  /**
   * Groups items so that each group is exactly one platform message. The core posts group by group and records
   * each as shown once posted, so a failure part-way never posts a group twice.
   */
  splitThreadItems(items: ThreadItem[]): ThreadItem[][];
  /** A notice only this user sees (Slack ephemeral, Teams private chat). */
  notifyUser(target: { channelId: string; userId: string; threadId?: string }, text: string): Promise<void>;
  /**
   * Posts the daily digest to a channel as one message, each referral line linking to its thread (`line.thread`),
   * with the chart attached when given. Throws only when the message itself was not posted, so the caller may
   * retry without posting it twice; a chart that could not be attached after the message went out is reported
   * in `warnings` instead.
   */
  postDigest(
    channelId: string,
    digest: Digest,
    chart?: { png: Buffer; altText: string },
  ): Promise<{ messageId: string; warnings?: string[] }>;
}

/** What someone who may not raise referrals is told, when they open the form and if they submit one anyway. */
export const NOT_ALLOWED_TO_RAISE =
  "You are not allowed to raise referrals. Please ask the Access to Resources Team (ART) to raise it for you, or to add you to the people who may.";

/** What a person did in chat, as the core sees it: adapters translate clicks and submissions into these. */
export type ChatAction =
  | { type: "approve_offer"; responseId: string }
  | { type: "decline_offer"; responseId: string }
  | { type: "second_approval"; referralId: string; approve: boolean }
  | { type: "view_details"; referralId: string }
  | { type: "answer_question"; responseId: string; answer: string }
  /** By the social worker who raised it or by ART; `reason` is a code of WITHDRAWAL_REASONS (the core checks it). */
  | { type: "withdraw_referral"; referralId: string; reason: string; text?: string };

/** What a chat adapter needs from the core (src/chat/actions.ts and src/chat/directory.ts provide it). */
export interface ChatCore<P extends Platform = Platform> {
  submitReferral(args: { platform: P; channelId: string; actor: Actor; input: unknown; sourceKey: string }): Promise<
    // warnings: things in the summary worth a second look; the referral is raised, the confirmation shows them.
    | { ok: true; referralId: string; reference: string; warnings?: string[] }
    /** `error`: raising failed and nothing was saved; the adapter shows it to the person with their form. */
    | { ok: false; fieldErrors: Record<string, string[]>; error?: string }
    /** The person may not raise referrals (Actor.mayRaise): show them `text`. */
    | { ok: false; code: "forbidden"; text: string }
  >;
  performAction(
    platform: P,
    actor: Actor,
    action: ChatAction,
  ): Promise<{ ok: true; text: string; details?: RestrictedDetails } | { ok: false; code: string; text: string }>;
  referenceOf(referralId: string): Promise<string>;
  /** The referral's card as it stands now (to show it again to someone who looked at the details). */
  cardOf(referralId: string): Promise<ReferralCard>;
}
