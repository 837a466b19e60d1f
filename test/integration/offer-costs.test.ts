// Offers priced on any basis, through the real response link: the weekly equivalent is stored, the thread shows it
// with how it was reached, and the approval threshold and the digest weigh the equivalent, not the quoted amount.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildThread, loadThreadState } from "../../src/chat/thread-model.js";
import { pendingOffers } from "../../src/digest/queries.js";
import { responseRouter } from "../../src/http/response-routes.js";
import { approveOffer } from "../../src/referrals/decisions.js";
import { art, capturingLogger, fixedClock, freshLot, testConfig, testDb } from "../helpers/env.js";
import { makeProvider } from "../helpers/referrals.js";
import { OFFER, postForm, postJson, responseLink, type Served, serveRouter } from "../helpers/response-links.js";

const db = testDb();
const config = testConfig();
const SECRET = config.RESPONSE_TOKEN_SECRET;
const clock = fixedClock("2026-11-23T09:00:00Z");
const decisions = { db, clock, thresholdPence: 5000_00 };
let lot: { id: number; number: number };
let providerId: string;
let served: Served;

beforeAll(async () => {
  lot = await freshLot(db);
  providerId = (await makeProvider(db, lot.id, { name: "Willow House" })).id;
  const logger = capturingLogger().logger;
  served = await serveRouter(responseRouter({ db, clock, tokenSecret: SECRET, logger }), logger);
});
afterAll(() => served?.close());

const link = () => responseLink({ db, clock, config }, served.url, lot.number, providerId);
const thread = async (referralId: string) => buildThread(await loadThreadState(db, referralId));
const offersIn = async (referralId: string) => (await thread(referralId)).items.filter((i) => i.kind === "offer");

describe("an offer priced on another basis", () => {
  it("from JSON: stores the weekly equivalent and the quote; the thread shows both", async () => {
    const l = await link();
    const res = await postJson(l.url, {
      ...OFFER,
      weeklyCostGbp: undefined,
      costGbp: 48_000,
      costBasis: "annual_38_week",
      addOns: [{ kind: "transport", amountGbp: 50, basis: "weekly" }],
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const row = await db.response.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ weeklyCostPence: 97_308, costBasis: "annual_38_week", costAmountPence: 4_800_000 });
    const [offer] = await offersIn(l.id);
    expect(offer).toMatchObject({
      weeklyCostGbp: 973.08,
      costBreakdown: "annual 38-week fee £48,000 + transport £50/week",
    });
    const page = await (await fetch(l.url)).text();
    expect(page).toContain("£973.08/week equivalent (annual 38-week fee £48,000 + transport £50/week)");
    expect(page).toContain('<option value="annual_38_week" selected>');
  });

  it("an hourly price under the threshold per hour but over it per week needs a second approval", async () => {
    const l = await link();
    // £100 an hour is far below the £5,000 threshold; 60 hours a week make it £6,000 a week.
    const res = await postJson(l.url, {
      ...OFFER,
      weeklyCostGbp: undefined,
      costGbp: 100,
      costBasis: "hourly",
      hoursPerWeek: 60,
    });
    const { id } = (await res.json()) as { id: string };
    const pending = await pendingOffers(db, 1000);
    expect(pending.find((p) => p.responseId === id)?.weeklyCostPence).toBe(600_000);
    expect((await approveOffer(decisions, id, art())).status).toBe("awaiting_second_approval");
  });

  it("from the form: basis, hours or days and add-ons, with errors on the field that broke a rule", async () => {
    const l = await link();
    const bad = await postForm(l.url, l.csrf, {
      type: "offer",
      costGbp: "57",
      costBasis: "hourly",
      perWeek: "",
      addOn_other_amount: "30",
      addOn_other_basis: "daily",
      addOn_other_perWeek: "2",
      startDate: "2026-12-02",
      needsMet: "Tuition in maths and English.",
    });
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('<a href="#perWeek">The hours or days a week is required for an hourly price</a>');
    expect(html).toContain(
      '<a href="#addOn_other_label">What the other add-on is is required for an &#39;other&#39; add-on</a>',
    );
    const sent = await postForm(l.url, l.csrf, {
      type: "offer",
      costGbp: "57",
      costBasis: "hourly",
      perWeek: "10",
      addOn_other_label: "Exam fees",
      addOn_other_amount: "30",
      addOn_other_basis: "daily",
      addOn_other_perWeek: "2",
      startDate: "2026-12-02",
      needsMet: "Tuition in maths and English.",
    });
    expect(sent.status).toBe(200);
    const [offer] = await offersIn(l.id);
    expect(offer).toMatchObject({
      weeklyCostGbp: 630,
      costBreakdown: "£57/hour × 10 hours/week + exam fees £30/day × 2 days/week",
    });
  });
});
