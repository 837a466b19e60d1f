// Closing a referral (withdrawn, placed), end to end with real webhook receivers and a real SMTP server: the
// API and the command line withdraw; the round closes at once and every response link refuses (410 JSON, a
// "closed" page, an email reply); and every provider that received the referral gets exactly one closing
// message (referral.closed, or the outcome of its offer), retried like any delivery.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import type { Service } from "../../src/main.js";
import { raiseReferral } from "../../src/referrals/raise.js";
import { handleInboundReply } from "../../src/responses/email-reply.js";
import { replyAddressFor, responseTokenFor, responseUrlFor } from "../../src/responses/tokens.js";
import { londonDaysAfter } from "../helpers/dates.js";
import { capturingLogger, freshLot, isolatedEnv, socialWorker } from "../helpers/env.js";
import { envOf } from "../helpers/processes.js";
import { eventually, SmtpSink, WebhookReceivers } from "../helpers/receivers.js";
import { referralInput } from "../helpers/referrals.js";
import { ART_TOKEN, freePort, postJson, startTestService } from "../helpers/service.js";

/** Offers start a little after today: the core refuses a start date in the past. */
const START_DATE = londonDaysAfter(new Date(), 10);

const exec = promisify(execFile);
const receivers = new WebhookReceivers();
const smtp = new SmtpSink();
let db: Db;
let config: Config;
let service: Service;
/** Paths whose first attempt at each message fails with 503 (the sender must retry). */
const flaky = new Set<string>();

beforeAll(async () => {
  await receivers.start();
  await smtp.start();
  receivers.behaviour = ({ path, attempt }) => (flaky.has(path) && attempt === 1 ? { status: 503 } : { status: 200 });
  const port = await freePort();
  ({ db, config } = await isolatedEnv("closing", {
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    SMTP_URL: smtp.url,
    WEBHOOK_ALLOW_LOOPBACK: "true",
    DELIVERY_BACKOFF_MS: "100",
    ART_API_TOKENS: `integration:${ART_TOKEN}:decisions:write+referrals:write`,
  }));
  service = await startTestService({ config, logger: capturingLogger().logger });
});
afterAll(async () => {
  await service.close();
  await db.$disconnect();
  await receivers.stop();
  await smtp.stop();
});

/** A lot with `webhooks` webhook providers (paths /<tag>0...) and one email provider; a referral raised on it. */
async function raisedOn(tag: string, webhooks: number) {
  const lot = await freshLot(db);
  for (let i = 0; i < webhooks; i++) {
    await db.provider.create({
      data: {
        name: `${tag} Home ${i}`,
        webhookUrl: receivers.urlFor(`/${tag}${i}`),
        webhookSecret: receivers.secretFor(`/${tag}${i}`),
        needsCovered: ["SEMH", "ASD"],
        lots: { create: { lotId: lot.id } },
      },
    });
  }
  const email = `referrals@${tag.toLowerCase()}.example`;
  await db.provider.create({
    data: { name: `${tag} Mail Home`, email, needsCovered: ["SEMH", "ASD"], lots: { create: { lotId: lot.id } } },
  });
  const r = await raiseReferral(
    { db, clock: { now: () => new Date() }, config },
    referralInput(lot.number),
    socialWorker(),
  );
  await eventually(
    async () =>
      (await db.delivery.count({ where: { round: { referralId: r.id }, state: "delivered" } })) === webhooks + 1,
    "every provider reached",
  );
  const deliveries = await db.delivery.findMany({
    where: { round: { referralId: r.id } },
    include: { provider: true },
  });
  const deliveryOf = (name: string) => deliveries.find((d) => d.provider.name === name)!;
  const link = (name: string) =>
    responseUrlFor(service.url!, responseTokenFor(config.RESPONSE_TOKEN_SECRET, deliveryOf(name).id));
  return { ...r, email, deliveryOf, link };
}

const closingKinds = new Set(["referral.closed", "referral.outcome"]);
/** The closing messages each webhook path accepted for this referral, by type (outcome with its value). */
function closingWebhooks(reference: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const a of receivers.accepted) {
    if (!closingKinds.has(String(a.body.type))) continue;
    if ((a.body.referral as { reference: string }).reference !== reference) continue;
    const label = a.body.type === "referral.outcome" ? `outcome:${a.body.outcome}` : String(a.body.type);
    out.set(a.path, [...(out.get(a.path) ?? []), label]);
  }
  return out;
}
const closingMails = (to: string) => smtp.to(to).filter((m) => /^(Closed|Outcome): /.test(m.subject ?? ""));
const allMessagesSettled = async (referralId: string) =>
  (await db.providerMessage.count({ where: { delivery: { round: { referralId } }, state: "pending" } })) === 0;

describe("closing a referral", () => {
  it("withdrawn through the API: links refuse, and every recipient gets exactly one closed notice", async () => {
    const r = await raisedOn("Wd", 3);
    // Wd Home 2 has made an offer: on a withdrawal it is told the referral closed, like everyone else.
    const offered = await postJson(r.link("Wd Home 2"), {
      type: "offer",
      weeklyCostGbp: 3000,
      startDate: START_DATE,
      needsMet: "Calm home",
    });
    expect(offered.status).toBe(201);
    flaky.add("/Wd0");

    const url = `${service.url}/api/v1/referrals/${r.id}/withdraw`;
    expect((await postJson(url, { reason: "placed_in_house" })).status).toBe(401);
    expect((await postJson(url, { reason: "bored" }, ART_TOKEN)).status).toBe(400);
    expect((await postJson(url, { reason: "other" }, ART_TOKEN)).status).toBe(400);
    const done = await postJson(url, { reason: "placed_in_house" }, ART_TOKEN);
    expect(done).toMatchObject({ status: 200, body: { status: "withdrawn", reasonText: "Placed in-house" } });
    // Already closed: refused, nothing changes.
    expect((await postJson(url, { reason: "raised_in_error" }, ART_TOKEN)).status).toBe(409);
    expect((await db.referral.findUniqueOrThrow({ where: { id: r.id } })).statusReason).toBe("Placed in-house");
    expect(await db.round.count({ where: { referralId: r.id, closedAt: null } })).toBe(0);

    // Every response path refuses: JSON 410, the HTML page, an email reply.
    const json = await postJson(r.link("Wd Home 1"), {
      type: "offer",
      weeklyCostGbp: 2000,
      startDate: START_DATE,
      needsMet: "Late offer",
    });
    expect(json).toMatchObject({ status: 410, body: { error: { code: "referral_closed" } } });
    const page = await fetch(r.link("Wd Home 1"));
    expect(page.status).toBe(410);
    expect(await page.text()).toContain("This referral has closed");
    const reply = await handleInboundReply(
      { db, clock: { now: () => new Date() }, secret: config.RESPONSE_TOKEN_SECRET },
      {
        recipients: [
          replyAddressFor(config.RESPONSE_TOKEN_SECRET, config.MAIL_REPLY_DOMAIN, r.deliveryOf("Wd Mail Home").id),
        ],
        text: "We have no vacancy.",
        sender: { from: ["referrals@wd.example"], authenticationResults: [] },
      },
    );
    expect(reply.status).toBe("closed");
    expect(await db.response.count({ where: { referralId: r.id } })).toBe(1);

    await eventually(
      () => closingWebhooks(r.reference).size === 3 && closingMails(r.email).length === 1,
      "closing notices",
    );
    await eventually(() => allMessagesSettled(r.id), "every closing message settled");
    expect(Object.fromEntries(closingWebhooks(r.reference))).toEqual({
      "/Wd0": ["referral.closed"],
      "/Wd1": ["referral.closed"],
      "/Wd2": ["referral.closed"],
    });
    // The flaky receiver refused the first attempt; the retry used the same id and was accepted once.
    const wd0 = receivers.accepted.find((a) => a.path === "/Wd0" && a.body.type === "referral.closed")!;
    expect(receivers.attempts.get(`/Wd0#${wd0.id}`)).toBe(2);
    expect(closingMails(r.email)).toHaveLength(1);
    expect(closingMails(r.email)[0]!.subject).toMatch(/^Closed: Placement referral /);
    expect(closingMails(r.email)[0]!.text).toContain("no longer available");
  });

  it("placed: offerers get their outcome, everyone else a closed notice, one message each", async () => {
    const r = await raisedOn("Pl", 3);
    const offer = (name: string, cost: number) =>
      postJson(r.link(name), { type: "offer", weeklyCostGbp: cost, startDate: START_DATE, needsMet: "Home" });
    expect((await offer("Pl Home 0", 3100)).status).toBe(201);
    expect((await offer("Pl Home 1", 3300)).status).toBe(201);
    const winner = await db.response.findFirstOrThrow({ where: { referralId: r.id, weeklyCostPence: 310_000 } });
    const approved = await postJson(`${service.url}/api/v1/offers/${winner.id}/approve`, {}, ART_TOKEN);
    expect(approved).toMatchObject({ status: 200, body: { status: "placed" } });
    await eventually(
      () => closingWebhooks(r.reference).size === 3 && closingMails(r.email).length === 1,
      "closing messages",
    );
    await eventually(() => allMessagesSettled(r.id), "every closing message settled");
    expect(Object.fromEntries(closingWebhooks(r.reference))).toEqual({
      "/Pl0": ["outcome:approved"],
      "/Pl1": ["outcome:not_taken_up"],
      "/Pl2": ["referral.closed"],
    });
    // The closed notice never says who was chosen.
    const closed = receivers.accepted.find((a) => a.path === "/Pl2" && a.body.type === "referral.closed")!;
    expect(JSON.stringify(closed.body)).not.toContain("Pl Home 0");
    expect(closingMails(r.email)[0]!.text).not.toContain("Pl Home 0");
    expect((await postJson(r.link("Pl Home 2"), { type: "question", question: "Still open?" })).status).toBe(410);
  });

  it("withdraws from the command line", async () => {
    const r = await raisedOn("Cli", 1);
    const cli = async (args: string[]) => {
      try {
        const { stdout } = await exec(
          process.execPath,
          ["--import", "./test/setup/no-egress.ts", "src/bin/referral-bot.mjs", ...args],
          { env: { ...process.env, ...envOf(config, {}) } },
        );
        return { code: 0, out: stdout };
      } catch (e) {
        const err = e as { code: number; stdout: string; stderr: string };
        return { code: err.code, out: `${err.stdout}${err.stderr}` };
      }
    };
    const bad = await cli(["withdraw", "--reference", r.reference, "--reason", "bored"]);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/withdrawal has errors/);
    const ok = await cli(["withdraw", "--reference", r.reference, "--reason", "placed_by_family"]);
    expect(ok).toMatchObject({ code: 0, out: expect.stringContaining(`Withdrew ${r.reference}: Placed by family`) });
    expect((await db.referral.findUniqueOrThrow({ where: { id: r.id } })).status).toBe("withdrawn");
    const audit = await db.auditEvent.findFirstOrThrow({ where: { referralId: r.id, action: "referral.withdraw" } });
    expect(audit.actor).toMatch(/^cli:/);
    await eventually(
      () => closingWebhooks(r.reference).get("/Cli0")?.length === 1,
      "closed notice from the CLI's change",
    );
  });
});
