// What a social worker submits. The anonymised profile is what providers see; the restricted details are
// special-category data that only ART may view, so they are validated here and then encrypted at once.
// Every intake path (Slack, Teams, the API) parses with the one schema below, built for "today" (the London
// calendar date) so date rules can be checked and tests can fix the clock; adapters only map its errors.
import { z } from "zod";
import { londonDate } from "../digest/london.js";
import { addYears, cachedByDay, calendarDateOf, dateRule, spokenDate, wholeYearsBetween } from "./dates.js";
import { placementNeededBand } from "./pds.js";
import { pdsProfileSchema, pdsRestrictedFields } from "./pds-input.js";
import { summaryErrors } from "./summary-guard.js";
import { NEED_CODES } from "./vocabulary.js";

export const LEGAL_STATUSES = ["s20", "s31", "s38", "other"] as const;
export const GENDERS = ["female", "male", "non-binary"] as const;

/** Looked-after children (0-17) and care leavers, whom councils support up to 25; the lots include Post-16. */
export const AGE_MIN = 0;
export const AGE_MAX = 25;
/** A placement needed further ahead than this is a typing mistake, not a referral. */
export const REQUIRED_BY_MAX_YEARS = 2;

const AGE_RULE = `must be a whole number between ${AGE_MIN} and ${AGE_MAX}`;
const AREA_RULE = "must be a postcode district, the first half of a postcode, like PE1, CB22 or SW1A";

/**
 * A UK postcode district (outward code): A9, A99, AA9, AA99, A9A or AA9A, with the letters Royal Mail uses in
 * each place. Never a full postcode, which could identify a home, and no free-text place names.
 */
export const POSTCODE_DISTRICT = /^(?:[A-PR-UWYZ][0-9][0-9A-HJKPSTUW]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRVWXY]?)$/;
const FULL_POSTCODE = /^([A-Z]{1,2}[0-9][0-9A-Z]?)\s*[0-9][A-Z]{2}$/;

/**
 * What each form field accepts, in words: the chat forms show it when their own client-side check fails, so a
 * person sees the same rule whichever check caught them.
 */
export const REFERRAL_FIELD_RULES: Record<string, string> = {
  "profile.ageYears": `Enter the age in whole years, between ${AGE_MIN} and ${AGE_MAX}`,
  "profile.area": "Enter a postcode district, like PE1, CB22 or SW1A (not a full postcode)",
  "profile.requiredBy": `Enter a date from today to ${REQUIRED_BY_MAX_YEARS} years ahead`,
  "restricted.dateOfBirth": "Enter the date of birth; it cannot be in the future",
};

export const areaSchema = z
  .string()
  .trim()
  .toUpperCase()
  .superRefine((v, ctx) => {
    if (POSTCODE_DISTRICT.test(v)) return;
    const full = FULL_POSTCODE.exec(v);
    ctx.addIssue({
      code: "custom",
      message: full
        ? `is a full postcode: give only the district, the first half (for example ${full[1]})`
        : v
          ? AREA_RULE
          : `is required: ${AREA_RULE.replace("must be ", "")}`,
    });
  });

/** The profile's fields for a given London date (YYYY-MM-DD). */
function anonymisedProfileSchemaAt(today: string) {
  return z.object({
    lotNumber: z.coerce.number().int().positive(),
    ageYears: z.coerce
      .number({ error: `is required: a whole number between ${AGE_MIN} and ${AGE_MAX}` })
      .int(AGE_RULE)
      .min(AGE_MIN, AGE_RULE)
      .max(AGE_MAX, AGE_RULE),
    gender: z.enum(GENDERS),
    needCodes: z.array(z.enum(NEED_CODES)).max(12).default([]),
    ehcp: z.boolean(),
    legalStatus: z.enum(LEGAL_STATUSES),
    area: areaSchema,
    urgency: z.enum(["emergency", "standard"]),
    requiredBy: dateRule({
      notBefore: today,
      notAfter: addYears(today, REQUIRED_BY_MAX_YEARS),
      future: `must be within ${REQUIRED_BY_MAX_YEARS} years, by ${spokenDate(addYears(today, REQUIRED_BY_MAX_YEARS))}`,
    }),
    summary: z.string().trim().min(1, "is required").max(1000, "must be 1000 characters or fewer"),
    // The Placements Data Standard's categories (pds-input.ts): optional, so a referral raised as before (an
    // older API client) gets the standard's "not known" answers.
    pds: pdsProfileSchema.prefault({}),
  });
}

/** The restricted details' fields for a given London date (YYYY-MM-DD). */
function restrictedDetailsSchemaAt(today: string) {
  return z.object({
    childName: z.string().trim().min(1, "is required").max(200),
    dateOfBirth: dateRule({ notAfter: today, future: "cannot be in the future" }),
    caseSystemId: z.string().trim().max(100).optional(),
    address: z.string().trim().max(500).optional(),
    narrative: z.string().trim().max(20_000).optional(),
    risks: z.string().trim().max(10_000).optional(),
    ...pdsRestrictedFields,
  });
}

/**
 * Restricted details as stored: read back (decrypted) long after they were checked, so no "today" rules apply.
 * New input is checked by newReferralSchemaAt.
 */
export const restrictedDetailsSchema = restrictedDetailsSchemaAt("9999-12-31");

/**
 * The one schema for a new referral, as of a London date (YYYY-MM-DD). Summary rules: see summary-guard.ts (it
 * refuses a summary that names the child); the summary's warnings come from summaryWarnings in the core's result.
 */
export function newReferralSchemaAt(today: string) {
  return z
    .object({
      profile: anonymisedProfileSchemaAt(today),
      restricted: restrictedDetailsSchemaAt(today),
    })
    .superRefine((v, ctx) => {
      for (const message of summaryErrors(v.profile.summary, v.restricted))
        ctx.addIssue({ code: "custom", path: ["profile", "summary"], message });
      // zod runs this even when a field failed a check above: compare only an age and a date that passed.
      const age = v.profile.ageYears;
      const born = v.restricted.dateOfBirth;
      if (!(born instanceof Date) || Number.isNaN(born.getTime())) return;
      if (!Number.isInteger(age) || age < AGE_MIN || age > AGE_MAX) return;
      const dob = calendarDateOf(born);
      if (dob > today) return; // refused above
      const years = wholeYearsBetween(dob, today);
      // The age is what providers match on; the date of birth is ART's record. They must agree, or one is wrong.
      if (years !== age) {
        ctx.addIssue({
          code: "custom",
          path: ["profile", "ageYears"],
          message: `does not match the date of birth, which makes the child ${years} today`,
        });
      }
    })
    .transform((v) => {
      // Not given, the standard's "when is it needed" band follows from the required-by date, as of today.
      const { pds, requiredBy } = v.profile;
      const placementNeeded = pds.placementNeeded ?? placementNeededBand(today, calendarDateOf(requiredBy));
      return { ...v, profile: { ...v.profile, pds: { ...pds, placementNeeded } } };
    });
}

/** The schema as of an instant's London date: what the core uses with its clock. */
const newReferralSchemaOfDay = cachedByDay(newReferralSchemaAt);
export const newReferralSchemaFor = (now: Date) => newReferralSchemaOfDay(londonDate(now));

export type NewReferralSchema = ReturnType<typeof newReferralSchemaAt>;
export type AnonymisedProfile = z.infer<NewReferralSchema>["profile"];
export type RestrictedDetails = z.infer<typeof restrictedDetailsSchema>;
export type NewReferral = z.input<NewReferralSchema>;

/** zod issues as { "profile.area": ["must be ..."] }: what forms show beside each field. */
export function fieldErrorsOf(error: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.join(".") || "_";
    const list = out[key] ?? [];
    list.push(issue.message);
    out[key] = list;
  }
  return out;
}
