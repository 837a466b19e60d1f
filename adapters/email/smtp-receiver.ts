// An optional built-in SMTP receiver for replies (INBOUND_SMTP_PORT), for sites whose mail gateway relays the
// reply domain to us by SMTP rather than by HTTP. Plain SMTP on a private interface: TLS and sender
// authentication (DKIM, SPF, DMARC, recorded in Authentication-Results) are the gateway's job.
// Whoever can reach the port can talk to it, so it keeps its own limits: only reply addresses at RCPT TO,
// at most `maxClients` connections, and a message over the size limit is counted, not kept.
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";
import type { Logger } from "../../src/logger.js";
import { type InboundDeps, receiveRawReply, type SmtpEnvelope } from "./parse-inbound.js";

type OnMessage = (raw: Buffer, envelope: SmtpEnvelope) => Promise<void>;

/**
 * Either an explicit `onMessage` (a rejection answers 451, so the sending MTA tries again later) or the core's
 * deps, in which case messages go to the same handling as POST /inbound/email.
 */
export type SmtpReceiverOptions = {
  port: number;
  host: string;
  logger: Logger;
  /** MAIL_REPLY_DOMAIN: only reply+...@ this domain is accepted at RCPT TO. */
  replyDomain: string;
  /** INBOUND_SMTP_MAX_CLIENTS: connections served at once; more are answered 421. */
  maxClients?: number;
} & ({ onMessage: OnMessage } | Omit<InboundDeps, "logger">);

/** Messages larger than this are answered 552 (replies are short; attachments are not wanted). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
const DEFAULT_MAX_CLIENTS = 20;
// A reply has one reply address; a few more allow for a provider copying two deliveries' addresses.
const MAX_RECIPIENTS = 10;

const smtpError = (message: string, responseCode: number) => Object.assign(new Error(message), { responseCode });

export interface SmtpReceiver {
  port: number;
  /** For tests: the most bytes ever held for one message, to show an oversized one is not buffered. */
  stats(): { peakBufferedBytes: number };
  close(): Promise<void>;
}

export async function startSmtpReceiver(opts: SmtpReceiverOptions): Promise<SmtpReceiver> {
  const { logger } = opts;
  const onMessage: OnMessage =
    "onMessage" in opts
      ? opts.onMessage
      : async (raw, envelope) => {
          const { db, clock, secret, authservId } = opts;
          await receiveRawReply({ db, clock, secret, logger, ...(authservId ? { authservId } : {}) }, raw, envelope);
        };
  const replyDomain = opts.replyDomain.toLowerCase();
  let peakBufferedBytes = 0;

  const onRcptTo = (
    address: { address: string },
    _session: SMTPServerSession,
    done: (err?: Error | null) => void,
  ): void => {
    const at = address.address.lastIndexOf("@");
    const local = address.address.slice(0, at);
    const domain = address.address.slice(at + 1).toLowerCase();
    // Checked here so mail for anything else is refused before its body is sent; the MAC is checked later.
    const ours = at > 0 && domain === replyDomain && /^reply\+[^@]+$/i.test(local);
    done(ours ? null : smtpError("No such recipient here", 550));
  };

  const onData = (stream: SMTPServerDataStream, session: SMTPServerSession, done: (err?: Error | null) => void) => {
    const chunks: Buffer[] = [];
    let total = 0;
    stream.on("data", (c: Buffer) => {
      total += c.length;
      // Past the limit the rest is only counted and dropped; the stream must still be read to its end.
      if (total > MAX_MESSAGE_BYTES) {
        chunks.length = 0;
        return;
      }
      chunks.push(c);
      peakBufferedBytes = Math.max(peakBufferedBytes, total);
    });
    stream.on("error", (err) => done(err));
    stream.on("end", () => {
      if (total > MAX_MESSAGE_BYTES || stream.sizeExceeded) return done(smtpError("Message too large", 552));
      const mailFrom = session.envelope.mailFrom;
      const envelope = {
        mailFrom: mailFrom ? mailFrom.address : "",
        rcptTo: session.envelope.rcptTo.map((a) => a.address),
      };
      onMessage(Buffer.concat(chunks), envelope).then(
        () => done(),
        (err: unknown) => {
          logger.error(
            { err: { name: (err as Error)?.name, code: (err as { code?: unknown })?.code } },
            "inbound SMTP message failed",
          );
          done(smtpError("Temporary failure, try again later", 451));
        },
      );
    });
  };
  const server = new SMTPServer({
    // Named after the reply domain rather than this machine's host name, which the banner would reveal.
    name: replyDomain,
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    size: MAX_MESSAGE_BYTES,
    maxClients: opts.maxClients ?? DEFAULT_MAX_CLIENTS,
    maxRecipients: MAX_RECIPIENTS,
    // No DNS lookup per connection: it is slow, and the name would only be logged.
    disableReverseLookup: true,
    logger: false,
    onRcptTo,
    onData,
  });
  server.on("error", (err) => logger.warn({ err: { name: err.name, message: err.message } }, "inbound SMTP error"));
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.server.off("error", reject);
      resolve();
    });
  });
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;
  logger.info({ port, host: opts.host }, "inbound SMTP receiver listening");
  return {
    port,
    stats: () => ({ peakBufferedBytes }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
