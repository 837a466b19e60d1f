// The rules for who may answer for a provider by email, and what our gateway's Authentication-Results
// change: refused, accepted but unverified, or verified (a decline that may hold beyond its round).
import { describe, expect, it } from "vitest";
import { type InboundSender, isProvidersAddress, judgeSender } from "../../src/responses/sender-check.js";

const PROVIDER = "Referrals@Sunrise-Homes.example";
const OURS = "mx.council.example";
const sender = (over: Partial<InboundSender> = {}): InboundSender => ({
  from: ["jane@sunrise-homes.example"],
  authenticationResults: [],
  ...over,
});
const judge = (over: Partial<InboundSender> = {}) => judgeSender(PROVIDER, sender(over), OURS);
const judgeWithoutAuthservId = (over: Partial<InboundSender>) => judgeSender(PROVIDER, sender(over), undefined);

describe("isProvidersAddress", () => {
  it("matches the provider's address or its exact domain, case-insensitively", () => {
    expect(isProvidersAddress(PROVIDER, "referrals@sunrise-homes.example")).toBe(true);
    expect(isProvidersAddress(PROVIDER, "JANE.SMITH@SUNRISE-HOMES.EXAMPLE")).toBe(true);
    expect(isProvidersAddress(PROVIDER, "jane@sunrise-homes.example.")).toBe(true);
  });

  it("does not match subdomains, parent domains, look-alikes or odd address forms", () => {
    for (const other of [
      "jane@mail.sunrise-homes.example",
      "jane@example",
      "jane@sunrise-homes.example.evil.example",
      "jane@sunrise-homes-example.com",
      "jane@sunrlse-homes.example",
      '"jane@sunrise-homes.example"@evil.example',
      "jane@sunrise-homes.example@evil.example",
      "jane@[192.0.2.1]",
      "@sunrise-homes.example",
      "",
    ]) {
      expect(isProvidersAddress(PROVIDER, other), other).toBe(false);
    }
  });

  it("compares internationalised domains in their ASCII form", () => {
    expect(isProvidersAddress("a@bücher.example", "b@xn--bcher-kva.example")).toBe(true);
    expect(isProvidersAddress("a@bücher.example", "b@bucher.example")).toBe(false);
  });

  it("needs the exact address at a public mailbox service, where a domain is shared by strangers", () => {
    expect(isProvidersAddress("sunrise.homes@gmail.com", "Sunrise.Homes@GMAIL.com")).toBe(true);
    expect(isProvidersAddress("sunrise.homes@gmail.com", "someone.else@gmail.com")).toBe(false);
    expect(isProvidersAddress("sunrise@nhs.net", "other@nhs.net")).toBe(false);
  });
});

describe("judgeSender", () => {
  it("accepts the provider's sender as unverified when there is nothing from our gateway", () => {
    expect(judge()).toEqual({ accepted: true, verified: false });
    expect(judge({ envelopeFrom: "referrals@sunrise-homes.example" })).toEqual({ accepted: true, verified: false });
  });

  it("refuses no From, several From mailboxes, a group, a stranger, and a stranger's envelope", () => {
    expect(judge({ from: [] })).toEqual({ accepted: false, reason: "from_unreadable" });
    expect(judge({ from: ["jane@sunrise-homes.example", "x@evil.example"] })).toMatchObject({ accepted: false });
    expect(judge({ from: ["jane@sunrise-homes.example", "jane@sunrise-homes.example"] })).toMatchObject({
      accepted: false,
    });
    expect(judge({ from: [""] })).toEqual({ accepted: false, reason: "from_unreadable" });
    expect(judge({ from: ["x@evil.example"] })).toEqual({ accepted: false, reason: "sender_mismatch" });
    expect(judge({ envelopeFrom: "bounce@evil.example" })).toEqual({ accepted: false, reason: "envelope_mismatch" });
    expect(judge({ envelopeFrom: "" })).toEqual({ accepted: false, reason: "envelope_mismatch" });
    expect(judgeSender(null, sender(), OURS)).toEqual({ accepted: false, reason: "no_provider_email" });
  });

  it("verifies on a DKIM pass for the provider's domain in our gateway's topmost field", () => {
    const pass = `${OURS}; dkim=pass header.d=sunrise-homes.example; spf=pass smtp.mailfrom=sunrise-homes.example`;
    expect(judge({ authenticationResults: [pass] })).toEqual({ accepted: true, verified: true });
    expect(judge({ authenticationResults: [`${OURS}; dkim=pass header.i=@Sunrise-Homes.example`] })).toEqual({
      accepted: true,
      verified: true,
    });
    // The authserv-id is compared case-insensitively.
    expect(judge({ authenticationResults: [`MX.COUNCIL.EXAMPLE; dkim=pass header.d=sunrise-homes.example`] })).toEqual({
      accepted: true,
      verified: true,
    });
  });

  it("does not verify on a pass for another domain, an incomplete pass, a lower field, or without an authserv-id", () => {
    const unverified = { accepted: true, verified: false };
    const pass = `${OURS}; dkim=pass header.d=sunrise-homes.example`;
    expect(judge({ authenticationResults: [`${OURS}; dkim=pass header.d=evil.example`] })).toEqual(unverified);
    expect(judge({ authenticationResults: [`${OURS}; dkim=pass header.d=mail.sunrise-homes.example`] })).toEqual(
      unverified,
    );
    expect(judge({ authenticationResults: [`${OURS}; dkim=pass`] })).toEqual(unverified);
    expect(
      judge({ authenticationResults: [`${OURS}; dkim=pass header.d=sunrise-homes.example header.d=evil.example`] }),
    ).toEqual(unverified);
    expect(judge({ authenticationResults: [`${OURS}; dkim=none`, pass] })).toEqual(unverified);
    expect(judge({ authenticationResults: [`other.example; dkim=pass header.d=sunrise-homes.example`] })).toEqual(
      unverified,
    );
    expect(judgeWithoutAuthservId({ authenticationResults: [pass] })).toEqual(unverified);
    expect(judge({ authenticationResults: [`${OURS} 2; dkim=pass header.d=sunrise-homes.example`] })).toEqual(
      unverified,
    );
  });

  it("refuses a failure in any field of ours, and only ours", () => {
    for (const [results, reason] of [
      ["dkim=fail header.d=sunrise-homes.example", "dkim_fail"],
      ["dkim=permerror", "dkim_fail"],
      ["spf=fail smtp.mailfrom=sunrise-homes.example", "spf_fail"],
      ["spf=permerror", "spf_fail"],
      ["dmarc=fail header.from=sunrise-homes.example", "dmarc_fail"],
      ["dmarc=fail action=none header.from=sunrise-homes.example", "dmarc_fail"],
    ] as const) {
      expect(judge({ authenticationResults: [`${OURS}; ${results}`] }), results).toEqual({ accepted: false, reason });
    }
    // A failure below our topmost field still refuses (a sender can only hurt its own message that way), even
    // beside a pass.
    expect(
      judge({
        authenticationResults: [`${OURS}; dkim=pass header.d=sunrise-homes.example`, `${OURS}; spf=fail`],
      }),
    ).toEqual({ accepted: false, reason: "spf_fail" });
    expect(judge({ authenticationResults: ["other.example; dkim=fail; spf=fail; dmarc=fail"] })).toEqual({
      accepted: true,
      verified: false,
    });
    expect(judgeWithoutAuthservId({ authenticationResults: [`${OURS}; dkim=fail`] })).toEqual({
      accepted: true,
      verified: false,
    });
  });

  it("neither refuses nor verifies on softfail, neutral, none, policy or temporary errors", () => {
    for (const results of [
      "spf=softfail",
      "spf=neutral",
      "spf=none",
      "spf=temperror",
      "dkim=neutral",
      "dkim=policy",
      "dkim=temperror",
      "dmarc=none",
      "dmarc=permerror",
      "none",
    ]) {
      expect(judge({ authenticationResults: [`${OURS}; ${results}`] }), results).toEqual({
        accepted: true,
        verified: false,
      });
    }
  });
});
