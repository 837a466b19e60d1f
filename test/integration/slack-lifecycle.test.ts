// A referral's life beyond the happy path, through Slack: raising fails as a whole (and says so), an approval
// through the API redraws the card and the thread like one in chat, and Withdraw (button, modal) closes the
// referral for its raiser or ART only.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../src/db.js";
import type { Service } from "../../src/main.js";
import type { RaiseStep } from "../../src/referrals/raise.js";
import { londonDaysAfter } from "../helpers/dates.js";
import { eventually, WebhookReceivers } from "../helpers/receivers.js";
import { ART_TOKEN, postJson, serviceWithProviders } from "../helpers/service.js";
import {
  blockAction,
  FakeSlackApi,
  modalValues,
  signedSlackRequest,
  slackSettings,
  viewSubmission,
} from "../helpers/slack.js";

/** Offers start a little after today: the core refuses a start date in the past. */
const START_DATE = londonDaysAfter(new Date(), 10);

const SECRET = "slack-signing-secret-for-lifecycle";
const TOKEN = "xoxb-lifecycle";
const slack = new FakeSlackApi(TOKEN);
const receivers = new WebhookReceivers();
let db: Db;
let service: Service;
let events: string;
/** The step after which raising fails, while a test wants it to. */
let failAfter: RaiseStep | undefined;

beforeAll(async () => {
  await slack.start();
  await receivers.start();
  ({ db, service } = await serviceWithProviders(
    "slacklife",
    {
      ...slackSettings(slack, SECRET),
      CHAT_COALESCE_MS: "200",
      ART_API_TOKENS: `integration:${ART_TOKEN}:decisions:write+referrals:write`,
    },
    receivers,
    { lotNumber: 2, prefix: "l", count: 3, name: (i) => `Life Home ${i}` },
    {
      raiseFault: (step) => {
        if (step === failAfter) throw new Error(`injected failure after ${step}`);
      },
    },
  ));
  events = `${service.url}/slack/events`;
});
afterAll(async () => {
  await service.close();
  await db.$disconnect();
  await slack.stop();
  await receivers.stop();
});

async function raise(userId: string, viewId: string) {
  const res = await signedSlackRequest(events, SECRET, viewSubmission(userId, viewId, "referral_form", modalValues()));
  expect(res.status).toBe(200);
  const referral = await db.referral.findUniqueOrThrow({ where: { sourceKey: `slack:view:${viewId}` } });
  await eventually(
    async () => Boolean((await db.chatLink.findFirst({ where: { referralId: referral.id } }))?.messageId),
    "card posted",
  );
  const link = await db.chatLink.findFirstOrThrow({ where: { referralId: referral.id } });
  return { referral, cardTs: String(link.messageId) };
}
/** Thread syncs queued or running: none left means only something new can redraw the thread. */
const pendingSyncs = async () => {
  const counts = await service.queues.queue("chat-sync").getJobCounts("waiting", "delayed", "active", "prioritized");
  return Object.values(counts).reduce((a, b) => a + b, 0);
};
const cardUpdates = (ts: string) => slack.of("chat.update").filter((c) => c.args.ts === ts);
const lastCard = (ts: string) => JSON.stringify(cardUpdates(ts).at(-1)?.args.blocks ?? "");
const notices = (user: string) => slack.of("chat.postEphemeral").filter((c) => c.args.user === user);

async function withdrawThroughModal(userId: string, referralId: string, reason: string, text?: string) {
  const opened = slack.of("views.open").length;
  await signedSlackRequest(events, SECRET, blockAction(userId, "withdraw_referral", referralId));
  await eventually(() => slack.of("views.open").length > opened, "withdraw modal opened");
  const view = slack.of("views.open").at(-1)!.args.view as { callback_id: string; private_metadata: string };
  expect(view.callback_id).toBe("withdraw_form");
  const values = {
    "withdraw.reason": { v: { type: "static_select", selected_option: { value: reason } } },
    "withdraw.text": { v: { type: "plain_text_input", value: text ?? null } },
  };
  return signedSlackRequest(
    events,
    SECRET,
    viewSubmission(userId, `VW-${opened}`, "withdraw_form", values, view.private_metadata),
  );
}

describe("Slack: a referral's whole life", () => {
  it("raising that fails part-way leaves nothing behind and tells the social worker", async () => {
    for (const step of ["referral", "round", "deliveries", "event", "chat_link"] as const) {
      failAfter = step;
      const res = await signedSlackRequest(
        events,
        SECRET,
        viewSubmission("USW", `VFAIL-${step}`, "referral_form", modalValues()),
      );
      expect(res.status).toBe(200);
      // The modal stays open with the reason: Slack shows it to the person who submitted.
      expect(res.json()).toMatchObject({
        response_action: "errors",
        errors: { "profile.summary": expect.stringMatching(/could not be raised and nothing was saved/) },
      });
      expect({
        referrals: await db.referral.count(),
        rounds: await db.round.count(),
        deliveries: await db.delivery.count(),
        outbox: await db.outboxEvent.count(),
        chatLinks: await db.chatLink.count(),
      }).toEqual({ referrals: 0, rounds: 0, deliveries: 0, outbox: 0, chatLinks: 0 });
    }
    failAfter = undefined;
    const { referral } = await raise("USW", "V-OK");
    expect(referral.status).toBe("open");
  });

  it("an approval through the API redraws the card and the offer, like one in chat", async () => {
    const { referral, cardTs } = await raise("USW", "V-API");
    await eventually(
      async () =>
        (await db.delivery.count({ where: { round: { referralId: referral.id }, state: "delivered" } })) === 3,
      "delivered",
    );
    const sent = receivers.accepted.find(
      (a) => a.path === "/l0" && (a.body.referral as { reference: string }).reference === referral.reference,
    )!;
    const offered = await fetch(String(sent.body.response_url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "offer", weeklyCostGbp: 3900, startDate: START_DATE, needsMet: "Calm home" }),
    });
    expect(offered.status).toBe(201);
    const offer = await db.response.findFirstOrThrow({ where: { referralId: referral.id, type: "offer" } });
    await eventually(
      () =>
        slack
          .of("chat.postMessage")
          .some((c) => c.args.thread_ts === cardTs && JSON.stringify(c.args.blocks).includes("approve_offer")),
      "offer with its buttons in the thread",
    );
    const offerPost = slack
      .of("chat.postMessage")
      .find((c) => c.args.thread_ts === cardTs && JSON.stringify(c.args.blocks).includes("approve_offer"))!;
    // The thread is fully in step before the approval, so only the approval itself can redraw it.
    await eventually(() => lastCard(cardTs).includes("1 offer to review"), "card shows the offer");
    await eventually(
      async () => (await db.chatLink.findFirstOrThrow({ where: { referralId: referral.id } })).dirtySince === null,
      "thread in step",
    );
    await eventually(async () => (await pendingSyncs()) === 0, "no thread sync left to run");
    const updatesBefore = slack.of("chat.update").length;
    expect(lastCard(cardTs)).not.toContain("Placed with");

    const approved = await postJson(`${service.url}/api/v1/offers/${offer.id}/approve`, {}, ART_TOKEN);
    expect(approved).toMatchObject({ status: 200, body: { status: "placed" } });
    await eventually(() => lastCard(cardTs).includes("Placed with Life Home 0"), "card redrawn as placed");
    expect(slack.of("chat.update").length).toBeGreaterThan(updatesBefore);
    expect(lastCard(cardTs)).not.toContain("withdraw_referral");
    await eventually(
      () =>
        slack
          .of("chat.update")
          .some((c) => c.args.ts === offerPost.ts && !JSON.stringify(c.args.blocks).includes("approve_offer")),
      "offer redrawn without its buttons",
    );
  });

  it("withdraws from the card's button and modal: refused to others, then closed with its reason", async () => {
    const { referral, cardTs } = await raise("USW", "V-WD");
    await eventually(
      async () => (await db.chatLink.findFirstOrThrow({ where: { referralId: referral.id } })).cardHash !== null,
      "card drawn",
    );
    const posted = slack.of("chat.postMessage").find((c) => c.ts === cardTs)!;
    expect(JSON.stringify(posted.args.blocks)).toContain("withdraw_referral");

    // Another social worker: refused, privately, and recorded.
    await withdrawThroughModal("UOTHER", referral.id, "needs_changed");
    await eventually(() => notices("UOTHER").some((c) => String(c.args.text).startsWith("Not authorised")), "refused");
    expect((await db.referral.findUniqueOrThrow({ where: { id: referral.id } })).status).toBe("open");
    expect(await db.auditEvent.count({ where: { action: "refused.withdraw", actor: "slack:UOTHER" } })).toBe(1);

    // "Other" without a word of explanation keeps the modal open with the reason.
    const missing = await withdrawThroughModal("USW", referral.id, "other");
    expect(missing.json()).toMatchObject({
      response_action: "errors",
      errors: { "withdraw.text": expect.any(String) },
    });
    expect((await db.referral.findUniqueOrThrow({ where: { id: referral.id } })).status).toBe("open");

    const done = await withdrawThroughModal("USW", referral.id, "other", "Moved to a kinship carer");
    expect(done.status).toBe(200);
    expect(done.text).toBe("");
    const row = await db.referral.findUniqueOrThrow({ where: { id: referral.id } });
    expect(row).toMatchObject({ status: "withdrawn", statusReason: "Other: Moved to a kinship carer" });
    await eventually(() => notices("USW").some((c) => String(c.args.text).includes("withdrawn")), "confirmed");
    await eventually(() => lastCard(cardTs).includes("Withdrawn: Other: Moved to a kinship carer"), "card redrawn");
    expect(lastCard(cardTs)).not.toContain("withdraw_referral");
    await eventually(
      () =>
        slack
          .of("chat.postMessage")
          .some((c) => c.args.thread_ts === cardTs && JSON.stringify(c.args.blocks).includes("Referral withdrawn")),
      "withdrawal in the thread",
    );

    // Already closed: a second withdrawal (even by ART) changes nothing.
    await withdrawThroughModal("UART1", referral.id, "raised_in_error");
    await eventually(() => notices("UART1").some((c) => /already moved on/.test(String(c.args.text))), "refused");
    expect((await db.referral.findUniqueOrThrow({ where: { id: referral.id } })).statusReason).toBe(
      "Other: Moved to a kinship carer",
    );
  });
});
