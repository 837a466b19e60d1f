// Providers' email replies, end to end into PostgreSQL: sent by nodemailer into the built-in SMTP receiver,
// and posted as raw MIME to POST /inbound/email on a real Express server. The signed reply address is the
// only thing that ties a reply to a delivery; the sender must also be the provider's.
import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import express from "express";
import { createTransport } from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inboundEmailRouter } from "../../adapters/email/inbound-http.js";
import { type InboundStatus, receiveRawReply } from "../../adapters/email/parse-inbound.js";
import { startSmtpReceiver } from "../../adapters/email/smtp-receiver.js";
import { errorHandler } from "../../src/http/errors.js";
import { replyAddressFor } from "../../src/responses/tokens.js";
import { capturingLogger, fixedClock, freshLot, testConfig, testDb } from "../helpers/env.js";
import { makeProvider, openReferralWithDeliveries } from "../helpers/referrals.js";

const db = testDb();
const config = testConfig();
const clock = fixedClock("2026-11-23T09:00:00Z");
const { logger, lines } = capturingLogger();
const deps = { db, clock, secret: config.RESPONSE_TOKEN_SECRET, logger };
const INBOUND_SECRET = "inbound-secret-for-tests-0123456789";

let lot: { id: number; number: number };
let smtp: { port: number; close(): Promise<void> };
const smtpResults: InboundStatus[] = [];
let server: Server;
let baseUrl: string;

const replyAddress = (deliveryId: string) =>
  replyAddressFor(config.RESPONSE_TOKEN_SECRET, config.MAIL_REPLY_DOMAIN, deliveryId);
const responsesOf = (deliveryId: string) =>
  db.response.findMany({ where: { deliveryId }, orderBy: { createdAt: "asc" } });

/**
 * A fresh referral with one delivery, so each test counts only its own responses. The provider's address is
 * at provider.example, so replies from jane@provider.example are from the provider (email-sender-trust.test.ts
 * covers other senders).
 */
async function newDelivery(): Promise<string> {
  const provider = await makeProvider(db, lot.id, { email: `referrals-${randomUUID()}@provider.example` });
  const r = await openReferralWithDeliveries({ db, clock, config }, lot.number, [provider.id]);
  return r.deliveryIds[0]!;
}

function rawMime(headers: Record<string, string>, body: string): string {
  const h = { From: "Jane <jane@provider.example>", Subject: "Re: Placement referral", ...headers };
  return `${Object.entries(h)
    .map(([k, v]) => `${k}: ${v}`)
    .join(
      "\r\n",
    )}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body.replace(/\n/g, "\r\n")}\r\n`;
}

const post = (raw: string, token?: string) =>
  fetch(`${baseUrl}/inbound/email`, {
    method: "POST",
    headers: { "content-type": "message/rfc822", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: raw,
  });

const mailer = () => createTransport({ host: "127.0.0.1", port: smtp.port, secure: false, ignoreTLS: true });

beforeAll(async () => {
  lot = await freshLot(db);
  smtp = await startSmtpReceiver({
    port: 0,
    host: "127.0.0.1",
    logger,
    replyDomain: config.MAIL_REPLY_DOMAIN,
    onMessage: async (raw, envelope) => {
      smtpResults.push((await receiveRawReply(deps, raw, envelope)).status);
    },
  });
  const app = express();
  app.use(inboundEmailRouter({ ...deps, inboundSecret: INBOUND_SECRET }));
  app.use(errorHandler(logger));
  server = await new Promise<Server>((r) => {
    const s = app.listen(0, "127.0.0.1", () => r(s));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await smtp.close();
  await new Promise((r) => server.close(r));
});

describe("email replies over SMTP", () => {
  it("stores a question with the quoted original stripped", async () => {
    const deliveryId = await newDelivery();
    const t = mailer();
    await t.sendMail({
      from: "jane@provider.example",
      to: replyAddress(deliveryId),
      subject: "Re: Placement referral R-2026-0001 - Lot 1",
      text: "Does she attend a mainstream school?\n\nOn Mon, 23 Nov 2026 at 09:00, Referrals <r@council.example> wrote:\n> Summary: enjoys football",
      messageId: "<q1@provider.example>",
    });
    t.close();
    const [r, ...rest] = await responsesOf(deliveryId);
    expect(rest).toEqual([]);
    expect(r).toMatchObject({ type: "question", question: "Does she attend a mainstream school?" });
    expect(r?.idempotencyKey).toBe("email:<q1@provider.example>");
    expect(smtpResults.at(-1)).toBe("stored");
  });

  it("stores a clear decline with its reason, keeping the provider's words as notes", async () => {
    const deliveryId = await newDelivery();
    const t = mailer();
    // The envelope names the reply address; the To header is someone else's (as with Bcc or forwarding).
    await t.sendMail({
      envelope: { from: "jane@provider.example", to: [replyAddress(deliveryId)] },
      from: "jane@provider.example",
      to: "placements-team@provider.example",
      subject: "Re: Placement referral",
      text: "Sorry, we have no vacancies at the moment.\n\n-- \nJane Smith\nSunrise Homes",
      messageId: "<d1@provider.example>",
    });
    t.close();
    const rows = await responsesOf(deliveryId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      type: "decline",
      declineReason: "no_vacancy",
      notes: "Sorry, we have no vacancies at the moment.",
    });
  });

  it("stores a repeat of the same Message-ID once", async () => {
    const deliveryId = await newDelivery();
    const t = mailer();
    const msg = {
      from: "jane@provider.example",
      to: replyAddress(deliveryId),
      subject: "Re",
      messageId: "<rep@p.example>",
    };
    await t.sendMail({ ...msg, text: "What is her school?" });
    await t.sendMail({ ...msg, text: "What is her school?" });
    t.close();
    expect(await responsesOf(deliveryId)).toHaveLength(1);
    expect(smtpResults.slice(-2)).toEqual(["stored", "duplicate"]);
  });

  it("hands messages to the shared handling when given the core's deps instead of a handler", async () => {
    const receiver = await startSmtpReceiver({
      port: 0,
      host: "127.0.0.1",
      logger,
      replyDomain: config.MAIL_REPLY_DOMAIN,
      db,
      clock,
      secret: config.RESPONSE_TOKEN_SECRET,
    });
    const deliveryId = await newDelivery();
    const t = createTransport({ host: "127.0.0.1", port: receiver.port, secure: false, ignoreTLS: true });
    await t.sendMail({
      from: "jane@provider.example",
      to: replyAddress(deliveryId),
      subject: "Re",
      text: "We cannot meet her needs.",
    });
    t.close();
    await receiver.close();
    expect(await responsesOf(deliveryId)).toMatchObject([{ type: "decline", declineReason: "cannot_meet_needs" }]);
  });
});

describe("POST /inbound/email", () => {
  it("requires the bearer secret when one is configured", async () => {
    const deliveryId = await newDelivery();
    const raw = rawMime({ To: replyAddress(deliveryId), "Message-ID": "<auth@p.example>" }, "Any news on her school?");
    expect((await post(raw)).status).toBe(401);
    expect((await post(raw, "wrong-secret-wrong-secret-wrong")).status).toBe(401);
    expect(await responsesOf(deliveryId)).toEqual([]);
    const ok = await post(raw, INBOUND_SECRET);
    expect(ok.status).toBe(202);
    expect(await ok.json()).toEqual({ status: "stored" });
  });

  it("stores a question from a Delivered-To reply address, stripping an Outlook quote, once per Message-ID", async () => {
    const deliveryId = await newDelivery();
    const body = [
      "Could you share the latest care plan?",
      "",
      "________________________________",
      "From: Referrals <r@council.example>",
      "Sent: 23 November 2026 09:00",
      "Summary: enjoys football",
    ].join("\n");
    const raw = rawMime(
      { To: "team@provider.example", "Delivered-To": replyAddress(deliveryId), "Message-ID": "<o1@p.example>" },
      body,
    );
    const first = await post(raw, INBOUND_SECRET);
    const second = await post(raw, INBOUND_SECRET);
    expect([first.status, second.status]).toEqual([202, 202]);
    expect([await first.json(), await second.json()]).toEqual([{ status: "stored" }, { status: "duplicate" }]);
    const rows = await responsesOf(deliveryId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ type: "question", question: "Could you share the latest care plan?" });
  });

  it("stores nothing for a forged reply address (bad MAC), answering 202 unmatched", async () => {
    const deliveryId = await newDelivery();
    const forged = replyAddress(deliveryId).replace(/\.[0-9a-f]{20}@/, ".0000000000aaaaaaaaaa@");
    const res = await post(rawMime({ To: forged, "Message-ID": "<f1@p.example>" }, "We cannot offer."), INBOUND_SECRET);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: "unmatched" });
    expect(await responsesOf(deliveryId)).toEqual([]);
  });

  it("stores nothing for an empty reply, an automatic reply or a closed round", async () => {
    const deliveryId = await newDelivery();
    const to = replyAddress(deliveryId);
    const statusOf = async (raw: string) =>
      ((await (await post(raw, INBOUND_SECRET)).json()) as { status: string }).status;
    expect(await statusOf(rawMime({ To: to }, "> just the quote\n-- \nJane"))).toBe("unmatched");
    expect(
      await statusOf(rawMime({ To: to, "Auto-Submitted": "auto-replied" }, "I am out of the office until Monday.")),
    ).toBe("ignored");
    const delivery = await db.delivery.findUniqueOrThrow({ where: { id: deliveryId } });
    await db.round.update({ where: { id: delivery.roundId }, data: { closedAt: clock.now() } });
    expect(await statusOf(rawMime({ To: to }, "Is she still looking?"))).toBe("closed");
    expect(await responsesOf(deliveryId)).toEqual([]);
  });

  it("refuses an empty body and one over 1 MB", async () => {
    expect((await post("", INBOUND_SECRET)).status).toBe(400);
    const huge = rawMime({ To: "x@y.example" }, "a".repeat(1024 * 1024 + 10));
    expect((await post(huge, INBOUND_SECRET)).status).toBe(413);
  });

  it("never logs what a reply said", () => {
    const all = lines.join("");
    for (const words of ["mainstream school", "care plan", "no vacancies", "out of the office", "football"]) {
      expect(all).not.toContain(words);
    }
    expect(all).toContain("inbound email reply");
  });
});
