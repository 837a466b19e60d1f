// One conformance suite for every chat adapter: each platform supplies a harness around its adapter and a local
// fake of its platform's API, and must pass the same behaviours.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sortOffers } from "../../src/chat/compare.js";
import {
  type ChatAction,
  type ChatPort,
  type ComparedOffer,
  type CompareSort,
  DUPLICATE_FIELDS,
  type DuplicateAnswers,
  type HomeView,
  type OfferComparison,
  type ReferralCard,
  type ThreadItem,
  type ThreadRef,
} from "../../src/chat/port.js";
import { renderDigestChart } from "../../src/digest/chart.js";
import type { Digest } from "../../src/digest/model.js";
import { DeliveryError } from "../../src/errors.js";
import { WITHDRAWAL_REASON_CODES } from "../../src/lifecycle/withdrawal.js";
import type { Actor } from "../../src/ports.js";

export interface ChatHarness {
  chat: ChatPort;
  channelId: string;
  /** Everything a person can see of one platform message (its text, as the fake recorded it). */
  cardText(messageId: string): string;
  threadTexts(threadId: string): string[];
  /** The thread's text that the platform reads as markup (Slack mrkdwn; Teams TextBlock Markdown and entities). */
  interpretedTexts(threadId: string): string[];
  /** A message's text that the platform reads as markup. */
  interpretedMessage(messageId: string): string;
  privateNotices(userId: string): string[];
  /** Whether every message posted in the thread is within the platform's limits (size, blocks). */
  withinLimits(threadId: string): boolean;
  /** How a link to this thread appears in a message's text on the platform. */
  threadLink(ref: ThreadRef): string;
  /** Images attached to (or shared under) this message, as the platform received them. */
  attachments(messageId: string): { bytes: Buffer; altText?: string }[];
  /** Makes the platform answer the next call with its rate-limit response. */
  rateLimitNext(retryAfterSeconds: number): void;
  /** Runs the platform's "new referral" command as this user; resolves with the form's field ids. */
  openReferralForm(userId: string): Promise<string[]>;
  /** Runs the "new referral" command as this user: the form's field ids, or the text shown instead of a form. */
  askForReferralForm(userId: string): Promise<{ form: string[] } | { notice: string }>;
  /**
   * Submits the referral form as this user with these duplicate answers; the harness's core answers
   * DUPLICATE_ANSWER (the child has a live referral). What the person is shown, the field ids of the form they are
   * left with, and the duplicate answers the core received.
   */
  submitDuplicate(
    userId: string,
    answers: DuplicateAnswers,
  ): Promise<{ shown: string; fields: string[]; received: DuplicateAnswers | undefined }>;
  /** Clicks a button as this user; the harness's core records what the adapter reported. */
  click(userId: string, action: ChatAction): Promise<void>;
  /**
   * Withdraws a referral as this user through the platform's own UI (Withdraw on the card, then the reason form);
   * resolves with the reason codes the form offered.
   */
  withdraw(userId: string, referralId: string, reason: string, text?: string): Promise<string[]>;
  /**
   * Compare offers as this user: without `sort`, the card's button; with it, the sort button in the open
   * comparison. The harness's core answers with compareAnswer(). What the person sees, or the notice instead.
   */
  compare(userId: string, referralId: string, sort?: CompareSort): Promise<ComparisonView | { notice: string }>;
  /** Clicks Approve on one offer inside the comparison the user has open. */
  approveInComparison(userId: string, referralId: string, responseId: string): Promise<void>;
  reported: { actor: Actor; action: ChatAction }[];
  /** What the harness's core answers when asked for a person's home. */
  setHome(home: (actor: Actor) => HomeView): void;
  /** Opens the person's home as the platform does (Slack: the App Home tab; Teams: "home" in the bot's chat). */
  openHome(userId: string): Promise<{ text: string; interpreted: string; withinLimits: boolean }>;
  /** The direct messages this user received from the bot: their visible text and their buttons. */
  directMessages(userId: string): { text: string; buttons: { action: string; value: string }[] }[];
  close(): Promise<void>;
}

/** The core's answer to a form for a child who has a live referral (submitReferral in src/chat/actions.ts). */
export const DUPLICATE_ANSWER = {
  ok: false as const,
  duplicateOf: "R-2026-0041",
  fieldErrors: {
    [DUPLICATE_FIELDS.reason]: [
      "This child may already have a live referral, R-2026-0041 (same case id). To raise another anyway, say why here.",
    ],
  },
};

/** A home as the core builds it: `total` beyond the entries when the lists were cut. */
export function sampleHome(art: boolean, thread?: ThreadRef, sizes = { mine: 1, awaiting: 2 }): HomeView {
  const mine = Array.from({ length: sizes.mine }, (_, i) => ({
    referralId: `00000000-0000-4000-8000-${String(i + 1).padStart(12, "0")}`,
    reference: i === 0 ? "R-2026-0042" : `R-2026-${String(1000 + i)}`,
    urgency: "standard" as const,
    status: "offers_received" as const,
    statusText: "Offers received",
    offers: 2,
    next: "ART to decide on 2 offers",
    ...(thread ? { thread } : {}),
  }));
  const awaiting = Array.from({ length: sizes.awaiting }, (_, i) => ({
    kind: i % 2 ? ("second_approval" as const) : ("offer" as const),
    referralId: "00000000-0000-4000-8000-000000000001",
    reference: i === 0 ? "R-2026-0042" : `R-2026-${String(2000 + i)}`,
    urgency: i === 0 ? ("emergency" as const) : ("standard" as const),
    text:
      i === 0 ? "Offer from Willow <@U999> & Co <!channel>, £4,850/week" : `Second approval for Home ${i}, £6,100/week`,
    since: new Date("2026-11-29T09:00:00Z"),
    ...(thread ? { thread } : {}),
  }));
  return {
    myReferrals: { total: sizes.mine + 7, entries: mine },
    ...(art ? { awaiting: { total: sizes.awaiting + 3, entries: awaiting } } : {}),
  };
}

export interface ComparisonView {
  /** Everything the comparison shows, as text. */
  text: string;
  /** The comparison's text that the platform reads as markup. */
  interpreted: string;
  /** The responseIds of its Approve buttons, in the order shown. */
  approveIds: string[];
  /** Within the platform's limits (Slack: 100 blocks per modal; Teams: the card's size). */
  withinLimits: boolean;
}

/** 60 live offers (more than one Slack modal holds), priced on every basis, as the core would send them. */
export function sampleComparison(
  sort: CompareSort,
  referralId = "00000000-0000-4000-8000-000000000001",
): OfferComparison {
  const offers: ComparedOffer[] = Array.from({ length: 60 }, (_, i) => ({
    responseId: `00000000-0000-4000-8000-1000000000${String(i).padStart(2, "0")}`,
    providerName: `Home ${String(i).padStart(2, "0")}`,
    ofstedGrade: i % 3 ? "Good" : null,
    ofstedInspectedAt: i % 3 ? "2025-03-12" : null,
    weeklyCostGbp: 1000 + ((i * 37) % 60) * 100,
    ...(i % 4 === 0 ? { costBreakdown: "annual 38-week fee £48,000 + transport £50/week" } : {}),
    startDate: `2026-12-${String(1 + ((i * 11) % 28)).padStart(2, "0")}`,
    // Some offers have no known district: they show "distance not known" and sort after every measured one.
    distanceMiles: i % 7 === 3 ? null : (i * 23) % 97,
    needsMet: `Offer ${i}: therapeutic staff <b>trained</b> & a school place.`,
    responseMinutes: 45 + i * 60,
    actionable: i !== 5,
  }));
  return { referralId, reference: "R-2026-0042", sort, fromArea: "PE1", offers: sortOffers(offers, sort) };
}

/** What a harness's core answers to compare_offers: the comparison for ART, the core's refusal for anyone else. */
export function compareAnswer(actor: Actor, action: ChatAction) {
  if (action.type !== "compare_offers") return undefined;
  if (!actor.art)
    return {
      ok: false as const,
      code: "forbidden",
      text: "Not authorised: Only the Access to Resources Team can compare and approve offers. This attempt has been recorded.",
    };
  return { ok: true as const, text: "", comparison: sampleComparison(action.sort, action.referralId) };
}

export const sampleCard = (over: Partial<ReferralCard> = {}): ReferralCard => ({
  referralId: "00000000-0000-4000-8000-000000000001",
  reference: "R-2026-0042",
  profile: {
    reference: "R-2026-0042",
    lotNumber: 2,
    lotName: "Residential Children's Homes",
    ageYears: 14,
    gender: "female",
    needCodes: ["SEMH", "ASD"],
    ehcp: true,
    legalStatus: "s31",
    area: "PE1",
    urgency: "standard",
    requiredBy: "2026-12-20",
    summary: "Needs a calm home; loves drawing.",
  },
  status: "open",
  statusText: "Open: round 1 closes Mon 30 Nov, 09:00 GMT",
  roundNumber: 1,
  counts: { sent: 12, failed: 0, offers: 0, declines: 0, questions: 0 },
  withdrawable: true,
  ...over,
});

/** A digest as the core builds it; `thread` is where the first referral's thread lives. */
export const sampleDigest = (thread?: ThreadRef): Digest => ({
  date: "2026-11-23",
  generatedAt: new Date("2026-11-23T08:30:00Z"),
  unplaced: 3,
  headline: "3 unplaced children: 1 emergency, 1 offer awaiting a decision.",
  sections: [
    {
      key: "emergencies",
      title: "Emergencies",
      total: 1,
      more: 0,
      lines: [
        {
          reference: "R-2026-0042",
          referralId: "00000000-0000-4000-8000-000000000001",
          text: "EMERGENCY · Lot 2 Residential Children's Homes · 14, female · SEMH, ASD · PE1 · required by 2026-11-23 (today)",
          ...(thread ? { thread } : {}),
        },
      ],
    },
    { key: "overdue", title: "Past their required-by date", total: 0, more: 0, lines: [] },
    {
      key: "by_lot",
      title: "Unplaced by lot",
      total: 3,
      more: 0,
      lines: [{ text: "Lot 2 Residential Children's Homes: 3" }],
    },
    {
      key: "awaiting_decision",
      title: "Offers awaiting a decision",
      total: 14,
      more: 13,
      lines: [
        { reference: "R-2026-0050", text: "offer from Willow <!channel> <@U999> & Co, £4,850/week: waiting 2 days" },
      ],
    },
  ],
  chart: {
    byLot: [{ label: "Lot 2 Residential Children's Homes", count: 3 }],
    byDaysWaiting: [
      { label: "0-2 days", count: 1 },
      { label: "3-7 days", count: 2 },
      { label: "8-14 days", count: 0 },
      { label: "15+ days", count: 0 },
    ],
  },
});

const OFFER_ID = "00000000-0000-4000-8000-0000000000aa";
const offerItem: Extract<ThreadItem, { kind: "offer" }> = {
  kind: "offer",
  key: "response:1",
  responseId: OFFER_ID,
  providerName: "Willow House <@U999> & Co",
  ofstedGrade: "Good",
  weeklyCostGbp: 4850,
  startDate: "2026-12-14",
  needsMet: "Therapeutic home <!channel>",
  notes: null,
  actionable: true,
};

export function chatPortConformance(
  name: string,
  makeHarness: () => Promise<ChatHarness>,
  /**
   * The harness configures raisers: `other` is listed by id, `raiserGroupMember` is in the raisers' group, and
   * `notRaiser` is neither (nor ART).
   */
  ids: { art: string; other: string; artGroupMember: string; raiserGroupMember: string; notRaiser: string },
) {
  describe(`chat port conformance: ${name}`, () => {
    let h: ChatHarness;
    beforeAll(async () => {
      h = await makeHarness();
    });
    afterAll(() => h.close());

    it("posts a referral card and returns the ids of its thread", async () => {
      const posted = await h.chat.postCard(h.channelId, sampleCard());
      expect(posted.threadId).toBeTruthy();
      expect(posted.messageId).toBeTruthy();
      const text = h.cardText(posted.messageId);
      for (const fact of [
        "R-2026-0042",
        "Residential",
        "14",
        "female",
        "SEMH",
        "PE1",
        "20 December 2026",
        "Needs a calm home",
      ])
        expect(text).toContain(fact);
    });

    it("replies in the card's thread, escaping provider text so it cannot mention or link", async () => {
      const posted = await h.chat.postCard(h.channelId, sampleCard());
      await h.chat.replyInThread({ channelId: h.channelId, threadId: posted.threadId }, [offerItem]);
      const texts = h.threadTexts(posted.threadId).join("\n");
      expect(texts).toContain("Willow House");
      expect(texts).toMatch(/4,850/);
      // Whatever a provider writes never reaches the platform as live markup.
      const live = h.interpretedTexts(posted.threadId).join("\n");
      expect(live).not.toContain("<!channel>");
      expect(live).not.toContain("<@U999>");
    });

    it("shows the core's notes (a duplicate or sibling link, who raised it) as plain, escaped text", async () => {
      const posted = await h.chat.postCard(h.channelId, sampleCard());
      const note: ThreadItem = {
        kind: "note",
        key: "duplicate_of:x",
        text: "Possible duplicate: this child already has a live referral, R-2026-0041. Reason given: <!channel> respite",
      };
      await h.chat.replyInThread({ channelId: h.channelId, threadId: posted.threadId }, [note]);
      expect(h.threadTexts(posted.threadId).join("\n")).toContain("already has a live referral, R-2026-0041");
      expect(h.interpretedTexts(posted.threadId).join("\n")).not.toContain("<!channel>");
    });

    it("splits a long timeline into messages within the platform's limits, losing nothing", async () => {
      const posted = await h.chat.postCard(h.channelId, sampleCard());
      const offers: ThreadItem[] = Array.from({ length: 10 }, (_, i) => ({
        ...offerItem,
        key: `response:long${i}`,
        providerName: `Long Home ${i}`,
        needsMet: `${"x".repeat(2900)} end${i}`,
        notes: "n".repeat(600),
      }));
      await h.chat.replyInThread({ channelId: h.channelId, threadId: posted.threadId }, offers);
      const texts = h.threadTexts(posted.threadId).join("\n");
      for (let i = 0; i < 10; i++) expect(texts).toContain(`Long Home ${i}`);
      expect(h.withinLimits(posted.threadId)).toBe(true);
    });

    it("posts a burst of 200 offers as the core does, in full messages within the limits, each offer once", async () => {
      const posted = await h.chat.postCard(h.channelId, sampleCard());
      const thread = { channelId: h.channelId, threadId: posted.threadId };
      const offers: ThreadItem[] = Array.from({ length: 200 }, (_, i) => ({
        ...offerItem,
        key: `response:burst${i}`,
        providerName: `Burst Home ${i}#`,
        needsMet: "Experienced with SEMH and ASD; a quiet, structured home with education on site. ".repeat(3),
      }));
      let messages = 0;
      for (const group of h.chat.splitThreadItems(offers)) {
        const { messageIds } = await h.chat.replyInThread(thread, group);
        expect(messageIds).toHaveLength(1); // one group is one message
        messages += messageIds.length;
      }
      // Each offer in exactly one message (its name appears in that message's text and buttons' labels).
      const texts = h.threadTexts(posted.threadId);
      for (let i = 0; i < 200; i++) expect(texts.filter((t) => t.includes(`Burst Home ${i}#`))).toHaveLength(1);
      expect(h.withinLimits(posted.threadId)).toBe(true);
      // The core used to post at most 10 offers a message: 20 messages for this burst.
      expect(messages).toBeLessThan(20);
    });

    it("redraws a thread message without its buttons once the offer is decided", async () => {
      const posted = await h.chat.postCard(h.channelId, sampleCard());
      const thread = { channelId: h.channelId, threadId: posted.threadId };
      const { messageIds } = await h.chat.replyInThread(thread, [offerItem]);
      expect(messageIds).toHaveLength(1);
      expect(h.cardText(messageIds[0]!)).toContain("Approve");
      await h.chat.updateThreadMessage({ ...thread, messageId: messageIds[0]! }, [{ ...offerItem, actionable: false }]);
      const text = h.cardText(messageIds[0]!);
      expect(text).toContain("Willow House");
      expect(text).not.toContain("Approve");
    });

    it("updates the card in place", async () => {
      const posted = await h.chat.postCard(h.channelId, sampleCard());
      await h.chat.updateCard(
        { channelId: h.channelId, messageId: posted.messageId },
        sampleCard({ status: "placed", statusText: "Placed with Willow House at £4,850/week" }),
      );
      expect(h.cardText(posted.messageId)).toContain("Placed with Willow House");
    });

    it("sends a private notice to one user", async () => {
      await h.chat.notifyUser({ channelId: h.channelId, userId: ids.other }, "Not authorised: only ART can approve");
      expect(h.privateNotices(ids.other)).toContain("Not authorised: only ART can approve");
    });

    it("reports the platform's rate limit as a retryable 429 with its Retry-After", async () => {
      h.rateLimitNext(3);
      const err = await h.chat.postCard(h.channelId, sampleCard()).catch((e) => e);
      expect(err).toBeInstanceOf(DeliveryError);
      expect(err).toMatchObject({ status: 429, retryable: true, retryAfterMs: 3000 });
    });

    it("posts the daily digest: linked to the threads, escaped, with the chart attached", async () => {
      const posted = await h.chat.postCard(h.channelId, sampleCard());
      const thread = { channelId: h.channelId, threadId: posted.threadId };
      const digest = sampleDigest(thread);
      const chart = await renderDigestChart(digest);
      const res = await h.chat.postDigest(h.channelId, digest, chart);
      expect(res.messageId).toBeTruthy();
      expect(res.warnings ?? []).toEqual([]);
      const text = h.cardText(res.messageId);
      for (const fact of [
        "R-2026-0042",
        "R-2026-0050",
        "Emergencies",
        "Offers awaiting a decision",
        "Lot 2",
        "13 more",
      ])
        expect(text).toContain(fact);
      expect(text).toContain(h.threadLink(thread));
      expect(text).toContain("Willow");
      const live = h.interpretedMessage(res.messageId);
      expect(live).not.toContain("<!channel>");
      expect(live).not.toContain("<@U999>");
      const files = h.attachments(res.messageId);
      expect(files).toHaveLength(1);
      expect(files[0]!.bytes.equals(chart.png)).toBe(true);
      expect(files[0]!.altText).toBe(chart.altText);
    });

    it("throws when the digest was not posted (a 429 as retryable), so the caller may try again", async () => {
      h.rateLimitNext(2);
      const err = await h.chat.postDigest(h.channelId, sampleDigest()).catch((e) => e);
      expect(err).toBeInstanceOf(DeliveryError);
      expect(err).toMatchObject({ status: 429, retryable: true, retryAfterMs: 2000 });
    });

    it("opens the referral form with every field of the referral", async () => {
      const fields = await h.openReferralForm(ids.other);
      for (const f of [
        "profile.lotNumber",
        "profile.ageYears",
        "profile.needCodes",
        "profile.area",
        "profile.requiredBy",
        "restricted.childName",
        "restricted.dateOfBirth",
      ]) {
        expect(fields).toContain(f);
      }
    });

    it("shows the core's duplicate warning on the form's reason field, and passes the reason and sibling back", async () => {
      const refused = await h.submitDuplicate(ids.other, {});
      expect(refused.shown).toContain("This child may already have a live referral, R-2026-0041");
      expect(refused.fields).toEqual(expect.arrayContaining([DUPLICATE_FIELDS.reason, DUPLICATE_FIELDS.siblingOf]));
      expect(refused.fields).toContain("restricted.childName"); // the same form, to send again
      expect(refused.received).toEqual({});
      const answered = await h.submitDuplicate(ids.other, { reason: "A respite search too", siblingOf: "R-2026-0040" });
      expect(answered.received).toEqual({ reason: "A respite search too", siblingOf: "R-2026-0040" });
    });

    it("counts the members of the configured ART group as ART (read from the platform)", async () => {
      await h.click(ids.artGroupMember, { type: "decline_offer", responseId: OFFER_ID });
      expect(h.reported.at(-1)).toEqual({
        actor: expect.objectContaining({ id: `${h.chat.platform}:${ids.artGroupMember}`, art: true, senior: false }),
        action: { type: "decline_offer", responseId: OFFER_ID },
      });
    });

    it("lets only the configured raisers (ids, group members, ART) raise; anyone else is told to ask ART", async () => {
      expect(await h.askForReferralForm(ids.notRaiser)).toEqual({
        notice: expect.stringMatching(/not allowed to raise referrals.*ask the Access to Resources Team/),
      });
      for (const allowed of [ids.raiserGroupMember, ids.other, ids.art]) {
        const asked = await h.askForReferralForm(allowed);
        expect("form" in asked && asked.form, allowed).toContain("restricted.childName");
      }
      // The core gets the decision on the actor too, and refuses a submission from someone not allowed.
      await h.click(ids.notRaiser, { type: "decline_offer", responseId: OFFER_ID });
      expect(h.reported.at(-1)?.actor).toMatchObject({ mayRaise: false });
      await h.click(ids.raiserGroupMember, { type: "decline_offer", responseId: OFFER_ID });
      expect(h.reported.at(-1)?.actor).toMatchObject({ mayRaise: true, art: false });
    });

    it("shows Withdraw on a live referral's card, and not once it is closed", async () => {
      const live = await h.chat.postCard(h.channelId, sampleCard());
      expect(h.cardText(live.messageId)).toContain("Withdraw");
      await h.chat.updateCard(
        { channelId: h.channelId, messageId: live.messageId },
        sampleCard({ status: "placed", statusText: "Placed with Willow House at £4,850/week", withdrawable: false }),
      );
      expect(h.cardText(live.messageId)).not.toContain("Withdraw");
    });

    it("withdraws through the platform's form, offering the core's reasons and passing reason and text", async () => {
      const referralId = sampleCard().referralId;
      const offered = await h.withdraw(ids.other, referralId, "other", "Moved out of the area");
      expect(offered).toEqual([...WITHDRAWAL_REASON_CODES]);
      expect(h.reported.at(-1)).toEqual({
        actor: expect.objectContaining({ id: `${h.chat.platform}:${ids.other}`, art: false }),
        action: { type: "withdraw_referral", referralId, reason: "other", text: "Moved out of the area" },
      });
      await h.withdraw(ids.art, referralId, "placed_by_family");
      expect(h.reported.at(-1)).toEqual({
        actor: expect.objectContaining({ id: `${h.chat.platform}:${ids.art}`, art: true }),
        action: { type: "withdraw_referral", referralId, reason: "placed_by_family" },
      });
    });

    it("shows a provider's request for documents with buttons to release them and to add one", async () => {
      const posted = await h.chat.postCard(h.channelId, sampleCard());
      const thread = { channelId: h.channelId, threadId: posted.threadId };
      const request: Extract<ThreadItem, { kind: "documents_requested" }> = {
        kind: "documents_requested",
        key: "documents:1",
        requestId: "00000000-0000-4000-8000-0000000000d1",
        referralId: sampleCard().referralId,
        providerName: "Oak Lodge <!here>",
        documents: "Care plan, Risk assessment",
        available: 1,
        released: false,
        actionable: true,
      };
      const { messageIds } = await h.chat.replyInThread(thread, [request]);
      const text = h.cardText(messageIds[0]!);
      for (const fact of [
        "Oak Lodge",
        "Care plan, Risk assessment",
        "1 document ready to release",
        "Release",
        "Add a document",
      ])
        expect(text).toContain(fact);
      expect(h.interpretedMessage(messageIds[0]!)).not.toContain("<!here>");
      await h.click(ids.art, { type: "release_documents", requestId: request.requestId });
      expect(h.reported.at(-1)).toEqual({
        actor: expect.objectContaining({ id: `${h.chat.platform}:${ids.art}`, art: true }),
        action: { type: "release_documents", requestId: request.requestId },
      });
      await h.click(ids.other, { type: "document_upload_link", referralId: request.referralId });
      expect(h.reported.at(-1)).toEqual({
        actor: expect.objectContaining({ id: `${h.chat.platform}:${ids.other}`, art: false }),
        action: { type: "document_upload_link", referralId: request.referralId },
      });
      // Once the referral has closed the request stays in the thread, without buttons.
      await h.chat.updateThreadMessage({ ...thread, messageId: messageIds[0]! }, [
        { ...request, released: true, actionable: false },
      ]);
      const after = h.cardText(messageIds[0]!);
      expect(after).toContain("Released to this provider");
      expect(after).not.toContain("Add a document");
    });

    describe("Compare offers", () => {
      const referralId = sampleCard().referralId;
      const order = (view: ComparisonView, sort: CompareSort) => {
        const expected = sampleComparison(sort).offers.map((o) => o.providerName);
        return expected
          .filter((name) => view.text.includes(name))
          .sort((a, b) => view.text.indexOf(a) - view.text.indexOf(b));
      };

      it("shows the button on a card with offers only", async () => {
        const none = await h.chat.postCard(h.channelId, sampleCard());
        expect(h.cardText(none.messageId)).not.toContain("Compare offers");
        const some = await h.chat.postCard(
          h.channelId,
          sampleCard({ counts: { sent: 12, failed: 0, offers: 2, declines: 0, questions: 0 } }),
        );
        expect(h.cardText(some.messageId)).toContain("Compare offers");
      });

      it("shows ART every live offer's facts, cheapest first, within the platform's limits", async () => {
        const view = await h.compare(ids.art, referralId);
        if ("notice" in view) throw new Error(view.notice);
        expect(h.reported.at(-1)).toEqual({
          actor: expect.objectContaining({ art: true }),
          action: { type: "compare_offers", referralId, sort: "cost" },
        });
        expect(view.withinLimits).toBe(true);
        const shown = order(view, "cost");
        expect(shown.length).toBeGreaterThanOrEqual(40);
        expect(shown).toEqual(
          sampleComparison("cost")
            .offers.slice(0, shown.length)
            .map((o) => o.providerName),
        );
        expect(view.text).toContain("/week equivalent (annual 38-week fee £48,000 + transport £50/week)");
        expect(view.text).toContain("Ofsted: Good (inspected Wed 12 Mar 2025)");
        expect(view.text).toContain("answered in 45 min");
        expect(view.text).toContain("starts Tue 1 Dec 2026");
        expect(view.text).toMatch(/more not shown|Home 59/);
        // Markup in a provider's words stays text; the offer ART may not approve has no button.
        expect(view.interpreted).not.toContain("<b>trained</b>");
        expect(view.approveIds).not.toContain(sampleComparison("cost").offers.find((o) => !o.actionable)!.responseId);
      });

      it("redraws sorted by start date, then by cost again", async () => {
        await h.compare(ids.art, referralId);
        const byStart = await h.compare(ids.art, referralId, "start");
        if ("notice" in byStart) throw new Error(byStart.notice);
        expect(h.reported.at(-1)?.action).toEqual({ type: "compare_offers", referralId, sort: "start" });
        const shown = order(byStart, "start");
        expect(shown).toEqual(
          sampleComparison("start")
            .offers.slice(0, shown.length)
            .map((o) => o.providerName),
        );
        const byCost = await h.compare(ids.art, referralId, "cost");
        if ("notice" in byCost) throw new Error(byCost.notice);
        expect(order(byCost, "cost")[0]).toBe(sampleComparison("cost").offers[0]!.providerName);
      });

      it("shows each offer's distance and redraws nearest first, unknown distances last", async () => {
        const byCost = await h.compare(ids.art, referralId);
        if ("notice" in byCost) throw new Error(byCost.notice);
        expect(byCost.text).toContain("Sort by distance");
        expect(byCost.text).toContain("from PE1");
        const byDistance = await h.compare(ids.art, referralId, "distance");
        if ("notice" in byDistance) throw new Error(byDistance.notice);
        expect(h.reported.at(-1)?.action).toEqual({ type: "compare_offers", referralId, sort: "distance" });
        expect(byDistance.withinLimits).toBe(true);
        expect(byDistance.text).toContain("nearest first");
        const expected = sampleComparison("distance").offers;
        const shown = order(byDistance, "distance");
        expect(shown.length).toBeGreaterThanOrEqual(40);
        expect(shown).toEqual(expected.slice(0, shown.length).map((o) => o.providerName));
        // Home 00 is 0 miles away (the same district), and is the nearest.
        expect(shown[0]).toBe("Home 00");
        expect(byDistance.text).toContain("0 miles away");
        expect(byDistance.text).toContain(`${expected[1]!.distanceMiles} miles away`);
        expect(expected.at(-1)!.distanceMiles).toBeNull();
      });

      it("approves from the comparison through the thread's own approve action", async () => {
        const view = await h.compare(ids.art, referralId);
        if ("notice" in view) throw new Error(view.notice);
        const chosen = view.approveIds[2]!;
        await h.approveInComparison(ids.art, referralId, chosen);
        expect(h.reported.some((r) => r.action.type === "approve_offer" && r.action.responseId === chosen)).toBe(true);
      });

      it("refuses anyone not in ART, showing them no offers", async () => {
        const refused = await h.compare(ids.other, referralId);
        expect(refused).toEqual({ notice: expect.stringMatching(/Not authorised/) });
        expect(h.reported.at(-1)).toEqual({
          actor: expect.objectContaining({ art: false }),
          action: { type: "compare_offers", referralId, sort: "cost" },
        });
      });
    });

    it("reports who clicked what, with the ART flag decided from config", async () => {
      await h.click(ids.art, { type: "approve_offer", responseId: OFFER_ID });
      await h.click(ids.other, { type: "approve_offer", responseId: OFFER_ID });
      expect(h.reported.slice(-2)).toEqual([
        {
          actor: expect.objectContaining({ id: `${h.chat.platform}:${ids.art}`, art: true }),
          action: { type: "approve_offer", responseId: OFFER_ID },
        },
        {
          actor: expect.objectContaining({ id: `${h.chat.platform}:${ids.other}`, art: false }),
          action: { type: "approve_offer", responseId: OFFER_ID },
        },
      ]);
    });

    it("shows a person's home: my referrals, and for ART what awaits their decision, linked to the threads", async () => {
      const posted = await h.chat.postCard(h.channelId, sampleCard());
      const thread = { channelId: h.channelId, threadId: posted.threadId };
      const asked: Actor[] = [];
      h.setHome((actor) => {
        asked.push(actor);
        return sampleHome(actor.art, thread);
      });
      const art = await h.openHome(ids.art);
      expect(asked.at(-1)).toMatchObject({ id: `${h.chat.platform}:${ids.art}`, art: true });
      for (const fact of ["My referrals (8)", "R-2026-0042", "Offers received", "ART to decide on 2 offers"])
        expect(art.text).toContain(fact);
      expect(art.text).toContain("Awaiting my decision (5)");
      expect(art.text).toContain("Willow");
      expect(art.text).toContain("Second approval for Home 1");
      expect(art.text).toContain("3 more");
      expect(art.text).toContain(h.threadLink(thread));
      expect(art.interpreted).not.toContain("<@U999>");
      expect(art.interpreted).not.toContain("<!channel>");
      expect(art.withinLimits).toBe(true);
      const other = await h.openHome(ids.other);
      expect(asked.at(-1)).toMatchObject({ id: `${h.chat.platform}:${ids.other}`, art: false });
      expect(other.text).toContain("R-2026-0042");
      expect(other.text).not.toContain("Awaiting my decision");
    });

    it("keeps a long home within the platform's limits, saying how many more there are", async () => {
      h.setHome((actor) => sampleHome(actor.art, undefined, { mine: 50, awaiting: 50 }));
      const home = await h.openHome(ids.art);
      expect(home.withinLimits).toBe(true);
      expect(home.text).toContain("R-2026-0042");
      expect(home.text).toMatch(/\d+ more/);
    });

    it("sends a direct message with a link to the thread and the thread's own buttons", async () => {
      const posted = await h.chat.postCard(h.channelId, sampleCard());
      const thread = { channelId: h.channelId, threadId: posted.threadId };
      await h.openHome(ids.art); // the person has used the bot (Teams learns their conversation id)
      const before = h.directMessages(ids.art).length;
      const sent = await h.chat.sendDirect(ids.art, {
        reference: "R-2026-0042",
        text: "An offer is waiting for an ART decision on referral R-2026-0042 <!channel>",
        items: [offerItem],
        thread,
      });
      expect(sent.messageId).toBeTruthy();
      const dms = h.directMessages(ids.art);
      expect(dms).toHaveLength(before + 1);
      const dm = dms.at(-1)!;
      expect(dm.text).toContain("R-2026-0042");
      expect(dm.text).toContain("Willow House");
      expect(dm.text).toContain(h.threadLink(thread));
      // The same action ids and values as the thread's buttons, so the same handlers and rules apply.
      expect(dm.buttons).toEqual(
        expect.arrayContaining([
          { action: "approve_offer", value: OFFER_ID },
          { action: "decline_offer", value: OFFER_ID },
        ]),
      );
      expect(h.directMessages(ids.other)).toHaveLength(0);
    });
  });
}
