// The Teams command text is cut before the markup regex runs, so its cost is bounded whatever the sender posts.
import { describe, expect, it } from "vitest";
import { commandTextOf, MAX_COMMAND_TEXT } from "../../adapters/teams/message-text.js";

describe("commandTextOf", () => {
  it("reads a command out of Teams' markup", () => {
    expect(commandTextOf("<p>New <b>Referral</b></p>")).toBe("new referral");
    expect(commandTextOf("  new-referral ")).toBe("new-referral");
    expect(commandTextOf(undefined)).toBe("");
  });

  it("caps the text before the regex: a megabyte in, at most MAX_COMMAND_TEXT characters looked at", () => {
    expect(commandTextOf("<".repeat(1_000_000))).toBe("<".repeat(MAX_COMMAND_TEXT));
    expect(commandTextOf(`${"x".repeat(1_000_000)}new referral`).length).toBe(MAX_COMMAND_TEXT);
    // A command hidden behind a megabyte of markup is not read: only the start of a message is a command.
    expect(commandTextOf(`${"<i></i>".repeat(200_000)}new referral`)).not.toContain("referral");
  });
});
