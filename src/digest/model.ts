// The daily digest as the core sees it: platform-neutral sections of lines. Adapters decide how it looks (Block
// Kit, Adaptive Cards); src/digest/plain-text.ts renders it for the command line. Only the anonymised profile
// (reference, lot, age, gender, need codes, area, urgency, dates) ever goes into a line.
import type { ThreadRef } from "../chat/port.js";

export type DigestSectionKey =
  | "emergencies"
  | "overdue"
  | "closing_today"
  | "no_offers"
  | "by_lot"
  | "by_days_waiting"
  | "awaiting_decision"
  | "failed_deliveries"
  | "withdrawn";

export interface DigestLine {
  /** The referral's reference, shown first; adapters link it to the referral's thread when `thread` is set. */
  reference?: string;
  referralId?: string;
  /** The rest of the line, plain text (adapters escape it). */
  text: string;
  /** Where the referral's thread lives on the platform this digest is for. */
  thread?: ThreadRef;
}

export interface DigestSection {
  key: DigestSectionKey;
  title: string;
  /** How many items the section covers (lines may be fewer: lists are capped). */
  total: number;
  lines: DigestLine[];
  /** Items left out of `lines` to keep the message readable. */
  more: number;
}

export interface DigestBar {
  label: string;
  count: number;
}

export interface Digest {
  /** The Europe/London date it is for, YYYY-MM-DD. */
  date: string;
  generatedAt: Date;
  /** Referrals not in a final state (placed, withdrawn, expired). */
  unplaced: number;
  /** One sentence, e.g. "12 unplaced children: 1 emergency, 2 past their required-by date, ...". */
  headline: string;
  sections: DigestSection[];
  chart: { byLot: DigestBar[]; byDaysWaiting: DigestBar[] };
}
