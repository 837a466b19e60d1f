// What a provider may answer, whichever way it comes (the response page, its JSON, a webhook, an email reply):
// one schema, built for "today" (the London calendar date) so an offer cannot start in the past.
import { z } from "zod";
import { londonDate } from "../digest/london.js";
import { addYears, dateRule, spokenDate } from "../domain/dates.js";

export const DECLINE_REASONS = [
  "no_vacancy",
  "cannot_meet_needs",
  "outside_area",
  "outside_age_range",
  "matching_concerns",
  "other",
] as const;

export const WEEKLY_COST_MAX_GBP = 50_000;
/** An offer starting further ahead than this is a typing mistake: no round waits that long. */
export const START_DATE_MAX_YEARS = 2;

/** The response schema as of a London date (YYYY-MM-DD). */
export function responseInputSchemaAt(today: string) {
  const latest = addYears(today, START_DATE_MAX_YEARS);
  return z.discriminatedUnion("type", [
    z.object({
      type: z.literal("offer"),
      weeklyCostGbp: z.coerce
        .number({ error: "must be an amount in pounds, like 1850" })
        .positive("must be more than £0")
        .max(WEEKLY_COST_MAX_GBP, `must be £${WEEKLY_COST_MAX_GBP.toLocaleString("en-GB")} or less`),
      startDate: dateRule({
        notBefore: today,
        notAfter: latest,
        past: "cannot be in the past (today is fine)",
        future: `must be within ${START_DATE_MAX_YEARS} years, by ${spokenDate(latest)}`,
      }),
      needsMet: z.string().trim().min(1, "is required").max(5000),
      notes: z.string().trim().max(5000).optional(),
    }),
    z.object({
      type: z.literal("decline"),
      reason: z.enum(DECLINE_REASONS),
      notes: z.string().trim().max(5000).optional(),
    }),
    z.object({ type: z.literal("question"), question: z.string().trim().min(1, "is required").max(5000) }),
  ]);
}

/** The schema as of an instant's London date: what the core uses with its clock. */
export const responseInputSchemaFor = (now: Date) => responseInputSchemaAt(londonDate(now));

export type ResponseInput = z.input<ReturnType<typeof responseInputSchemaAt>>;
