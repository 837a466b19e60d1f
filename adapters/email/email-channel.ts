// Sends deliveries as email over SMTP. The Message-ID comes from the delivery's stable messageId, so a
// retried send is recognisably the same message. Errors carry the SMTP code, never the body or address.
import { createTransport, type Transporter } from "nodemailer";
import { FAILURE_REASONS } from "../../src/delivery/failure-reasons.js";
import { DeliveryError } from "../../src/errors.js";
import type { DeliveryChannelPort, OutboundDelivery } from "../../src/ports.js";
import { renderEmail } from "./render.js";

export interface EmailChannelOptions {
  smtpUrl: string;
  from: string;
  /** Right-hand side of the Message-ID, e.g. the MAIL_REPLY_DOMAIN. */
  messageIdDomain: string;
}

export class EmailChannel implements DeliveryChannelPort {
  readonly channel = "email" as const;
  private readonly transport: Transporter;

  constructor(private readonly opts: EmailChannelOptions) {
    // Nodemailer's defaults wait minutes on a dead server; a worker should fail fast and retry later.
    this.transport = createTransport({
      url: opts.smtpUrl,
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 60_000,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  async send(message: OutboundDelivery): Promise<void> {
    const to = message.provider.email;
    if (!to) {
      const what = `Provider has no email address (delivery ${message.deliveryId})`;
      throw new DeliveryError(what, 400, undefined, undefined, FAILURE_REASONS.noEmail);
    }
    const { subject, text, html } = renderEmail(message);
    try {
      await this.transport.sendMail({
        from: this.opts.from,
        to: { name: message.provider.name, address: to },
        ...(message.replyTo ? { replyTo: message.replyTo } : {}),
        subject,
        text,
        html,
        messageId: `<${message.messageId}@${this.opts.messageIdDomain}>`,
        // Out-of-office replies would otherwise land on the reply address and read as questions.
        headers: { "Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "OOF, AutoReply" },
      });
    } catch (err) {
      throw smtpDeliveryError(err, message);
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

/** 5xx replies and malformed envelopes will fail again: permanent. 4xx and connection trouble: retry. */
export function smtpDeliveryError(err: unknown, message: Pick<OutboundDelivery, "kind" | "deliveryId">): DeliveryError {
  const e = (err ?? {}) as { code?: unknown; responseCode?: unknown; command?: unknown };
  const code = typeof e.code === "string" ? e.code : "unknown";
  const responseCode = typeof e.responseCode === "number" ? e.responseCode : undefined;
  const command = typeof e.command === "string" ? ` at ${e.command}` : "";
  const what = `SMTP ${code}${responseCode ? ` ${responseCode}` : ""}${command} sending ${message.kind} (delivery ${message.deliveryId})`;
  // Without a server reply, EENVELOPE/EMESSAGE are nodemailer's own checks (bad address, empty or oversized).
  const permanent = responseCode !== undefined ? responseCode >= 500 : code === "EENVELOPE" || code === "EMESSAGE";
  // The SMTP server is the operator's own (config), but ART still reads a phrase, not an SMTP transcript.
  const refused = permanent || (responseCode !== undefined && responseCode >= 400);
  const reason = refused ? FAILURE_REASONS.mailRefused : FAILURE_REASONS.mailUnavailable;
  return new DeliveryError(what, permanent ? 400 : undefined, undefined, undefined, reason);
}
