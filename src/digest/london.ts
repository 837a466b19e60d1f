// Dates as ART lives them: the Europe/London calendar day, whatever the season (GMT in winter, BST in summer).
export const LONDON = "Europe/London";

const ymd = new Intl.DateTimeFormat("en-CA", { timeZone: LONDON, year: "numeric", month: "2-digit", day: "2-digit" });
const wall = new Intl.DateTimeFormat("en-GB", {
  timeZone: LONDON,
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/** The London calendar date of an instant, YYYY-MM-DD. */
export function londonDate(at: Date): string {
  return ymd.format(at);
}

/** Minutes London is ahead of UTC at an instant (0 in winter, 60 in summer). */
function offsetMinutes(at: Date): number {
  const p = Object.fromEntries(wall.formatToParts(at).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!);
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/** The instant a London date starts (clocks change at 01:00 UTC, so midnight is never ambiguous). */
export function londonMidnight(date: string): Date {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const guess = new Date(Date.UTC(y, m - 1, d));
  return new Date(guess.getTime() - offsetMinutes(guess) * 60_000);
}

/** [start, end) of the London day an instant falls in. */
export function londonDayBounds(at: Date): { date: string; start: Date; end: Date } {
  const date = londonDate(at);
  const start = londonMidnight(date);
  const next = new Date(Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10) + 1));
  return { date, start, end: londonMidnight(next.toISOString().slice(0, 10)) };
}

/** "Mon 23 Nov 2026" for a YYYY-MM-DD date. */
export function longDate(date: string): string {
  const parts = LONG_DATE.formatToParts(new Date(`${date}T00:00:00Z`));
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${p.weekday} ${p.day} ${p.month} ${p.year}`;
}

// Made once, as the formatters above: building one costs far more than formatting with it.
const LONG_DATE = new Intl.DateTimeFormat("en-GB", {
  timeZone: "UTC",
  weekday: "short",
  day: "numeric",
  month: "short",
  year: "numeric",
});
const LONDON_TIME = new Intl.DateTimeFormat("en-GB", { timeZone: LONDON, hour: "2-digit", minute: "2-digit" });

/** "14:00" London time. */
export function londonTime(at: Date): string {
  return LONDON_TIME.format(at);
}

const dateTimeWithZone = new Intl.DateTimeFormat("en-GB", {
  timeZone: LONDON,
  weekday: "short",
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  timeZoneName: "short",
});

/** "GMT" in winter, "BST" in summer: the zone London is in at an instant. */
export function londonZoneName(at: Date): string {
  return dateTimeWithZone.formatToParts(at).find((p) => p.type === "timeZoneName")?.value ?? "UK time";
}

/** The digest's footnote: what it leaves out, and the zone of its times, named once for the whole digest. */
export const digestFootnote = (generatedAt: Date) =>
  `Anonymised: reference, lot, age, gender, needs, area and dates only. Open a referral's thread for more. Times are London time (${londonZoneName(new Date(generatedAt))}).`;

/**
 * "Mon 30 Nov, 09:00 GMT" (or BST in summer): every time a person reads in chat, in London time with its zone
 * named once, so nobody has to work out whether a round closes at 09:00 UTC or 09:00 on the office clock.
 */
export function londonDateTime(at: Date): string {
  const p = Object.fromEntries(dateTimeWithZone.formatToParts(at).map((x) => [x.type, x.value]));
  return `${p.weekday} ${p.day} ${p.month}, ${p.hour}:${p.minute} ${p.timeZoneName}`;
}
