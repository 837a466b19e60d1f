// Why a referral is withdrawn: one fixed list for every entry point (chat forms, API, command line) and for
// what the card, the digest and the audit show. "other" needs a few words of explanation.
import { z } from "zod";

export const WITHDRAWAL_REASONS = [
  { code: "placed_in_house", label: "Placed in-house" },
  { code: "placed_by_family", label: "Placed by family" },
  { code: "needs_changed", label: "Needs changed" },
  { code: "raised_in_error", label: "Raised in error" },
  { code: "other", label: "Other" },
] as const;

export type WithdrawalReasonCode = (typeof WITHDRAWAL_REASONS)[number]["code"];
export const WITHDRAWAL_REASON_CODES = WITHDRAWAL_REASONS.map((r) => r.code) as [
  WithdrawalReasonCode,
  ...WithdrawalReasonCode[],
];
/** The free text's limit; it is staff's own words, shown in the card and the digest. */
export const WITHDRAWAL_TEXT_MAX = 500;

export const withdrawalSchema = z
  .object({
    reason: z.enum(WITHDRAWAL_REASON_CODES, { error: "must be one of the withdrawal reasons" }),
    text: z
      .string()
      .trim()
      .max(WITHDRAWAL_TEXT_MAX, `must be ${WITHDRAWAL_TEXT_MAX} characters or fewer`)
      .optional()
      .transform((t) => t || undefined),
  })
  .refine((w) => w.reason !== "other" || w.text, { path: ["text"], message: "is required when the reason is Other" });
export type Withdrawal = z.output<typeof withdrawalSchema>;

const labelOf = (code: WithdrawalReasonCode) => WITHDRAWAL_REASONS.find((r) => r.code === code)?.label ?? "Other";

/** How the reason reads on the card, in the digest and in the thread: "Placed by family" or "Other: moved away". */
export function withdrawalText(w: Withdrawal): string {
  return w.text ? `${labelOf(w.reason)}: ${w.text}` : labelOf(w.reason);
}
