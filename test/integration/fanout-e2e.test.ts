// Issue 3 end to end: a lot 2 referral with 60 eligible providers (30 email, 30 webhook) and 20 ineligible ones.
// Each eligible provider receives exactly one signed or delivered message; 10 offer (web form and JSON),
// 5 decline, 3 ask a question by email reply; every response is stored and emitted; the ineligible get nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import type { DomainEvent } from "../../src/events.js";
import type { Service } from "../../src/main.js";
import { systemClock } from "../../src/ports.js";
import { ensureLots } from "../../src/providers/directory.js";
import { raiseReferral } from "../../src/referrals/raise.js";
import { londonDaysAfter } from "../helpers/dates.js";
import { capturingLogger, isolatedEnv, socialWorker } from "../helpers/env.js";
import { eventually, SmtpSink, WebhookReceivers } from "../helpers/receivers.js";
import { referralInput } from "../helpers/referrals.js";
import { freePort, startTestService } from "../helpers/service.js";

/** Offers start a little after today: the core refuses a start date in the past. */
const START_DATE = londonDaysAfter(new Date(), 10);

const receivers = new WebhookReceivers();
const smtp = new SmtpSink();
const emitted: DomainEvent[] = [];
let db: Db;
let config: Config;
let service: Service;

beforeAll(async () => {
  await receivers.start();
  await smtp.start();
  const port = await freePort();
  ({ db, config } = await isolatedEnv("e2e", {
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    SMTP_URL: smtp.url,
    MAIL_REPLY_DOMAIN: "replies.council.test",
    // The webhook providers' receivers are on loopback.
    WEBHOOK_ALLOW_LOOPBACK: "true",
  }));
  await ensureLots(db);
  service = await startTestService({
    config,
    logger: capturingLogger().logger,
    subscribers: [async (e) => void emitted.push(e)],
  });
});
afterAll(async () => {
  await service.close();
  await db.$disconnect();
  await receivers.stop();
  await smtp.stop();
});

async function seedProviders() {
  const lot2 = await db.lot.findUniqueOrThrow({ where: { number: 2 } });
  const lot1 = await db.lot.findUniqueOrThrow({ where: { number: 1 } });
  const base = { needsCovered: ["SEMH", "ASD"], genders: ["female"], ageMin: 11, ageMax: 17, areas: ["PE"] };
  for (let i = 0; i < 30; i++) {
    await db.provider.create({
      data: {
        ...base,
        name: `Email Home ${i}`,
        email: `home${i}@email-homes.test`,
        lots: { create: { lotId: lot2.id } },
      },
    });
    await db.provider.create({
      data: {
        ...base,
        name: `Webhook Home ${i}`,
        webhookUrl: receivers.urlFor(`/home${i}`),
        webhookSecret: receivers.secretFor(`/home${i}`),
        lots: { create: { lotId: lot2.id } },
      },
    });
  }
  // 20 that must receive nothing, each ruled out by one registration rule.
  const ineligible = [
    ...Array.from({ length: 4 }, () => ({ genders: ["male"] })),
    ...Array.from({ length: 4 }, () => ({ ageMin: 16, ageMax: 25 })),
    ...Array.from({ length: 4 }, () => ({ needsCovered: ["ASD"] })),
    ...Array.from({ length: 4 }, () => ({ areas: ["CB"] })),
    ...Array.from({ length: 2 }, () => ({ status: "suspended" as const, statusReason: "Ofsted inadequate" })),
  ];
  for (const [i, over] of ineligible.entries()) {
    await db.provider.create({
      data: {
        ...base,
        ...over,
        name: `Ineligible ${i}`,
        email: `no${i}@ineligible.test`,
        lots: { create: { lotId: lot2.id } },
      },
    });
  }
  for (let i = 0; i < 2; i++) {
    await db.provider.create({
      data: {
        ...base,
        name: `Other lot ${i}`,
        email: `lot1-${i}@ineligible.test`,
        lots: { create: { lotId: lot1.id } },
      },
    });
  }
}

const linkIn = (text: string) => /http:\/\/127\.0\.0\.1:\d+\/r\/[A-Za-z0-9_-]+/.exec(text)?.[0];

async function submitForm(url: string, fields: Record<string, string>) {
  const page = await fetch(url);
  const html = await page.text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0]!;
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ ...fields, csrf: csrf ?? "" }),
  });
  return { status: res.status, html: await res.text() };
}

const postJson = (url: string, body: unknown) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("fan-out end to end", () => {
  it("delivers once to each of 60 eligible providers and brings 18 responses back", async () => {
    await seedProviders();
    const r = await raiseReferral(
      { db, clock: systemClock, config },
      referralInput(
        2,
        { gender: "female", ageYears: 14, needCodes: ["SEMH"], area: "PE1" },
        { childName: "Secret Name" },
      ),
      socialWorker(),
    );
    expect(r.deliveries).toBe(60);
    await eventually(() => receivers.accepted.length >= 30 && smtp.messages.length >= 30, "60 messages out", 30_000);
    await eventually(
      async () => (await db.delivery.count({ where: { round: { referralId: r.id }, state: "delivered" } })) === 60,
      "60 deliveries recorded",
    );

    // Exactly one message per eligible provider; none for the ineligible.
    for (let i = 0; i < 30; i++) {
      expect(receivers.uniqueAccepted(`/home${i}`).size).toBe(1);
      expect(smtp.to(`home${i}@email-homes.test`)).toHaveLength(1);
    }
    expect(receivers.badSignatures).toEqual([]);
    expect(smtp.messages.filter((m) => /ineligible/.test(JSON.stringify(m.to)))).toHaveLength(0);
    expect(smtp.messages).toHaveLength(30);
    for (const m of smtp.messages) {
      expect(m.subject).toContain(r.reference);
      expect(`${m.subject}${m.text}${m.html}`).not.toContain("Secret Name");
    }
    for (const w of receivers.accepted) expect(JSON.stringify(w.body)).not.toContain("Secret Name");

    // 10 offers: 5 through the web form (email providers' links), 5 as JSON (webhook providers' response_url).
    const emailLinks = smtp.messages.map((m) => linkIn(m.text ?? "")!);
    const hookLinks = receivers.accepted.map((a) => String(a.body.response_url));
    for (const link of emailLinks.slice(0, 5)) {
      const res = await submitForm(link, {
        type: "offer",
        costGbp: "4850",
        costBasis: "weekly",
        startDate: START_DATE,
        needsMet: "Therapeutic SEMH home",
      });
      expect(res.status).toBe(200);
    }
    for (const link of hookLinks.slice(0, 5)) {
      const res = await postJson(link, {
        type: "offer",
        weeklyCostGbp: 5200,
        startDate: START_DATE,
        needsMet: "Two-bed home",
      });
      expect(res.status).toBe(201);
    }
    // 5 declines as JSON.
    for (const link of hookLinks.slice(5, 10)) {
      expect((await postJson(link, { type: "decline", reason: "no_vacancy" })).status).toBe(201);
    }
    // 3 questions by replying to the email (raw MIME to the inbound endpoint, as inbound-mail services post).
    for (const m of smtp.messages.slice(10, 13)) {
      const replyTo = m.replyTo?.value[0]?.address;
      expect(replyTo).toMatch(/^reply\+.*@replies\.council\.test$/);
      const mime = [
        `From: ${(m.to as { text: string }).text}`,
        `To: ${replyTo}`,
        `Subject: Re: ${m.subject}`,
        `Message-ID: <q-${m.messageId?.slice(1, 12)}@provider.test>`,
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Does she have contact with siblings, and how often?",
        "",
        `On Mon, 23 Nov 2026, Placement referrals wrote:`,
        "> quoted referral text",
      ].join("\r\n");
      const res = await fetch(`${service.url}/inbound/email`, {
        method: "POST",
        headers: { "content-type": "message/rfc822" },
        body: mime,
      });
      expect(res.status).toBe(202);
    }

    const responses = await db.response.findMany({ where: { referralId: r.id } });
    expect(responses.filter((x) => x.type === "offer")).toHaveLength(10);
    expect(responses.filter((x) => x.type === "decline")).toHaveLength(5);
    const questions = responses.filter((x) => x.type === "question");
    expect(questions).toHaveLength(3);
    for (const q of questions) expect(q.question).toBe("Does she have contact with siblings, and how often?");
    expect((await db.referral.findUniqueOrThrow({ where: { id: r.id } })).status).toBe("offers_received");

    // Every response was emitted to the subscribers (what the chat adapters will receive).
    await eventually(
      () => emitted.filter((e) => e.type === "response.received" && e.referralId === r.id).length === 18,
      "18 response events emitted",
    );
    expect(emitted.some((e) => e.type === "round.opened" && e.referralId === r.id && e.deliveries === 60)).toBe(true);
  });
});
