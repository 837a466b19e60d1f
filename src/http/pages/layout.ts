// The frame every response link page shares (header, main, footer and the inline stylesheet), plus escaping and
// the UK date formats the pages use. Server-rendered, no JavaScript, no external assets.
import { CSS } from "./styles.js";

export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const LONDON_DATE = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Europe/London",
  weekday: "long",
  day: "numeric",
  month: "long",
  year: "numeric",
});
const LONDON_TIME = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Europe/London",
  hour: "numeric",
  minute: "2-digit",
  hour12: true,
});
const CALENDAR_DATE = new Intl.DateTimeFormat("en-GB", {
  timeZone: "UTC",
  day: "numeric",
  month: "long",
  year: "numeric",
});

/** "9am on Monday 30 November 2026" in UK time (GMT or BST, whichever applies on that day). */
export function formatLondonDateTime(d: Date): string {
  let time = LONDON_TIME.format(d).replace(/\s/g, "").toLowerCase().replace(":00", "");
  if (time === "12am") time = "midnight";
  else if (time === "12pm") time = "midday";
  return `${time} on ${LONDON_DATE.format(d).replace(",", "")}`;
}

/** A YYYY-MM-DD calendar date as "15 December 2026". */
export function formatCalendarDate(isoDate: string): string {
  const d = new Date(`${isoDate}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? isoDate : CALENDAR_DATE.format(d);
}

/** A reference such as R-2026-0001 kept on one line (it would otherwise break at a hyphen). */
export const reference = (ref: string) => `<span class="nowrap">${escapeHtml(ref)}</span>`;

export function layout(opts: { title: string; nonce: string; body: string; hasErrors?: boolean }): string {
  const title = `${opts.hasErrors ? "Error: " : ""}${opts.title} - Placement referrals`;
  return `<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style nonce="${escapeHtml(opts.nonce)}">${CSS}</style>
</head>
<body>
<a class="skip" href="#main">Skip to main content</a>
<header class="site-header"><div class="wrap">Placement referrals</div></header>
<main id="main" tabindex="-1"><div class="wrap">
${opts.body}
</div></main>
<footer class="site-footer"><div class="wrap"><p>This link is for your organisation only: please do not forward it.</p></div></footer>
</body>
</html>
`;
}
