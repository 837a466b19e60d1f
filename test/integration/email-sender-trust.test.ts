// Who may answer for a provider by email. The signed reply address says which delivery a reply is for; the
// sender (From, and the SMTP envelope) must also be the provider's, and our own mail gateway's
// Authentication-Results decide whether a decline is trusted enough to drop the provider from later rounds.
// Real HTTP (POST /inbound/email), the real SMTP receiver, real PostgreSQL, the real round clock.
import type { Server } from "node:http";
import express from "express";
import { Redis } from "ioredis";
import { createTransport } from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inboundEmailRouter } from "../../adapters/email/inbound-http.js";
import { startSmtpReceiver } from "../../adapters/email/smtp-receiver.js";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { closeDueRounds } from "../../src/delivery/round-sweep.js";
import { errorHandler } from "../../src/http/errors.js";
import { JobQueues } from "../../src/jobs/queues.js";
import { raiseReferral } from "../../src/referrals/raise.js";
import { replyAddressFor } from "../../src/responses/tokens.js";
import { capturingLogger, fixedClock, freshLot, isolatedEnv, socialWorker } from "../helpers/env.js";
import { makeProvider, referralInput } from "../helpers/referrals.js";

const AUTHSERV_ID = "mx.council.test";
const INBOUND_SECRET = "inbound-secret-for-tests-0123456789";
const clock = fixedClock("2026-11-23T09:00:00Z");
const { logger, lines } = capturingLogger();
let db: Db;
let config: Config;
let redis: Redis;
let queues: JobQueues;
let server: Server;
let baseUrl: string;
let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;

beforeAll(async () => {
  ({ db, config } = await isolatedEnv("emailtrust"));
  redis = new Redis(config.REDIS_URL);
  queues = new JobQueues(redis, config.REDIS_PREFIX);
  const deps = { db, clock, secret: config.RESPONSE_TOKEN_SECRET, logger, authservId: AUTHSERV_ID };
  const app = express();
  app.use(inboundEmailRouter({ ...deps, inboundSecret: INBOUND_SECRET }));
  app.use(errorHandler(logger));
  server = await new Promise<Server>((r) => {
    const s = app.listen(0, "127.0.0.1", () => r(s));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  smtp = await startSmtpReceiver({ port: 0, host: "127.0.0.1", replyDomain: config.MAIL_REPLY_DOMAIN, ...deps });
});
afterAll(async () => {
  await smtp.close();
  await new Promise((r) => server.close(r));
  await queues.close();
  await redis.quit();
  await db.$disconnect();
});

const T0 = "2026-11-23T09:00:00Z";
const ROUND_ONE_CLOSES = "2026-11-30T09:00:00Z";

/** A provider with its own email domain, and a referral whose first round went to it by email. */
async function referralFor() {
  clock.set(T0);
  const lot = await freshLot(db);
  const provider = await makeProvider(db, lot.id);
  const referral = await raiseReferral(
    { db, clock, config },
    referralInput(lot.number, {}, {}, clock.now()),
    socialWorker(),
  );
  const delivery = await db.delivery.findFirstOrThrow({ where: { providerId: provider.id, round: { number: 1 } } });
  const email = provider.email as string;
  return {
    provider,
    referralId: referral.id,
    deliveryId: delivery.id,
    email,
    domain: email.split("@")[1] as string,
    replyTo: replyAddressFor(config.RESPONSE_TOKEN_SECRET, config.MAIL_REPLY_DOMAIN, delivery.id),
  };
}

let seq = 0;
function rawMime(headers: [string, string][], body: string): string {
  const all: [string, string][] = [
    ...headers,
    ["Subject", "Re: Placement referral"],
    ["Message-ID", `<trust-${++seq}@sender.example>`],
  ];
  return `${all.map(([k, v]) => `${k}: ${v}`).join("\r\n")}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`;
}

async function post(raw: string): Promise<string> {
  const res = await fetch(`${baseUrl}/inbound/email`, {
    method: "POST",
    headers: { "content-type": "message/rfc822", authorization: `Bearer ${INBOUND_SECRET}` },
    body: raw,
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { status: string }).status;
}

const responsesOf = (deliveryId: string) => db.response.findMany({ where: { deliveryId } });
const responseEventsOf = async (referralId: string) =>
  (await db.outboxEvent.findMany({ where: { kind: "event" } }))
    .map((e) => e.payload as { type: string; referralId: string })
    .filter((e) => e.referralId === referralId && e.type === "response.received");

/** Closes round one and says whether round two went to the provider again. */
async function inRoundTwo(referralId: string, providerId: string): Promise<boolean> {
  clock.set(ROUND_ONE_CLOSES);
  await closeDueRounds({ db, clock, config, queues });
  const round2 = await db.round.findFirstOrThrow({ where: { referralId, number: 2 }, include: { deliveries: true } });
  return round2.deliveries.some((d) => d.providerId === providerId);
}

const CANNOT_MEET = "We cannot meet her needs.";

describe("the sender of an email reply", () => {
  it("refuses a reply from someone other than the provider: nothing stored, no event, an audit row", async () => {
    const p = await referralFor();
    const status = await post(
      rawMime(
        [
          ["From", "Mallory <mallory@attacker.example>"],
          ["To", p.replyTo],
        ],
        CANNOT_MEET,
      ),
    );
    expect(status).toBe("refused");
    expect(await responsesOf(p.deliveryId)).toEqual([]);
    expect(await responseEventsOf(p.referralId)).toEqual([]);
    const audit = await db.auditEvent.findMany({ where: { referralId: p.referralId, action: "response.refused" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]?.detail).toMatchObject({ deliveryId: p.deliveryId, reason: "sender_mismatch" });
    expect(lines.join("")).not.toContain("attacker.example");
  });

  it("stores a reply from the provider's address (any case) or a colleague at the provider's domain", async () => {
    const p = await referralFor();
    expect(
      await post(
        rawMime(
          [
            ["From", `Jane <${p.email.toUpperCase()}>`],
            ["To", p.replyTo],
          ],
          "Is she at school?",
        ),
      ),
    ).toBe("stored");
    expect(
      await post(
        rawMime(
          [
            ["From", `jane.smith@${p.domain}`],
            ["To", p.replyTo],
          ],
          "Any news?",
        ),
      ),
    ).toBe("stored");
    expect(await responsesOf(p.deliveryId)).toHaveLength(2);
    expect(await responseEventsOf(p.referralId)).toHaveLength(2);
  });

  it("refuses display-name tricks, two From addresses, two From fields and look-alike domains", async () => {
    const p = await referralFor();
    const forgeries: [string, string][][] = [
      [["From", `"${p.email}" <mallory@attacker.example>`]],
      [["From", `${p.email} <mallory@attacker.example>`]],
      [["From", `mallory@attacker.example (${p.email})`]],
      [["From", `${p.email}, mallory@attacker.example`]],
      [
        ["From", p.email],
        ["From", "mallory@attacker.example"],
      ],
      [["From", `"${p.email}"@attacker.example`]],
      [["From", `${p.email}@attacker.example`]],
      [["From", `referrals@${p.domain}.attacker.example`]],
      [["From", `referrals@mail.${p.domain}`]],
      [["From", `referrals@${p.domain.replace(".example", "-example.com")}`]],
      [["From", `team: ${p.email};`]],
      [],
    ];
    for (const from of forgeries) {
      expect(await post(rawMime([...from, ["To", p.replyTo]], CANNOT_MEET)), JSON.stringify(from)).toBe("refused");
    }
    expect(await responsesOf(p.deliveryId)).toEqual([]);
  });

  it("never lets a look-alike's forged 'cannot meet needs' drop the provider from the next round", async () => {
    const p = await referralFor();
    const lookAlike = `referrals@${p.domain.replace(/\.example$/, "-homes.example")}`;
    expect(
      await post(
        rawMime(
          [
            ["From", lookAlike],
            ["To", p.replyTo],
          ],
          CANNOT_MEET,
        ),
      ),
    ).toBe("refused");
    expect(await inRoundTwo(p.referralId, p.provider.id)).toBe(true);
  });

  it("refuses the SMTP envelope sender when it is not the provider's, even with the provider's From", async () => {
    const p = await referralFor();
    const t = createTransport({ host: "127.0.0.1", port: smtp.port, secure: false, ignoreTLS: true });
    await t.sendMail({
      envelope: { from: "bounce@attacker.example", to: [p.replyTo] },
      from: p.email,
      to: p.replyTo,
      subject: "Re",
      text: CANNOT_MEET,
    });
    expect(await responsesOf(p.deliveryId)).toEqual([]);
    await t.sendMail({ envelope: { from: p.email, to: [p.replyTo] }, from: p.email, to: p.replyTo, text: "Any news?" });
    t.close();
    expect(await responsesOf(p.deliveryId)).toMatchObject([{ type: "question" }]);
  });
});

describe("Authentication-Results from our mail gateway", () => {
  const ar = (id: string, results: string): [string, string] => ["Authentication-Results", `${id}; ${results}`];

  it("refuses a DKIM, SPF or DMARC failure our gateway reported; ignores one another server wrote", async () => {
    const p = await referralFor();
    const from: [string, string] = ["From", p.email];
    const to: [string, string] = ["To", p.replyTo];
    for (const failure of [
      `dkim=fail header.d=${p.domain}`,
      `dkim=permerror header.d=${p.domain}`,
      `spf=fail smtp.mailfrom=${p.email}`,
      `spf=permerror smtp.mailfrom=${p.email}`,
      `dmarc=fail header.from=${p.domain}`,
      `spf=pass smtp.mailfrom=${p.email};\r\n\tdkim=fail (bad signature) header.d=${p.domain}`,
    ]) {
      expect(await post(rawMime([ar(AUTHSERV_ID, failure), from, to], CANNOT_MEET)), failure).toBe("refused");
    }
    // Upper case and a version number are the same authserv-id (RFC 8601 compares it case-insensitively).
    expect(await post(rawMime([ar(`MX.Council.Test 1`, `dkim=fail header.d=${p.domain}`), from, to], "Hi?"))).toBe(
      "refused",
    );
    expect(await responsesOf(p.deliveryId)).toEqual([]);
    // Written by someone else's server (or the sender): not ours, so it says nothing either way.
    expect(await post(rawMime([ar("mx.attacker.example", `dkim=fail header.d=${p.domain}`), from, to], "Hi?"))).toBe(
      "stored",
    );
    expect(await post(rawMime([ar(AUTHSERV_ID, `spf=softfail smtp.mailfrom=${p.email}`), from, to], "Hi 2?"))).toBe(
      "stored",
    );
  });

  it("counts an unverified sender's decline for its round only; a DKIM-verified one for later rounds too", async () => {
    const unverified = await referralFor();
    expect(
      await post(
        rawMime(
          [
            ["From", unverified.email],
            ["To", unverified.replyTo],
          ],
          CANNOT_MEET,
        ),
      ),
    ).toBe("stored");
    expect(await responsesOf(unverified.deliveryId)).toMatchObject([
      { type: "decline", declineReason: "cannot_meet_needs", senderVerified: false },
    ]);
    expect(await inRoundTwo(unverified.referralId, unverified.provider.id)).toBe(true);

    const verified = await referralFor();
    const pass = ar(AUTHSERV_ID, `dkim=pass header.d=${verified.domain}; spf=pass smtp.mailfrom=${verified.email}`);
    expect(await post(rawMime([pass, ["From", verified.email], ["To", verified.replyTo]], CANNOT_MEET))).toBe("stored");
    expect(await responsesOf(verified.deliveryId)).toMatchObject([{ senderVerified: true }]);
    expect(await inRoundTwo(verified.referralId, verified.provider.id)).toBe(false);
  });

  it("does not trust a forged 'pass' below our gateway's header, another server's pass, or a pass for another domain", async () => {
    const tries = async (headers: (p: Awaited<ReturnType<typeof referralFor>>) => [string, string][]) => {
      const p = await referralFor();
      expect(await post(rawMime([...headers(p), ["From", p.email], ["To", p.replyTo]], CANNOT_MEET))).toBe("stored");
      return inRoundTwo(p.referralId, p.provider.id);
    };
    // Our gateway prepends its header; whatever the sender put below it is the sender's word.
    expect(await tries((p) => [ar(AUTHSERV_ID, "dkim=none"), ar(AUTHSERV_ID, `dkim=pass header.d=${p.domain}`)])).toBe(
      true,
    );
    expect(await tries((p) => [ar("mx.attacker.example", `dkim=pass header.d=${p.domain}`)])).toBe(true);
    expect(await tries(() => [ar(AUTHSERV_ID, "dkim=pass header.d=attacker.example")])).toBe(true);
    // A pass hidden in a comment or a quoted value is not a result.
    expect(await tries((p) => [ar(AUTHSERV_ID, `dkim=none (dkim=pass header.d=${p.domain})`)])).toBe(true);
  });
});
