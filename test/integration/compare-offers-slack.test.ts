// Compare offers end to end through Slack: offers priced weekly, by an annual fee and by the hour reach the
// thread, two with the home's postcode district and one placed by its provider's served area; ART opens the
// comparison from the card, sees each distance from the child's area, sorts it by start date and by distance, and
// approves from it (the weekly equivalent over the threshold needs a second approval, as from the thread); anyone
// else is refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../src/db.js";
import type { Service } from "../../src/main.js";
import { londonDaysAfter } from "../helpers/dates.js";
import { eventually, WebhookReceivers } from "../helpers/receivers.js";
import { serviceWithProviders } from "../helpers/service.js";
import {
  blockAction,
  FakeSlackApi,
  modalValues,
  payloadBody,
  signedSlackRequest,
  slackSettings,
  viewSubmission,
} from "../helpers/slack.js";

const SECRET = "slack-signing-secret-for-compare";
const TOKEN = "xoxb-compare";
const slack = new FakeSlackApi(TOKEN);
const receivers = new WebhookReceivers();
let db: Db;
let service: Service;
let events: string;

beforeAll(async () => {
  await slack.start();
  await receivers.start();
  ({ db, service } = await serviceWithProviders(
    "slackcmp",
    {
      ...slackSettings(slack, SECRET),
      CHAT_COALESCE_MS: "200",
    },
    receivers,
    { lotNumber: 2, prefix: "c", count: 3, name: (i) => `Compare Home ${i}` },
  ));
  events = `${service.url}/slack/events`;
});
afterAll(async () => {
  await service.close();
  await db.$disconnect();
  await slack.stop();
  await receivers.stop();
});

const inView = (userId: string, actionId: string, value: string, view: { id: string; private_metadata: string }) =>
  payloadBody({
    type: "block_actions",
    user: { id: userId },
    team: { id: "T1" },
    api_app_id: "A1",
    token: "x",
    trigger_id: `trig-${actionId}-${userId}`,
    container: { type: "view", view_id: view.id },
    view: { id: view.id, type: "modal", callback_id: "compare_offers", private_metadata: view.private_metadata },
    actions: [{ type: "button", action_id: actionId, block_id: "b", value, action_ts: String(Date.now() / 1000) }],
  });
type View = { private_metadata: string; blocks: { text?: { text: string }; accessory?: { value: string } }[] };
const order = (view: View) => view.blocks.flatMap((b) => /\*(Compare Home \d)\*/.exec(b.text?.text ?? "")?.[1] ?? []);

describe("Slack: Compare offers", () => {
  it("shows every live offer by weekly equivalent, sorts, approves from the modal, and refuses non-ART", async () => {
    const res = await signedSlackRequest(
      events,
      SECRET,
      viewSubmission("USW", "V-CMP", "referral_form", modalValues()),
    );
    expect(res.status).toBe(200);
    const referral = await db.referral.findUniqueOrThrow({ where: { sourceKey: "slack:view:V-CMP" } });
    await eventually(
      async () =>
        (await db.delivery.count({ where: { round: { referralId: referral.id }, state: "delivered" } })) === 3,
      "delivered",
    );
    const urlOf = (path: string) =>
      String(
        receivers.accepted.find(
          (a) => a.path === path && (a.body.referral as { reference: string }).reference === referral.reference,
        )!.body.response_url,
      );
    const offers: [string, Record<string, unknown>][] = [
      ["/c0", { weeklyCostGbp: 3900, startDate: londonDaysAfter(new Date(), 20), placementDistrict: "nr1" }],
      // No district given: the provider's first served area stands in for it (set below).
      ["/c1", { costGbp: 312_000, costBasis: "annual_52_week", startDate: londonDaysAfter(new Date(), 10) }],
      [
        "/c2",
        {
          costGbp: 60,
          costBasis: "hourly",
          hoursPerWeek: 40,
          startDate: londonDaysAfter(new Date(), 30),
          placementDistrict: "PE2",
        },
      ],
    ];
    await db.provider.updateMany({ where: { name: "Compare Home 1" }, data: { areas: ["CB1", "PE"] } });
    for (const [path, price] of offers) {
      const r = await fetch(urlOf(path), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type: "offer", needsMet: "Calm home", ...price }),
      });
      expect(r.status).toBe(201);
    }
    const stored = await db.response.findMany({
      where: { referralId: referral.id },
      orderBy: { placementDistrict: "asc" },
    });
    expect(stored.map((r) => r.placementDistrict)).toEqual(["NR1", "PE2", null]);
    const link = await db.chatLink.findFirstOrThrow({ where: { referralId: referral.id } });
    await eventually(
      () =>
        JSON.stringify(
          slack
            .of("chat.update")
            .filter((c) => c.args.ts === link.messageId)
            .at(-1)?.args.blocks ?? "",
        ).includes("compare_offers"),
      "card has the Compare offers button",
    );

    // A social worker is refused, and sees no offer.
    const opened = slack.of("views.open").length;
    await signedSlackRequest(events, SECRET, blockAction("USW", "compare_offers", referral.id));
    await eventually(
      () =>
        slack.of("chat.postEphemeral").some((c) => c.args.user === "USW" && /Not authorised/.test(String(c.args.text))),
      "refusal told",
    );
    expect(slack.of("views.open").length).toBe(opened);

    // ART: cheapest weekly equivalent first, each with its basis.
    await signedSlackRequest(events, SECRET, blockAction("UART1", "compare_offers", referral.id));
    await eventually(() => slack.of("views.open").length > opened, "comparison opened");
    const view = slack.of("views.open").at(-1)!.args.view as View & { callback_id: string };
    expect(view.callback_id).toBe("compare_offers");
    expect(order(view)).toEqual(["Compare Home 2", "Compare Home 0", "Compare Home 1"]);
    const text = JSON.stringify(view);
    expect(text).toContain("£6,000/week equivalent (annual 52-week fee £312,000)");
    expect(text).toContain("£2,400/week equivalent (£60/hour × 40 hours/week)");
    expect(text).toContain("answered in");
    // From the referral's PE1 (Peterborough): PE2 next door, Cambridge's CB1 for Home 1, Norwich's NR1.
    expect(text).toContain("2 miles away");
    expect(text).toContain("33 miles away");
    expect(text).toContain("65 miles away");
    expect(text).toContain("Sort by distance");

    // Sorted by start date, in place.
    const updates = slack.of("views.update").length;
    const modal = { id: "V-OPEN", private_metadata: view.private_metadata };
    await signedSlackRequest(events, SECRET, inView("UART1", "compare_sort_start", referral.id, modal));
    await eventually(() => slack.of("views.update").length > updates, "comparison re-sorted");
    const byStart = slack.of("views.update").at(-1)!.args.view as View;
    expect(order(byStart)).toEqual(["Compare Home 1", "Compare Home 0", "Compare Home 2"]);

    // Nearest first, in place.
    const sorted = slack.of("views.update").length;
    await signedSlackRequest(events, SECRET, inView("UART1", "compare_sort_distance", referral.id, modal));
    await eventually(() => slack.of("views.update").length > sorted, "comparison sorted by distance");
    const byDistance = slack.of("views.update").at(-1)!.args.view as View;
    expect(order(byDistance)).toEqual(["Compare Home 2", "Compare Home 1", "Compare Home 0"]);
    expect(JSON.stringify(byDistance)).toContain("nearest first");

    // Approve the annual-fee offer from the modal: £6,000 a week is over the £5,000 threshold.
    const annual = byStart.blocks.find((b) => b.text?.text.includes("Compare Home 1"))!.accessory!.value;
    const before = slack.of("views.update").length;
    await signedSlackRequest(
      events,
      SECRET,
      inView("UART1", "approve_offer", annual, { ...modal, private_metadata: byStart.private_metadata }),
    );
    await eventually(
      async () =>
        (await db.referral.findUniqueOrThrow({ where: { id: referral.id } })).status === "awaiting_second_approval",
      "waiting for the second approval",
    );
    await eventually(() => slack.of("views.update").length > before, "comparison redrawn");
    const after = slack.of("views.update").at(-1)!.args.view as View;
    expect(order(after)).toEqual(["Compare Home 1", "Compare Home 0", "Compare Home 2"]);
    // Nothing more can be approved while the second approval is pending.
    expect(after.blocks.some((b) => b.accessory)).toBe(false);
  });
});
