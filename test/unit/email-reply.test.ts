// Turning a provider's email into a response: strip what they quoted, and call it a decline only when
// it plainly is one; anything else goes to ART as a question.
import { describe, expect, it } from "vitest";
import { classifyReply, stripQuotedText } from "../../src/responses/email-reply.js";

describe("stripQuotedText", () => {
  it("drops a Gmail-style quote, including an attribution wrapped over two lines", () => {
    const gmail = [
      "We can offer a bed from Monday.",
      "",
      "On Tue, 15 Dec 2026 at 09:12, Placement referrals <referrals@council.example>",
      "wrote:",
      "> A new placement referral",
      "> Summary: likes football",
    ].join("\r\n");
    expect(stripQuotedText(gmail)).toBe("We can offer a bed from Monday.");
    expect(stripQuotedText("Thanks\n\nOn Mon, 1 Jun 2026, ART <a@b.example> wrote:\nquoted text")).toBe("Thanks");
  });

  it("drops Outlook's separator block and -----Original Message-----", () => {
    const outlook = [
      "Does she attend school locally?",
      "",
      "________________________________",
      "From: Placement referrals <referrals@council.example>",
      "Sent: 15 December 2026 09:00",
      "Subject: Placement referral R-2026-0042",
      "Summary: likes football",
    ].join("\n");
    expect(stripQuotedText(outlook)).toBe("Does she attend school locally?");
    expect(stripQuotedText("No vacancy.\n-----Original Message-----\nFrom: x\nbody")).toBe("No vacancy.");
    const bareHeaders = "Question about transport\n\nFrom: ART <a@b.example>\nDate: Mon\nTo: me\n\nquoted";
    expect(stripQuotedText(bareHeaders)).toBe("Question about transport");
  });

  it("keeps a 'From:' line that is not a header block, and drops inline '>' lines", () => {
    expect(stripQuotedText("From: our Peterborough home\nwe could help")).toBe(
      "From: our Peterborough home\nwe could help",
    );
    expect(stripQuotedText("> Is she in school?\nYes, full time.\n  > old\nThanks")).toBe("Yes, full time.\nThanks");
  });

  it("cuts the signature after a line that is exactly '-- '", () => {
    expect(stripQuotedText("We have no vacancies.\n\n-- \nJane Smith\nSunrise Homes")).toBe("We have no vacancies.");
    // "--" without the space is not the signature convention, so it stays.
    expect(stripQuotedText("a\n--\nb")).toBe("a\n--\nb");
  });

  it("collapses runs of blank lines and trims", () => {
    expect(stripQuotedText("\n\n  Hello\n\n\n\nthere  \n\n")).toBe("Hello\n\nthere");
    expect(stripQuotedText("> only a quote")).toBe("");
  });
});

describe("classifyReply", () => {
  it.each([
    ["Sorry, we have no vacancy at present.", "no_vacancy"],
    ["Unfortunately we have no vacancies.\n\nKind regards\nJane", "no_vacancy"],
    ["We don't have any vacancies at the moment.", "no_vacancy"],
    ["We can’t meet her needs.", "cannot_meet_needs"],
    ["We are not able to meet this young person's needs.", "cannot_meet_needs"],
    ["We cannot meet his needs at this home, sorry.", "cannot_meet_needs"],
    ["We are unable to offer a placement.", "other"],
    ["Thank you for the referral, but we must decline.", "other"],
  ])("%j is a decline (%s)", (text, reason) => {
    expect(classifyReply(text)).toEqual({ type: "decline", reason });
  });

  it.each([
    "Could you tell us more? We may have no vacancy next month but...",
    "We have no vacancy now, but one is expected in January.",
    "If her school is local we cannot offer, otherwise we could.",
    "Is she able to share a bathroom",
    "We would like to offer. What is the start date?",
    "No",
  ])("%j is a question", (text) => {
    expect(classifyReply(text)).toEqual({ type: "question", question: text.trim() });
  });

  it("classifies the stripped text, not what was quoted", () => {
    const reply = "Can you send the care plan?\n\nOn Tue, 15 Dec 2026, ART wrote:\n> We have no vacancy";
    expect(classifyReply(reply)).toEqual({ type: "question", question: "Can you send the care plan?" });
    expect(classifyReply("No vacancies.\n> Could you tell us more?")).toEqual({
      type: "decline",
      reason: "no_vacancy",
    });
  });

  it("treats a long message as a question even when it mentions a decline, and cuts it to 5000 chars", () => {
    const long = `We are unable to offer. ${"Some context. ".repeat(600)}`;
    const c = classifyReply(long);
    expect(c.type).toBe("question");
    expect(c.type === "question" && c.question.length).toBe(5000);
  });

  it("returns an empty question for an empty or quote-only reply (the caller stores nothing)", () => {
    expect(classifyReply("")).toEqual({ type: "question", question: "" });
    expect(classifyReply("  \n> quoted\n-- \nsig")).toEqual({ type: "question", question: "" });
  });
});
