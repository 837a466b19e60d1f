// Dates for test inputs, relative to a clock: the core refuses a required-by date in the past and an age that
// does not match the date of birth, so fixed dates in fixtures would start failing as the calendar moves on.
import { londonDate } from "../../src/digest/london.js";
import { wholeYearsBetween } from "../../src/domain/dates.js";

/** The London date `days` after the instant's, YYYY-MM-DD. */
export function londonDaysAfter(at: Date, days: number): string {
  const [y, m, d] = londonDate(at).split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** A date of birth making the child `age` on the instant's London date, with the birthday months away. */
export function birthDateForAge(age: number, at: Date = new Date()): string {
  const [y, m] = londonDate(at).split("-").map(Number) as [number, number, number];
  // Three months back, on the 15th: never the birthday itself, whatever the day of the month.
  return new Date(Date.UTC(y - age, m - 1 - 3, 15)).toISOString().slice(0, 10);
}

/** A child's age on the instant's London date, for a date of birth (YYYY-MM-DD). */
export const ageOn = (dateOfBirth: string, at: Date = new Date()) => wholeYearsBetween(dateOfBirth, londonDate(at));
