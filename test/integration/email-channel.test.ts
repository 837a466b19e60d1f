// EmailChannel against a real SMTP server on loopback that parses every message: what a provider's inbox
// would show, what the subject may (not) say, stable Message-IDs, and how SMTP refusals are classified.
import { createServer } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmailChannel } from "../../adapters/email/email-channel.js";
import { DeliveryError } from "../../src/errors.js";
import type { OutboundDelivery, OutboundKind } from "../../src/ports.js";

/** A refusal the server gives at RCPT TO or after DATA; undefined accepts. */
type Refusal = { at: "rcpt" | "data"; code: number } | undefined;

async function startSmtp() {
  const received: ParsedMail[] = [];
  const state: { refusal: Refusal } = { refusal: undefined };
  const refuse = (code: number) => Object.assign(new Error(`refused ${code}`), { responseCode: code });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onRcptTo: (_a, _s, cb) => cb(state.refusal?.at === "rcpt" ? refuse(state.refusal.code) : undefined),
    onData: (stream, _s, cb) => {
      simpleParser(stream).then((mail) => {
        if (state.refusal?.at === "data") return cb(refuse(state.refusal.code));
        received.push(mail);
        cb();
      }, cb);
    },
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.server.address() as { port: number }).port;
  return { received, state, url: `smtp://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(r)) };
}

const SUMMARY = 'Enjoys football <script>alert("x")</script> & music';

function delivery(over: Partial<OutboundDelivery> = {}): OutboundDelivery {
  return {
    kind: "referral",
    messageId: "dlv-1b2c3d-a1",
    deliveryId: "3f0e7f8a-2b1c-4d5e-9f00-112233445566",
    provider: { id: "p1", name: "Sunrise Homes", email: "referrals@sunrise.example" },
    round: { number: 1, respondBy: new Date("2026-12-15T17:00:00Z") },
    profile: {
      reference: "R-2026-0042",
      lotNumber: 2,
      lotName: "Residential Children's Homes",
      ageYears: 14,
      gender: "female",
      needCodes: ["SEMH", "ASD"],
      ehcp: true,
      legalStatus: "s31",
      area: "PE1",
      urgency: "emergency",
      requiredBy: "2026-12-20",
      summary: SUMMARY,
    },
    responseUrl: "http://127.0.0.1:3000/r/tok_abcdefghijklmnopqrstuvwxyz",
    replyTo: "reply+3f0e7f8a-2b1c-4d5e-9f00-112233445566.0123456789abcdef0123@replies.localhost",
    ...over,
  };
}

let smtp: Awaited<ReturnType<typeof startSmtp>>;
let channel: EmailChannel;
const sendAndReceive = async (m: OutboundDelivery): Promise<ParsedMail> => {
  const before = smtp.received.length;
  await channel.send(m);
  expect(smtp.received.length).toBe(before + 1);
  return smtp.received.at(-1)!;
};

beforeAll(async () => {
  smtp = await startSmtp();
  channel = new EmailChannel({
    smtpUrl: smtp.url,
    from: "Referrals <referrals@council.example>",
    messageIdDomain: "replies.localhost",
  });
});
afterAll(async () => {
  await channel.close();
  await smtp.close();
});

describe("EmailChannel", () => {
  it("sends a referral whose subject names only the reference and lot", async () => {
    const mail = await sendAndReceive(delivery());
    expect(mail.subject).toBe("Placement referral R-2026-0042 - Lot 2 Residential Children's Homes");
    for (const field of ["football", "female", "SEMH", "PE1", "14", "s31", "Emergency", "2026-12-20", "Sunrise"]) {
      expect(mail.subject).not.toContain(field);
    }
    expect(mail.to && !Array.isArray(mail.to) && mail.to.value[0]?.address).toBe("referrals@sunrise.example");
    expect(mail.replyTo?.value[0]?.address).toBe(delivery().replyTo);
  });

  it("puts the profile, deadline (UK time) and Respond link in both text and HTML, HTML escaped", async () => {
    const mail = await sendAndReceive(delivery());
    const text = mail.text ?? "";
    const html = typeof mail.html === "string" ? mail.html : "";
    for (const body of [text, html]) {
      expect(body).toContain(delivery().responseUrl);
      for (const v of ["14 years", "female", "SEMH, ASD", "EHCP", "s31", "PE1", "Emergency", "20 December 2026"]) {
        expect(body).toContain(v);
      }
      expect(body).toContain("Tuesday, 15 December 2026 at 17:00 GMT");
      expect(body).toContain("reply to this email to ask a question or to decline");
    }
    expect(text).toContain(SUMMARY);
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; music");
    expect(html).toMatch(/<a href="http:\/\/127\.0\.0\.1:3000\/r\/tok_[a-z]+"[^>]*>Respond<\/a>/);
  });

  it("uses the delivery's messageId as the Message-ID, the same on every send", async () => {
    const first = await sendAndReceive(delivery());
    const second = await sendAndReceive(delivery());
    expect(first.messageId).toBe("<dlv-1b2c3d-a1@replies.localhost>");
    expect(second.messageId).toBe(first.messageId);
    expect(first.headers.get("auto-submitted")).toBe("auto-generated");
  });

  it.each<[OutboundKind, string]>([
    ["reminder", "Reminder: Placement referral R-2026-0042 - Lot 2 Residential Children's Homes"],
    ["outcome_approved", "Outcome: Placement referral R-2026-0042 - Lot 2 Residential Children's Homes"],
    ["outcome_not_taken_up", "Outcome: Placement referral R-2026-0042 - Lot 2 Residential Children's Homes"],
    ["answer", "Answer to your question: Placement referral R-2026-0042 - Lot 2 Residential Children's Homes"],
    ["referral_closed", "Closed: Placement referral R-2026-0042 - Lot 2 Residential Children's Homes"],
  ])("titles a %s by reference and lot only", async (kind, subject) => {
    const mail = await sendAndReceive(delivery({ kind, text: "Yes, <b>she</b> attends school locally." }));
    expect(mail.subject).toBe(subject);
    if (kind === "answer") {
      expect(mail.text).toContain("Yes, <b>she</b> attends school locally.");
      expect(mail.html).toContain("Yes, &lt;b&gt;she&lt;/b&gt; attends school locally.");
    }
  });

  it("refuses permanently (400) when the provider has no email address", async () => {
    const err = await channel.send(delivery({ provider: { id: "p2", name: "No Email Ltd" } })).catch((e) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ status: 400, retryable: false });
  });

  it.each([
    [{ at: "rcpt", code: 550 }, false],
    [{ at: "data", code: 554 }, false],
    [{ at: "rcpt", code: 451 }, true],
    [{ at: "data", code: 451 }, true],
  ] as const)("classifies an SMTP refusal %j (retryable: %s)", async (refusal, retryable) => {
    smtp.state.refusal = refusal;
    try {
      const err = await channel.send(delivery()).catch((e) => e);
      expect(err).toBeInstanceOf(DeliveryError);
      expect(err.retryable).toBe(retryable);
      expect(err.status).toBe(retryable ? undefined : 400);
      expect(err.message).toContain(String(refusal.code));
      expect(err.message).not.toContain("football");
    } finally {
      smtp.state.refusal = undefined;
    }
  });

  it("treats a server that is down as retryable", async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const dead = new EmailChannel({
      smtpUrl: `smtp://127.0.0.1:${port}`,
      from: "r@council.example",
      messageIdDomain: "x",
    });
    const err = await dead.send(delivery()).catch((e) => e);
    await dead.close();
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ status: undefined, retryable: true, code: "delivery_network_error" });
  });
});
