// Words that came from outside (a provider's name, a social worker's summary) reach Slack escaped in EVERY text
// Slack reads as mrkdwn: each message's notification `text` as well as its blocks, cards, thread replies, their
// redraws, private notices and modals. A provider named "<!channel>" must never ping a channel. And a forged
// button naming no offer is answered "offer not found" (the core checks ids for every platform).
import { afterAll, beforeAll, expect, it } from "vitest";
import { WebhookChannel } from "../../adapters/webhook/webhook-channel.js";
import type { Db } from "../../src/db.js";
import type { Service } from "../../src/main.js";
import { ensureLots } from "../../src/providers/directory.js";
import { capturingLogger, isolatedEnv } from "../helpers/env.js";
import { eventually, WebhookReceivers } from "../helpers/receivers.js";
import { freePort, startTestService } from "../helpers/service.js";
import {
  blockAction,
  commandBody,
  FakeSlackApi,
  modalValues,
  type SlackCall,
  signedSlackRequest,
  slackSettings,
  viewSubmission,
} from "../helpers/slack.js";

const SECRET = "slack-signing-secret-escaping";
const TOKEN = "xoxb-escaping";
const HOSTILE = "<!channel> & <@U123> *bold*";
const slack = new FakeSlackApi(TOKEN);
const receivers = new WebhookReceivers();
let db: Db;
let service: Service;
let events: string;

beforeAll(async () => {
  await slack.start();
  await receivers.start();
  const port = await freePort();
  const env = await isolatedEnv("slack_escape", {
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    ...slackSettings(slack, SECRET),
    CHAT_COALESCE_MS: "200",
  });
  db = env.db;
  await ensureLots(db);
  const lot2 = await db.lot.findUniqueOrThrow({ where: { number: 2 } });
  await db.provider.create({
    data: {
      name: HOSTILE,
      ofstedGrade: "Good",
      webhookUrl: receivers.urlFor("/h"),
      webhookSecret: receivers.secretFor("/h"),
      needsCovered: ["SEMH"],
      lots: { create: { lotId: lot2.id } },
    },
  });
  service = await startTestService({
    config: env.config,
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

/** Every string Slack reads as mrkdwn in one call: the top-level `text`, and every mrkdwn text object. */
function mrkdwnTexts(call: SlackCall): string[] {
  const out: string[] = [];
  if (typeof call.args.text === "string") out.push(call.args.text);
  const walk = (node: unknown) => {
    if (Array.isArray(node)) for (const n of node) walk(n);
    else if (node && typeof node === "object") {
      const o = node as Record<string, unknown>;
      if (o.type === "mrkdwn" && typeof o.text === "string") out.push(o.text);
      for (const v of Object.values(o)) walk(v);
    }
  };
  walk([call.args.blocks, call.args.view, call.args.attachments]);
  return out;
}

it("escapes a provider's name and a summary in every text of every call Slack receives", async () => {
  await signedSlackRequest(events, SECRET, commandBody("USW"));
  const submitted = await signedSlackRequest(
    events,
    SECRET,
    viewSubmission(
      "USW",
      "V1",
      "referral_form",
      modalValues({ "profile.summary": { v: { type: "plain_text_input", value: `Calm home. ${HOSTILE}` } } }),
    ),
  );
  expect(submitted.text).toBe("");
  await eventually(() => receivers.accepted.some((a) => a.path === "/h"), "provider reached");
  const delivered = receivers.accepted.find((a) => a.path === "/h")!;
  const offered = await fetch(String(delivered.body.response_url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "offer", weeklyCostGbp: 3000, startDate: "2026-12-10", needsMet: HOSTILE }),
  });
  expect(offered.status).toBe(201);
  const offer = await db.response.findFirstOrThrow({ where: { type: "offer" } });
  const referral = await db.referral.findFirstOrThrow();
  await eventually(
    () => slack.of("chat.postMessage").some((c) => JSON.stringify(c.args.blocks ?? "").includes("approve_offer")),
    "offer in the thread",
  );

  await signedSlackRequest(events, SECRET, blockAction("UART1", "approve_offer", offer.id));
  await eventually(
    () => slack.of("chat.update").some((c) => String(c.args.text).includes("Placed with")),
    "card updated as placed",
  );
  await signedSlackRequest(events, SECRET, blockAction("UART1", "view_details", referral.id));
  await eventually(() => slack.of("views.open").length >= 2, "details opened");
  // A refusal, shown privately.
  await signedSlackRequest(events, SECRET, blockAction("USW", "approve_offer", offer.id));
  await eventually(() => slack.of("chat.postEphemeral").some((c) => c.args.user === "USW"), "refusal shown");

  const methods = new Set(slack.calls.map((c) => c.method));
  for (const m of ["chat.postMessage", "chat.update", "chat.postEphemeral", "views.open"]) expect(methods).toContain(m);
  for (const call of slack.calls) {
    for (const text of mrkdwnTexts(call)) {
      expect(text, `${call.method}: ${text}`).not.toContain("<!channel>");
      expect(text, `${call.method}: ${text}`).not.toContain("<@U123>");
      expect(text, `${call.method}: ${text}`).not.toMatch(/&(?!amp;|lt;|gt;)/);
    }
  }
  // …and the words are still there, escaped: in the card's notification text and blocks, and in the thread.
  const cardUpdate = slack.of("chat.update").find((c) => String(c.args.text).includes("Placed with"))!;
  expect(cardUpdate.args.text).toContain("&lt;!channel&gt; &amp; &lt;@U123&gt;");
  expect(JSON.stringify(cardUpdate.args.blocks)).toContain("Calm home. &lt;!channel&gt; &amp; &lt;@U123&gt;");
  expect(JSON.stringify(slack.of("chat.postMessage"))).toContain("Offer from &lt;!channel&gt; &amp; &lt;@U123&gt;");
});

it("answers a button whose offer id is not an id with 'offer not found', privately", async () => {
  await signedSlackRequest(events, SECRET, blockAction("UART1", "approve_offer", "not-a-uuid"));
  await eventually(
    () => slack.of("chat.postEphemeral").some((c) => c.args.user === "UART1" && c.args.text === "offer not found"),
    "not found shown",
  );
});
