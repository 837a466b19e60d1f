// A burst of offers in one thread: the core posts it in as few messages as each platform's limit allows (it used
// to cap a message at 10 items), never over the limit, and shows every offer exactly once.
import { describe, expect, it } from "vitest";
import { groupThreadItems as slackGroups, threadMessages } from "../../adapters/slack/render-thread.js";
import { cardAttachment, teamsSize } from "../../adapters/teams/card-parts.js";
import { groupThreadItems as teamsGroups, threadCards } from "../../adapters/teams/render-thread.js";
import type { ThreadItem } from "../../src/chat/port.js";
import { replyGroups } from "../../src/chat/sync.js";

const BURST = 200;
/** Messages the core used to post for this burst: at most 10 items each. */
const BEFORE = Math.ceil(BURST / 10);

const offers: ThreadItem[] = Array.from({ length: BURST }, (_, i) => ({
  kind: "offer",
  key: `response:${i}`,
  responseId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
  providerName: `Provider ${i} Children's Homes Ltd`,
  ofstedGrade: "Good",
  weeklyCostGbp: 4000 + i,
  startDate: "2026-12-14",
  needsMet: "Experienced with SEMH and ASD; a quiet, structured home with education on site. ".repeat(3),
  notes: i % 3 ? null : "Can start earlier if needed.",
  actionable: true,
}));

function expectEachOnce(groups: ThreadItem[][]) {
  const keys = groups.flat().map((i) => i.key);
  expect(keys).toHaveLength(BURST);
  expect(new Set(keys)).toEqual(new Set(offers.map((o) => o.key)));
}

describe("a burst of 200 offers", () => {
  it("Slack: messages of at most 50 blocks, every offer once, fewer messages than 10 per post", () => {
    const groups = replyGroups({ splitThreadItems: (items) => slackGroups(items) }, offers);
    expectEachOnce(groups);
    for (const group of groups) {
      const messages = threadMessages(group);
      expect(messages).toHaveLength(1); // one group is one message
      expect(messages[0]!.length).toBeLessThanOrEqual(50);
    }
    expect(groups.length).toBeLessThan(BEFORE);
    // An actionable offer is two blocks (its text, its buttons): 25 fill a message.
    expect(groups.length).toBe(Math.ceil(BURST / 25));
  });

  it("Teams: cards within the size Teams asks for, every offer once, fewer messages than 10 per post", () => {
    const groups = replyGroups({ splitThreadItems: (items) => teamsGroups(items, new Map()) }, offers);
    expectEachOnce(groups);
    for (const group of groups) {
      const cards = threadCards(group, new Map());
      expect(cards).toHaveLength(1);
      // Microsoft asks for bot messages within 80 KB, counted as UTF-16.
      const activity = { type: "message", summary: "offer, offer", attachments: [cardAttachment(cards[0]!)] };
      expect(teamsSize(activity)).toBeLessThanOrEqual(80_000);
    }
    expect(groups.length).toBeLessThan(BEFORE);
  });
});
