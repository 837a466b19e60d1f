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
  /**
   * Who the current round reached and why the rest of the lot did not (src/matching/reach.ts), e.g. "sent to 14
   * of 31 on the lot: 9 full, 5 out of area, 2 Ofsted inadequate, 1 suspended". Absent for rounds planned
   * before it was recorded.
   */
  reach?: string;
  /** Set once placed. */
  placement?: { providerName: string; weeklyCostGbp: number; costBreakdown?: string };
  /** Whether the Withdraw button still makes sense (not yet placed, withdrawn or expired). */
  withdrawable: boolean;
}

/** One entry of the referral's timeline, posted in the card's thread. `key` is unique per referral. */
export type ThreadItem =
  | { kind: "round_opened"; key: string; roundNumber: number; deliveries: number; closesAt: Date }
  /** The round reached more of the lot (src/matching/gate.ts): `scope` is e.g. "tier 2", "the whole lot". */
  | { kind: "round_widened"; key: string; roundNumber: number; scope: string; deliveries: number }
  | {
      kind: "offer";
      key: string;
      responseId: string;
      providerName: string;
      ofstedGrade: string | null;
      /** The weekly equivalent (src/domain/weekly-cost.ts); show it with costText (src/chat/card-text.ts). */
      weeklyCostGbp: number;
      /** How the weekly equivalent was reached, when the offer was not a plain weekly price. */
      costBreakdown?: string;
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
      costBreakdown?: string;
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
      costBreakdown?: string;
      /** Platform-neutral actor ids, e.g. "slack:U123". */
      decidedBy: string[];
    }
  | { kind: "answer_sent"; key: string; providerName: string; answer: string; answeredBy: string }
  /**
   * A provider asked for documents (care plan, risk assessment, EHCP). `available`: how many of those kinds have
   * been added; the buttons release them to this provider alone, or give the clicker a link to add one.
   */
  | {
      kind: "documents_requested";
      key: string;
      requestId: string;
      referralId: string;
      providerName: string;
      /** What was asked for, in words. */
      documents: string;
      available: number;
      released: boolean;
      actionable: boolean;
    }
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

export interface ChatPort extends ChatHomePort {
  readonly platform: Platform;
  /**
   * Whether editing a message (updateCard, updateThreadMessage) takes a slot of the channel's posting schedule
   * (CHAT_CHANNEL_INTERVAL_MS) like a new message does. Slack: no. Its one-message-a-second-per-channel limit is
   * chat.postMessage's own ("special" tier); chat.update is a Tier 3 method (50+ a minute per workspace), so the
   * card's edit need not hold back the thread post that follows it, and a 429 from it is waited out like any.
   * Teams: yes, its limits count every operation of a bot in a conversation.
   */
  readonly editsTakeChannelSlot: boolean;
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

// ---- A home of one's own, nudges in direct messages, per-user cards (issue 16: home, nudges, fair answers) ----

/** One referral the person raised, as their home lists it. */
export interface HomeReferral {
  referralId: string;
  reference: string;
  urgency: "emergency" | "standard";
  status: ReferralState;
  statusText: string;
  offers: number;
  /** What happens next, in plain words ("ART to review 2 offers"). */
  next: string;
  /** Where its thread lives on this platform, when it has one. */
  thread?: ThreadRef;
}

/** Something waiting on this ART member's decision. */
export interface HomeAwaiting {
  kind: "offer" | "second_approval" | "question";
  referralId: string;
  reference: string;
  urgency: "emergency" | "standard";
  /** "Offer from Willow House, £4,850/week" (provider words: adapters escape them). */
  text: string;
  /** When it started waiting. */
  since: Date;
  thread?: ThreadRef;
}

/** A person's home: what they raised and, for ART, what waits on them. Lists are capped; `total` counts all. */
export interface HomeView {
  myReferrals: { total: number; entries: HomeReferral[] };
  /** Only for ART members. */
  awaiting?: { total: number; entries: HomeAwaiting[] };
}

/** A direct message to one person (a nudge): our words, the items with their buttons, a link to the thread. */
export interface DirectMessage {
  reference: string;
  /** Our own words; may quote a provider, so adapters escape it. */
  text: string;
  /** Timeline items shown with their buttons (same action ids and handlers as in the thread). */
  items: ThreadItem[];
  thread?: ThreadRef;
}

/** What the home view, nudges and per-user cards need from a platform. */
export interface ChatHomePort {
  /** Shows this user their home (Slack App Home; Teams: the home card in the bot's personal chat). */
  publishHome(userId: string, home: HomeView): Promise<void>;
  /** A message in this user's 1:1 chat with the bot (opened or created on the platform if need be). */
  sendDirect(userId: string, message: DirectMessage): Promise<{ messageId: string }>;
  /** The members (platform user ids) of a platform group (Slack user group, Entra group). */
  groupMembers(groupId: string): Promise<string[]>;
}

/**
 * The form's answers beside the referral itself, under these field ids (the API's names): a reason to raise a
 * second referral for a child who has a live one, and a sibling's referral to link this one to on purpose.
 */
export const DUPLICATE_FIELDS = { reason: "duplicateReason", siblingOf: "siblingOf" } as const;
export interface DuplicateAnswers {
  reason?: string;
  siblingOf?: string;
}

/** What someone who may not raise referrals is told, when they open the form and if they submit one anyway. */
export const NOT_ALLOWED_TO_RAISE =
  "You are not allowed to raise referrals. Please ask the Access to Resources Team (ART) to raise it for you, or to add you to the people who may.";

/** How the offer comparison is ordered: cheapest weekly equivalent, soonest start, or nearest first. */
export type CompareSort = "cost" | "start" | "distance";
export const COMPARE_SORTS = ["cost", "start", "distance"] as const satisfies readonly CompareSort[];
/** A sort as a click sent it: anything unknown is the default, cheapest first. */
export const compareSortOf = (s: unknown): CompareSort =>
  COMPARE_SORTS.includes(s as CompareSort) ? (s as CompareSort) : "cost";

/** One live offer as the comparison shows it (src/chat/compare.ts builds it). */
export interface ComparedOffer {
  responseId: string;
  providerName: string;
  ofstedGrade: string | null;
  /** YYYY-MM-DD of the inspection that gave the grade, when known. */
  ofstedInspectedAt: string | null;
  /** The weekly equivalent; show it with costText (card-text.ts) for its basis. */
  weeklyCostGbp: number;
  costBreakdown?: string;
  /** YYYY-MM-DD */
  startDate: string;
  /**
   * Whole miles between the centroids of the referral's postcode district and the offer's (the district given
   * with the offer, else the provider's first served area when it is a district); null when either is unknown.
   */
  distanceMiles: number | null;
  needsMet: string;
  /** Minutes from the referral reaching the provider to its offer. */
  responseMinutes: number | null;
  /** Whether Approve still makes sense (the same rule as the thread's buttons). */
  actionable: boolean;
}

/** Every live offer on a referral in one table, for ART to compare and approve from (Compare offers). */
export interface OfferComparison {
  referralId: string;
  reference: string;
  sort: CompareSort;
  /** The postcode district distances are measured from. */
  fromArea: string;
  offers: ComparedOffer[];
}

/** What a person did in chat, as the core sees it: adapters translate clicks and submissions into these. */
export type ChatAction =
  | { type: "approve_offer"; responseId: string }
  | { type: "decline_offer"; responseId: string }
  | { type: "second_approval"; referralId: string; approve: boolean }
  | { type: "view_details"; referralId: string }
  /** ART only: answered with `comparison`, which the adapter shows (Slack modal, Teams card) with sort buttons. */
  | { type: "compare_offers"; referralId: string; sort: CompareSort }
  /** `publishToAll`: also send question and answer to every provider on the round, without naming the asker. */
  | { type: "answer_question"; responseId: string; answer: string; publishToAll?: boolean }
  /** Make the documents a provider asked for downloadable by that provider (ART or the raiser). */
  | { type: "release_documents"; requestId: string }
  /** A link, for the clicker only, to a page where they add a document to the referral (ART or the raiser). */
  | { type: "document_upload_link"; referralId: string }
  /** By the social worker who raised it or by ART; `reason` is a code of WITHDRAWAL_REASONS (the core checks it). */
  | { type: "withdraw_referral"; referralId: string; reason: string; text?: string };

/** What a chat adapter needs from the core (src/chat/actions.ts and src/chat/directory.ts provide it). */
export interface ChatCore<P extends Platform = Platform> {
  submitReferral(args: {
    platform: P;
    channelId: string;
    actor: Actor;
    input: unknown;
    sourceKey: string;
    /** The form's DUPLICATE_FIELDS: why raise another for a child with a live referral; a sibling's reference. */
    duplicate?: DuplicateAnswers;
  }): Promise<
    // warnings: things in the summary worth a second look; the referral is raised, the confirmation shows them.
    | { ok: true; referralId: string; reference: string; warnings?: string[] }
    /**
     * `error`: raising failed and nothing was saved; the adapter shows it to the person with their form.
     * `duplicateOf`: the child has a live referral (that reference): nothing was raised, and
     * fieldErrors.duplicateReason says so; the form asks for a reason (and optionally a sibling's reference).
     */
    | { ok: false; fieldErrors: Record<string, string[]>; error?: string; duplicateOf?: string }
    /** The person may not raise referrals (Actor.mayRaise): show them `text`. */
    | { ok: false; code: "forbidden"; text: string }
  >;
  performAction(
    platform: P,
    actor: Actor,
    action: ChatAction,
  ): Promise<
    | { ok: true; text: string; details?: RestrictedDetails; comparison?: OfferComparison }
    | { ok: false; code: string; text: string }
  >;
  referenceOf(referralId: string): Promise<string>;
  /** The referral's card as it stands now (to show it again to someone who looked at the details). */
  cardOf(referralId: string): Promise<ReferralCard>;
  /** This person's home on this platform (what they raised; for ART, what waits on them). */
  homeOf(platform: P, actor: Actor): Promise<HomeView>;
  /** The thread items with these keys as they are now (Teams redraws a card per user with them). */
  threadItemsOf(platform: P, thread: ThreadRef, keys: string[]): Promise<ThreadItem[]>;
  /**
   * A person's unfinished referral form (the adapter's own answer shape), kept encrypted for a day when they
   * close it: saved (merged into what was kept), loaded when they open the form again, cleared once raised.
   */
  drafts: {
    save(userId: string, values: Record<string, unknown>): Promise<void>;
    load(userId: string): Promise<Record<string, unknown>>;
    clear(userId: string): Promise<void>;
  };
}
