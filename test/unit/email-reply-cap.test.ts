// An email reply's text is cut before the quote-stripping regexes run: a megabyte of blank lines or "From:" lines
// (the HTTP endpoint takes up to 1 MB) would otherwise cost every line several regex passes.
import { describe, expect, it } from "vitest";
import { classifyReply, MAX_REPLY_SCAN, stripQuotedText } from "../../src/responses/email-reply.js";

describe("reply text cap", () => {
  it("looks at no more than MAX_REPLY_SCAN characters of a reply", () => {
    expect(stripQuotedText("x".repeat(1_000_000)).length).toBe(MAX_REPLY_SCAN);
    expect(stripQuotedText(`${"word\n".repeat(200_000)}`).length).toBeLessThanOrEqual(MAX_REPLY_SCAN);
    // The provider's own words come first, so the cap keeps them.
    expect(classifyReply(`No vacancies at the moment, sorry.\n\n${"> quoted\n".repeat(100_000)}`)).toEqual({
      type: "decline",
      reason: "no_vacancy",
    });
  });
});
