// A child's restricted details never leave the encrypted envelope, and after retention not even that is left.
// Referrals are raised through Slack (signed requests to the real Bolt receiver, a local fake of the Web API) with
// unique canary values in every restricted field, then live their lives in the real service and workers: webhook
// and email providers, offers, a question and ART's answer, approval; another expires. Retention runs as the job
// does. Then every place data goes is searched: the Slack fake's messages, every email, every webhook body, every
// log line, every text and JSON column of every table, every Redis key.
// To add a life, add an entry to LIVES: its own canaries and its steps.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { retentionJob } from "../../src/jobs/retention.js";
import type { Service } from "../../src/main.js";
import { ensureLots } from "../../src/providers/directory.js";
import { ageOn, londonDaysAfter } from "../helpers/dates.js";
import { capturingLogger, isolatedEnv } from "../helpers/env.js";
import { type Canaries, canaries, databaseText, needles, redisText } from "../helpers/leak-search.js";
import { eventually, SmtpSink, WebhookReceivers } from "../helpers/receivers.js";
import { freePort, startTestService } from "../helpers/service.js";
import { blockAction, FakeSlackApi, modalValues, signedSlackRequest, viewSubmission } from "../helpers/slack.js";

/** Offers start a little after today: the core refuses a start date in the past. */
const START_DATE = londonDaysAfter(new Date(), 10);

const SECRET = "slack-signing-secret-for-canary";
const TOKEN = "xoxb-canary-token";
const slack = new FakeSlackApi(TOKEN);
const receivers = new WebhookReceivers();
const smtp = new SmtpSink();
const { logger, lines } = capturingLogger();
let db: Db;
let config: Config;
let service: Service;
let events: string;

interface Life {
  label: string;
  canaries: Canaries;
  referralId?: string;
  steps: ((life: Life) => Promise<void>)[];
}

const art = "UART1";
const sw = "USW";

function slackValues(c: Canaries, summary: string) {
  const v = (value: string) => ({ v: { type: "plain_text_input", value } });
  return modalValues({
    "profile.summary": v(summary),
    "restricted.childName": v(`${c.first} ${c.last}`),
    "restricted.dateOfBirth": { v: { type: "datepicker", selected_date: c.dob } },
    // The core checks the age against the date of birth.
    "profile.ageYears": { v: { type: "number_input", value: String(ageOn(c.dob)) } },
    "restricted.caseSystemId": v(c.caseId),
    "restricted.address": v(`${c.street}, Peterborough ${c.postcode}`),
    "restricted.narrative": v(c.narrative),
    "restricted.risks": v(c.risks),
    // The Placements Data Standard's free text is restricted too (its categories are broadcast).
    "restricted.preferredLocation": v(`Near ${c.street}`),
    "restricted.culturalNeedsDetail": v(`Worships near ${c.street}; case ${c.caseId}`),
    "restricted.additionalSupportDetail": v(`Taxi from ${c.street}`),
    "profile.pds.risksToChild": { v: { type: "multi_static_select", selected_options: [{ value: "going_missing" }] } },
  });
}

async function raise(life: Life) {
  const viewId = `V-${life.label}`;
  const summary = "Needs a calm home; loves drawing. Duty line 01733 555123.";
  const res = await signedSlackRequest(
    events,
    SECRET,
    viewSubmission(sw, viewId, "referral_form", slackValues(life.canaries, summary)),
  );
  expect(res.status).toBe(200);
  await eventually(
    async () => Boolean(await db.referral.findUnique({ where: { sourceKey: `slack:view:${viewId}` } })),
    "raised",
  );
  life.referralId = (await db.referral.findUniqueOrThrow({ where: { sourceKey: `slack:view:${viewId}` } })).id;
  await eventually(
    async () =>
      (await db.delivery.count({ where: { round: { referralId: life.referralId! }, state: "delivered" } })) === 4,
    "four providers reached",
  );
}

/** The response links this referral's providers got, by webhook body and by email. */
async function links(life: Life): Promise<string[]> {
  const reference = (await db.referral.findUniqueOrThrow({ where: { id: life.referralId! } })).reference;
  const hooks = receivers.accepted
    .filter((a) => JSON.stringify(a.body).includes(reference))
    .map((a) => String(a.body.response_url));
  const mails = smtp.messages
    .filter((m) => m.subject?.includes(reference))
    .map((m) => /http:\/\/127\.0\.0\.1:\d+\/r\/[A-Za-z0-9_-]+/.exec(m.text ?? "")![0]);
  return [...new Set([...hooks, ...mails])];
}

const postJson = (url: string, body: unknown) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

const offersAndAQuestion = async (life: Life) => {
  const [a, b, c] = await links(life);
  for (const [url, cost] of [
    [a, 4100],
    [b, 4300],
  ] as const)
    expect(
      (await postJson(url!, { type: "offer", weeklyCostGbp: cost, startDate: START_DATE, needsMet: "Calm home" }))
        .status,
    ).toBe(201);
  expect((await postJson(c!, { type: "question", question: "Does she have contact with siblings?" })).status).toBe(201);
};

const artAnswersAndViewsDetails = async (life: Life) => {
  const question = await db.response.findFirstOrThrow({ where: { referralId: life.referralId!, type: "question" } });
  await signedSlackRequest(
    events,
    SECRET,
    viewSubmission(
      art,
      `VA-${life.label}`,
      "answer_question_form",
      { answer: { v: { value: "Yes, weekly." } } },
      question.id,
    ),
  );
  await eventually(
    async () => (await db.providerMessage.count({ where: { kind: "answer", state: "sent" } })) >= 1,
    "answer sent to the provider",
  );
  // ART's own view of the details (a modal only that person sees): the positive control for the search below.
  await signedSlackRequest(events, SECRET, blockAction(art, "view_details", life.referralId!));
  await eventually(
    () => slack.of("views.open").some((c) => JSON.stringify(c.args.view).includes(life.canaries.caseId)),
    "details modal shown to ART",
  );
};

const approve = async (life: Life) => {
  const first = await db.response.findFirstOrThrow({
    where: { referralId: life.referralId!, type: "offer" },
    orderBy: { createdAt: "asc" },
  });
  await signedSlackRequest(events, SECRET, blockAction(art, "approve_offer", first.id));
  await eventually(
    async () => (await db.referral.findUniqueOrThrow({ where: { id: life.referralId! } })).status === "placed",
    "placed",
  );
};

const expire = async (life: Life) => {
  // Time passes: the round is due. The round sweep in the workers closes it; MAX_ROUNDS=1 expires the referral.
  await db.round.updateMany({
    where: { referralId: life.referralId! },
    data: { closesAt: new Date(Date.now() - 60_000) },
  });
  await eventually(
    async () => (await db.referral.findUniqueOrThrow({ where: { id: life.referralId! } })).status === "expired",
    "expired",
  );
};

const withdraw = async (life: Life) => {
  // The raiser withdraws it from the card's button and modal, with a reason of their own words.
  const opened = slack.of("views.open").length;
  await signedSlackRequest(events, SECRET, blockAction(sw, "withdraw_referral", life.referralId!));
  await eventually(() => slack.of("views.open").length > opened, "withdraw modal opened");
  const view = slack.of("views.open").at(-1)!.args.view as { private_metadata: string };
  const values = {
    "withdraw.reason": { v: { type: "static_select", selected_option: { value: "other" } } },
    "withdraw.text": { v: { type: "plain_text_input", value: "Moved to a kinship carer" } },
  };
  await signedSlackRequest(
    events,
    SECRET,
    viewSubmission(sw, `VW-${life.label}`, "withdraw_form", values, view.private_metadata),
  );
  await eventually(
    async () => (await db.referral.findUniqueOrThrow({ where: { id: life.referralId! } })).status === "withdrawn",
    "withdrawn",
  );
};

const LIVES: Life[] = [
  { label: "placed", canaries: canaries(1), steps: [raise, offersAndAQuestion, artAnswersAndViewsDetails, approve] },
  { label: "withdrawn", canaries: canaries(3), steps: [raise, offersAndAQuestion, withdraw] },
  { label: "expired", canaries: canaries(2), steps: [raise, expire] },
];
/** Outbox records not yet relayed, and events not yet handed to the chat subscribers. */
const DRAINING = { OR: [{ dispatchedAt: null }, { kind: "event", processedAt: null }] };
const allNeedles = () => LIVES.flatMap((l) => needles(l.canaries));

beforeAll(async () => {
  await Promise.all([slack.start(), receivers.start(), smtp.start()]);
  const port = await freePort();
  ({ db, config } = await isolatedEnv("canary", {
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    SMTP_URL: smtp.url,
    WEBHOOK_ALLOW_LOOPBACK: "true",
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_BOT_TOKEN: TOKEN,
    SLACK_API_URL: slack.url,
    SLACK_REFERRALS_CHANNEL: "C0REFERRALS",
    SLACK_ART_USER_IDS: art,
    CHAT_COALESCE_MS: "200",
    MAX_ROUNDS: "1",
    ROUND_SWEEP_INTERVAL_MS: "500",
  }));
  await ensureLots(db);
  const lot2 = await db.lot.findUniqueOrThrow({ where: { number: 2 } });
  for (let i = 0; i < 2; i++) {
    await db.provider.create({
      data: {
        name: `Canary Hook ${i}`,
        needsCovered: ["SEMH"],
        webhookUrl: receivers.urlFor(`/c${i}`),
        webhookSecret: receivers.secretFor(`/c${i}`),
        lots: { create: { lotId: lot2.id } },
      },
    });
    await db.provider.create({
      data: {
        name: `Canary Mail ${i}`,
        email: `home${i}@canary-mail.test`,
        needsCovered: ["SEMH"],
        lots: { create: { lotId: lot2.id } },
      },
    });
  }
  service = await startTestService({ config, logger });
  events = `${service.url}/slack/events`;
});
afterAll(async () => {
  await service?.close();
  await db?.$disconnect();
  await Promise.all([slack.stop(), receivers.stop(), smtp.stop()]);
});

function expectNoCanary(where: string, text: string) {
  for (const needle of allNeedles()) expect(text.includes(needle), `${needle} found in ${where}`).toBe(false);
}

describe("canary: restricted details through a referral's whole life", () => {
  it("refuses a summary with the child's name, before anything is stored or sent", async () => {
    const c = LIVES[0]!.canaries;
    const res = await signedSlackRequest(
      events,
      SECRET,
      viewSubmission(sw, "V-refused", "referral_form", slackValues(c, `${c.first} needs a calm home`)),
    );
    expect(res.json()).toMatchObject({ response_action: "errors", errors: { "profile.summary": expect.any(String) } });
    expectNoCanary("the form's errors", res.text);
    expect(await db.referral.count()).toBe(0);
  });

  it("lives each life, and no canary reaches chat, email, webhooks, logs, plain columns or Redis", async () => {
    for (const life of LIVES) for (const step of life.steps) await step(life);
    // Everything queued has been handled (thread syncs, follow-ups), so the search sees the final state.
    await eventually(async () => (await db.outboxEvent.count({ where: DRAINING })) === 0, "outbox drained");

    // The warning on the summary's phone number came back with the confirmation, to the person who raised it.
    expect(
      slack.of("chat.postEphemeral").some((m) => m.args.user === sw && String(m.args.text).includes("phone number")),
    ).toBe(true);
    // The search can find a canary: ART's private details modal holds them.
    expect(JSON.stringify(slack.of("views.open"))).toContain(LIVES[0]!.canaries.caseId);

    const messages = slack.calls.filter((c) => c.method !== "views.open");
    expect(messages.some((c) => c.method === "chat.postMessage")).toBe(true);
    expectNoCanary("Slack messages", JSON.stringify(messages));
    expect(smtp.messages.length).toBeGreaterThanOrEqual(4);
    expectNoCanary("email", JSON.stringify(smtp.messages.map((m) => [m.subject, m.text, m.html, m.headers])));
    expect(receivers.accepted.length).toBeGreaterThanOrEqual(4);
    expectNoCanary("webhook bodies", JSON.stringify(receivers.accepted));
    expect(lines.length).toBeGreaterThan(5);
    expectNoCanary("log lines", lines.join("\n"));
    const columns = await databaseText(db);
    expectNoCanary("database columns", columns);
    // The searches see real content: the summary (plain by design) and the jobs' payloads.
    expect(columns).toContain("Duty line 01733 555123");
    const redis = await redisText(config);
    expect(redis).toContain("deliveryId");
    expectNoCanary("Redis", redis);
    for (const life of LIVES) {
      const row = await db.referral.findUniqueOrThrow({ where: { id: life.referralId! } });
      expect(row.restrictedEnvelope).toMatch(/^v1\./);
    }
  }, 180_000);

  it("after retention not even the encrypted envelope is left", async () => {
    const ids = LIVES.map((l) => l.referralId!);
    // The retention period passes.
    await db.$executeRaw`UPDATE "Referral" SET "closedAt" = "closedAt" - interval '100 days' WHERE "id" = ANY(${ids}::uuid[])`;
    await service.queues.add(retentionJob, [{ trigger: "canary" }]);
    await eventually(
      async () => (await db.referral.count({ where: { id: { in: ids }, erasedAt: { not: null } } })) === ids.length,
      "both erased by the retention job",
    );
    await eventually(async () => (await db.outboxEvent.count({ where: DRAINING })) === 0, "outbox drained");
    for (const id of ids) {
      const row = await db.referral.findUniqueOrThrow({ where: { id } });
      expect(row).toMatchObject({ restrictedEnvelope: null, summary: null });
    }
    expect(await db.auditEvent.count({ where: { referralId: { in: ids }, action: "referral.erased" } })).toBe(
      ids.length,
    );
    const everything = await databaseText(db);
    expectNoCanary("database columns after retention", everything);
    expect(everything).not.toMatch(/v1\.dev\./);
    expect(everything).not.toContain("Duty line 01733 555123");
    expectNoCanary("log lines", lines.join("\n"));
    expectNoCanary("Redis after retention", await redisText(config));
  }, 120_000);
});
