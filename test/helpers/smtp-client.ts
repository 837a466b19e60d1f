// A bare SMTP client over a loopback socket, for tests that need to see each reply code (nodemailer hides
// the conversation and stops at the first error).
import { connect, type Socket } from "node:net";

export interface SmtpTalk {
  /** The greeting (the first reply after connecting). */
  greeting: Promise<string>;
  /** Sends one command line and resolves with the server's complete reply (all continuation lines). */
  command(line: string): Promise<string>;
  /** Writes raw bytes without waiting for a reply (message data). */
  write(data: string | Buffer): Promise<void>;
  /** The next complete reply, e.g. after the message's final ".". */
  reply(): Promise<string>;
  /** Resolves when the server has closed the connection. */
  closed: Promise<void>;
  close(): void;
}

export function smtpTalk(port: number, host = "127.0.0.1"): SmtpTalk {
  const socket: Socket = connect(port, host);
  let buffer = "";
  const replies: string[] = [];
  const waiting: ((r: string) => void)[] = [];
  let current: string[] = [];
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    buffer += chunk;
    let nl = buffer.indexOf("\r\n");
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 2);
      current.push(line);
      // "250-..." continues a reply; "250 ..." ends it.
      if (!/^\d{3}-/.test(line)) {
        const reply = current.join("\n");
        current = [];
        const w = waiting.shift();
        if (w) w(reply);
        else replies.push(reply);
      }
      nl = buffer.indexOf("\r\n");
    }
  });
  // The server may reset a connection it refuses; the test looks at replies, not socket errors.
  socket.on("error", () => undefined);
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  const reply = () =>
    new Promise<string>((resolve, reject) => {
      const queued = replies.shift();
      if (queued !== undefined) return resolve(queued);
      waiting.push(resolve);
      closed.then(() => reject(new Error("connection closed before a reply")));
    });
  const write = (data: string | Buffer) =>
    new Promise<void>((resolve, reject) => socket.write(data, (err) => (err ? reject(err) : resolve())));
  return {
    greeting: reply(),
    async command(line) {
      await write(`${line}\r\n`);
      return reply();
    },
    write,
    reply,
    closed,
    close: () => socket.destroy(),
  };
}
