// Slack end to end: real signed requests to the real Bolt receiver, a local fake of the Web API, real webhook
// providers. /referral -> modal -> submission -> providers -> offer back in the thread -> ART approves -> card
// updated; non-ART refused; forged or stale signatures refused; a burst of 50 offers leaves no 429 unhandled.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookChannel } from "../../adapters/webhook/webhook-channel.js";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import type { Service } from "../../src/main.js";
import { ensureLots } from "../../src/providers/directory.js";
import { londonDaysAfter } from "../helpers/dates.js";
import { capturingLogger, isolatedEnv } from "../helpers/env.js";
import { eventually, WebhookReceivers, webhookProviders } from "../helpers/receivers.js";
import { freePort, startTestService } from "../helpers/service.js";
import {
  blockAction,
  commandBody,
  FakeSlackApi,
  modalValues,
  payloadBody,
  signedSlackRequest,
  slackSettings,
  viewSubmission,
} from "../helpers/slack.js";

/** Offers start a little after today: the core refuses a start date in the past. */
const START_DATE = londonDaysAfter(new Date(), 10);

const SECRET = "slack-signing-secret-for-tests";
const TOKEN = "xoxb-test-token";
const slack = new FakeSlackApi(TOKEN);
const receivers = new WebhookReceivers();
let db: Db;
let config: Config;
let service: Service;
let events: string;

beforeAll(async () => {
  await slack.start();
  await receivers.start();
  const port = await freePort();
  ({ db, config } = await isolatedEnv("slack", {
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    ...slackSettings(slack, SECRET, "UART1,UART2"),
    SLACK_SENIOR_USER_IDS: "UART2",
    CHAT_COALESCE_MS: "300",
  }));
  await ensureLots(db);
  await webhookProviders(
    db,
    receivers,
    { lotNumber: 2, prefix: "s", count: 55, name: (i) => `Slack Home ${i}` },
    { ofstedGrade: "Good" },
  );
  service = await startTestService({
    config,
    logger: capturingLogger().logger,
    channels: { webhook: new WebhookChannel({ timeoutMs: 2000, allowLoopback: true }) },
  });
  events = `${service.url}/slack/events`;
});
afterAll(async () => {
  await service.close();
  await db.$disconnect();
  await slack.stop();
  await receivers.stop();
});

const threadTexts = () =>
  slack
    .of("chat.postMessage")
    .filter((c) => c.args.thread_ts)
    .map((c) => JSON.stringify(c.args.blocks));

describe("Slack end to end", () => {
  it("refuses forged and stale signatures and does nothing", async () => {
    const before = slack.calls.length;
    expect((await signedSlackRequest(events, "wrong-secret", commandBody("U1"))).status).toBe(401);
    expect(
      (await signedSlackRequest(events, SECRET, commandBody("U1"), { timestamp: Math.floor(Date.now() / 1000) - 360 }))
        .status,
    ).toBe(401);
    expect(slack.calls.length).toBe(before);
  });

  it("says in the modal what each field allows, and raises nothing", async () => {
    const submit = async (viewId: string, over: Record<string, unknown>) => {
      const res = await signedSlackRequest(
        events,
        SECRET,
        viewSubmission("USW-RULES", viewId, "referral_form", modalValues(over)),
      );
      expect(res.status).toBe(200);
      return (res.json() as { response_action: string; errors: Record<string, string> }).errors;
    };
    const errors = await submit("V-RULES-1", {
      "profile.ageYears": { v: { type: "number_input", value: "30" } },
      "profile.area": { v: { type: "plain_text_input", value: "LONDON" } },
      "profile.requiredBy": { v: { type: "datepicker", selected_date: londonDaysAfter(new Date(), -1) } },
      "restricted.dateOfBirth": { v: { type: "datepicker", selected_date: londonDaysAfter(new Date(), 1) } },
    });
    expect(errors).toEqual({
      "profile.ageYears": "must be a whole number between 0 and 25",
      "profile.area": "must be a postcode district, the first half of a postcode, like PE1, CB22 or SW1A",
      "profile.requiredBy": "cannot be in the past (today is fine)",
      "restricted.dateOfBirth": "cannot be in the future",
    });
    expect(await submit("V-RULES-2", { "profile.ageYears": { v: { type: "number_input", value: "9" } } })).toEqual({
      "profile.ageYears": "does not match the date of birth, which makes the child 14 today",
    });
    expect(await db.referral.count()).toBe(0);
  });

  it("raises a referral from /referral, shows offers in the thread, and lets only ART approve", async () => {
    const cmd = await signedSlackRequest(events, SECRET, commandBody("USW"));
    expect(cmd.status).toBe(200);
    await eventually(() => slack.of("views.open").some((c) => c.args.trigger_id === "trig-USW"), "modal opened");
    const modal = slack.of("views.open")[0]!.args.view as { callback_id: string; blocks: { block_id?: string }[] };
    expect(modal.callback_id).toBe("referral_form");
    expect(modal.blocks.map((b) => b.block_id)).toContain("restricted.childName");

    // Field errors come back inline in the modal.
    const bad = await signedSlackRequest(
      events,
      SECRET,
      viewSubmission("USW", "V1", "referral_form", modalValues({ "profile.area": { v: { value: "PE1 2AB" } } })),
    );
    expect(bad.status).toBe(200);
    expect(bad.json()).toMatchObject({ response_action: "errors", errors: { "profile.area": expect.any(String) } });

    const ok = await signedSlackRequest(events, SECRET, viewSubmission("USW", "V2", "referral_form", modalValues()));
    expect(ok.status).toBe(200);
    expect(ok.text).toBe("");
    // Slack sending the same submission again creates nothing new.
    await signedSlackRequest(events, SECRET, viewSubmission("USW", "V2", "referral_form", modalValues()));
    expect(await db.referral.count()).toBe(1);
    const referral = await db.referral.findFirstOrThrow();
    expect(referral.createdBy).toBe("slack:USW");

    await eventually(
      () => slack.of("chat.postMessage").some((c) => c.args.channel === "C0REFERRALS" && !c.args.thread_ts),
      "card posted",
    );
    const card = slack.of("chat.postMessage").find((c) => !c.args.thread_ts)!;
    // The fake records the post before the service stores the card's ts: wait for the stored one.
    await eventually(async () => Boolean((await db.chatLink.findFirstOrThrow()).messageId), "card ts stored");
    const cardTs = String((await db.chatLink.findFirstOrThrow()).messageId);
    expect(JSON.stringify(card.args.blocks)).toContain(referral.reference);
    expect(JSON.stringify(slack.calls)).not.toContain("Slack Secret Child");
    await eventually(() => receivers.uniqueAccepted().size === 55, "55 providers reached");

    // An offer through a provider's response_url appears in the card's thread.
    const first = receivers.accepted.find((a) => a.path === "/s0")!;
    const res = await fetch(String(first.body.response_url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        type: "offer",
        weeklyCostGbp: 4100,
        startDate: START_DATE,
        needsMet: "<!channel> calm home",
      }),
    });
    expect(res.status).toBe(201);
    await eventually(() => threadTexts().some((t) => t.includes("Offer from Slack Home 0")), "offer in the thread");
    const offerPost = slack
      .of("chat.postMessage")
      .find((c) => JSON.stringify(c.args.blocks).includes("Offer from Slack Home 0"))!;
    expect(offerPost.args.thread_ts).toBe(cardTs);
    expect(JSON.stringify(offerPost.args.blocks)).toContain("&lt;!channel&gt;"); // escaped, no mass mention
    const offer = await db.response.findFirstOrThrow({ where: { type: "offer" } });

    // A non-ART click is refused, privately, and recorded.
    await signedSlackRequest(events, SECRET, blockAction("USW", "approve_offer", offer.id));
    await eventually(
      () =>
        slack
          .of("chat.postEphemeral")
          .some((c) => c.args.user === "USW" && String(c.args.text).startsWith("Not authorised")),
      "refusal shown",
    );
    expect((await db.referral.findFirstOrThrow()).status).toBe("offers_received");
    expect(await db.auditEvent.count({ where: { action: "refused.approve", actor: "slack:USW" } })).toBe(1);

    // ART approves: placed, card updated in place, outcome in the thread.
    await signedSlackRequest(events, SECRET, blockAction("UART1", "approve_offer", offer.id));
    await eventually(async () => (await db.referral.findFirstOrThrow()).status === "placed", "placed");
    await eventually(
      () =>
        slack
          .of("chat.update")
          .some((c) => c.args.ts === cardTs && JSON.stringify(c.args.blocks).includes("Placed with Slack Home 0")),
      "card updated",
    );
    await eventually(
      () => threadTexts().some((t) => t.includes("*Placed* with Slack Home 0")),
      "decision in the thread",
    );

    // The offer's message in the thread is redrawn without its buttons: nobody can click Approve on it again.
    await eventually(
      () =>
        slack
          .of("chat.update")
          .some(
            (c) =>
              c.args.ts === offerPost.ts &&
              JSON.stringify(c.args.blocks).includes("Offer from Slack Home 0") &&
              !JSON.stringify(c.args.blocks).includes("approve_offer"),
          ),
      "offer message redrawn without buttons",
    );

    // ART can see the restricted details in a modal; the view is audited.
    await signedSlackRequest(events, SECRET, blockAction("UART1", "view_details", referral.id));
    await eventually(
      () => slack.of("views.open").some((c) => JSON.stringify(c.args.view).includes("Slack Secret Child")),
      "details modal",
    );
    expect(await db.auditEvent.count({ where: { action: "restricted.viewed" } })).toBe(1);
  });

  it("opens the form from the global shortcut, and sends an answer to a provider's question back to that provider", async () => {
    const shortcut = payloadBody({
      type: "shortcut",
      callback_id: "new_referral",
      trigger_id: "trig-shortcut",
      user: { id: "USW" },
      team: { id: "T1" },
      token: "x",
      action_ts: String(Date.now() / 1000),
    });
    expect((await signedSlackRequest(events, SECRET, shortcut)).status).toBe(200);
    await eventually(
      () =>
        slack
          .of("views.open")
          .some(
            (c) =>
              c.args.trigger_id === "trig-shortcut" &&
              (c.args.view as { callback_id: string }).callback_id === "referral_form",
          ),
      "modal opened from the shortcut",
    );

    await signedSlackRequest(events, SECRET, viewSubmission("USW", "VQ", "referral_form", modalValues()));
    const referral = await db.referral.findFirstOrThrow({ where: { sourceKey: "slack:view:VQ" } });
    const deliveredToHome3 = () =>
      db.delivery.findFirst({
        where: { round: { referralId: referral.id }, state: "delivered", provider: { name: "Slack Home 3" } },
      });
    await eventually(async () => Boolean(await deliveredToHome3()), "delivered to Slack Home 3");
    const delivery = (await deliveredToHome3())!;
    const { responseTokenFor, responseUrlFor } = await import("../../src/responses/tokens.js");
    const asked = await fetch(
      responseUrlFor(service.url!, responseTokenFor(config.RESPONSE_TOKEN_SECRET, delivery.id)),
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type: "question", question: "Does she have <@U999> contact with siblings?" }),
      },
    );
    expect(asked.status).toBe(201);
    const question = await db.response.findFirstOrThrow({ where: { deliveryId: delivery.id, type: "question" } });
    await eventually(
      () => threadTexts().some((t) => t.includes("answer_question") && t.includes(question.id)),
      "question in the thread with a Reply button",
    );
    expect(threadTexts().find((t) => t.includes(question.id))).toContain("&lt;@U999&gt;");

    // Reply opens the answer modal; submitting it sends the answer to that provider by its channel.
    await signedSlackRequest(events, SECRET, blockAction("UART1", "answer_question", question.id));
    await eventually(
      () => slack.of("views.open").some((c) => c.args.trigger_id === "trig-answer_question-UART1"),
      "answer modal opened",
    );
    const before = receivers.accepted.filter((a) => a.path === "/s3").length;
    const answer = { answer: { v: { type: "plain_text_input", value: "Yes, fortnightly, supervised." } } };
    await signedSlackRequest(
      events,
      SECRET,
      viewSubmission("UART1", "VA", "answer_question_form", answer, question.id),
    );
    await eventually(
      () =>
        receivers.accepted
          .filter((a) => a.path === "/s3")
          .slice(before)
          .some((a) => a.body.type === "referral.answer" && JSON.stringify(a.body).includes("fortnightly, supervised")),
      "answer delivered to the provider",
    );
    await eventually(
      () => threadTexts().some((t) => t.includes("fortnightly, supervised")),
      "answer recorded in the thread",
    );
    // Nobody else received it.
    expect(receivers.accepted.filter((a) => a.body.type === "referral.answer" && a.path !== "/s3").length).toBe(0);
  });

  it("turns a burst of 50 offers into a few posts, with no 429 left unhandled", async () => {
    slack.enforceRateLimit = true;
    const ok = await signedSlackRequest(events, SECRET, viewSubmission("USW", "V3", "referral_form", modalValues()));
    expect(ok.status).toBe(200);
    const referral = await db.referral.findFirstOrThrow({ where: { sourceKey: "slack:view:V3" } });
    await eventually(
      async () =>
        (await db.delivery.count({ where: { round: { referralId: referral.id }, state: "delivered" } })) === 55,
      "delivered",
    );
    const link = await db.chatLink.findFirstOrThrow({ where: { referralId: referral.id } });
    await eventually(
      async () => Boolean((await db.chatLink.findUniqueOrThrow({ where: { id: link.id } })).threadId),
      "card posted",
    );
    const deliveries = await db.delivery.findMany({ where: { round: { referralId: referral.id } }, take: 50 });
    const { responseTokenFor, responseUrlFor } = await import("../../src/responses/tokens.js");
    await Promise.all(
      deliveries.map((d, i) =>
        fetch(responseUrlFor(service.url!, responseTokenFor(config.RESPONSE_TOKEN_SECRET, d.id)), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ type: "offer", weeklyCostGbp: 3000 + i, startDate: START_DATE, needsMet: "Ready" }),
        }),
      ),
    );
    const ts = (await db.chatLink.findUniqueOrThrow({ where: { id: link.id } })).threadId;
    const offersInThread = () =>
      slack
        .of("chat.postMessage")
        .filter((c) => c.args.thread_ts === ts)
        .reduce((n, c) => n + (JSON.stringify(c.args.blocks).match(/Offer from/g)?.length ?? 0), 0);
    await eventually(() => offersInThread() === 50, "all 50 offers in the thread", 60_000);
    const posts = slack
      .of("chat.postMessage")
      .filter((c) => c.args.thread_ts === ts && JSON.stringify(c.args.blocks).includes("Offer from"));
    expect(posts.length).toBeLessThanOrEqual(8);
    // Any 429 the fake gave was waited out and retried: every offer is shown exactly once.
    await eventually(
      async () => (await db.chatLink.findUniqueOrThrow({ where: { id: link.id } })).dirtySince === null,
      "thread in sync",
      30_000,
    );
    expect(offersInThread()).toBe(50);
  }, 90_000);
});
