// The Teams "raised" card carries the summary's warnings back to the person who raised the referral.
import { describe, expect, it } from "vitest";
import { raisedCard } from "../../adapters/teams/render-forms.js";

describe("Teams raised card", () => {
  it("shows the summary's warnings, and nothing extra without them", () => {
    const plain = JSON.stringify(raisedCard("R-2026-0001"));
    expect(plain).toContain("Referral R-2026-0001 raised");
    expect(plain).not.toContain("Please check the summary");
    const warned = JSON.stringify(raisedCard("R-2026-0001", ["The summary seems to contain a phone number."]));
    expect(warned).toContain("Please check the summary, which every provider sees");
    expect(warned).toContain("phone number");
  });
});
