// What a social worker submits. The anonymised profile is what providers see; the restricted details are
// special-category data that only ART may view, so they are validated here and then encrypted at once.
import { z } from "zod";
import { summaryErrors } from "./summary-guard.js";
import { NEED_CODES } from "./vocabulary.js";

export const LEGAL_STATUSES = ["s20", "s31", "s38", "other"] as const;
export const GENDERS = ["female", "male", "non-binary"] as const;

const dateLike = z.coerce.date().refine((d) => !Number.isNaN(d.getTime()), "must be a date");

export const anonymisedProfileSchema = z.object({
  lotNumber: z.coerce.number().int().positive(),
  ageYears: z.coerce.number().int().min(0).max(25),
  gender: z.enum(GENDERS),
  needCodes: z.array(z.enum(NEED_CODES)).max(12).default([]),
  ehcp: z.boolean(),
  legalStatus: z.enum(LEGAL_STATUSES),
  // A postcode district (PE1, CB22) or area name: never a full postcode, which could identify a home.
  area: z
    .string()
    .trim()
    .toUpperCase()
    .regex(
      /^[A-Z]{1,2}[0-9][0-9A-Z]?$|^[A-Z][A-Z '-]{1,40}$/,
      "must be a postcode district like PE1, not a full postcode",
    ),
  urgency: z.enum(["emergency", "standard"]),
  requiredBy: dateLike,
  summary: z.string().trim().min(1, "is required").max(1000, "must be 1000 characters or fewer"),
});

export const restrictedDetailsSchema = z.object({
  childName: z.string().trim().min(1, "is required").max(200),
  dateOfBirth: dateLike,
  caseSystemId: z.string().trim().max(100).optional(),
  address: z.string().trim().max(500).optional(),
  narrative: z.string().trim().max(20_000).optional(),
  risks: z.string().trim().max(10_000).optional(),
});

// Every intake path (Slack, Teams, the API) parses with this one schema, so every path refuses a summary that
// names the child (see summary-guard.ts); the summary's warnings come from summaryWarnings in the core's result.
export const newReferralSchema = z
  .object({
    profile: anonymisedProfileSchema,
    restricted: restrictedDetailsSchema,
  })
  .superRefine((v, ctx) => {
    for (const message of summaryErrors(v.profile.summary, v.restricted))
      ctx.addIssue({ code: "custom", path: ["profile", "summary"], message });
  });

export type AnonymisedProfile = z.infer<typeof anonymisedProfileSchema>;
export type RestrictedDetails = z.infer<typeof restrictedDetailsSchema>;
export type NewReferral = z.input<typeof newReferralSchema>;

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
