// The body of placement.agreed, the one message to the council's own systems (case management, finance): a public
// contract like the providers' payload, snake_case, versioned by council-payload.schema.json (generated from this
// file) and strict. Unlike the providers' payloads it carries the child's case id: it goes only to the council's
// own endpoint (COUNCIL_WEBHOOK_URL), never to a provider.
import { z } from "zod";
import { PLACEMENT_TYPES } from "../../src/domain/pds.js";
import { ADD_ON_KINDS, COST_BASES } from "../../src/domain/vocabulary.js";
import type { PlacementHandoff } from "../../src/referrals/council-handoff.js";

const pence = () => z.int().min(0);
const perWeek = (what: string) =>
  z.number().positive().nullable().describe(`${what} a week, for an hourly or daily price; otherwise null.`);

const priced = {
  basis: z
    .enum(COST_BASES)
    .describe("What the amount is quoted per: weekly, annual_38_week, annual_52_week, hourly, daily."),
  amount_pence: pence().describe("The amount as quoted, in pence, on its basis."),
  hours_per_week: perWeek("Hours"),
  days_per_week: perWeek("Days"),
};

export const placementAgreedSchema = z
  .object({
    type: z.literal("placement.agreed"),
    id: z
      .string()
      .min(1)
      .describe(
        "Message id, equal to the webhook-id header. The same message may arrive more than once: dedupe on it.",
      ),
    sent_at: z.iso
      .datetime()
      .describe("When this attempt was sent (UTC). Differs between retries of the same message."),
    referral: z
      .object({
        reference: z.string().min(1).describe("The referral's reference, such as R-2026-0042."),
        case_id: z
          .string()
          .nullable()
          .describe("The child's id in your case-management system; null if none was given or it has been erased."),
      })
      .strict(),
    provider: z
      .object({
        id: z.string().min(1).describe("The provider's id in the service's directory."),
        name: z.string().min(1),
        ofsted_urn: z.string().nullable().describe("The provider's Ofsted unique reference number, if it has one."),
      })
      .strict(),
    start_date: z.iso.date().describe("The offer's start date, else the date the placement was needed by."),
    cost: z
      .object({
        weekly_equivalent_pence: pence().describe("The agreed cost as one weekly figure, add-ons included."),
        ...priced,
        add_ons: z
          .array(
            z
              .object({
                kind: z.enum(ADD_ON_KINDS),
                label: z.string().nullable().describe("What an `other` add-on is, in the provider's words."),
                ...priced,
              })
              .strict(),
          )
          .describe("Extra services priced on their own basis; empty when none."),
      })
      .strict(),
    placement: z
      .object({
        placement_type: z.enum(PLACEMENT_TYPES),
        location: z.string().min(1).describe("Postcode district of the placement."),
        in_preferred_location: z.boolean().nullable(),
        education_continuity: z.boolean().nullable().describe("Null until the approver has said."),
        siblings_placed_together: z.int().min(0).nullable().describe("Null when not known."),
      })
      .strict()
      .describe("The Placements Data Standard's actual-placement fields."),
    decided_by: z.string().min(1).describe("Who approved the offer (platform-neutral actor id)."),
    second_approver: z.string().nullable().describe("Who gave the second approval above the cost threshold, if any."),
    approved_at: z.iso.datetime().describe("When the child was placed (the final approval), UTC."),
  })
  .strict()
  .meta({
    title: "placement.agreed",
    description:
      "A child was placed: sent once per placement to the council's own systems (COUNCIL_WEBHOOK_URL). Verify the " +
      "Standard Webhooks signature headers before trusting it.",
  });

export type PlacementAgreedPayload = z.infer<typeof placementAgreedSchema>;

/** The JSON Schema committed as council-payload.schema.json; a test fails if the file drifts from it. */
export const placementAgreedJsonSchema = () => z.toJSONSchema(placementAgreedSchema);

type Priced = {
  basis: (typeof COST_BASES)[number];
  amountPence: number;
  hoursPerWeek?: number | null;
  daysPerWeek?: number | null;
};
const pricedOf = (p: Priced) => ({
  basis: p.basis,
  amount_pence: p.amountPence,
  hours_per_week: p.hoursPerWeek ?? null,
  days_per_week: p.daysPerWeek ?? null,
});

/** Maps a placement to its body, field by field, validated against the contract (throws if it breaks it). */
export function placementAgreedPayloadFor(
  h: PlacementHandoff,
  messageId: string,
  sentAt: Date,
): PlacementAgreedPayload {
  return placementAgreedSchema.parse({
    type: "placement.agreed",
    id: messageId,
    sent_at: sentAt.toISOString(),
    referral: { reference: h.reference, case_id: h.caseSystemId },
    provider: { id: h.provider.id, name: h.provider.name, ofsted_urn: h.provider.ofstedUrn },
    start_date: h.startDate,
    cost: {
      weekly_equivalent_pence: h.cost.weeklyEquivalentPence,
      ...pricedOf(h.cost),
      add_ons: h.cost.addOns.map((a) => ({ kind: a.kind, label: a.label ?? null, ...pricedOf(a) })),
    },
    placement: {
      placement_type: h.placement.placementType,
      location: h.placement.location,
      in_preferred_location: h.placement.inPreferredLocation,
      education_continuity: h.placement.educationContinuity,
      siblings_placed_together: h.placement.siblingsPlacedTogether,
    },
    decided_by: h.decidedBy,
    second_approver: h.secondApprover,
    approved_at: h.approvedAt.toISOString(),
  });
}
