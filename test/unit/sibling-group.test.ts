// Siblings referred together on purpose are one sibling group to providers: references only, the same words in
// the email, the webhook payload, the response page and the chat card. And the forms' duplicate fields.
import { describe, expect, it } from "vitest";
import { renderHtml, renderText } from "../../adapters/email/render.js";
import { referralModal } from "../../adapters/slack/render-forms.js";
import { referralFormCard } from "../../adapters/teams/render-forms.js";
import { payloadFor, webhookPayloadSchema } from "../../adapters/webhook/payload.js";
import { DUPLICATE_FIELDS } from "../../src/chat/port.js";
import { profileHtml } from "../../src/http/pages/profile.js";
import type { OutboundDelivery } from "../../src/ports.js";
import { siblingGroupText } from "../../src/referrals/sibling-group.js";
import { broadcastProfileOf, profileRows } from "../../src/responses/profile.js";
import { inputIds } from "../helpers/teams.js";

const row = (siblingReferences?: string[]) => ({
  reference: "R-2026-0042",
  ageYears: 9,
  gender: "male",
  needCodes: ["SEMH"],
  ehcp: false,
  legalStatus: "s20",
  area: "PE1",
  urgency: "standard" as const,
  requiredBy: new Date("2026-12-15T00:00:00Z"),
  summary: "Loves Lego.",
  lot: { number: 2, name: "Residential Children's Homes" },
  ...(siblingReferences ? { siblingReferences } : {}),
});
const GROUP = "sibling group of 2: R-2026-0041, R-2026-0042";

describe("sibling group", () => {
  it("names the group's references in order, and nothing for a referral on its own", () => {
    expect(siblingGroupText(["R-2026-0042", "R-2026-0041"])).toBe(GROUP);
    expect(siblingGroupText(["R-2026-0042", "R-2026-0042"])).toBeUndefined();
    expect(siblingGroupText([])).toBeUndefined();
    expect(siblingGroupText(null)).toBeUndefined();
  });

  it("is in the broadcast profile and its rows (so the email and the chat card), only when there is a group", () => {
    const grouped = broadcastProfileOf(row(["R-2026-0042", "R-2026-0041"]));
    expect(grouped.siblingGroup).toBe(GROUP);
    expect(profileRows(grouped)).toContainEqual(["Siblings", GROUP]);
    const alone = broadcastProfileOf(row(["R-2026-0042"]));
    expect("siblingGroup" in alone).toBe(false);
    expect(profileRows(alone).map(([label]) => label)).not.toContain("Siblings");
    expect(profileHtml(grouped)).toContain(GROUP);
    expect(profileHtml(alone)).not.toContain("Siblings");
  });

  it("goes to providers in the email and as sibling_group in the webhook payload, which the contract allows", () => {
    const message: OutboundDelivery = {
      kind: "referral",
      messageId: "m1",
      deliveryId: "3d0c6a52-8a43-4a3a-9d7e-2b8f6e1c0a11",
      provider: { id: "p1", name: "Nene Valley Care", email: "duty@nene.example" },
      round: { number: 1, respondBy: new Date("2026-11-30T10:15:00Z") },
      profile: broadcastProfileOf(row(["R-2026-0041", "R-2026-0042"])),
      responseUrl: "https://referrals.example.gov.uk/r/abcdefghijklmnopqrstuv",
    };
    expect(renderText(message)).toContain(`Siblings: ${GROUP}`);
    expect(renderHtml(message)).toContain(GROUP);
    const payload = payloadFor(message, new Date("2026-11-23T10:15:02Z"));
    expect(payload.referral.sibling_group).toBe(GROUP);
    expect(webhookPayloadSchema.safeParse(payload).success).toBe(true);
    const alone = payloadFor({ ...message, profile: broadcastProfileOf(row()) }, new Date("2026-11-23T10:15:02Z"));
    expect("sibling_group" in alone.referral).toBe(false);
  });
});

describe("the forms' duplicate fields", () => {
  it("Slack: always on the first step, optional, within 100 blocks; a kept draft never brings a reason back", () => {
    const blocks = referralModal({
      [DUPLICATE_FIELDS.reason]: { v: { value: "an old reason" } },
      [DUPLICATE_FIELDS.siblingOf]: { v: { value: "R-2026-0001" } },
      "profile.area": { v: { value: "PE1" } },
    }).blocks as { block_id?: string; optional?: boolean; element?: { initial_value?: string } }[];
    expect(blocks.length).toBeLessThan(100);
    for (const id of Object.values(DUPLICATE_FIELDS)) {
      const b = blocks.find((x) => x.block_id === id);
      expect(b?.optional).toBe(true);
      expect(b?.element?.initial_value).toBeUndefined();
    }
    expect(blocks.find((b) => b.block_id === "profile.area")?.element?.initial_value).toBe("PE1");
  });

  it("Teams: shown once the core finds a live referral, with the warning and the reference", () => {
    expect(inputIds(referralFormCard("f1"))).not.toContain(DUPLICATE_FIELDS.reason);
    const card = referralFormCard("f1", {
      duplicateOf: "R-2026-0041",
      fieldErrors: { [DUPLICATE_FIELDS.reason]: ["This child may already have a live referral, R-2026-0041."] },
    });
    expect(inputIds(card)).toEqual(expect.arrayContaining(Object.values(DUPLICATE_FIELDS)));
    expect(JSON.stringify(card)).toContain("This child may already have a live referral, R-2026-0041.");
  });
});
