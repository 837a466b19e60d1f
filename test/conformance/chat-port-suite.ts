// One conformance suite for every chat adapter: each platform supplies a harness around its adapter and a local
// fake of its platform's API, and must pass the same behaviours.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatAction, ChatPort, ReferralCard, ThreadItem, ThreadRef } from "../../src/chat/port.js";
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
  /** Clicks a button as this user; the harness's core records what the adapter reported. */
  click(userId: string, action: ChatAction): Promise<void>;
  /**
   * Withdraws a referral as this user through the platform's own UI (Withdraw on the card, then the reason form);
   * resolves with the reason codes the form offered.
   */
  withdraw(userId: string, referralId: string, reason: string, text?: string): Promise<string[]>;
  reported: { actor: Actor; action: ChatAction }[];
  close(): Promise<void>;
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
  });
}
