// The Placements Data Standard's part of a referral, as the intake schema checks it. Categories go in the
// anonymised profile (broadcast: they let a provider judge whether it can care for the child); every free-text
// detail goes in the restricted details (encrypted), because free text can identify a child. See
// docs/data-protection.md for the field-by-field reasons.
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
} from "./pds.js";

export const SIBLINGS_MAX = 10;
/** A free-text detail's limit: a few sentences, which keeps the Teams form (echoed back with errors) under 28 KB. */
export const DETAIL_MAX = 1000;

/** A list of options: duplicates dropped, so "risk present" is a set however a form sends it. */
const setOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .array(z.enum(values))
    .max(values.length * 2)
    .default([])
    .transform((list) => values.filter((v) => list.includes(v)) as T[number][]);

const suitability = z.enum(SUITABILITY).default("not_specified");

/** The anonymised (broadcast) categories; each has the standard's "not known" answer as its default. */
export const pdsProfileSchema = z.object({
  /** Left out, it is worked out from the required-by date (newReferralSchemaAt). */
  placementNeeded: z.enum(PLACEMENT_NEEDED).optional(),
  siblingsToPlaceWith: z.coerce
    .number()
    .int(`must be a whole number from 0 to ${SIBLINGS_MAX}`)
    .min(0, `must be a whole number from 0 to ${SIBLINGS_MAX}`)
    .max(SIBLINGS_MAX, `must be a whole number from 0 to ${SIBLINGS_MAX}`)
    .default(0),
  communicationNeeds: setOf(COMMUNICATION_NEEDS),
  adaptationsToHome: z.boolean().default(false),
  culturalNeeds: z.enum(CULTURAL_NEEDS).default("not_known"),
  caredForAlongside: z.enum(CARED_FOR_ALONGSIDE).default("no_preference"),
  pets: z.enum(PETS).default("not_known"),
  additionalSupport: setOf(ADDITIONAL_SUPPORT),
  deprivationOfLiberty: z.boolean().default(false),
  suitability: z.object({ foster: suitability, residential: suitability, supported: suitability }).prefault({}),
  /** The risks present; every risk not listed is "No known risk". Categories only: the narrative is restricted. */
  risksToChild: setOf(RISKS_TO_CHILD),
  risksToOthers: setOf(RISKS_TO_OTHERS),
});

export type PdsProfile = z.output<typeof pdsProfileSchema> & { placementNeeded: (typeof PLACEMENT_NEEDED)[number] };

const detail = (max: number) => z.string().trim().max(max, `must be ${max} characters or fewer`).optional();

/** The standard's free-text fields: restricted (encrypted with the other restricted details). */
export const pdsRestrictedFields = {
  /** "Preferred location for home search": may be finer than a district (a school, a street), so restricted. */
  preferredLocation: detail(500),
  communicationDetail: detail(DETAIL_MAX),
  adaptationsDetail: detail(DETAIL_MAX),
  culturalNeedsDetail: detail(DETAIL_MAX),
  additionalSupportDetail: detail(DETAIL_MAX),
};
