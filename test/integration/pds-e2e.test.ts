// A referral on the Placements Data Standard, end to end on both chat platforms: real signed Slack requests to
// the Bolt receiver (two-step form, draft kept when closed) and real Bot Framework activities to the Teams
// endpoint (the form's More details section). The standard's categories reach the webhook providers, its free
// text does not; ART approves from chat; the placement is exported with --format pds.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookChannel } from "../../adapters/webhook/webhook-channel.js";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import type { Service } from "../../src/main.js";
import { ensureLots } from "../../src/providers/directory.js";
import { createRedis, type Redis } from "../../src/redis.js";
import { PDS_COLUMNS } from "../../src/reporting/pds-export.js";
import { capturingLogger, fixedClock, isolatedEnv } from "../helpers/env.js";
import { eventually, WebhookReceivers, webhookProviders } from "../helpers/receivers.js";
import { offer } from "../helpers/referrals.js";
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
import {
  cardsOf,
  executeActions,
  inputIds,
  LocalConnector,
  teamsSettings,
  teamsUser,
  validForm,
} from "../helpers/teams.js";

const exec = promisify(execFile);
const SECRET = "slack-signing-secret-for-tests";
const CHANNEL = "19:referrals@thread.tacv2";
const CANARY = "Canary Lane";
const slack = new FakeSlackApi("xoxb-test-token");
const connector = new LocalConnector();
const receivers = new WebhookReceivers();
const socialWorker = teamsUser("aad-sw", "Sam Social Worker");
let db: Db;
let config: Config;
let service: Service;
let events: string;
let redis: Redis;

beforeAll(async () => {
  await slack.start();
  await connector.start();
  await receivers.start();
  const port = await freePort();
  ({ db, config } = await isolatedEnv("pdse2e", {
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    ...slackSettings(slack, SECRET, "UART1"),
    ...teamsSettings(connector, CHANNEL),
    CHAT_COALESCE_MS: "300",
    WEBHOOK_ALLOW_LOOPBACK: "true",
  }));
  await ensureLots(db);
  await webhookProviders(
    db,
    receivers,
    { lotNumber: 2, prefix: "p", count: 2, name: (i) => `PDS Home ${i}`, needs: ["SEMH", "ASD"] },
    { ofstedGrade: "Good" },
  );
  service = await startTestService({
    config,
    logger: capturingLogger().logger,
    channels: { webhook: new WebhookChannel({ timeoutMs: 2000, allowLoopback: true }) },
  });
  events = `${service.url}/slack/events`;
  redis = createRedis(config.REDIS_URL);
  connector.botUrl = service.url!;
});
afterAll(async () => {
  await redis.quit();
  await service.close();
  await db.$disconnect();
  await slack.stop();
  await connector.stop();
  await receivers.stop();
});

type View = { callback_id: string; blocks: Record<string, unknown>[] };
const lastView = (method: string) => slack.of(method).at(-1)!.args.view as View;
const v = (x: unknown) => ({ v: x });
const select = (value: string) => v({ type: "static_select", selected_option: { value } });
const multi = (...values: string[]) =>
  v({ type: "multi_static_select", selected_options: values.map((value) => ({ value })) });
const plain = (value: string) => v({ type: "plain_text_input", value });

/** The broadcast a provider received for a referral, once it arrives. */
async function broadcastOf(reference: string) {
  let found: Record<string, unknown> | undefined;
  await eventually(() => {
    found = receivers.accepted.find(
      (a) => a.body.type === "referral.broadcast" && (a.body.referral as { reference: string }).reference === reference,
    )?.body;
    return Boolean(found);
  }, `broadcast of ${reference}`);
  return found!;
}

async function placeAndApproveInSlack(referralId: string) {
  const delivery = await db.delivery.findFirstOrThrow({ where: { round: { referralId } } });
  const o = await offer({ db, clock: fixedClock(new Date().toISOString()) }, delivery.id, 4200);
  expect((await signedSlackRequest(events, SECRET, blockAction("UART1", "approve_offer", o.id))).status).toBe(200);
  await eventually(
    async () => (await db.referral.findUniqueOrThrow({ where: { id: referralId } })).status === "placed",
    "placed",
  );
}

describe("a referral on the Placements Data Standard", () => {
  it("Slack: two steps within the block limit, a draft kept on close, the categories broadcast, exported", {
    timeout: 90_000,
  }, async () => {
    expect((await signedSlackRequest(events, SECRET, commandBody("USW"))).status).toBe(200);
    await eventually(() => slack.of("views.open").length > 0, "form opened");
    const first = lastView("views.open");
    expect(first.callback_id).toBe("referral_form");
    expect(first.blocks.length).toBeLessThan(100);

    // "Next: more details" pushes the second step, which is within the limit too.
    const step1 = modalValues({ "profile.area": plain("PE1") });
    await signedSlackRequest(
      events,
      SECRET,
      payloadBody({
        type: "block_actions",
        user: { id: "USW" },
        team: { id: "T1" },
        api_app_id: "A1",
        token: "x",
        trigger_id: "trig-more",
        container: { type: "view", view_id: "VROOT" },
        view: { id: "VROOT", root_view_id: "VROOT", callback_id: "referral_form", state: { values: step1 }, hash: "h" },
        actions: [{ type: "button", action_id: "referral_more", block_id: "pds.more", action_ts: "1" }],
      }),
    );
    await eventually(() => slack.of("views.push").length > 0, "second step pushed");
    const second = lastView("views.push");
    expect(second.callback_id).toBe("referral_form_more");
    expect(second.blocks.length).toBeLessThan(100);
    expect(second.blocks.map((b) => b.block_id)).toContain("profile.pds.risksToChild");

    const more = {
      "profile.pds.siblingsToPlaceWith": v({ type: "number_input", value: "1" }),
      "restricted.preferredLocation": plain(`Near ${CANARY}`),
      "profile.pds.communicationNeeds": multi("bsl"),
      "profile.pds.pets": select("can"),
      "restricted.culturalNeedsDetail": plain(`Church on ${CANARY}`),
      "profile.pds.culturalNeeds": select("required"),
      "profile.pds.deprivationOfLiberty": select("yes"),
      "profile.pds.suitability.foster": select("unsuitable"),
      "profile.pds.suitability.residential": select("preferred"),
      "profile.pds.risksToChild": multi("going_missing", "self_harm"),
      "profile.pds.risksToOthers": multi("fire_setting"),
    };
    const savedMore = await signedSlackRequest(
      events,
      SECRET,
      viewSubmission("USW", "VMORE", "referral_form_more", more).replace(
        encodeURIComponent('"id":"VMORE"'),
        encodeURIComponent('"id":"VMORE","root_view_id":"VROOT"'),
      ),
    );
    expect(savedMore.status).toBe(200);

    // Closed without submitting: the next /referral opens with the answers kept, both steps' worth.
    await signedSlackRequest(
      events,
      SECRET,
      payloadBody({
        type: "view_closed",
        user: { id: "USW" },
        team: { id: "T1" },
        api_app_id: "A1",
        token: "x",
        is_cleared: false,
        view: { id: "VROOT", callback_id: "referral_form", state: { values: step1 }, hash: "h" },
      }),
    );
    const opened = slack.of("views.open").length;
    await signedSlackRequest(events, SECRET, commandBody("USW"));
    await eventually(() => slack.of("views.open").length > opened, "form opened again");
    const again = JSON.stringify(lastView("views.open"));
    expect(again).toContain('"initial_value":"PE1"');
    expect(again).toContain("11 answered");
    // The draft in Redis is encrypted: no restricted text in clear.
    const keys = await redis.keys(`${config.REDIS_PREFIX}:form-draft:*`);
    expect(keys.length).toBe(1);
    expect(await redis.get(keys[0]!)).not.toContain("Slack Secret Child");

    const raised = await signedSlackRequest(events, SECRET, viewSubmission("USW", "VROOT", "referral_form", step1));
    expect(raised.status).toBe(200);
    expect(raised.text).toBe("");
    const referral = await db.referral.findFirstOrThrow({ where: { sourceKey: "slack:view:VROOT" } });
    expect(referral.pds).toMatchObject({
      siblingsToPlaceWith: 1,
      communicationNeeds: ["bsl"],
      pets: "can",
      deprivationOfLiberty: true,
      suitability: { foster: "unsuitable", residential: "preferred", supported: "not_specified" },
      risksToChild: ["self_harm", "going_missing"],
      risksToOthers: ["fire_setting"],
    });
    expect(referral.restrictedEnvelope).not.toContain(CANARY);
    // Cleared after the answer (the work after an ack), so looked for until it is gone.
    await eventually(
      async () => (await redis.keys(`${config.REDIS_PREFIX}:form-draft:*`)).length === 0,
      "draft cleared after raising",
    );

    const body = await broadcastOf(referral.reference);
    expect((body.referral as { pds: unknown }).pds).toMatchObject({
      siblings_to_place_with: 1,
      communication_needs: ["bsl"],
      cultural_needs: "required",
      risks_to_child: ["self_harm", "going_missing"],
    });
    expect(JSON.stringify(body)).not.toContain(CANARY);
    // The card in the channel shows the categories too.
    await eventually(
      () => slack.of("chat.postMessage").some((c) => JSON.stringify(c.args.blocks).includes("Risks to the child")),
      "card with the standard's rows",
    );

    await placeAndApproveInSlack(referral.id);
    const record = await db.placementRecord.findUniqueOrThrow({ where: { referralId: referral.id } });
    expect(record).toMatchObject({ weeklyCostPence: 420_000, location: "PE1", placementType: "residential" });

    const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London" }).format(new Date());
    const cli = await exec(
      process.execPath,
      ["src/bin/referral-bot.mjs", "report", "--format", "pds", "--from", today, "--to", today],
      { env: { ...process.env, DATABASE_URL: config.DATABASE_URL, REDIS_URL: config.REDIS_URL } },
    );
    const lines = cli.stdout.trimEnd().split("\r\n");
    expect(lines[0]).toBe(PDS_COLUMNS.map((c) => (c.includes(",") ? `"${c}"` : c)).join(","));
    const row = lines.find((l) => l.startsWith(`${referral.reference},`))!;
    expect(row).toContain("Risk Present");
    expect(row).toContain(",4200,PE1,Yes,");
    expect(cli.stdout).not.toContain(CANARY);
  });

  it("Teams: the More details section within the card limit, its answers reach the core and the providers", {
    timeout: 60_000,
  }, async () => {
    await connector.sendToBot(
      socialWorker,
      { id: "a:personal-sw", type: "personal" },
      {
        type: "message",
        text: "new referral",
      },
    );
    await eventually(() => connector.messages.some((m) => m.conversationId === "a:personal-sw"), "form sent");
    const form = cardsOf(connector.messages.find((m) => m.conversationId === "a:personal-sw")!)[0]!;
    // Adaptive Cards in Teams messages: 28 KB.
    expect(Buffer.byteLength(JSON.stringify(form))).toBeLessThan(28_000);
    expect(inputIds(form)).toContain("profile.pds.risksToOthers");
    const submit = executeActions(form).find((a) => a.verb === "submit_referral")!;
    const ok = await connector.clickExecute(
      socialWorker,
      { id: "a:personal-sw", type: "personal" },
      "submit_referral",
      {
        ...submit.data,
        ...validForm(),
        "profile.pds.placementNeeded": "within_5_days",
        "profile.pds.communicationNeeds": "esol,makaton",
        "profile.pds.caredForAlongside": "solo",
        "profile.pds.additionalSupport": "taxis_to_school",
        "profile.pds.suitability.supported": "suitable",
        "profile.pds.risksToOthers": "harm_to_animals",
        "restricted.additionalSupportDetail": `Taxi from ${CANARY}`,
      },
    );
    expect(JSON.stringify((ok.body as { value: unknown }).value)).toMatch(/Referral R-\d{4}-\d{4} raised/);
    const referral = await db.referral.findFirstOrThrow({ where: { sourceKey: { startsWith: "teams:form:" } } });
    expect(referral.pds).toMatchObject({
      placementNeeded: "within_5_days",
      communicationNeeds: ["esol", "makaton"],
      caredForAlongside: "solo",
      additionalSupport: ["taxis_to_school"],
      suitability: { supported: "suitable" },
      risksToOthers: ["harm_to_animals"],
    });
    const body = await broadcastOf(referral.reference);
    expect((body.referral as { pds: unknown }).pds).toMatchObject({
      placement_needed: "within_5_days",
      cared_for_alongside: "solo",
      risks_to_others: ["harm_to_animals"],
    });
    expect(JSON.stringify(body)).not.toContain(CANARY);
  });
});
