// The provider's vacancy token (one provider, an expiry, an HMAC) and the vacancy link every email carries.
import { describe, expect, it } from "vitest";
import { renderEmail } from "../../adapters/email/render.js";
import type { OutboundDelivery } from "../../src/ports.js";
import { vacancyTokenFor, vacancyUrlFor, verifyVacancyToken } from "../../src/responses/vacancy-token.js";

const SECRET = "a-test-secret-of-at-least-32-characters";
const PROVIDER = "3f0e7f8a-2b1c-4d5e-9f00-112233445566";
const now = new Date("2026-11-30T09:00:00Z");

describe("vacancy token", () => {
  it("names its provider until it expires", () => {
    const token = vacancyTokenFor(SECRET, PROVIDER, now, 90);
    expect(token).toMatch(new RegExp(`^${PROVIDER}\\.20270228\\.[A-Za-z0-9_-]{32}$`));
    expect(verifyVacancyToken(SECRET, token, now)).toEqual({ ok: true, providerId: PROVIDER });
    expect(verifyVacancyToken(SECRET, token, new Date("2027-02-28T23:00:00Z"))).toEqual({
      ok: true,
      providerId: PROVIDER,
    });
    expect(verifyVacancyToken(SECRET, token, new Date("2027-03-01T00:00:00Z"))).toEqual({
      ok: false,
      reason: "expired",
    });
  });
  it("refuses another secret, another provider, a moved expiry and junk", () => {
    const token = vacancyTokenFor(SECRET, PROVIDER, now);
    const [, expiry, mac] = token.split(".");
    expect(verifyVacancyToken(`${SECRET}x`, token, now)).toEqual({ ok: false, reason: "invalid" });
    const other = "00000000-2b1c-4d5e-9f00-112233445566";
    expect(verifyVacancyToken(SECRET, `${other}.${expiry}.${mac}`, now)).toEqual({ ok: false, reason: "invalid" });
    expect(verifyVacancyToken(SECRET, `${PROVIDER}.29991231.${mac}`, now)).toEqual({ ok: false, reason: "invalid" });
    expect(verifyVacancyToken(SECRET, "", now)).toEqual({ ok: false, reason: "invalid" });
  });
});

describe("the vacancy link in provider emails", () => {
  it("is in the text and the HTML of every email", () => {
    const url = vacancyUrlFor("https://referrals.example.gov.uk/", vacancyTokenFor(SECRET, PROVIDER, now));
    expect(url).toMatch(/^https:\/\/referrals\.example\.gov\.uk\/p\/vacancies\?token=3f0e7f8a-/);
    const m: OutboundDelivery = {
      kind: "referral_closed",
      messageId: "m1",
      deliveryId: "d1",
      provider: { id: PROVIDER, name: "Sunrise Homes", email: "referrals@sunrise.example" },
      round: { number: 1, respondBy: now },
      profile: {
        reference: "R-2026-0042",
        lotNumber: 2,
        lotName: "Residential Children's Homes",
        ageYears: 14,
        gender: "female",
        needCodes: ["SEMH"],
        ehcp: false,
        legalStatus: "s31",
        area: "PE1",
        urgency: "standard",
        requiredBy: "2026-12-20",
        summary: "",
      },
      responseUrl: "https://referrals.example.gov.uk/r/tok",
      vacancyUrl: url,
    };
    const email = renderEmail(m);
    expect(email.text).toContain(`Update the vacancies you can offer: ${url}`);
    expect(email.html).toContain(`<a href="${url.replace(/&/g, "&amp;")}">Update the vacancies you can offer</a>`);
  });
});
