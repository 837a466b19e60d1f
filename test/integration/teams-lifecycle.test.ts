// A referral's life beyond the happy path, through Teams: raising fails as a whole (and says so on the form), an
// approval through the API redraws the card and the offer like one in chat, and Withdraw (a card that unfolds
// with the reason, then Action.Execute) closes the referral for its raiser or ART only.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import type { Service } from "../../src/main.js";
import type { RaiseStep } from "../../src/referrals/raise.js";
import { responseTokenFor, responseUrlFor } from "../../src/responses/tokens.js";
import { londonDaysAfter } from "../helpers/dates.js";
import { eventually, WebhookReceivers } from "../helpers/receivers.js";
import { ART_TOKEN, postJson, serviceWithProviders } from "../helpers/service.js";
import {
  cardsOf,
  choicesOf,
  executeActions,
  type InvokeAnswer,
  LocalConnector,
  personal,
  teamsSettings,
  teamsUser,
  validForm,
  visibleText,
} from "../helpers/teams.js";

/** Offers start a little after today: the core refuses a start date in the past. */
const START_DATE = londonDaysAfter(new Date(), 10);

const CHANNEL = "19:lifecycle@thread.tacv2";
const connector = new LocalConnector();
const receivers = new WebhookReceivers();
const raiser = teamsUser("aad-sw", "Sam Social Worker");
const otherWorker = teamsUser("aad-sw2", "Kim Social Worker");
let db: Db;
let config: Config;
let service: Service;
let failAfter: RaiseStep | undefined;

beforeAll(async () => {
  await connector.start();
  await receivers.start();
  ({ db, config, service } = await serviceWithProviders(
    "teamslife",
    {
      ...teamsSettings(connector, CHANNEL),
      CHAT_COALESCE_MS: "200",
      ART_API_TOKENS: `integration:${ART_TOKEN}:decisions:write+referrals:write`,
    },
    receivers,
    {
      lotNumber: 2,
      prefix: "tl",
      count: 3,
      name: (i) => `Teams Life Home ${i}`,
      needs: ["SEMH", "ASD"],
    },
    {
      raiseFault: (step) => {
        if (step === failAfter) throw new Error(`injected failure after ${step}`);
      },
    },
  ));
  connector.botUrl = service.url!;
});
afterAll(async () => {
  await service.close();
  await db.$disconnect();
  await connector.stop();
  await receivers.stop();
});

const channel = { id: CHANNEL, type: "channel" as const };
const submit = (formId: string) =>
  connector.clickExecute(raiser, personal(raiser), "submit_referral", { formId, ...validForm() });
const pendingSyncs = async () => {
  const counts = await service.queues.queue("chat-sync").getJobCounts("waiting", "delayed", "active", "prioritized");
  return Object.values(counts).reduce((a, b) => a + b, 0);
};

async function raise(formId: string) {
  const res = await submit(formId);
  expect(JSON.stringify((res.body as InvokeAnswer).value)).toMatch(/Referral R-\d{4}-\d{4} raised/);
  const referral = await db.referral.findUniqueOrThrow({ where: { sourceKey: `teams:form:${formId}` } });
  await eventually(
    async () => Boolean((await db.chatLink.findFirst({ where: { referralId: referral.id } }))?.cardHash),
    "card posted",
  );
  const cardId = String((await db.chatLink.findFirstOrThrow({ where: { referralId: referral.id } })).messageId);
  return { referral, cardId, card: () => connector.messages.find((m) => m.id === cardId)! };
}

describe("Teams: a referral's whole life", () => {
  it("raising that fails part-way leaves nothing behind and says so on the form", async () => {
    for (const step of ["referral", "round", "deliveries", "event", "chat_link"] as const) {
      failAfter = step;
      const res = await submit(`fail-${step}`);
      const answer = res.body as InvokeAnswer;
      expect(answer.type).toBe("application/vnd.microsoft.card.adaptive");
      expect(JSON.stringify(answer.value)).toContain("could not be raised and nothing was saved");
      expect({
        referrals: await db.referral.count(),
        rounds: await db.round.count(),
        deliveries: await db.delivery.count(),
        outbox: await db.outboxEvent.count(),
        chatLinks: await db.chatLink.count(),
      }).toEqual({ referrals: 0, rounds: 0, deliveries: 0, outbox: 0, chatLinks: 0 });
    }
    failAfter = undefined;
    await raise("ok");
  });

  it("an approval through the API redraws the card and the offer, like one in chat", async () => {
    const { referral, cardId, card } = await raise("api");
    const delivery = await db.delivery.findFirstOrThrow({
      where: { round: { referralId: referral.id }, provider: { name: "Teams Life Home 1" } },
    });
    const offered = await fetch(
      responseUrlFor(service.url!, responseTokenFor(config.RESPONSE_TOKEN_SECRET, delivery.id)),
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type: "offer", weeklyCostGbp: 3800, startDate: START_DATE, needsMet: "Calm home" }),
      },
    );
    expect(offered.status).toBe(201);
    const offerMessage = () =>
      connector.messages.find((m) => m.threadId === cardId && visibleText(m).includes("Offer from Teams Life Home 1"));
    await eventually(() => Boolean(offerMessage()), "offer in the thread");
    await eventually(() => visibleText(card()).includes("1 offer to review"), "card shows the offer");
    // Nothing left to redraw: only the approval itself can change the card from here.
    await eventually(async () => (await pendingSyncs()) === 0, "no thread sync left to run");
    const cardUpdates = card().updates;
    expect(executeActions(cardsOf(offerMessage()!)).map((a) => a.verb)).toContain("approve_offer");

    const offer = await db.response.findFirstOrThrow({ where: { referralId: referral.id, type: "offer" } });
    const approved = await postJson(`${service.url}/api/v1/offers/${offer.id}/approve`, {}, ART_TOKEN);
    expect(approved).toMatchObject({ status: 200, body: { status: "placed" } });
    await eventually(() => visibleText(card()).includes("Placed with Teams Life Home 1"), "card redrawn as placed");
    expect(card().updates).toBeGreaterThan(cardUpdates);
    expect(executeActions(cardsOf(card())).map((a) => a.verb)).not.toContain("withdraw_referral");
    await eventually(
      () => executeActions(cardsOf(offerMessage()!)).every((a) => a.verb !== "approve_offer"),
      "offer redrawn without its buttons",
    );
  });

  it("withdraws from the card's unfolding form: refused to others, then closed with its reason", async () => {
    const { referral, card } = await raise("withdraw");
    const withdraw = executeActions(cardsOf(card())).find((a) => a.verb === "withdraw_referral")!;
    expect(withdraw.data).toMatchObject({ referralId: referral.id });
    expect(choicesOf(card(), "withdraw.reason")).toContain("placed_by_family");
    const click = (user: ReturnType<typeof teamsUser>, reason: string, text?: string) =>
      connector.clickExecute(user, channel, "withdraw_referral", {
        ...withdraw.data,
        "withdraw.reason": reason,
        ...(text ? { "withdraw.text": text } : {}),
      });

    const refused = await click(otherWorker, "needs_changed");
    expect(String((refused.body as InvokeAnswer).value)).toMatch(/^Not authorised/);
    expect(await db.auditEvent.count({ where: { action: "refused.withdraw", actor: "teams:aad-sw2" } })).toBe(1);
    const missing = await click(raiser, "other");
    expect(String((missing.body as InvokeAnswer).value)).toMatch(/required when the reason is Other/);
    expect((await db.referral.findUniqueOrThrow({ where: { id: referral.id } })).status).toBe("open");

    const done = await click(raiser, "placed_by_family");
    expect(String((done.body as InvokeAnswer).value)).toMatch(/withdrawn \(Placed by family\)/);
    expect(await db.referral.findUniqueOrThrow({ where: { id: referral.id } })).toMatchObject({
      status: "withdrawn",
      statusReason: "Placed by family",
    });
    await eventually(() => visibleText(card()).includes("Withdrawn: Placed by family"), "card redrawn");
    expect(executeActions(cardsOf(card())).map((a) => a.verb)).not.toContain("withdraw_referral");

    // Already closed: ART withdrawing again changes nothing.
    const again = await click(teamsUser("aad-art1", "Alex ART"), "raised_in_error");
    expect(String((again.body as InvokeAnswer).value)).toMatch(/already moved on/);
    expect(connector.problems).toEqual([]);
  });
});
