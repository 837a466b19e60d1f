// Compare offers end to end through Teams: offers priced weekly, by a 38-week school fee with transport and by the
// day reach the thread, two with the home's postcode district; ART opens the comparison from the card, sees the
// distances (one not known), sorts it by distance and by start date and approves from it (the same rules as the
// thread: placed, under the threshold); a social worker is refused and sees no offer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../src/db.js";
import type { Service } from "../../src/main.js";
import { londonDaysAfter } from "../helpers/dates.js";
import { eventually, WebhookReceivers } from "../helpers/receivers.js";
import { serviceWithProviders } from "../helpers/service.js";
import { type InvokeAnswer, LocalConnector, personal, teamsSettings, teamsUser, validForm } from "../helpers/teams.js";

const CHANNEL = "19:compare@thread.tacv2";
const connector = new LocalConnector();
const receivers = new WebhookReceivers();
const raiser = teamsUser("aad-sw", "Sam Social Worker");
const artMember = teamsUser("aad-art1", "Alex ART");
let db: Db;
let service: Service;

beforeAll(async () => {
  await connector.start();
  await receivers.start();
  ({ db, service } = await serviceWithProviders(
    "teamscmp",
    {
      ...teamsSettings(connector, CHANNEL),
      CHAT_COALESCE_MS: "200",
    },
    receivers,
    {
      lotNumber: 2,
      prefix: "tc",
      count: 3,
      name: (i) => `Teams Compare Home ${i}`,
      needs: ["SEMH", "ASD"],
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
const names = (card: unknown) =>
  [...JSON.stringify(card).matchAll(/"text":"(Teams Compare Home \d)"/g)].map((m) => m[1]);
function approveIdOf(card: unknown, provider: string): string {
  const containers = (card as { body: { type: string; items?: unknown[] }[] }).body.filter(
    (e) => e.type === "Container",
  );
  const mine = containers.find((c) => JSON.stringify(c).includes(`"${provider}"`))!;
  return /"verb":"approve_offer","responseId":"([^"]+)"/.exec(JSON.stringify(mine))![1]!;
}

describe("Teams: Compare offers", () => {
  it("shows every live offer by weekly equivalent, sorts, approves from the card, and refuses non-ART", async () => {
    const formId = "compare-form";
    await connector.clickExecute(raiser, personal(raiser), "submit_referral", { formId, ...validForm() });
    const referral = await db.referral.findUniqueOrThrow({ where: { sourceKey: `teams:form:${formId}` } });
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
      // No district given, and the provider serves a whole postcode area (set below): its distance is not known.
      ["/tc0", { weeklyCostGbp: 1800, startDate: londonDaysAfter(new Date(), 20) }],
      [
        "/tc1",
        {
          costGbp: 48_000,
          costBasis: "annual_38_week",
          addOns: [{ kind: "transport", amountGbp: 50, basis: "weekly" }],
          startDate: londonDaysAfter(new Date(), 30),
          placementDistrict: "LS6",
        },
      ],
      [
        "/tc2",
        {
          costGbp: 400,
          costBasis: "daily",
          daysPerWeek: 5,
          startDate: londonDaysAfter(new Date(), 10),
          placementDistrict: "PE7",
        },
      ],
    ];
    await db.provider.updateMany({ where: { name: "Teams Compare Home 0" }, data: { areas: ["PE"] } });
    for (const [path, price] of offers) {
      const r = await fetch(urlOf(path), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type: "offer", needsMet: "Calm home", ...price }),
      });
      expect(r.status).toBe(201);
    }
    const cardId = String((await db.chatLink.findFirstOrThrow({ where: { referralId: referral.id } })).messageId);
    await eventually(
      () => JSON.stringify(connector.messages.find((m) => m.id === cardId)?.activity ?? "").includes("compare_offers"),
      "card has the Compare offers button",
    );

    // A social worker is refused, and sees no offer.
    const refused = (
      await connector.clickExecute(raiser, channel, "compare_offers", { referralId: referral.id, sort: "cost" })
    ).body as InvokeAnswer;
    expect(refused.type).toBe("application/vnd.microsoft.activity.message");
    expect(String(refused.value)).toMatch(/Not authorised/);
    expect(JSON.stringify(refused)).not.toContain("Teams Compare Home");

    // ART: cheapest weekly equivalent first (£973.08, £1,800, £2,000), each with its basis.
    const byCost = (
      await connector.clickExecute(artMember, channel, "compare_offers", { referralId: referral.id, sort: "cost" })
    ).body as InvokeAnswer;
    expect(byCost.type).toBe("application/vnd.microsoft.card.adaptive");
    expect(names(byCost.value)).toEqual(["Teams Compare Home 1", "Teams Compare Home 0", "Teams Compare Home 2"]);
    const text = JSON.stringify(byCost.value);
    expect(text).toContain("£973.08/week equivalent (annual 38-week fee £48,000 + transport £50/week)");
    expect(text).toContain("£2,000/week equivalent (£400/day × 5 days/week)");
    // From the referral's PE1: PE7 just south of Peterborough, Leeds's LS6; Home 0 has no district.
    expect(text).toContain("4 miles away");
    expect(text).toContain("101 miles away");
    expect(text).toContain("distance not known");

    const byDistance = (
      await connector.clickExecute(artMember, channel, "compare_offers", { referralId: referral.id, sort: "distance" })
    ).body as InvokeAnswer;
    expect(names(byDistance.value)).toEqual(["Teams Compare Home 2", "Teams Compare Home 1", "Teams Compare Home 0"]);
    expect(JSON.stringify(byDistance.value)).toContain("nearest first");

    const byStart = (
      await connector.clickExecute(artMember, channel, "compare_offers", { referralId: referral.id, sort: "start" })
    ).body as InvokeAnswer;
    expect(names(byStart.value)).toEqual(["Teams Compare Home 2", "Teams Compare Home 0", "Teams Compare Home 1"]);

    // Approve the daily-priced offer from the comparison: £2,000 a week is under the threshold, so it is placed.
    const daily = approveIdOf(byStart.value, "Teams Compare Home 2");
    const approved = (await connector.clickExecute(raiser, channel, "approve_offer", { responseId: daily }))
      .body as InvokeAnswer;
    expect(String(approved.value)).toMatch(/Not authorised/);
    const ok = (await connector.clickExecute(artMember, channel, "approve_offer", { responseId: daily }))
      .body as InvokeAnswer;
    expect(String(ok.value)).toBe("Approved: the child is placed.");
    expect((await db.referral.findUniqueOrThrow({ where: { id: referral.id } })).status).toBe("placed");
    const after = (
      await connector.clickExecute(artMember, channel, "compare_offers", { referralId: referral.id, sort: "cost" })
    ).body as InvokeAnswer;
    expect(JSON.stringify(after.value)).not.toContain("approve_offer");
  });
});
