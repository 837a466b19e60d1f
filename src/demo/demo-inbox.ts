// The demo's local SMTP inbox: every email the service sends to providers lands here (nothing leaves the
// machine). The demo page lists the subjects, which carry only the reference and the lot.
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface DemoInbox {
  url: string;
  mails: { to: string; subject: string; at: string }[];
  close(): Promise<void>;
}

export async function startDemoInbox(port = 0): Promise<DemoInbox> {
  const mails: DemoInbox["mails"] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          for (const rcpt of session.envelope.rcptTo)
            mails.push({ to: rcpt.address, subject: mail.subject ?? "", at: new Date().toISOString() });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  const address = server.server.address() as { port: number };
  return {
    url: `smtp://127.0.0.1:${address.port}`,
    mails,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
