// Tiers, vacancy-first and Ofsted against real PostgreSQL: a referral goes first to tier-1 providers with a
// confirmed vacancy, widens to tier 2 after the head start and to the whole lot after VACANCY_FIRST_HOURS (each
// widening sent only to the newly eligible, shown in the thread), and the card says who it reached and why not.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cardBlocks, itemBlocks } from "../../adapters/slack/render-thread.js";
import { itemElements, referralCardContent } from "../../adapters/teams/render-thread.js";
import { countsText } from "../../src/chat/card-text.js";
import { buildThread, loadThreadState } from "../../src/chat/thread-model.js";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { widenDueRounds } from "../../src/delivery/widen-rounds.js";
import { explainEligibility } from "../../src/providers/directory.js";
import { declareVacancies } from "../../src/providers/vacancies.js";
import { raiseReferral } from "../../src/referrals/raise.js";
import { fixedClock, freshLot, isolatedEnv, socialWorker } from "../helpers/env.js";
import { makeProvider, referralInput } from "../helpers/referrals.js";

const clock = fixedClock("2026-11-30T09:00:00Z");
let db: Db;
let config: Config;

beforeAll(async () => {
  ({ db, config } = await isolatedEnv("tiers", { VACANCY_FIRST_HOURS: "48", TIER_HEAD_START_HOURS: "24" }));
});
afterAll(async () => {
  await db.$disconnect();
});

const hoursLater = (h: number) => clock.set(new Date(Date.parse("2026-11-30T09:00:00Z") + h * 3_600_000).toISOString());

async function provider(
  lot: { id: number; number: number },
  name: string,
  over: Record<string, unknown>,
  places?: number,
) {
  const p = await makeProvider(db, lot.id, { name, ...over });
  if (places !== undefined) {
    await declareVacancies(
      db,
      p.id,
      { vacancies: [{ lot: lot.number, count: places }] },
      {
        actor: "test",
        via: "api",
        now: clock.now(),
      },
    );
  }
  return p;
}

const recipients = async (referralId: string) =>
  (await db.delivery.findMany({ where: { round: { referralId } }, include: { provider: true } }))
    .map((d) => d.provider.name)
    .sort();

describe("tiered, vacancy-first matching", () => {
  it("sends to tier-1 providers with vacancies, widens to tier 2, then to the whole lot, once each", async () => {
    hoursLater(0);
    const lot = await freshLot(db);
    await provider(lot, "A tier 1 with a place", { tier: 1 }, 2);
    await provider(lot, "B tier 1 with a place", { tier: 1, ofstedGrade: "Good" }, 1);
    await provider(lot, "C tier 1 nothing declared", { tier: 1 });
    await provider(lot, "D tier 1 full", { tier: 1 }, 0);
    await provider(lot, "E tier 1 inadequate", { tier: 1, ofstedGrade: "Inadequate" }, 1);
    await provider(lot, "F tier 1 suspended", { tier: 1, status: "suspended" }, 1);
    await provider(lot, "G tier 2 with a place", { tier: 2 }, 1);
    await provider(lot, "H tier 2 with a place", { tier: 2 }, 3);
    await provider(lot, "I tier 2 nothing declared", { tier: 2 });
    await provider(lot, "J tier 1 elsewhere", { tier: 1, areas: ["CB"] }, 1);

    const r = await raiseReferral(
      { db, clock, config },
      referralInput(lot.number, {}, {}, clock.now()),
      socialWorker(),
    );
    expect(await recipients(r.id)).toEqual(["A tier 1 with a place", "B tier 1 with a place"]);

    const first = buildThread(await loadThreadState(db, r.id));
    expect(first.card.reach).toBe(
      "sent to 2 of 10 on the lot: 3 on a later tier, 1 full, 1 no confirmed vacancy, 1 Ofsted inadequate, 1 out of area, 1 suspended",
    );
    expect(countsText(first.card)).toContain("Round 1 · sent to 2 of 10 on the lot: 3 on a later tier");
    // Both chat adapters show it through the card's tally line.
    expect(JSON.stringify(cardBlocks(first.card))).toContain("sent to 2 of 10 on the lot: 3 on a later tier");
    expect(JSON.stringify(referralCardContent(first.card))).toContain("sent to 2 of 10 on the lot: 3 on a later tier");

    // The eligibility explanation (providers list --reference) gives each provider's reasons.
    const explained = await explainEligibility(db, r.reference, config, clock.now());
    const why = Object.fromEntries(
      explained.rows.map((row) => [row.name, `${row.outcome}: ${row.reasons.join("; ")}`]),
    );
    expect(why["A tier 1 with a place"]).toBe("sent: ");
    expect(why["D tier 1 full"]).toMatch(/^excluded: Declared full on Lot \d+/);
    expect(why["C tier 1 nothing declared"]).toMatch(/^excluded: No vacancy on Lot \d+ confirmed since 2026-11-16$/);
    expect(why["E tier 1 inadequate"]).toBe("excluded: Rated inadequate by Ofsted (OFSTED_EXCLUDE_INADEQUATE)");
    expect(why["G tier 2 with a place"]).toBe("excluded: Tier 2: offered once the tier 1 head start is over");
    expect(why["F tier 1 suspended"]).toBe("excluded: Provider is suspended on the DPS");
    expect(explained.summary).toBe(first.card.reach);

    // Before the head start is over nothing changes, however often the job runs.
    hoursLater(23);
    expect(await widenDueRounds({ db, clock, config })).toBe(0);

    hoursLater(24);
    expect(await widenDueRounds({ db, clock, config })).toBe(1);
    expect(await widenDueRounds({ db, clock, config })).toBe(0);
    expect(await recipients(r.id)).toEqual([
      "A tier 1 with a place",
      "B tier 1 with a place",
      "G tier 2 with a place",
      "H tier 2 with a place",
    ]);

    hoursLater(48);
    expect(await widenDueRounds({ db, clock, config })).toBe(1);
    expect(await widenDueRounds({ db, clock, config })).toBe(0);
    expect(await recipients(r.id)).toEqual([
      "A tier 1 with a place",
      "B tier 1 with a place",
      "C tier 1 nothing declared",
      "D tier 1 full",
      "G tier 2 with a place",
      "H tier 2 with a place",
      "I tier 2 nothing declared",
    ]);
    // One delivery per provider in the round, whatever ran twice.
    expect(await db.delivery.count({ where: { round: { referralId: r.id } } })).toBe(7);

    const { card, items } = buildThread(await loadThreadState(db, r.id));
    const widened = items.filter((i) => i.kind === "round_widened");
    expect(widened.map((i) => i.key)).toEqual(["round:1:widened:1", "round:1:widened:2"]);
    const slack = widened.map((i) => JSON.stringify(itemBlocks(i)));
    const teams = widened.map((i) => JSON.stringify(itemElements(i, new Map())));
    expect(slack[0]).toContain("Widened to tier 2 (confirmed vacancies only): sent to 2 more providers");
    expect(slack[1]).toContain("Widened to the whole lot: sent to 3 more providers");
    expect(teams[0]).toContain("Widened to tier 2 (confirmed vacancies only): sent to 2 more providers");
    expect(teams[1]).toContain("Widened to the whole lot: sent to 3 more providers");
    expect(card.reach).toBe("sent to 7 of 10 on the lot: 1 Ofsted inadequate, 1 out of area, 1 suspended");

    const events = (await db.outboxEvent.findMany({ where: { kind: "event" }, orderBy: { id: "asc" } }))
      .map((e) => e.payload as { type: string; referralId: string; step?: number; deliveries?: number })
      .filter((e) => e.referralId === r.id && e.type === "round.widened");
    expect(events.map((e) => [e.step, e.deliveries])).toEqual([
      [1, 2],
      [2, 3],
    ]);
  });

  it("widens an emergency after minutes, and opens at once to whoever can take the child when tier 1 has no vacancy", async () => {
    hoursLater(0);
    const lot = await freshLot(db);
    await provider(lot, "K tier 1 nothing declared", { tier: 1 });
    await provider(lot, "L tier 2 with a place", { tier: 2 }, 1);
    await provider(lot, "M tier 3 with a place", { tier: 3 }, 1);
    const r = await raiseReferral(
      { db, clock, config },
      referralInput(lot.number, { urgency: "emergency" }, {}, clock.now()),
      socialWorker(),
    );
    // Nobody on tier 1 has a vacancy, so round 1 opens a tier further rather than to nobody.
    expect(await recipients(r.id)).toEqual(["L tier 2 with a place"]);
    // Tier 3's turn still comes two 60-minute head starts after opening.
    hoursLater(1.5);
    expect(await widenDueRounds({ db, clock, config })).toBe(0);
    hoursLater(2);
    expect(await widenDueRounds({ db, clock, config })).toBe(1);
    expect(await recipients(r.id)).toEqual(["L tier 2 with a place", "M tier 3 with a place"]);
    const { items } = buildThread(await loadThreadState(db, r.id));
    const widened = items.find((i) => i.kind === "round_widened");
    expect(widened && { scope: widened.scope, deliveries: widened.deliveries }).toEqual({
      scope: "tier 3 (confirmed vacancies only)",
      deliveries: 1,
    });
  });
});

describe("with the defaults", () => {
  it("sends to every eligible provider at once when all are on tier 1 and none declared vacancies", async () => {
    const { db: db2, config: defaults } = await isolatedEnv("tiers-default");
    try {
      const lot = await freshLot(db2);
      const names = ["N one", "O two", "P three"];
      for (const name of names) await makeProvider(db2, lot.id, { name });
      const r = await raiseReferral(
        { db: db2, clock, config: defaults },
        referralInput(lot.number, {}, {}, clock.now()),
        socialWorker(),
      );
      expect(r.deliveries).toBe(3);
      const round = await db2.round.findFirstOrThrow({ where: { referralId: r.id } });
      expect([round.gateTier, round.gateVacancyOnly]).toEqual([null, false]);
      hoursLater(72);
      expect(await widenDueRounds({ db: db2, clock, config: defaults })).toBe(0);
      const { card, items } = buildThread(await loadThreadState(db2, r.id));
      expect(items.some((i) => i.kind === "round_widened")).toBe(false);
      expect(card.reach).toBe("sent to 3 of 3 on the lot");
    } finally {
      await db2.$disconnect();
    }
  });
});
