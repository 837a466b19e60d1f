// Shared by the HTTP and SMTP inbound paths: raw MIME (+ the SMTP envelope) to what the core needs, then the
// core's handling. Logs carry the outcome only, never addresses, subject or text.
import type { AddressObject, EmailAddress, HeaderLines, HeaderValue } from "mailparser";
import addressparser from "nodemailer/lib/addressparser";
import type { Logger } from "../../src/logger.js";
import {
  handleInboundReply,
  type InboundReply,
  type InboundReplyDeps,
  type InboundReplyStatus,
} from "../../src/responses/email-reply.js";

export interface InboundMail extends InboundReply {
  /** Out-of-office and other automatic replies (RFC 3834 and common vendor headers). */
  autoReply: boolean;
}

/** What the SMTP conversation said, when the message came by SMTP. */
export interface SmtpEnvelope {
  /** MAIL FROM; "" for the null sender <>. */
  mailFrom: string;
  rcptTo: string[];
}

const flatten = (list: EmailAddress[]): string[] =>
  list.flatMap((a) => (a.group ? flatten(a.group) : a.address ? [a.address] : []));

// mailparser (with its character-set tables, some 7 MB of heap) is loaded at the first message, not at start-up:
// most processes (every worker, and a web role whose providers answer by link) never parse one.
let mailparser: Promise<typeof import("mailparser")> | undefined;
const loadMailparser = () => (mailparser ??= import("mailparser"));

function addressesOf(v: HeaderValue | undefined, parser: typeof import("mailparser")): string[] {
  if (v === undefined || v instanceof Date) return [];
  if (typeof v === "string") return flatten(parser.parseAddressHeader(v).value);
  if (Array.isArray(v)) return v.flatMap((x) => addressesOf(x as HeaderValue, parser));
  const value = (v as { value?: unknown }).value;
  return Array.isArray(value) ? flatten((v as AddressObject).value) : [];
}

// Header values are the sender's: only a short prefix is ever compared (before any regex).
const MAX_HEADER_TEXT = 200;

function headerText(v: HeaderValue | undefined): string {
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return v.map((x) => headerText(x as HeaderValue)).join(" ");
  const value = (v as { value?: unknown } | undefined)?.value;
  return typeof value === "string" ? value : "";
}

/** Each value of the header field `name` (lower case) exactly as written, unfolded, topmost first. */
function rawValues(lines: HeaderLines, name: string): string[] {
  return lines
    .filter((l) => l.key === name)
    .map((l) => l.line.slice(l.line.indexOf(":") + 1).replace(/\r?\n(?=[ \t])/g, ""));
}

/**
 * Every mailbox of every From field, read from the raw fields without decoding encoded words or punycode
 * (an address has neither; decoding would show the check an address the header never carried). A group or
 * an entry without an address is "", which the sender check refuses.
 */
function fromMailboxes(lines: HeaderLines): string[] {
  return rawValues(lines, "from").flatMap((v) => addressparser(v).map((a) => ("group" in a ? "" : (a.address ?? ""))));
}

export async function parseInbound(raw: Buffer, envelope?: SmtpEnvelope): Promise<InboundMail> {
  const parser = await loadMailparser();
  const mail = await parser.simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
  const h = mail.headers;
  // The envelope is authoritative (Bcc, forwarding); headers are what an HTTP relay gives us.
  const all = [
    ...(envelope?.rcptTo ?? []),
    ...addressesOf(mail.to, parser),
    ...addressesOf(mail.cc, parser),
    ...addressesOf(h.get("delivered-to"), parser),
    ...addressesOf(h.get("x-original-to"), parser),
  ];
  const seen = new Set<string>();
  const recipients = all.filter((a) => !seen.has(a.toLowerCase()) && seen.add(a.toLowerCase()));
  const autoSubmitted = headerText(h.get("auto-submitted")).slice(0, MAX_HEADER_TEXT).trim().toLowerCase();
  const autoReply =
    (autoSubmitted !== "" && autoSubmitted !== "no") ||
    h.has("x-autoreply") ||
    h.has("x-autorespond") ||
    /^(auto_reply|bulk|junk)$/i.test(headerText(h.get("precedence")).slice(0, MAX_HEADER_TEXT).trim());
  const sender = {
    from: fromMailboxes(mail.headerLines),
    ...(envelope ? { envelopeFrom: envelope.mailFrom } : {}),
    authenticationResults: rawValues(mail.headerLines, "authentication-results"),
  };
  return {
    recipients,
    text: mail.text ?? "",
    ...(mail.messageId ? { messageId: mail.messageId } : {}),
    sender,
    autoReply,
  };
}

export interface InboundDeps extends InboundReplyDeps {
  logger: Logger;
}

export type InboundStatus = InboundReplyStatus | "ignored";

/** Parses and stores one inbound message; the status says what became of it. */
export async function receiveRawReply(
  deps: InboundDeps,
  raw: Buffer,
  envelope?: SmtpEnvelope,
): Promise<{ status: InboundStatus; responseId?: string }> {
  const mail = await parseInbound(raw, envelope);
  if (mail.autoReply) {
    deps.logger.info({ status: "ignored" }, "inbound email was an automatic reply");
    return { status: "ignored" };
  }
  const result = await handleInboundReply(deps, mail);
  if (result.status === "refused") {
    // The reason and ids only: the sender's address may be a person's, and the text is never logged.
    deps.logger.warn(
      { status: result.status, reason: result.reason, deliveryId: result.deliveryId },
      "inbound email refused",
    );
    return { status: result.status };
  }
  if (result.status === "unmatched" || result.status === "closed") {
    deps.logger.warn({ status: result.status, recipientCount: mail.recipients.length }, "inbound email not stored");
  } else {
    deps.logger.info({ status: result.status, responseId: result.responseId }, "inbound email reply");
  }
  return result;
}
