// A provider's email reply, turned into a stored response. Vendor-free on purpose: the email adapter parses
// MIME and hands us plain text, recipients and what it read about the sender. The reply address (HMAC-signed)
// says which delivery a reply belongs to; the sender check (sender-check.ts) says whether it may count as the
// provider's answer. The text is never logged: it may repeat the profile or worse.
import { createHash } from "node:crypto";
import type { Db } from "../db.js";
import { ConflictError, NotFoundError, ReferralClosedError } from "../errors.js";
import type { Clock } from "../ports.js";
import { writeAudit } from "../referrals/audit.js";
import { type DECLINE_REASONS, type ResponseInput, recordResponse } from "../referrals/responses.js";
import { type InboundSender, judgeSender, type SenderRefusal } from "./sender-check.js";
import { deliveryIdFromReplyAddress } from "./tokens.js";

export type DeclineReason = (typeof DECLINE_REASONS)[number];
export type ClassifiedReply = { type: "decline"; reason: DeclineReason } | { type: "question"; question: string };

const MAX_TEXT = 5000;
/**
 * How much of a reply is read at all, before any regex: the provider's own words come first and at most MAX_TEXT
 * of them are kept, while the sender controls the length (up to the 1 MB the endpoint takes) and every line
 * costs several regex passes.
 */
export const MAX_REPLY_SCAN = 64 * 1024;
// A clear decline is a short note; anything longer probably says more than "no" and deserves a reader.
const MAX_DECLINE_LENGTH = 600;

const isQuoteStart = (lines: string[], i: number): boolean => {
  const line = (lines[i] ?? "").trim();
  const next = (lines[i + 1] ?? "").trim();
  if (/^-{2,}\s*Original Message\s*-{2,}$/i.test(line)) return true;
  if (/^_{10,}$/.test(line)) return true; // Outlook's separator above the quoted header block
  // Gmail/Apple: "On <date>, <someone> wrote:", which long names wrap onto a second line.
  if (/^On\s/i.test(line) && (/wrote:$/i.test(line) || /wrote:$/i.test(`${line} ${next}`))) return true;
  // An Outlook-style header block: "From:" followed closely by Sent/Date/To/Subject.
  if (/^\*?From:\*?\s/i.test(line)) {
    return lines.slice(i + 1, i + 5).some((l) => /^\*?(Sent|Date|To|Cc|Subject):\*?\s/i.test(l.trim()));
  }
  return false;
};

/** The provider's own words: quoted lines, the quoted original and the signature removed. */
export function stripQuotedText(text: string): string {
  const lines = text.slice(0, MAX_REPLY_SCAN).replace(/\r\n?/g, "\n").split("\n");
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line === "-- " || isQuoteStart(lines, i)) break;
    if (/^\s*>/.test(line)) continue;
    kept.push(line.trimEnd());
  }
  return kept
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

const NEEDS = /\b(?:can't|cannot|can not|couldn't|could not|unable to|not able to)\s+meet\b/;
const VACANCY =
  /\bno (?:current |available )?vacanc(?:y|ies)\b|\b(?:don't|do not) have (?:any |a )?vacanc(?:y|ies)\b|\bno (?:beds?|places?) available\b/;
const GENERIC =
  /\b(?:unable to offer|cannot offer|can't offer|can not offer|not able to offer|not in a position to offer|(?:must|have to|will have to|need to) decline)\b/;
// Words that make a "no" conditional or turn the reply into a conversation: then ART should read it.
const HEDGE =
  /\b(?:may|might|maybe|perhaps|possibly|unless|if|whether|could you|could we|can you|can we|would you|next (?:week|month)|in the future|later)\b/;
const TURN = /\b(?:but|however|although|though|except)\b/;

/**
 * A decline only when the reply clearly is one; everything else is a question for ART, because a missed
 * question costs a child a placement while a mis-filed decline only costs ART a read.
 */
export function classifyReply(text: string): ClassifiedReply {
  const stripped = stripQuotedText(text);
  const question: ClassifiedReply = { type: "question", question: stripped.slice(0, MAX_TEXT) };
  if (!stripped || stripped.length > MAX_DECLINE_LENGTH || stripped.includes("?")) return question;
  const lower = stripped.toLowerCase().replace(/[‘’]/g, "'");
  if (HEDGE.test(lower)) return question;
  for (const [pattern, reason] of [
    [NEEDS, "cannot_meet_needs"],
    [VACANCY, "no_vacancy"],
    [GENERIC, "other"],
  ] as const) {
    const m = pattern.exec(lower);
    if (!m) continue;
    // "No vacancy now, but one in March" is an opening, not a decline.
    if (TURN.test(lower.slice(m.index + m[0].length))) return question;
    return { type: "decline", reason };
  }
  return question;
}

export type InboundReplyStatus = "stored" | "duplicate" | "unmatched" | "closed" | "refused";

const idempotencyKeyFor = (messageId: string | undefined): string | undefined => {
  if (!messageId) return undefined;
  // Message-IDs are sender-controlled: bound the stored key's size.
  const id = messageId.length <= 250 ? messageId : createHash("sha256").update(messageId).digest("hex");
  return `email:${id}`;
};

export interface InboundReplyDeps {
  db: Db;
  clock: Clock;
  /** RESPONSE_TOKEN_SECRET: verifies reply addresses. */
  secret: string;
  /** INBOUND_AUTHSERV_ID: our mail gateway's Authentication-Results are the only ones believed. */
  authservId?: string;
}

export interface InboundReply {
  recipients: string[];
  text: string;
  messageId?: string;
  sender: InboundSender;
}

export interface InboundReplyResult {
  status: InboundReplyStatus;
  responseId?: string;
  deliveryId?: string;
  /** Why a reply was refused. */
  reason?: SenderRefusal;
}

/**
 * Stores a reply as a decline or question. "unmatched": no valid reply address, unknown delivery or nothing
 * left after stripping; "refused": the sender is not the provider's or our gateway saw it fail
 * authentication (audited, nothing stored, nobody told: a forger learns nothing); "closed": the round has
 * closed; "duplicate": the same Message-ID was stored before. A reply whose sender is accepted but not
 * verified is stored with senderVerified false, so its decline holds for this round only.
 */
export async function handleInboundReply(deps: InboundReplyDeps, mail: InboundReply): Promise<InboundReplyResult> {
  let deliveryId: string | undefined;
  for (const r of mail.recipients) {
    deliveryId = deliveryIdFromReplyAddress(deps.secret, r);
    if (deliveryId) break;
  }
  if (!deliveryId) return { status: "unmatched" };
  const delivery = await deps.db.delivery.findUnique({
    where: { id: deliveryId },
    select: { providerId: true, provider: { select: { email: true } }, round: { select: { referralId: true } } },
  });
  if (!delivery) return { status: "unmatched" };
  const verdict = judgeSender(delivery.provider.email, mail.sender, deps.authservId);
  if (!verdict.accepted) {
    // Not a state change of the referral, so no domain event; the audit row lets ART see attempts.
    await deps.db.$transaction((tx) =>
      writeAudit(tx, {
        referralId: delivery.round.referralId,
        actor: "system",
        action: "response.refused",
        detail: { deliveryId, providerId: delivery.providerId, channel: "email", reason: verdict.reason },
        at: deps.clock.now(),
      }),
    );
    return { status: "refused", deliveryId, reason: verdict.reason };
  }
  const body = stripQuotedText(mail.text);
  if (!body) return { status: "unmatched", deliveryId };

  const c = classifyReply(body);
  // Keep the provider's words with a decline, so ART sees exactly what was said.
  const input: ResponseInput =
    c.type === "decline" ? { type: "decline", reason: c.reason, notes: body.slice(0, MAX_TEXT) } : c;
  try {
    const stored = await recordResponse(deps, deliveryId, input, idempotencyKeyFor(mail.messageId), {
      senderVerified: verdict.verified,
    });
    return { status: stored.created ? "stored" : "duplicate", responseId: stored.id, deliveryId };
  } catch (err) {
    if (err instanceof NotFoundError) return { status: "unmatched", deliveryId };
    if (err instanceof ConflictError || err instanceof ReferralClosedError) return { status: "closed", deliveryId };
    throw err;
  }
}
