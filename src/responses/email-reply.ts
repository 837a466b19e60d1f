// A provider's email reply, turned into a stored response. Vendor-free on purpose: the email adapter parses
// MIME and hands us plain text plus recipients. The reply address (HMAC-signed) is the only proof of which
// delivery a reply belongs to, and the text is never logged: it may repeat the profile or worse.
import { createHash } from "node:crypto";
import type { Db } from "../db.js";
import { ConflictError, NotFoundError, ReferralClosedError } from "../errors.js";
import type { Clock } from "../ports.js";
import { type DECLINE_REASONS, type ResponseInput, recordResponse } from "../referrals/responses.js";
import { deliveryIdFromReplyAddress } from "./tokens.js";

export type DeclineReason = (typeof DECLINE_REASONS)[number];
export type ClassifiedReply = { type: "decline"; reason: DeclineReason } | { type: "question"; question: string };

const MAX_TEXT = 5000;
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
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
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

export type InboundReplyStatus = "stored" | "duplicate" | "unmatched" | "closed";

const idempotencyKeyFor = (messageId: string | undefined): string | undefined => {
  if (!messageId) return undefined;
  // Message-IDs are sender-controlled: bound the stored key's size.
  const id = messageId.length <= 250 ? messageId : createHash("sha256").update(messageId).digest("hex");
  return `email:${id}`;
};

/**
 * Stores a reply as a decline or question. "unmatched": no valid reply address, unknown delivery or nothing
 * left after stripping; "closed": the round has closed; "duplicate": the same Message-ID was stored before.
 */
export async function handleInboundReply(
  deps: { db: Db; clock: Clock; secret: string },
  mail: { recipients: string[]; text: string; messageId?: string },
): Promise<{ status: InboundReplyStatus; responseId?: string }> {
  let deliveryId: string | undefined;
  for (const r of mail.recipients) {
    deliveryId = deliveryIdFromReplyAddress(deps.secret, r);
    if (deliveryId) break;
  }
  if (!deliveryId) return { status: "unmatched" };
  const body = stripQuotedText(mail.text);
  if (!body) return { status: "unmatched" };

  const c = classifyReply(body);
  // Keep the provider's words with a decline, so ART sees exactly what was said.
  const input: ResponseInput =
    c.type === "decline" ? { type: "decline", reason: c.reason, notes: body.slice(0, MAX_TEXT) } : c;
  try {
    const stored = await recordResponse(deps, deliveryId, input, idempotencyKeyFor(mail.messageId));
    return { status: stored.created ? "stored" : "duplicate", responseId: stored.id };
  } catch (err) {
    if (err instanceof NotFoundError) return { status: "unmatched" };
    if (err instanceof ConflictError || err instanceof ReferralClosedError) return { status: "closed" };
    throw err;
  }
}
