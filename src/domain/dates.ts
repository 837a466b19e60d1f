// Calendar dates for input rules. A date field (required by, date of birth, start date) is a day, not an instant:
// "2026-12-01" is read as that day, and compared with today's date in London (see digest/london.ts).
import { z } from "zod";

/** The calendar day a date field names, YYYY-MM-DD (date-only input parses as midnight UTC of that day). */
export const calendarDateOf = (d: Date): string => d.toISOString().slice(0, 10);

/** A YYYY-MM-DD date `years` later; 29 February becomes 28 February in a year without one. */
export function addYears(date: string, years: number): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y + years, m - 1, d));
  if (target.getUTCMonth() !== m - 1) target.setUTCDate(0);
  return calendarDateOf(target);
}

/** Whole years from `from` to `to` (both YYYY-MM-DD): an age on a given day. */
export function wholeYearsBetween(from: string, to: string): number {
  const years = Number(to.slice(0, 4)) - Number(from.slice(0, 4));
  return to.slice(5) < from.slice(5) ? years - 1 : years;
}

// Made once: building an Intl formatter costs far more than formatting with it (a new one per call was a
// millisecond of every provider's answer in a burst).
const SPOKEN = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", day: "numeric", month: "long", year: "numeric" });

/** A YYYY-MM-DD date as people write it in messages: 1 December 2026. */
export function spokenDate(date: string): string {
  return SPOKEN.format(new Date(`${date}T00:00:00Z`));
}

/**
 * `build(today)` made once per day: a form's schema depends on the date only (its date bounds and their wording),
 * and making a zod schema costs more than checking a body with it, so every answer and referral of a day shares it.
 */
export function cachedByDay<T>(build: (today: string) => T): (today: string) => T {
  let day: string | undefined;
  let value: T;
  return (today) => {
    if (today !== day) {
      value = build(today);
      day = today;
    }
    return value;
  };
}

/**
 * A date field with bounds (inclusive, YYYY-MM-DD). Messages say what is allowed, never just "invalid".
 * `past` / `future` override the wording for a bound that is today.
 */
export function dateRule(opts: { notBefore?: string; notAfter?: string; past?: string; future?: string }) {
  return z.coerce
    .date({ error: "must be a date, like 2026-12-01" })
    .refine((d) => !Number.isNaN(d.getTime()), "must be a date, like 2026-12-01")
    .superRefine((d, ctx) => {
      const day = calendarDateOf(d);
      if (opts.notBefore && day < opts.notBefore) {
        ctx.addIssue({ code: "custom", message: opts.past ?? "cannot be in the past (today is fine)" });
      } else if (opts.notAfter && day > opts.notAfter) {
        ctx.addIssue({
          code: "custom",
          message: opts.future ?? `must be no later than ${spokenDate(opts.notAfter)}`,
        });
      }
    });
}
