// What people read on the cards, on both platforms: plurals, London times with the zone named, the decided
// offer marked, buttons each naming their offer, and the profile exactly as providers were sent it.
import { describe, expect, it } from "vitest";
import { digestBlocks } from "../../adapters/slack/render-digest.js";
import { cardBlocks, itemBlocks } from "../../adapters/slack/render-thread.js";
import { digestCard } from "../../adapters/teams/render-digest.js";
import { itemElements, referralCardContent } from "../../adapters/teams/render-thread.js";
import { countsText, plural } from "../../src/chat/card-text.js";
import type { ThreadItem } from "../../src/chat/port.js";
import { londonDateTime } from "../../src/digest/london.js";
import { profileRows } from "../../src/responses/profile.js";
import { sampleCard, sampleDigest } from "../conformance/chat-port-suite.js";

type Offer = Extract<ThreadItem, { kind: "offer" }>;
const offer = (over: Partial<Offer> = {}): Offer => ({
  kind: "offer",
  key: "o1",
  responseId: "r1",
  providerName: "Willow House",
  ofstedGrade: "Good",
  weeklyCostGbp: 4850,
  startDate: "2026-12-01",
  needsMet: "Calm home",
  notes: null,
  actionable: true,
  ...over,
});
const names = new Map<string, string>();
const slackText = (item: ThreadItem) => JSON.stringify(itemBlocks(item));
const teamsText = (item: ThreadItem) => JSON.stringify(itemElements(item, names));

describe("counts", () => {
  it("says 1 offer, 2 offers", () => {
    expect(plural(1, "offer")).toBe("1 offer");
    expect(plural(2, "offer")).toBe("2 offers");
    const card = sampleCard({ counts: { sent: 1, failed: 1, offers: 1, declines: 0, questions: 2 } });
    expect(countsText(card)).toBe(
      "Round 1 · sent to 1 provider · 1 offer · 0 declines · 2 questions · 1 failed delivery",
    );
    expect(JSON.stringify(cardBlocks(card))).toContain("1 offer ·");
    expect(JSON.stringify(referralCardContent(card))).toContain("1 offer ·");
    for (const rendered of [JSON.stringify(cardBlocks(card)), JSON.stringify(referralCardContent(card))])
      expect(rendered).not.toMatch(/\b1 (offers|providers|failed deliveries)\b/);
  });
});

describe("times", () => {
  it("are London time with the zone named, in winter and in summer, never UTC", () => {
    expect(londonDateTime(new Date("2026-11-30T09:00:00Z"))).toBe("Mon 30 Nov, 09:00 GMT");
    expect(londonDateTime(new Date("2026-07-01T09:00:00Z"))).toBe("Wed 1 Jul, 10:00 BST");
    const round: ThreadItem = {
      kind: "round_opened",
      key: "r",
      roundNumber: 1,
      deliveries: 1,
      closesAt: new Date("2026-07-01T09:00:00Z"),
    };
    for (const text of [slackText(round), teamsText(round)]) {
      expect(text).toContain("Round 1 sent to 1 provider; closes Wed 1 Jul, 10:00 BST");
      expect(text).not.toContain("UTC");
    }
  });
});

describe("offers", () => {
  it("marks the approved one and shows no buttons on decided offers", () => {
    const approved = offer({ actionable: false, outcome: "approved" });
    for (const text of [slackText(approved), teamsText(approved)]) {
      expect(text).toContain("✅ Approved");
      expect(text).not.toContain("approve_offer");
    }
    expect(slackText(offer({ actionable: false, outcome: "declined" }))).toContain("Declined");
  });

  it("gives the start date as people say it", () => {
    expect(slackText(offer())).toContain("from Tue 1 Dec 2026");
    expect(teamsText(offer())).toContain("from Tue 1 Dec 2026");
  });

  it("gives each Approve and Decline button an accessible name naming its offer", () => {
    const two = [offer(), offer({ key: "o2", responseId: "r2", providerName: "Oak Lodge", weeklyCostGbp: 3900 })];
    const slackLabels = two.flatMap((o) =>
      (itemBlocks(o).find((b) => b.type === "actions")!.elements as { accessibility_label?: string }[]).map(
        (e) => e.accessibility_label,
      ),
    );
    expect(slackLabels).toEqual([
      "Approve the offer from Willow House at £4,850/week",
      "Decline the offer from Willow House at £4,850/week",
      "Approve the offer from Oak Lodge at £3,900/week",
      "Decline the offer from Oak Lodge at £3,900/week",
    ]);
    const teamsTooltips = two.flatMap((o) =>
      (itemElements(o, names).find((e) => e.type === "ActionSet")!.actions as { tooltip?: string }[]).map(
        (a) => a.tooltip,
      ),
    );
    expect(teamsTooltips).toEqual(slackLabels);
  });
});

describe("the card's profile", () => {
  it("is the broadcast profile, every row, on both platforms", () => {
    const card = sampleCard();
    const rows = profileRows(card.profile).filter(([label]) => label !== "Reference");
    const slackFields = cardBlocks(card)
      .flatMap((b) => (b.fields ?? []) as { text: string }[])
      .map((f) => f.text);
    expect(slackFields).toEqual(rows.map(([label, value]) => `*${label}*\n${value.replace(/&/g, "&amp;")}`));
    const teams = JSON.stringify(referralCardContent(card));
    for (const [label, value] of rows) {
      expect(teams).toContain(`"${label}: "`);
      expect(teams).toContain(JSON.stringify(value));
    }
    expect(teams).toContain(card.profile.summary);
  });
});

describe("the digest", () => {
  it("names the zone of its times once, in its footnote", () => {
    const winter = { ...sampleDigest(), generatedAt: new Date("2026-11-23T08:30:00Z") };
    const summer = { ...sampleDigest(), generatedAt: new Date("2026-07-01T07:30:00Z") };
    expect(JSON.stringify(digestBlocks(winter, new Map()))).toContain("Times are London time (GMT).");
    expect(JSON.stringify(digestCard(summer))).toContain("Times are London time (BST).");
  });
});
