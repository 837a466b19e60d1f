// Fair answers: ART can publish a provider's question and its answer to every provider on the round (email and
// webhook), without naming the asker; by default (ANSWERS_PUBLISHED_TO_ALL_DEFAULT=false) only the asker hears.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { performAction, submitReferral } from "../../src/chat/actions.js";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import type { DomainEvent } from "../../src/events.js";
import { JobQueues } from "../../src/jobs/queues.js";
import type { Service } from "../../src/main.js";
import { systemClock } from "../../src/ports.js";
import { createRedis } from "../../src/redis.js";
import { responseTokenFor, responseUrlFor } from "../../src/responses/tokens.js";
import { capturingLogger, freshLot, isolatedEnv } from "../helpers/env.js";
import { eventually, SmtpSink, WebhookReceivers } from "../helpers/receivers.js";
import { RecordingChat } from "../helpers/recording-chat.js";
import { referralInput } from "../helpers/referrals.js";
import { startTestService } from "../helpers/service.js";

const receivers = new WebhookReceivers();
const smtp = new SmtpSink();
const emitted: DomainEvent[] = [];
let db: Db;
let config: Config;
let service: Service;
let core: Parameters<typeof performAction>[0];

const sw = { id: "slack:USW", art: false, mayRaise: true };
const artLead = { id: "slack:UART", art: true, senior: true };

beforeAll(async () => {
  await receivers.start();
  await smtp.start();
  ({ db, config } = await isolatedEnv("fairanswers", {
    PORT: "0",
    SMTP_URL: smtp.url,
    WEBHOOK_ALLOW_LOOPBACK: "true",
  }));
  service = await startTestService({
    config,
    logger: capturingLogger().logger,
    role: "all",
    chats: { slack: new RecordingChat("slack") },
    subscribers: [async (e) => void emitted.push(e)],
  });
  core = {
    db,
    clock: systemClock,
    config,
    queues: new JobQueues(createRedis(config.REDIS_URL), config.REDIS_PREFIX),
    logger: capturingLogger().logger,
  };
});
afterAll(async () => {
  await service.close();
  await core.queues.close();
  await db.$disconnect();
  await receivers.stop();
  await smtp.stop();
});

/** A referral sent to two webhook providers and one by email; returns the asker's question. */
async function roundWithQuestion(tag: string, question: string) {
  const lot = await freshLot(db);
  for (let i = 0; i < 2; i++) {
    await db.provider.create({
      data: {
        name: `${tag} Asker ${i}`,
        webhookUrl: receivers.urlFor(`/${tag}${i}`),
        webhookSecret: receivers.secretFor(`/${tag}${i}`),
        needsCovered: ["SEMH"],
        lots: { create: { lotId: lot.id } },
      },
    });
  }
  await db.provider.create({
    data: {
      name: `${tag} Mail Home`,
      email: `referrals@${tag}.example`,
      needsCovered: ["SEMH"],
      lots: { create: { lotId: lot.id } },
    },
  });
  const r = await submitReferral(core, {
    platform: "slack",
    channelId: "C1",
    actor: sw,
    input: referralInput(lot.number),
    sourceKey: `fair-${tag}`,
  });
  if (!r.ok) throw new Error("not raised");
  await eventually(
    async () => (await db.delivery.count({ where: { round: { referralId: r.referralId }, state: "delivered" } })) === 3,
    "round delivered to all three",
  );
  const asker = await db.delivery.findFirstOrThrow({
    where: { round: { referralId: r.referralId }, provider: { name: `${tag} Asker 0` } },
  });
  const link = responseUrlFor(service.url!, responseTokenFor(config.RESPONSE_TOKEN_SECRET, asker.id));
  const res = await fetch(link, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "question", question }),
  });
  expect(res.status).toBe(201);
  return db.response.findFirstOrThrow({ where: { referralId: r.referralId, type: "question" } });
}

describe("fair answers", () => {
  it("publishes question and answer to every other provider on the round, by email and webhook, not naming the asker", async () => {
    const q = await roundWithQuestion("pub", "Is there a school place within 5 miles?");
    const done = await performAction(core, "slack", artLead, {
      type: "answer_question",
      responseId: q.id,
      answer: "Yes: a place at the local academy is agreed.",
      publishToAll: true,
    });
    expect(done).toMatchObject({ ok: true, text: expect.stringContaining("2 other providers") });
    // The asker gets the answer as before.
    await eventually(
      () => receivers.accepted.some((a) => a.path === "/pub0" && a.body.type === "referral.answer"),
      "answer to the asker",
    );
    // The other webhook provider gets the clarification: the question and the answer, and nothing of who asked.
    await eventually(
      () => receivers.accepted.some((a) => a.path === "/pub1" && a.body.type === "referral.clarification"),
      "clarification by webhook",
    );
    const hook = receivers.accepted.find((a) => a.path === "/pub1" && a.body.type === "referral.clarification")!;
    expect(hook.body).toMatchObject({
      question: "Is there a school place within 5 miles?",
      answer: "Yes: a place at the local academy is agreed.",
    });
    expect(JSON.stringify(hook.body)).not.toContain("pub Asker 0");
    // And the email provider, by email.
    await eventually(
      () => smtp.to("referrals@pub.example").some((m) => /Clarification/.test(m.subject ?? "")),
      "email",
    );
    const mail = smtp.to("referrals@pub.example").find((m) => /Clarification/.test(m.subject ?? ""))!;
    expect(mail.text).toContain("Is there a school place within 5 miles?");
    expect(mail.text).toContain("a place at the local academy is agreed");
    expect(mail.text).not.toContain("pub Asker 0");
    // The asker is not sent its own question back as a clarification.
    expect(receivers.accepted.some((a) => a.path === "/pub0" && a.body.type === "referral.clarification")).toBe(false);
    await eventually(
      () => emitted.some((e) => e.type === "question.published" && e.responseId === q.id && e.recipients === 2),
      "question.published event",
    );
  });

  it("answers the asker only by default, and a social worker's answer is never published", async () => {
    const q = await roundWithQuestion("priv", "Any pets in the home?");
    expect(
      (await performAction(core, "slack", artLead, { type: "answer_question", responseId: q.id, answer: "No pets." }))
        .ok,
    ).toBe(true);
    expect(
      (
        await performAction(core, "slack", sw, {
          type: "answer_question",
          responseId: q.id,
          answer: "Still no pets.",
          publishToAll: true,
        })
      ).ok,
    ).toBe(true);
    await eventually(
      () => receivers.accepted.filter((a) => a.path === "/priv0" && a.body.type === "referral.answer").length === 2,
      "both answers to the asker",
    );
    expect(
      await db.providerMessage.count({
        where: { kind: "clarification", delivery: { round: { referralId: q.referralId } } },
      }),
    ).toBe(0);
    expect(receivers.accepted.some((a) => a.path === "/priv1" && a.body.type === "referral.clarification")).toBe(false);
  });
});
