// Nudges end to end on both platforms' fakes: what waits too long reaches the people who can act, once per item
// per interval however often the job runs, with the thread's buttons; never in quiet hours for a standard referral.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SlackChat, slackClient } from "../../adapters/slack/slack-chat.js";
import { apiForServiceUrl, createTeamsApp } from "../../adapters/teams/teams-app.js";
import { TeamsChat } from "../../adapters/teams/teams-chat.js";
import { ChatDirectory } from "../../src/chat/directory.js";
import { homeOf } from "../../src/chat/home.js";
import { sendNudges } from "../../src/chat/nudges.js";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { nudgeJob } from "../../src/jobs/nudge.js";
import { approveOffer } from "../../src/referrals/decisions.js";
import { recordResponse } from "../../src/referrals/responses.js";
import { capturingLogger, fixedClock, freshLot, isolatedEnv } from "../helpers/env.js";
import { makeProvider, offer, openReferralWithDeliveries } from "../helpers/referrals.js";
import { FakeSlackApi } from "../helpers/slack.js";
import { cardsOf, executeActions, LocalConnector, visibleText } from "../helpers/teams.js";

const serviceUrls = { hosts: ["smba.trafficmanager.net"], httpsOnly: false, allowLoopback: true };
const slack = new FakeSlackApi("xoxb-nudges");
const connector = new LocalConnector();
let db: Db;
let config: Config;
let chats: { slack: SlackChat; teams: TeamsChat };
// 10:00 London (GMT in winter), outside the default quiet hours.
const clock = fixedClock("2026-11-30T10:00:00Z");
const logger = capturingLogger().logger;

beforeAll(async () => {
  await slack.start();
  await connector.start();
  ({ db, config } = await isolatedEnv("nudges", {
    SLACK_ART_USER_IDS: "UART,UART2",
    SLACK_SENIOR_USER_IDS: "UHEAD,UHEAD2",
    TEAMS_ART_USER_IDS: "aad-art",
    APPROVAL_NUDGE_HOURS: "2",
    APPROVAL_NUDGE_MINUTES: "15",
    QUESTION_NUDGE_HOURS: "3",
  }));
  const app = createTeamsApp({
    allowUnauthenticated: true,
    serviceUrl: connector.url,
    serviceUrls,
    cloud: { name: "public" },
    logger,
  });
  chats = {
    slack: new SlackChat(slackClient(slack.token, slack.url)),
    teams: new TeamsChat({
      apiFor: apiForServiceUrl(app, serviceUrls),
      defaultServiceUrl: connector.url,
      directory: new ChatDirectory(db, "teams"),
      serviceUrls,
      tenantId: "local-tenant",
    }),
  };
});
afterAll(async () => {
  await db.$disconnect();
  await slack.stop();
  await connector.stop();
});

const deps = () => ({ db, clock, config, logger, chats });
/** Slack DMs to a user: the messages posted in the DM channel conversations.open gave for them. */
const slackDms = (userId: string) =>
  slack.of("chat.postMessage").filter((c) => slack.dms.get(String(c.args.channel)) === userId);
const slackButtons = (c: { args: Record<string, unknown> }) =>
  ((c.args.blocks ?? []) as { type: string; elements?: { action_id: string; value: string }[] }[])
    .filter((b) => b.type === "actions")
    .flatMap((b) => b.elements ?? []);
const teamsDms = (userId: string) =>
  connector.messages.filter((m) => connector.personalChats.get(m.conversationId) === userId);

describe("nudges", () => {
  it("nudges the raiser about an unanswered question, and a failed send is tried again next time", async () => {
    const lot = await freshLot(db);
    const p = await makeProvider(db, lot.id, { name: "Question Nudge Home" });
    clock.set("2026-11-30T08:00:00Z");
    const referral = await openReferralWithDeliveries({ db, clock, config }, lot.number, [p.id]);
    await db.referral.update({ where: { id: referral.id }, data: { createdBy: "slack:URAISER" } });
    await recordResponse({ db, clock }, referral.deliveryIds[0]!, {
      type: "question",
      question: "Is there a school place nearby?",
    });
    clock.set("2026-11-30T11:10:00Z");
    slack.rateLimitMethod = "conversations.";
    slack.rateLimitNext = 1;
    const first = await sendNudges(deps());
    expect(first.failed).toBe(1);
    expect(slackDms("URAISER")).toHaveLength(0);
    await sendNudges(deps());
    await sendNudges(deps());
    expect(slackDms("URAISER")).toHaveLength(1);
    expect(JSON.stringify(slackDms("URAISER")[0]!.args.blocks)).toContain("Is there a school place nearby?");
    slack.rateLimitMethod = "chat.";
  });

  it("nudges ART once per interval about an offer waiting too long, with its buttons, never in quiet hours", async () => {
    clock.set("2026-11-30T10:00:00Z");
    const lot = await freshLot(db);
    const p = await makeProvider(db, lot.id, { name: "Willow Nudge Home" });
    const referral = await openReferralWithDeliveries({ db, clock, config }, lot.number, [p.id]);
    const made = await offer({ db, clock }, referral.deliveryIds[0]!, 4100);

    // Not yet two hours: nothing.
    clock.set("2026-11-30T11:30:00Z");
    expect(await sendNudges(deps())).toEqual({ sent: 0, failed: 0 });

    // Two hours, but at 21:00 London: a standard referral waits for the morning.
    clock.set("2026-11-30T21:00:00Z");
    expect(await sendNudges(deps())).toEqual({ sent: 0, failed: 0 });

    // The morning: each ART member on each platform gets one DM, however often the job runs.
    clock.set("2026-12-01T09:00:00Z");
    const ctx = { logger, attempt: 1, maxAttempts: 1, retryLater: async () => undefined as never };
    await nudgeJob.handle(deps() as never, { trigger: "schedule" }, ctx);
    await nudgeJob.handle(deps() as never, { trigger: "schedule" }, ctx);
    for (const user of ["UART", "UART2", "UHEAD"]) expect(slackDms(user), user).toHaveLength(1);
    expect(teamsDms("aad-art")).toHaveLength(1);
    const dm = slackDms("UART")[0]!;
    expect(JSON.stringify(dm.args.blocks)).toContain("Willow Nudge Home");
    expect(JSON.stringify(dm.args.blocks)).toContain(referral.reference);
    // The thread's own buttons: same action ids and values, so the same handlers and rules.
    expect(slackButtons(dm)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action_id: "approve_offer", value: made.id }),
        expect.objectContaining({ action_id: "decline_offer", value: made.id }),
      ]),
    );
    const teamsDm = teamsDms("aad-art")[0]!;
    expect(visibleText(teamsDm)).toContain("Willow Nudge Home");
    expect(executeActions(cardsOf(teamsDm)).map((a) => [a.verb, a.data.responseId])).toEqual(
      expect.arrayContaining([["approve_offer", made.id]]),
    );
    expect(connector.problems).toEqual([]);
    expect(slack.rejected.filter((r) => r.error !== "ratelimited")).toEqual([]);
    expect(await db.chatNudge.count({ where: { sentAt: null } })).toBe(0);

    // The next interval: one more each.
    clock.set("2026-12-01T11:00:00Z");
    await sendNudges(deps());
    await sendNudges(deps());
    expect(slackDms("UART")).toHaveLength(2);
    expect(teamsDms("aad-art")).toHaveLength(2);
  });

  it("computes each person's home from PostgreSQL: what they raised, and for ART what waits on them", async () => {
    clock.set("2026-12-03T09:00:00Z");
    const lot = await freshLot(db);
    const p = await makeProvider(db, lot.id, { name: "Home View Lodge" });
    const referral = await openReferralWithDeliveries({ db, clock, config }, lot.number, [p.id]);
    await db.referral.update({ where: { id: referral.id }, data: { createdBy: "slack:UHOMESW" } });
    await db.chatLink.create({
      data: {
        referralId: referral.id,
        platform: "slack",
        channelId: "C0REF",
        threadId: "1700.0001",
        messageId: "1700.0001",
      },
    });
    await offer({ db, clock }, referral.deliveryIds[0]!, 3900);
    const mine = await homeOf({ db, clock }, "slack", { id: "slack:UHOMESW", art: false });
    expect(mine.awaiting).toBeUndefined();
    expect(mine.myReferrals.total).toBe(1);
    expect(mine.myReferrals.entries[0]).toMatchObject({
      reference: referral.reference,
      status: "offers_received",
      offers: 1,
      next: expect.stringContaining("ART to decide on 1 offer"),
      thread: { channelId: "C0REF", threadId: "1700.0001" },
    });
    const art = await homeOf({ db, clock }, "slack", { id: "slack:UART", art: true, senior: true });
    expect(art.myReferrals.total).toBe(0);
    const waiting = art.awaiting!.entries.find((e) => e.reference === referral.reference)!;
    expect(waiting).toMatchObject({ kind: "offer", text: "Offer from Home View Lodge, £3,900/week" });
    expect(waiting.thread).toEqual({ channelId: "C0REF", threadId: "1700.0001" });
    // The earlier tests' unanswered question and offer wait too; a non-ART person sees none of them.
    expect(art.awaiting!.entries.some((e) => e.kind === "question")).toBe(true);
  });

  it("asks for a second approval only senior approvers other than the first approver, at home and by nudge", async () => {
    clock.set("2026-12-04T09:00:00Z");
    const lot = await freshLot(db);
    const p = await makeProvider(db, lot.id, { name: "Dear Lodge" });
    const referral = await openReferralWithDeliveries({ db, clock, config }, lot.number, [p.id]);
    const made = await offer({ db, clock }, referral.deliveryIds[0]!, 7200);
    const head = { id: "slack:UHEAD", art: true, senior: true };
    await approveOffer({ db, clock, thresholdPence: config.SECOND_APPROVAL_THRESHOLD_GBP * 100 }, made.id, head);
    const seconds = (home: Awaited<ReturnType<typeof homeOf>>) =>
      home.awaiting!.entries.filter((e) => e.kind === "second_approval" && e.reference === referral.reference);
    expect(seconds(await homeOf({ db, clock }, "slack", head))).toHaveLength(0);
    expect(seconds(await homeOf({ db, clock }, "slack", { id: "slack:UHEAD2", art: true, senior: true }))).toHaveLength(
      1,
    );
    expect(seconds(await homeOf({ db, clock }, "slack", { id: "slack:UART", art: true }))).toHaveLength(0);
    const secondDms = (user: string) =>
      slackDms(user).filter((c) =>
        slackButtons(c).some((b) => b.action_id === "second_approve" && b.value === referral.id),
      );
    clock.set("2026-12-04T11:30:00Z");
    await sendNudges(deps());
    await sendNudges(deps());
    expect(secondDms("UHEAD2")).toHaveLength(1);
    expect(secondDms("UHEAD")).toHaveLength(0);
    expect(secondDms("UART")).toHaveLength(0);
  });
});
