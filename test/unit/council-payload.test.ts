import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  placementAgreedJsonSchema,
  placementAgreedPayloadFor,
  placementAgreedSchema,
} from "../../adapters/webhook/council-payload.js";
import type { PlacementHandoff } from "../../src/referrals/council-handoff.js";

const schemaFile = new URL("../../adapters/webhook/council-payload.schema.json", import.meta.url);
const sampleFile = new URL("../../adapters/webhook/sample-council-payload.json", import.meta.url);
const sentAt = new Date("2026-11-23T10:15:02.417Z");

const placement: PlacementHandoff = {
  referralId: "0e2b6c1e-5d8f-4c1a-9a51-0b0d1c7f6a10",
  reference: "R-2026-0042",
  caseSystemId: "LCS-778812",
  provider: { id: "6a1f0c3e-2b4d-4e8f-9a7b-1c2d3e4f5a6b", name: "Nene Valley Care", ofstedUrn: "SC123456" },
  startDate: "2026-12-01",
  cost: {
    weeklyEquivalentPence: 431_731,
    basis: "weekly",
    amountPence: 420_000,
    hoursPerWeek: null,
    daysPerWeek: null,
    addOns: [{ kind: "transport", label: null, basis: "annual_38_week", amountPence: 610_000 }],
  },
  placement: {
    placementType: "residential",
    location: "PE1",
    inPreferredLocation: true,
    educationContinuity: null,
    siblingsPlacedTogether: 0,
  },
  decidedBy: "slack:U0ART1",
  secondApprover: null,
  approvedAt: new Date("2026-11-23T10:14:58.000Z"),
};

describe("placement.agreed payload", () => {
  it("maps a placement field by field, in snake_case, with the case id", () => {
    const body = placementAgreedPayloadFor(placement, "msg-1", sentAt);
    expect(body).toEqual(JSON.parse(readFileSync(sampleFile, "utf8")));
    expect(body.referral.case_id).toBe("LCS-778812");
    expect(body.cost.add_ons).toEqual([
      {
        kind: "transport",
        label: null,
        basis: "annual_38_week",
        amount_pence: 610_000,
        hours_per_week: null,
        days_per_week: null,
      },
    ]);
  });

  it("is strict: an undeclared field is refused", () => {
    const body = placementAgreedPayloadFor(placement, "msg-1", sentAt);
    expect(placementAgreedSchema.safeParse({ ...body, child_name: "x" }).success).toBe(false);
    expect(
      placementAgreedSchema.safeParse({ ...body, referral: { ...body.referral, date_of_birth: "2012-01-01" } }).success,
    ).toBe(false);
  });

  it("council-payload.schema.json matches the zod schema (regenerate: UPDATE_WEBHOOK_SCHEMA=1 npx vitest run <this file>)", () => {
    const fresh = placementAgreedJsonSchema();
    if (process.env.UPDATE_WEBHOOK_SCHEMA) {
      writeFileSync(schemaFile, `${JSON.stringify(fresh, null, 2)}\n`);
      writeFileSync(sampleFile, `${JSON.stringify(placementAgreedPayloadFor(placement, "msg-1", sentAt), null, 2)}\n`);
    }
    expect(JSON.parse(readFileSync(schemaFile, "utf8"))).toEqual(fresh);
    expect(fresh).toMatchObject({ $schema: "https://json-schema.org/draft/2020-12/schema", title: "placement.agreed" });
  });
});
