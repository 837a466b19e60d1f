// The built-in SMTP receiver's own limits, over real loopback sockets: what it accepts at RCPT TO, how many
// clients it serves at once, and that an oversized message is counted and dropped rather than buffered.
import { afterEach, describe, expect, it } from "vitest";
import { startSmtpReceiver } from "../../adapters/email/smtp-receiver.js";
import { capturingLogger } from "../helpers/env.js";
import { type SmtpTalk, smtpTalk } from "../helpers/smtp-client.js";

const REPLY_DOMAIN = "replies.council.test";
const REPLY_ADDRESS = `reply+6f1c2e1a-0000-4000-8000-000000000001.0123456789abcdef0123@${REPLY_DOMAIN}`;
const { logger } = capturingLogger();

const open: SmtpTalk[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) t.close();
  for (const c of closers.splice(0)) await c();
});

async function receiver(over: { maxClients?: number } = {}) {
  const received: Buffer[] = [];
  const r = await startSmtpReceiver({
    port: 0,
    host: "127.0.0.1",
    logger,
    replyDomain: REPLY_DOMAIN,
    ...over,
    onMessage: async (raw) => {
      received.push(raw);
    },
  });
  closers.push(() => r.close());
  return { ...r, received };
}

async function session(port: number): Promise<SmtpTalk> {
  const t = smtpTalk(port);
  open.push(t);
  expect(await t.greeting).toMatch(/^220 /);
  expect(await t.command("EHLO client.test")).toMatch(/^250/);
  return t;
}

describe("the SMTP receiver", () => {
  it("accepts only reply+...@MAIL_REPLY_DOMAIN at RCPT TO, answering 550 for anything else", async () => {
    const r = await receiver();
    const t = await session(r.port);
    expect(await t.command("MAIL FROM:<jane@provider.example>")).toMatch(/^250/);
    for (const other of [
      "someone@elsewhere.example",
      `someone@${REPLY_DOMAIN}`,
      `reply+x@${REPLY_DOMAIN}.elsewhere.example`,
      `reply+x@sub.${REPLY_DOMAIN}`,
      `reply+@${REPLY_DOMAIN}`,
    ]) {
      expect(await t.command(`RCPT TO:<${other}>`), other).toMatch(/^550 /);
    }
    expect(await t.command(`RCPT TO:<${REPLY_ADDRESS.toUpperCase()}>`)).toMatch(/^250 /);
  });

  it("refuses a connection beyond the client cap with 421", async () => {
    const r = await receiver({ maxClients: 2 });
    await session(r.port);
    await session(r.port);
    const third = smtpTalk(r.port);
    open.push(third);
    expect(await third.greeting).toMatch(/^421 /);
  });

  it("stops buffering an oversized message at the limit, answers 552 and stays usable", async () => {
    const r = await receiver();
    const t = await session(r.port);
    // No SIZE parameter: the sender does not announce the size, so only counting can catch it.
    expect(await t.command("MAIL FROM:<jane@provider.example>")).toMatch(/^250/);
    expect(await t.command(`RCPT TO:<${REPLY_ADDRESS}>`)).toMatch(/^250/);
    expect(await t.command("DATA")).toMatch(/^354/);
    await t.write(`From: jane@provider.example\r\nTo: ${REPLY_ADDRESS}\r\nSubject: big\r\n\r\n`);
    const line = `${"x".repeat(998)}\r\n`;
    const block = Buffer.from(line.repeat(1024)); // ~1 MB
    for (let i = 0; i < 12; i++) await t.write(block);
    await t.write(".\r\n");
    expect(await t.reply()).toMatch(/^552 /);
    expect(r.received).toEqual([]);
    // The limit is 1 MiB; one more socket chunk may land before the count notices, never the 12 MB sent.
    expect(r.stats().peakBufferedBytes).toBeLessThanOrEqual(1024 * 1024 + 64 * 1024);
    // The connection is still good for a normal message.
    expect(await t.command("MAIL FROM:<jane@provider.example>")).toMatch(/^250/);
    expect(await t.command(`RCPT TO:<${REPLY_ADDRESS}>`)).toMatch(/^250/);
    expect(await t.command("DATA")).toMatch(/^354/);
    expect(await t.command(`From: jane@provider.example\r\nSubject: small\r\n\r\nHello\r\n.`)).toMatch(/^250 /);
    expect(r.received).toHaveLength(1);
    expect(r.stats().peakBufferedBytes).toBeLessThanOrEqual(1024 * 1024 + 64 * 1024);
  });

  it("rejects a message whose announced SIZE is over the limit at MAIL FROM", async () => {
    const r = await receiver();
    const t = await session(r.port);
    expect(await t.command(`MAIL FROM:<jane@provider.example> SIZE=${60 * 1024 * 1024}`)).toMatch(/^552 /);
  });
});
