// `referral-bot withdraw --reference R-... --reason <code> [--text "..."]`: withdrawal from the command line, for
// operators and scripts. Whoever can run this can reach the database, so the command acts as ART; the audit
// names it `cli:<login>`. The chat threads and the providers' notices follow through the outbox, as from chat.
import { userInfo } from "node:os";
import type { Config } from "./config.js";
import { createDb } from "./db.js";
import { ConfigError, NotFoundError } from "./errors.js";
import { WITHDRAWAL_REASON_CODES } from "./lifecycle/withdrawal.js";
import { systemClock } from "./ports.js";
import { withdrawReferral } from "./referrals/withdraw.js";

export const WITHDRAW_USAGE = `  withdraw --reference R-... --reason <code> [--text "..."]
                                           withdraw a referral; reasons: ${WITHDRAWAL_REASON_CODES.join(", ")}
                                           (--text is required for other)`;

export async function runWithdraw(
  config: Config,
  args: { reference?: string | undefined; reason?: string | undefined; text?: string | undefined },
  out: (line: string) => void,
): Promise<number> {
  if (!args.reference || !args.reason)
    throw new ConfigError([`withdraw: give --reference and --reason (${WITHDRAWAL_REASON_CODES.join(", ")})`]);
  const db = createDb(config.DATABASE_URL);
  try {
    const referral = await db.referral.findUnique({ where: { reference: args.reference }, select: { id: true } });
    if (!referral) throw new NotFoundError(`referral ${args.reference}`);
    const result = await withdrawReferral(
      { db, clock: systemClock },
      referral.id,
      { id: `cli:${userInfo().username}`, art: true },
      { reason: args.reason, ...(args.text ? { text: args.text } : {}) },
    );
    out(`Withdrew ${result.reference}: ${result.reasonText}. Every provider that received it will be told it closed.`);
    return 0;
  } finally {
    await db.$disconnect();
  }
}
