// What a provider may answer, whichever way it comes (the response page, its JSON, a webhook, an email reply):
// one schema, built for "today" (the London calendar date) so an offer cannot start in the past.
import { z } from "zod";
import { londonDate } from "../digest/london.js";
import { addYears, cachedByDay, dateRule, spokenDate } from "../domain/dates.js";
import { POSTCODE_DISTRICT } from "../domain/referral-input.js";
import { ADD_ON_KINDS, COST_BASES } from "../domain/vocabulary.js";
import { type OfferCost, poundsText, weeklyEquivalentPence } from "../domain/weekly-cost.js";

export const DECLINE_REASONS = [
  "no_vacancy",
  "cannot_meet_needs",
  "outside_area",
  "outside_age_range",
  "matching_concerns",
  "other",
] as const;

/** The most an offer may come to per week, as its weekly equivalent (see domain/weekly-cost.ts). */
export const WEEKLY_COST_MAX_GBP = 50_000;
export const ADD_ONS_MAX = 8;

const amountGbp = z.coerce
  .number({ error: "must be an amount in pounds, like 1850" })
  .positive("must be more than £0")
  .max(WEEKLY_COST_MAX_GBP * 52, `must be £${(WEEKLY_COST_MAX_GBP * 52).toLocaleString("en-GB")} or less`);
const hoursPerWeek = z.coerce
  .number({ error: "must be a number of hours, like 20" })
  .positive("must be more than 0")
  .max(168, "must be 168 or fewer (the hours in a week)");
const daysPerWeek = z.coerce
  .number({ error: "must be a number of days, like 5" })
  .positive("must be more than 0")
  .max(7, "must be 7 or fewer");

/** A priced item's hours or days, required by its basis (hourly, daily) and refused by the others. */
function basisNeeds(
  v: { basis?: string; hoursPerWeek?: number | undefined; daysPerWeek?: number | undefined },
  ctx: z.RefinementCtx,
  path: (string | number)[] = [],
) {
  const basis = v.basis ?? "weekly";
  if (basis === "hourly" && v.hoursPerWeek === undefined)
    ctx.addIssue({ code: "custom", path: [...path, "hoursPerWeek"], message: "is required for an hourly price" });
  if (basis === "daily" && v.daysPerWeek === undefined)
    ctx.addIssue({ code: "custom", path: [...path, "daysPerWeek"], message: "is required for a daily price" });
}

const addOnSchema = z
  .object({
    kind: z.enum(ADD_ON_KINDS),
    /** What an "other" add-on is. */
    label: z.string().trim().max(100).optional(),
    amountGbp,
    basis: z.enum(COST_BASES),
    hoursPerWeek: hoursPerWeek.optional(),
    daysPerWeek: daysPerWeek.optional(),
  })
  .superRefine((a, ctx) => {
    basisNeeds(a, ctx);
    if (a.kind === "other" && !a.label)
      ctx.addIssue({ code: "custom", path: ["label"], message: "is required for an 'other' add-on" });
  });
/** An offer starting further ahead than this is a typing mistake: no round waits that long. */
export const START_DATE_MAX_YEARS = 2;

/** The response schema as of a London date (YYYY-MM-DD). */
export function responseInputSchemaAt(today: string) {
  const latest = addYears(today, START_DATE_MAX_YEARS);
  return z.discriminatedUnion("type", [
    z
      .object({
        type: z.literal("offer"),
        // The original shape, still accepted: a weekly price with no add-ons (the same as costBasis "weekly").
        weeklyCostGbp: z.coerce
          .number({ error: "must be an amount in pounds, like 1850" })
          .positive("must be more than £0")
          .max(WEEKLY_COST_MAX_GBP, `must be £${WEEKLY_COST_MAX_GBP.toLocaleString("en-GB")} or less`)
          .optional(),
        // Or the price on its own basis, with the hours or days a week an hourly or daily price needs.
        costGbp: amountGbp.optional(),
        costBasis: z.enum(COST_BASES).optional(),
        hoursPerWeek: hoursPerWeek.optional(),
        daysPerWeek: daysPerWeek.optional(),
        addOns: z.array(addOnSchema).max(ADD_ONS_MAX, `can list at most ${ADD_ONS_MAX} add-ons`).optional(),
        startDate: dateRule({
          notBefore: today,
          notAfter: latest,
          past: "cannot be in the past (today is fine)",
          future: `must be within ${START_DATE_MAX_YEARS} years, by ${spokenDate(latest)}`,
        }),
        needsMet: z.string().trim().min(1, "is required").max(5000),
        notes: z.string().trim().max(5000).optional(),
        // Where the home (or school) offered is, as a postcode district only: enough for ART to see how far it is
        // from the child's area, never the address of a home. Optional; the comparison falls back to the
        // provider's first served area.
        placementDistrict: z
          .string()
          .trim()
          .toUpperCase()
          .regex(POSTCODE_DISTRICT, "must be a postcode district, like LS6 (the first half of a postcode)")
          .optional(),
      })
      .superRefine((o, ctx) => {
        if (o.weeklyCostGbp !== undefined && o.costGbp !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["costGbp"],
            message: "give either weeklyCostGbp or costGbp, not both",
          });
          return;
        }
        if (o.weeklyCostGbp === undefined && o.costGbp === undefined) {
          ctx.addIssue({ code: "custom", path: ["costGbp"], message: "is required" });
          return;
        }
        if (o.weeklyCostGbp !== undefined && o.costBasis && o.costBasis !== "weekly") {
          ctx.addIssue({
            code: "custom",
            path: ["costBasis"],
            message: "must be weekly with weeklyCostGbp (or send costGbp)",
          });
          return;
        }
        basisNeeds({ basis: o.costBasis, hoursPerWeek: o.hoursPerWeek, daysPerWeek: o.daysPerWeek }, ctx);
        // Any issue so far (here or in an add-on, whose checks run first) means there is no total to check yet.
        if (ctx.issues?.length || (o.weeklyCostGbp !== undefined && !o.addOns?.length)) return;
        const weekly = weeklyEquivalentPence(offerCostOf(o));
        if (weekly > WEEKLY_COST_MAX_GBP * 100)
          ctx.addIssue({
            code: "custom",
            path: [o.costGbp !== undefined ? "costGbp" : "weeklyCostGbp"],
            message: `comes to ${poundsText(weekly)} a week with its add-ons, more than the £${WEEKLY_COST_MAX_GBP.toLocaleString("en-GB")} allowed`,
          });
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
const responseInputSchemaOfDay = cachedByDay(responseInputSchemaAt);
export const responseInputSchemaFor = (now: Date) => responseInputSchemaOfDay(londonDate(now));

export type ResponseInput = z.input<ReturnType<typeof responseInputSchemaAt>>;

type OfferFields = {
  weeklyCostGbp?: number | undefined;
  costGbp?: number | undefined;
  costBasis?: (typeof COST_BASES)[number] | undefined;
  hoursPerWeek?: number | undefined;
  daysPerWeek?: number | undefined;
  addOns?: {
    kind: (typeof ADD_ON_KINDS)[number];
    label?: string | undefined;
    amountGbp: number;
    basis: (typeof COST_BASES)[number];
    hoursPerWeek?: number | undefined;
    daysPerWeek?: number | undefined;
  }[];
};

const pence = (gbp: number) => Math.round(gbp * 100);

/** A parsed offer's price, whichever shape it came in: `weeklyCostGbp` is a weekly price with no add-ons. */
export function offerCostOf(o: OfferFields): OfferCost {
  const basis = o.weeklyCostGbp !== undefined ? "weekly" : (o.costBasis ?? "weekly");
  return {
    amountPence: pence(o.weeklyCostGbp ?? o.costGbp ?? 0),
    basis,
    hoursPerWeek: basis === "hourly" ? (o.hoursPerWeek ?? null) : null,
    daysPerWeek: basis === "daily" ? (o.daysPerWeek ?? null) : null,
    addOns: (o.addOns ?? []).map((a) => ({
      kind: a.kind,
      label: a.kind === "other" ? (a.label ?? null) : null,
      amountPence: pence(a.amountGbp),
      basis: a.basis,
      hoursPerWeek: a.basis === "hourly" ? (a.hoursPerWeek ?? null) : null,
      daysPerWeek: a.basis === "daily" ? (a.daysPerWeek ?? null) : null,
    })),
  };
}
