// Issue 15 end to end, on both chat platforms against one running service: a referral with the Placements Data
// Standard's fields raised in Slack (real signed requests, both form steps) and one in Teams (a real invoke) goes
// only to the tier-1 providers with a confirmed vacancy; after the tier head start the widening job sends it to
// tier 2 and each thread says so; a tier-2 offer priced by an annual fee shows both figures in the thread; ART
// approves it and `report --format pds` exports the placed referral's row.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookChannel } from "../../adapters/webhook/webhook-channel.js";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { widenDueRounds } from "../../src/delivery/widen-rounds.js";
import type { Service } from "../../src/main.js";
import { ensureLots } from "../../src/providers/directory.js";
import { declareVacancies } from "../../src/providers/vacancies.js";
import { PDS_COLUMNS } from "../../src/reporting/pds-export.js";
import { londonDaysAfter } from "../helpers/dates.js";
import { capturingLogger, fixedClock, isolatedEnv } from "../helpers/env.js";
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
import { executeActions, LocalConnector, teamsUser, validForm, visibleText } from "../helpers/teams.js";

const exec = promisify(execFile);
const SECRET = "slack-signing-secret-for-issue15";
const slack = new FakeSlackApi("xoxb-issue15");
const connector = new LocalConnector();
const receivers = new WebhookReceivers();
const socialWorker = teamsUser("aad-sw15", "Sam Social Worker");
const personal = { id: "a:personal-sw15", type: "personal" as const };
let db: Db;
let config: Config;
let service: Service;
let events: string;
const names = new Map<string, string>();

beforeAll(async () => {
  await slack.start();
  await connector.start();
  await receivers.start();
  const port = await freePort();
  ({ db, config } = await isolatedEnv("issue15", {
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    ...slackSettings(slack, SECRET, "UART1"),
    TEAMS_LOCAL_MODE: "true",
    TEAMS_SERVICE_URL: connector.url,
    TEAMS_REFERRALS_CHANNEL: "19:referrals@thread.tacv2",
    TEAMS_ART_USER_IDS: "aad-art1",
    CHAT_COALESCE_MS: "200",
    WEBHOOK_ALLOW_LOOPBACK: "true",
    VACANCY_FIRST_HOURS: "48",
    TIER_HEAD_START_HOURS: "24",
  }));
  await ensureLots(db);
  const now = new Date();
  // Lot 2: two tier-1 homes with a confirmed place, one tier-1 home that declared nothing, one tier-2 home with
  // a place (/t00 … /t30, in that order).
  const homes: [string, number, number | null][] = [
    ["Tier1 Vacancy A", 1, 2],
    ["Tier1 Vacancy B", 1, 1],
    ["Tier1 Undeclared", 1, null],
    ["Tier2 Vacancy", 2, 1],
  ];
  for (const [i, [name, tier, places]] of homes.entries()) {
    const [id] = await webhookProviders(
      db,
      receivers,
      { lotNumber: 2, prefix: `t${i}`, count: 1, name: () => name, needs: ["SEMH", "ASD"] },
      { tier, ofstedGrade: "Good" },
    );
    names.set(`/t${i}0`, name);
    if (places !== null)
      await declareVacancies(db, id!, { vacancies: [{ lot: 2, count: places }] }, { actor: "test", via: "api", now });
  }
  service = await startTestService({
    config,
    logger: capturingLogger().logger,
    channels: { webhook: new WebhookChannel({ timeoutMs: 2000, allowLoopback: true }) },
  });
  events = `${service.url}/slack/events`;
  connector.botUrl = service.url!;
});
afterAll(async () => {
  await service.close();
  await db.$disconnect();
  await slack.stop();
  await connector.stop();
  await receivers.stop();
});

const v = (x: unknown) => ({ v: x });
const multi = (...values: string[]) =>
  v({ type: "multi_static_select", selected_options: values.map((value) => ({ value })) });

/** The providers (by name) that received this referral's broadcast over their webhook. */
const broadcastTo = (reference: string) =>
  [
    ...new Set(
      receivers.accepted
        .filter(
          (a) =>
            a.body.type === "referral.broadcast" && (a.body.referral as { reference: string }).reference === reference,
        )
        .map((a) => names.get(a.path)!),
    ),
  ].sort();
const deliveredCount = (referralId: string) =>
  db.delivery.count({ where: { round: { referralId }, state: "delivered" } });
const slackText = () => JSON.stringify([...slack.of("chat.postMessage"), ...slack.of("chat.update")]);
const teamsText = () => connector.messages.map(visibleText).join("\n");

async function raiseInSlack() {
  expect((await signedSlackRequest(events, SECRET, commandBody("USW"))).status).toBe(200);
  await eventually(() => slack.of("views.open").length > 0, "form opened");
  // Step 1, then "Next: more details" pushes step 2 with the standard's fields.
  const step1 = modalValues();
  await signedSlackRequest(
    events,
    SECRET,
    payloadBody({
      type: "block_actions",
      user: { id: "USW" },
      team: { id: "T1" },
      api_app_id: "A1",
      token: "x",
      trigger_id: "trig-more-15",
      container: { type: "view", view_id: "V15" },
      view: { id: "V15", root_view_id: "V15", callback_id: "referral_form", state: { values: step1 }, hash: "h" },
      actions: [{ type: "button", action_id: "referral_more", block_id: "pds.more", action_ts: "1" }],
    }),
  );
  await eventually(() => slack.of("views.push").length > 0, "second step pushed");
  expect((slack.of("views.push").at(-1)!.args.view as { callback_id: string }).callback_id).toBe("referral_form_more");
  const more = {
    "profile.pds.siblingsToPlaceWith": v({ type: "number_input", value: "1" }),
    "profile.pds.communicationNeeds": multi("bsl"),
    "profile.pds.suitability.residential": v({ type: "static_select", selected_option: { value: "preferred" } }),
    "profile.pds.risksToChild": multi("going_missing"),
    "profile.pds.risksToOthers": multi("fire_setting"),
  };
  const saved = await signedSlackRequest(
    events,
    SECRET,
    viewSubmission("USW", "V15M", "referral_form_more", more).replace(
      encodeURIComponent('"id":"V15M"'),
      encodeURIComponent('"id":"V15M","root_view_id":"V15"'),
    ),
  );
  expect(saved.status).toBe(200);
  const raised = await signedSlackRequest(events, SECRET, viewSubmission("USW", "V15", "referral_form", step1));
  expect(raised.status).toBe(200);
  const referral = await db.referral.findFirstOrThrow({ where: { sourceKey: "slack:view:V15" } });
  expect(referral.pds).toMatchObject({
    siblingsToPlaceWith: 1,
    communicationNeeds: ["bsl"],
    risksToChild: ["going_missing"],
    risksToOthers: ["fire_setting"],
  });
  return referral;
}

async function raiseInTeams() {
  await connector.sendToBot(socialWorker, personal, { type: "message", text: "new referral" });
  await eventually(() => connector.messages.some((m) => m.conversationId === personal.id), "form sent");
  const form = connector.messages.find((m) => m.conversationId === personal.id)!;
  const submit = executeActions(form.activity.attachments).find((a) => a.verb === "submit_referral")!;
  const ok = await connector.clickExecute(socialWorker, personal, "submit_referral", {
    ...submit.data,
    ...validForm(),
    "profile.pds.placementNeeded": "within_5_days",
    "profile.pds.communicationNeeds": "esol",
    "profile.pds.risksToOthers": "harm_to_animals",
  });
  expect(JSON.stringify((ok.body as { value: unknown }).value)).toMatch(/Referral R-\d{4}-\d{4} raised/);
  const referral = await db.referral.findFirstOrThrow({ where: { sourceKey: { startsWith: "teams:form:" } } });
  expect(referral.pds).toMatchObject({ placementNeeded: "within_5_days", communicationNeeds: ["esol"] });
  return referral;
}

describe("issue 15 end to end", () => {
  it("tier 1 with vacancies first, widened after the head start, an annual fee compared, placed and exported", {
    timeout: 60_000,
  }, async () => {
    const viaSlack = await raiseInSlack();
    const viaTeams = await raiseInTeams();

    // Only the tier-1 homes with a confirmed place hear of either referral.
    for (const r of [viaSlack, viaTeams]) {
      await eventually(async () => (await deliveredCount(r.id)) === 2, `${r.reference} delivered to tier 1`);
      expect(broadcastTo(r.reference)).toEqual(["Tier1 Vacancy A", "Tier1 Vacancy B"]);
    }
    // The broadcast carries the standard's categories.
    const broadcast = receivers.accepted.find(
      (a) =>
        a.body.type === "referral.broadcast" &&
        (a.body.referral as { reference: string }).reference === viaSlack.reference,
    )!;
    expect((broadcast.body.referral as { pds: unknown }).pds).toMatchObject({
      siblings_to_place_with: 1,
      communication_needs: ["bsl"],
      risks_to_others: ["fire_setting"],
    });
    const reach = "sent to 2 of 4 on the lot: 1 no confirmed vacancy, 1 on a later tier";
    await eventually(() => slackText().includes(reach), "Slack card says whom it reached");
    await eventually(() => teamsText().includes(reach), "Teams card says whom it reached");

    // Before the head start is over the widening job changes nothing; after it, tier 2 gets both referrals.
    const opened = Date.now();
    expect(
      await widenDueRounds({ db, config, clock: fixedClock(new Date(opened + 23 * 3_600_000).toISOString()) }),
    ).toBe(0);
    expect(
      await widenDueRounds({ db, config, clock: fixedClock(new Date(opened + 25 * 3_600_000).toISOString()) }),
    ).toBe(2);
    for (const r of [viaSlack, viaTeams]) {
      await eventually(async () => (await deliveredCount(r.id)) === 3, `${r.reference} widened to tier 2`);
      expect(broadcastTo(r.reference)).toEqual(["Tier1 Vacancy A", "Tier1 Vacancy B", "Tier2 Vacancy"]);
    }
    const widened = "Widened to tier 2 (confirmed vacancies only): sent to 1 more provider";
    await eventually(() => slackText().includes(widened), "widening shown in the Slack thread");
    await eventually(() => teamsText().includes(widened), "widening shown in the Teams thread");

    // The tier-2 home offers on a 52-week annual fee through its response link: the thread shows both figures.
    const responseUrl = String(
      receivers.accepted.find(
        (a) => a.path === "/t30" && (a.body.referral as { reference: string }).reference === viaSlack.reference,
      )!.body.response_url,
    );
    const answered = await fetch(responseUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        type: "offer",
        costGbp: 208_000,
        costBasis: "annual_52_week",
        startDate: londonDaysAfter(new Date(), 10),
        needsMet: "Calm home near school",
      }),
    });
    expect(answered.status).toBe(201);
    await eventually(
      () => slackText().includes("£4,000/week equivalent (annual 52-week fee £208,000)"),
      "both figures in the Slack thread",
    );

    const o = await db.response.findFirstOrThrow({ where: { type: "offer", referralId: viaSlack.id } });
    expect((await signedSlackRequest(events, SECRET, blockAction("UART1", "approve_offer", o.id))).status).toBe(200);
    await eventually(
      async () => (await db.referral.findUniqueOrThrow({ where: { id: viaSlack.id } })).status === "placed",
      "placed",
    );

    const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London" }).format(new Date());
    const cli = await exec(
      process.execPath,
      ["src/bin/referral-bot.mjs", "report", "--format", "pds", "--from", today, "--to", today],
      { env: { ...process.env, DATABASE_URL: config.DATABASE_URL, REDIS_URL: config.REDIS_URL } },
    );
    const lines = cli.stdout.trimEnd().split("\r\n");
    const header = lines[0]!.split(",");
    expect(header[0]).toBe(PDS_COLUMNS[0]);
    const row = lines.find((l) => l.startsWith(`${viaSlack.reference},`))!;
    // The standard's referral fields, then the actual placement: £4,000 weekly equivalent, in PE1, residential.
    expect(row).toContain(",BSL,");
    expect(row).toContain("Risk Present");
    expect(row).toMatch(/,4000,PE1,Yes,/);
    expect(row).toContain("Residential");
    // The Teams referral is exported too, with no placement yet.
    expect(lines.find((l) => l.startsWith(`${viaTeams.reference},`))).toContain(",<5 days,");
  });
});
