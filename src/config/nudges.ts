// Reminders in chat before a child waits on a decision (nudges), and whether ART's answers to one provider's
// question go to every provider on the round by default. Read as part of src/config.ts's one schema.
import { z } from "zod";
import { bool, intFrom } from "./fields.js";

/** "20:00-08:00" (London wall-clock, may wrap past midnight) into minutes of the day; "off" = no quiet hours. */
export const quietHours = z
  .string()
  .default("20:00-08:00")
  .transform((raw, ctx) => {
    if (raw.trim().toLowerCase() === "off") return undefined;
    const m = /^\s*([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-3]):([0-5]\d)\s*$/.exec(raw);
    if (!m || raw.replace(/\s/g, "").split("-")[0] === raw.replace(/\s/g, "").split("-")[1]) {
      ctx.addIssue({ code: "custom", message: 'must be "HH:MM-HH:MM" in London time (e.g. 20:00-08:00), or "off"' });
      return z.NEVER;
    }
    return { startMinute: +m[1]! * 60 + +m[2]!, endMinute: +m[3]! * 60 + +m[4]! };
  });

export type QuietHours = z.infer<typeof quietHours>;

export const nudgeSettings = {
  // An emergency's offer or second approval waiting this long sends a direct message to the approvers who can act.
  APPROVAL_NUDGE_MINUTES: intFrom(30, 1),
  // The same for a standard referral, in hours (never in quiet hours).
  APPROVAL_NUDGE_HOURS: intFrom(24, 1),
  // A provider's question unanswered this long nudges the social worker who raised the referral.
  QUESTION_NUDGE_HOURS: intFrom(24, 1),
  // No nudges for standard referrals in these London hours (emergencies nudge at any time); "off" = none.
  QUIET_HOURS: quietHours,
  // How often the nudge job looks for what waits (a BullMQ job scheduler).
  NUDGE_SWEEP_INTERVAL_MS: intFrom(60_000, 1000),
  // Whether "publish to all" is ticked when ART answers a provider's question (it can be changed per answer).
  ANSWERS_PUBLISHED_TO_ALL_DEFAULT: bool(false),
};
