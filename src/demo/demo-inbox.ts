// The demo's local SMTP inbox: every email the service sends to providers lands here (nothing leaves the
// machine). The chat page lists them with their Respond links, so the provider's response page can be tried in
// the browser; and the demo's email providers answer some new referrals themselves, through the same link, as
// the person reading the email would. Subjects carry only the reference and the lot.
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import type { DemoResponder } from "./demo-responder.js";

export interface InboxMail {
  to: string;
  subject: string;
  at: string;
  /** The email's Respond link (the provider's response page), when it asks for a response. */
  respondUrl?: string;
}

export interface DemoInbox {
  url: string;
  mails: InboxMail[];
  /** Starts answering new referrals sent to these addresses (lower case) through the responder. */
  serve(providers: Map<string, { index: number; name: string }>, responder: DemoResponder): void;
  close(): Promise<void>;
}

// A new referral's email begins with this sentence (adapters/email/render.ts); reminders and outcomes do not.
const NEW_REFERRAL = /^A new placement referral \(/;
const RESPOND_LINE = /^Respond: (http:\/\/127\.0\.0\.1:\d+\/r\/\S+)$/m;
const REFERENCE = /Placement referral (\S+) - Lot/;

/** Binds the inbox's port at once (the demo binds every port before it changes anything). */
export async function startDemoInbox(port = 0): Promise<DemoInbox> {
  const mails: InboxMail[] = [];
  let providers = new Map<string, { index: number; name: string }>();
  let responder: DemoResponder | undefined;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          const text = mail.text ?? "";
          const subject = mail.subject ?? "";
          const respondUrl = RESPOND_LINE.exec(text)?.[1];
          for (const rcpt of session.envelope.rcptTo) {
            mails.push({
              to: rcpt.address,
              subject,
              at: new Date().toISOString(),
              ...(respondUrl ? { respondUrl } : {}),
            });
            const provider = providers.get(rcpt.address.toLowerCase());
            if (provider && respondUrl && NEW_REFERRAL.test(text))
              responder?.received(provider, REFERENCE.exec(subject)?.[1] ?? respondUrl, respondUrl);
          }
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.on("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const address = server.server.address() as { port: number };
  return {
    url: `smtp://127.0.0.1:${address.port}`,
    mails,
    serve(p, r) {
      providers = p;
      responder = r;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
