import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { payloadFor, webhookPayloadJsonSchema, webhookPayloadSchema } from "../../adapters/webhook/payload.js";
import type { OutboundDelivery, OutboundKind } from "../../src/ports.js";

const schemaFile = new URL("../../adapters/webhook/payload.schema.json", import.meta.url);
const sampleFile = new URL("../../adapters/webhook/sample-payload.json", import.meta.url);
const closedSampleFile = new URL("../../adapters/webhook/sample-closed-payload.json", import.meta.url);
const now = new Date("2026-11-23T10:15:02.417Z");

function delivery(over: Partial<OutboundDelivery> = {}): OutboundDelivery {
  return {
    kind: "referral",
    messageId: "msg-1",
    deliveryId: "3d0c6a52-8a43-4a3a-9d7e-2b8f6e1c0a11",
    provider: { id: "prov-1", name: "Nene Valley Care", email: "duty@nene.example", webhookSecret: "whsec_c2VjcmV0" },
    round: { number: 2, respondBy: new Date("2026-11-30T10:15:00Z") },
    profile: {
      reference: "R-2026-0042",
      lotNumber: 2,
      lotName: "Residential Children's Homes",
      ageYears: 14,
      gender: "female",
      needCodes: ["SEMH", "ASD"],
      ehcp: true,
      legalStatus: "s31",
      area: "PE1",
      urgency: "standard",
      requiredBy: "2026-12-15",
      summary: "Enjoys football.",
    },
    responseUrl: "https://referrals.example.gov.uk/r/abcdefghijklmnopqrstuv",
    ...over,
  };
}

describe("webhook payload", () => {
  it("maps a referral to referral.broadcast with the anonymised profile in snake_case", () => {
    expect(payloadFor(delivery(), now)).toEqual({
      type: "referral.broadcast",
      id: "msg-1",
      sent_at: "2026-11-23T10:15:02.417Z",
      provider: { id: "prov-1" },
      referral: {
        reference: "R-2026-0042",
        lot: { number: 2, name: "Residential Children's Homes" },
        age_years: 14,
        gender: "female",
        need_codes: ["SEMH", "ASD"],
        ehcp: true,
        legal_status: "s31",
        area: "PE1",
        urgency: "standard",
        required_by: "2026-12-15",
        summary: "Enjoys football.",
      },
      round: { number: 2, respond_by: "2026-11-30T10:15:00.000Z" },
      response_url: "https://referrals.example.gov.uk/r/abcdefghijklmnopqrstuv",
    });
  });

  it.each<[OutboundKind, Record<string, unknown>]>([
    ["reminder", { type: "referral.reminder" }],
    ["outcome_approved", { type: "referral.outcome", outcome: "approved" }],
    ["outcome_not_taken_up", { type: "referral.outcome", outcome: "not_taken_up" }],
    ["answer", { type: "referral.answer", answer: "Yes, a school place is arranged." }],
    ["referral_closed", { type: "referral.closed" }],
  ])("maps kind %s", (kind, expected) => {
    const p = payloadFor(delivery({ kind, text: "Yes, a school place is arranged." }), now);
    expect(p).toMatchObject(expected);
    // Only the outcome message carries `outcome`, only the answer carries `answer`.
    expect("outcome" in p).toBe(kind.startsWith("outcome_"));
    expect("answer" in p).toBe(kind === "answer");
  });

  it("carries the Placements Data Standard's categories, and not its restricted free text", () => {
    const pds = {
      placementNeeded: "within_5_days",
      siblingsToPlaceWith: 1,
      communicationNeeds: ["bsl"],
      adaptationsToHome: true,
      culturalNeeds: "required",
      caredForAlongside: "only_younger",
      pets: "can",
      additionalSupport: ["therapeutic_support"],
      deprivationOfLiberty: true,
      suitability: { foster: "unsuitable", residential: "preferred", supported: "not_specified" },
      risksToChild: ["going_missing"],
      risksToOthers: ["fire_setting"],
    } as const;
    const leaky = delivery();
    Object.assign(leaky.profile, {
      pds: { ...pds, culturalNeedsDetail: "Attends St Canary church", preferredLocation: "Near Canary School" },
    });
    const p = payloadFor(leaky, now);
    expect(p.referral.pds).toEqual({
      placement_needed: "within_5_days",
      siblings_to_place_with: 1,
      communication_needs: ["bsl"],
      adaptations_to_home: true,
      cultural_needs: "required",
      cared_for_alongside: "only_younger",
      pets: "can",
      additional_support: ["therapeutic_support"],
      deprivation_of_liberty: true,
      suitability: { foster: "unsuitable", residential: "preferred", supported: "not_specified" },
      risks_to_child: ["going_missing"],
      risks_to_others: ["fire_setting"],
    });
    expect(JSON.stringify(p)).not.toContain("Canary");
  });

  it("refuses an answer without text", () => {
    expect(() => payloadFor(delivery({ kind: "answer" }), now)).toThrow();
  });

  it("carries nothing beyond the anonymised profile, even if the caller passes more", () => {
    const leaky = delivery();
    Object.assign(leaky.profile, { childName: "Canary Child", dateOfBirth: "2012-05-01" });
    const json = JSON.stringify(payloadFor(leaky, now));
    for (const secret of ["Canary", "2012-05-01", "Nene Valley", "duty@", "whsec_", leaky.deliveryId]) {
      expect(json).not.toContain(secret);
    }
  });

  it("is strict: no key beyond the schema is accepted at any level", () => {
    const p = payloadFor(delivery(), now);
    expect(webhookPayloadSchema.safeParse({ ...p, extra: 1 }).success).toBe(false);
    expect(webhookPayloadSchema.safeParse({ ...p, referral: { ...p.referral, child_name: "x" } }).success).toBe(false);
    expect(webhookPayloadSchema.safeParse({ ...p, outcome: "approved" }).success).toBe(false);
  });

  it("sample-payload.json and sample-closed-payload.json are valid payloads", () => {
    for (const file of [sampleFile, closedSampleFile]) {
      const sample: unknown = JSON.parse(readFileSync(file, "utf8"));
      expect(webhookPayloadSchema.parse(sample)).toEqual(sample);
    }
  });

  it("payload.schema.json matches the zod schema (regenerate: UPDATE_WEBHOOK_SCHEMA=1 npx vitest run <this file>)", () => {
    const fresh = webhookPayloadJsonSchema();
    if (process.env.UPDATE_WEBHOOK_SCHEMA) writeFileSync(schemaFile, `${JSON.stringify(fresh, null, 2)}\n`);
    expect(JSON.parse(readFileSync(schemaFile, "utf8"))).toEqual(fresh);
    expect(fresh).toMatchObject({ $schema: "https://json-schema.org/draft/2020-12/schema", title: expect.any(String) });
  });
});
