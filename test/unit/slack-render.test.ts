import { describe, expect, it } from "vitest";
import { escapeMrkdwn, safeText } from "../../adapters/slack/escape.js";
import { digestBlocks } from "../../adapters/slack/render-digest.js";
import { modalErrors, modalValuesToInput, referralModal } from "../../adapters/slack/render-forms.js";
import { cardBlocks, itemBlocks, threadMessages } from "../../adapters/slack/render-thread.js";
import type { ThreadItem } from "../../src/chat/port.js";
import { newReferralSchemaFor } from "../../src/domain/referral-input.js";
import { sampleCard, sampleDigest } from "../conformance/chat-port-suite.js";
import { modalValues } from "../helpers/slack.js";

const question = (i: number): ThreadItem => ({
  kind: "question",
  key: `q${i}`,
  responseId: `r${i}`,
  providerName: "P",
  question: "x".repeat(5000),
});

describe("slack escaping and rendering", () => {
  it("escapes mentions, links and entities", () => {
    expect(escapeMrkdwn("<!channel> <@U1> <https://evil|ok> a&b")).toBe(
      "&lt;!channel&gt; &lt;@U1&gt; &lt;https://evil|ok&gt; a&amp;b",
    );
    const cutText = safeText("<".repeat(2000), 3000);
    expect(cutText.length).toBeLessThanOrEqual(3000);
    expect(cutText).not.toMatch(/&[a-z]*…$/);
  });

  it("keeps every message within 50 blocks and 3000-character sections", () => {
    const messages = threadMessages(Array.from({ length: 40 }, (_, i) => question(i)));
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) {
      expect(m.length).toBeLessThanOrEqual(50);
      for (const b of m as { type: string; text?: { text: string } }[])
        if (b.type === "section") expect(b.text!.text.length).toBeLessThanOrEqual(3000);
    }
  });

  it("shows Approve/Decline only on actionable offers, and never restricted details on the card", () => {
    const offer: ThreadItem = {
      kind: "offer",
      key: "o",
      responseId: "r",
      providerName: "P",
      ofstedGrade: null,
      weeklyCostGbp: 1,
      startDate: "2026-12-01",
      needsMet: "n",
      notes: null,
      actionable: false,
    };
    expect(JSON.stringify(itemBlocks(offer))).not.toContain("approve_offer");
    expect(JSON.stringify(itemBlocks({ ...offer, actionable: true }))).toContain("approve_offer");
    const card = JSON.stringify(cardBlocks(sampleCard()));
    for (const field of ["childName", "dateOfBirth", "address", "narrative", "risks"])
      expect(card).not.toContain(field);
  });

  it("maps the modal to the core's input and errors back to block ids", () => {
    const input = modalValuesToInput(modalValues() as never);
    expect(newReferralSchemaFor(new Date()).safeParse(input).success).toBe(true);
    const ids = (referralModal().blocks as { block_id?: string }[]).map((b) => b.block_id).filter(Boolean);
    expect(ids).toContain("profile.area");
    expect(
      modalErrors({ "profile.area": ["must be a postcode district"], "profile.lotNumber": ["bad", "worse"] }),
    ).toEqual({
      "profile.area": "must be a postcode district",
      "profile.lotNumber": "bad",
    });
  });
});

describe("digest blocks", () => {
  const line = (i: number) => ({
    reference: `R-2026-${String(i).padStart(4, "0")}`,
    text: `${"x".repeat(200)} <!here>`,
  });
  const digest = {
    ...sampleDigest(),
    sections: [
      {
        key: "no_offers" as const,
        title: "No offer yet",
        total: 40,
        more: 10,
        lines: Array.from({ length: 30 }, (_, i) => line(i)),
      },
    ],
  };

  it("keeps each section within Slack's 3000 characters, counting what was left out", () => {
    const blocks = digestBlocks(digest, new Map()) as { type: string; text?: { text: string } }[];
    const text = blocks.find((b) => b.text?.text.startsWith("*No offer yet*"))!.text!.text;
    expect(text.length).toBeLessThanOrEqual(3000);
    const shown = text.split("\n").filter((l) => l.startsWith("• ")).length;
    expect(shown).toBeGreaterThan(5);
    expect(text).toContain(`_…and ${40 - shown} more_`);
    expect(text).not.toContain("<!here>");
  });

  it("links a reference only to a well-formed permalink", () => {
    const withThread = {
      ...digest,
      sections: [{ ...digest.sections[0]!, lines: [{ ...line(1), thread: { channelId: "C1", threadId: "1.2" } }] }],
    };
    const text = (links: Map<string, string>) => JSON.stringify(digestBlocks(withThread, links));
    expect(text(new Map([["C1/1.2", "https://w.slack.com/archives/C1/p12"]]))).toContain(
      "<https://w.slack.com/archives/C1/p12|R-2026-0001>",
    );
    expect(text(new Map([["C1/1.2", "https://evil|<!channel>"]]))).toContain("*R-2026-0001*");
  });
});
