// An optional built-in SMTP receiver for replies (INBOUND_SMTP_PORT), for sites whose MTA relays the reply
// domain to us by SMTP rather than by HTTP. Plain SMTP on a private interface: TLS is the relay's job.
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";
import type { Logger } from "../../src/logger.js";
import { type InboundDeps, receiveRawReply } from "./parse-inbound.js";

type OnMessage = (raw: Buffer, envelopeRecipients: string[]) => Promise<void>;

/**
 * Either an explicit `onMessage` (a rejection answers 451, so the sending MTA tries again later) or the core's
 * deps, in which case messages go to the same handling as POST /inbound/email.
 */
export type SmtpReceiverOptions = { port: number; host?: string; logger: Logger } & (
  | { onMessage: OnMessage }
  | Omit<InboundDeps, "logger">
);

const MAX_BYTES = 1024 * 1024;

const smtpError = (message: string, responseCode: number) => Object.assign(new Error(message), { responseCode });

export async function startSmtpReceiver(opts: SmtpReceiverOptions): Promise<{ port: number; close(): Promise<void> }> {
  const { logger } = opts;
  const onMessage: OnMessage =
    "onMessage" in opts
      ? opts.onMessage
      : async (raw, rcpts) => {
          await receiveRawReply({ db: opts.db, clock: opts.clock, secret: opts.secret, logger }, raw, rcpts);
        };
  const onData = (stream: SMTPServerDataStream, session: SMTPServerSession, done: (err?: Error | null) => void) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("error", (err) => done(err));
    stream.on("end", () => {
      if (stream.sizeExceeded) return done(smtpError("Message too large", 552));
      const recipients = session.envelope.rcptTo.map((a) => a.address);
      onMessage(Buffer.concat(chunks), recipients).then(
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
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    size: MAX_BYTES,
    logger: false,
    onData,
  });
  server.on("error", (err) => logger.warn({ err: { name: err.name, message: err.message } }, "inbound SMTP error"));
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(opts.port, opts.host ?? "127.0.0.1", () => {
      server.server.off("error", reject);
      resolve();
    });
  });
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;
  logger.info({ port }, "inbound SMTP receiver listening");
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
