// The JSON body of a webhook: a public contract that providers' developers code against, so it is snake_case,
// versioned by its JSON Schema (payload.schema.json, generated from this file) and strict: a field that is not
// declared here can never be sent, which keeps anything but the anonymised profile from leaving the council.
import { z } from "zod";
import {
  ADDITIONAL_SUPPORT,
  CARED_FOR_ALONGSIDE,
  COMMUNICATION_NEEDS,
  CULTURAL_NEEDS,
  PETS,
  PLACEMENT_NEEDED,
  RISKS_TO_CHILD,
  RISKS_TO_OTHERS,
  SUITABILITY,
} from "../../src/domain/pds.js";
import { LOT_NAMES, NEED_CODES } from "../../src/domain/vocabulary.js";
import type { BroadcastProfile, OutboundDelivery } from "../../src/ports.js";

const isoDateTime = () => z.iso.datetime();

// `id`s put these in the JSON Schema's $defs once instead of repeating them in every message type.
const providerSchema = z
  .object({ id: z.string().min(1).describe("Your provider id in the council's directory.") })
  .strict()
  .meta({ id: "WebhookProvider", description: "The provider this message is addressed to (you)." });

const suitability = z.enum(SUITABILITY);
const pdsSchema = z
  .object({
    placement_needed: z.enum(PLACEMENT_NEEDED).describe("When the placement is needed: today, in under 5 days, later."),
    siblings_to_place_with: z.int().min(0).describe("How many siblings are to be placed with the child."),
    communication_needs: z
      .array(z.enum(COMMUNICATION_NEEDS))
      .describe("Specific communication and language requirements; empty means none."),
    adaptations_to_home: z.boolean().describe("Whether the home needs adaptations (the detail is not shared)."),
    cultural_needs: z
      .enum(CULTURAL_NEEDS)
      .describe("Cultural needs, e.g. a place of worship (the detail is not shared)."),
    cared_for_alongside: z.enum(CARED_FOR_ALONGSIDE).describe("Who the child can be cared for alongside."),
    pets: z.enum(PETS).describe("Whether the child can live with pets: must, can, no, not_known."),
    additional_support: z.array(z.enum(ADDITIONAL_SUPPORT)).describe("Additional support needed; empty means none."),
    deprivation_of_liberty: z.boolean().describe("Whether a Deprivation of Liberty order applies."),
    suitability: z
      .object({ foster: suitability, residential: suitability, supported: suitability })
      .strict()
      .describe("Suitability of foster care, residential care and supported accommodation."),
    risks_to_child: z
      .array(z.enum(RISKS_TO_CHILD))
      .describe("Risks to the child that are present; every other is no known risk. Categories only."),
    risks_to_others: z
      .array(z.enum(RISKS_TO_OTHERS))
      .describe("Risks to others or property that are present; every other is no known risk. Categories only."),
  })
  .strict()
  .meta({
    id: "WebhookPlacementsDataStandard",
    description:
      "The Placements Data Standard's categories for the referral (no free text). Absent on referrals raised " +
      "before the council recorded them.",
  });

const referralSchema = z
  .object({
    reference: z
      .string()
      .min(1)
      .describe("The council's referral reference, e.g. R-2026-0042. Quote it in any contact."),
    lot: z
      .object({
        number: z.int().positive().describe("Lot number on the Dynamic Purchasing System."),
        name: z.string().min(1).describe(`Lot name, e.g. ${LOT_NAMES[2]}.`),
      })
      .strict()
      .describe("The DPS lot the placement is sought on."),
    age_years: z.int().min(0).describe("The child's age in whole years."),
    gender: z.string().min(1).describe("female, male or non-binary (more values may be added)."),
    need_codes: z.array(z.string().min(1)).describe(`SEND need codes: ${NEED_CODES.join(", ")} (more may be added).`),
    ehcp: z.boolean().describe("Whether the child has an Education, Health and Care Plan."),
    legal_status: z.string().min(1).describe("s20, s31, s38 or other (Children Act 1989 section)."),
    area: z
      .string()
      .min(1)
      .describe("Postcode district or area name where the placement is needed, never a full postcode."),
    urgency: z.enum(["emergency", "standard"]).describe("emergency rounds close within hours, standard within days."),
    required_by: z.iso.date().describe("Date (YYYY-MM-DD) the placement must start by."),
    summary: z.string().describe("Anonymised summary written by the social worker."),
    pds: pdsSchema.optional(),
    sibling_group: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Present when siblings were referred together on purpose, by reference only, e.g. "sibling group of 2: R-2026-0041, R-2026-0042". Each sibling\'s referral is sent on its own; an offer for the group is made on each.',
      ),
  })
  .strict()
  .meta({
    id: "WebhookReferral",
    description: "The anonymised referral profile. It never identifies the child (no name, date of birth or address).",
  });

const roundSchema = z
  .object({
    number: z.int().positive().describe("Circulation round; a referral may be recirculated in later rounds."),
    respond_by: isoDateTime().describe("Responses after this moment (UTC) are not accepted for this round."),
  })
  .strict()
  .meta({ id: "WebhookRound", description: "The circulation round this message belongs to." });

const common = {
  id: z
    .string()
    .min(1)
    .describe("Message id, equal to the webhook-id header. The same message may arrive more than once: dedupe on it."),
  sent_at: isoDateTime().describe("When this attempt was sent (UTC). Differs between retries of the same message."),
  provider: providerSchema,
  referral: referralSchema,
  round: roundSchema,
  response_url: z
    .url({ protocol: /^https?$/ })
    .describe("POST your offer, decline or question here as JSON (see README). Specific to you and this round."),
};

const broadcast = z
  .object({ type: z.literal("referral.broadcast"), ...common })
  .strict()
  .meta({ title: "referral.broadcast", description: "A new referral you are eligible for: please respond." });
const reminder = z
  .object({ type: z.literal("referral.reminder"), ...common })
  .strict()
  .meta({ title: "referral.reminder", description: "The round closes soon and we have no response from you yet." });
const outcome = z
  .object({
    type: z.literal("referral.outcome"),
    ...common,
    outcome: z
      .enum(["approved", "not_taken_up"])
      .describe("approved: your offer was accepted. not_taken_up: the child was placed elsewhere."),
  })
  .strict()
  .meta({ title: "referral.outcome", description: "The council's decision on your offer." });
const answer = z
  .object({
    type: z.literal("referral.answer"),
    ...common,
    answer: z.string().min(1).describe("The council's answer to the question you asked about this referral."),
  })
  .strict()
  .meta({ title: "referral.answer", description: "An answer to your question." });

const documents = z
  .object({
    type: z.literal("referral.documents"),
    ...common,
    documents: z
      .string()
      .min(1)
      .describe(
        "Which documents you asked for are ready, and until when. The documents themselves are never sent: download " +
          "them from the response_url (each download is recorded).",
      ),
  })
  .strict()
  .meta({ title: "referral.documents", description: "Documents you asked for are ready on your response link." });

const clarification = z
  .object({
    type: z.literal("referral.clarification"),
    ...common,
    question: z
      .string()
      .min(1)
      .describe("A question another provider asked about this referral (who asked is not said)."),
    answer: z.string().min(1).describe("The council's answer, shared with every provider on the round."),
  })
  .strict()
  .meta({
    title: "referral.clarification",
    description: "A question about this referral and the council's answer, shared with every provider on the round.",
  });

const closed = z
  .object({ type: z.literal("referral.closed"), ...common })
  .strict()
  .meta({
    title: "referral.closed",
    description:
      "The referral has closed (the child was placed, or the referral withdrawn or expired) and is no longer " +
      "available: stop work on it. Its response_url now answers 410. Sent once to every provider that received " +
      "the referral, except those that made an offer on a referral that was placed: they get referral.outcome.",
  });

export const webhookPayloadSchema = z
  .discriminatedUnion("type", [broadcast, reminder, outcome, answer, documents, clarification, closed])
  .meta({
    title: "Placement referral webhook",
    description:
      "Body of every webhook POST from the council's placement referral service. Verify the Standard Webhooks " +
      "signature headers before trusting it; switch on `type`.",
  });

export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

/** The JSON Schema committed as payload.schema.json; a test fails if the file drifts from it. */
export const webhookPayloadJsonSchema = () => z.toJSONSchema(webhookPayloadSchema);

/** Maps a delivery to its webhook body, picking profile fields one by one and validating against the contract. */
export function payloadFor(message: OutboundDelivery, now: Date): WebhookPayload {
  const p = message.profile;
  const base = {
    id: message.messageId,
    sent_at: now.toISOString(),
    provider: { id: message.provider.id },
    referral: {
      reference: p.reference,
      lot: { number: p.lotNumber, name: p.lotName },
      age_years: p.ageYears,
      gender: p.gender,
      need_codes: [...p.needCodes],
      ehcp: p.ehcp,
      legal_status: p.legalStatus,
      area: p.area,
      urgency: p.urgency,
      required_by: p.requiredBy,
      summary: p.summary,
      ...(p.pds ? { pds: pdsPayloadOf(p.pds) } : {}),
      ...(p.siblingGroup ? { sibling_group: p.siblingGroup } : {}),
    },
    round: { number: message.round.number, respond_by: message.round.respondBy.toISOString() },
    response_url: message.responseUrl,
  };
  switch (message.kind) {
    case "referral":
      return webhookPayloadSchema.parse({ type: "referral.broadcast", ...base });
    case "reminder":
      return webhookPayloadSchema.parse({ type: "referral.reminder", ...base });
    case "outcome_approved":
      return webhookPayloadSchema.parse({ type: "referral.outcome", ...base, outcome: "approved" });
    case "outcome_not_taken_up":
      return webhookPayloadSchema.parse({ type: "referral.outcome", ...base, outcome: "not_taken_up" });
    case "answer":
      return webhookPayloadSchema.parse({ type: "referral.answer", ...base, answer: message.text });
    case "documents_released":
      return webhookPayloadSchema.parse({ type: "referral.documents", ...base, documents: message.text });
    case "clarification":
      return webhookPayloadSchema.parse({
        type: "referral.clarification",
        ...base,
        question: message.question,
        answer: message.text,
      });
    case "referral_closed":
      return webhookPayloadSchema.parse({ type: "referral.closed", ...base });
  }
}

/** The standard's categories, picked one by one (never the restricted free text). */
function pdsPayloadOf(p: NonNullable<BroadcastProfile["pds"]>): z.infer<typeof pdsSchema> {
  return {
    placement_needed: p.placementNeeded,
    siblings_to_place_with: p.siblingsToPlaceWith,
    communication_needs: [...p.communicationNeeds],
    adaptations_to_home: p.adaptationsToHome,
    cultural_needs: p.culturalNeeds,
    cared_for_alongside: p.caredForAlongside,
    pets: p.pets,
    additional_support: [...p.additionalSupport],
    deprivation_of_liberty: p.deprivationOfLiberty,
    suitability: { ...p.suitability },
    risks_to_child: [...p.risksToChild],
    risks_to_others: [...p.risksToOthers],
  };
}
