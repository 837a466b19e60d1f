// How the service reaches providers and hears back: outgoing mail, email replies (HTTP and the built-in SMTP
// receiver) and webhooks, with the rules between them. Read as part of src/config.ts's one schema.
import { z } from "zod";
import { bool, intFrom, isDevelopment } from "./fields.js";

export const deliverySettings = {
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
    .default("smtp://127.0.0.1:2525"),
  MAIL_FROM: z.string().min(3).default("Placement referrals <referrals@localhost>"),
  // Replies go to reply+<delivery>.<mac>@MAIL_REPLY_DOMAIN; route that domain to POST /inbound/email.
  MAIL_REPLY_DOMAIN: z
    .string()
    .regex(/^[a-z0-9.-]+$/i, "must be a domain name")
    .default("replies.localhost"),
  // Shared secret an inbound-mail service sends as a bearer token on POST /inbound/email; required in
  // production while that endpoint is on (INBOUND_EMAIL_HTTP), since it stores provider responses.
  INBOUND_EMAIL_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
  // POST /inbound/email on or off: sites whose replies come by the built-in SMTP receiver turn it off.
  INBOUND_EMAIL_HTTP: bool(true),
  // The built-in SMTP receiver for replies accepts mail from anyone who reaches its port, so it runs only when
  // enabled explicitly, on INBOUND_SMTP_PORT (a port alone does not turn it on).
  INBOUND_SMTP_ENABLED: bool(false),
  INBOUND_SMTP_PORT: intFrom(0).pipe(z.number().max(65535)),
  // Where the SMTP receiver listens (unset: HOST), so it can sit on the interface the mail gateway reaches.
  INBOUND_SMTP_HOST: z.string().min(1).optional(),
  // Connections the SMTP receiver serves at once; more are told 421 (try later) instead of piling up.
  INBOUND_SMTP_MAX_CLIENTS: intFrom(20, 1),
  // The authserv-id our mail gateway writes in Authentication-Results (RFC 8601). Only those fields are
  // believed: a DKIM/SPF/DMARC failure there refuses a reply, a DKIM pass for the provider's domain lets its
  // decline hold beyond the round. Unset: no email decline ever counts beyond its round.
  INBOUND_AUTHSERV_ID: z
    .string()
    .regex(/^[^\s;()"\\]+$/, "must be the gateway's authserv-id, such as mx.council.gov.uk")
    .optional(),
  WEBHOOK_TIMEOUT_MS: intFrom(10_000, 100),
  // Development, tests, demo and benchmark only: let webhooks go to loopback receivers (over plain http too).
  // Off, a provider's webhook URL may only reach public addresses over https, so a URL in the directory cannot
  // be used to probe the service's own machine. Private ranges stay refused either way. Refused in production.
  WEBHOOK_ALLOW_LOOPBACK: bool(false),
};

const deliveryObject = z.object(deliverySettings);
type DeliverySettings = z.infer<typeof deliveryObject> & { NODE_ENV: string };

export function checkDeliverySettings(c: DeliverySettings, ctx: z.RefinementCtx): void {
  if (c.WEBHOOK_ALLOW_LOOPBACK && c.NODE_ENV === "production") {
    ctx.addIssue({
      code: "custom",
      path: ["WEBHOOK_ALLOW_LOOPBACK"],
      message: "loopback webhooks are for development and tests; refused in production",
    });
  }
  if (!isDevelopment(c) && c.INBOUND_EMAIL_HTTP && !c.INBOUND_EMAIL_SECRET) {
    ctx.addIssue({
      code: "custom",
      path: ["INBOUND_EMAIL_SECRET"],
      message:
        "is required in production while POST /inbound/email is on: set a secret of 16+ characters for your inbound-mail service, or INBOUND_EMAIL_HTTP=false",
    });
  }
  if (c.INBOUND_SMTP_PORT > 0 && !c.INBOUND_SMTP_ENABLED) {
    ctx.addIssue({
      code: "custom",
      path: ["INBOUND_SMTP_ENABLED"],
      message:
        "INBOUND_SMTP_PORT is set but the built-in SMTP receiver is off: set INBOUND_SMTP_ENABLED=true to run it (it accepts mail from anyone who reaches the port), or unset the port",
    });
  }
  if (c.INBOUND_SMTP_ENABLED && c.INBOUND_SMTP_PORT === 0) {
    ctx.addIssue({
      code: "custom",
      path: ["INBOUND_SMTP_PORT"],
      message: "the built-in SMTP receiver needs a port (INBOUND_SMTP_PORT)",
    });
  }
}
