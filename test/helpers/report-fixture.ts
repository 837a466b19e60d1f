// A placement-report data set with known timestamps, written straight through Prisma, and the figures the report
// should give for it, worked out here in plain JavaScript over the fixture itself (never through the report's SQL).
import { createHash, randomUUID } from "node:crypto";
import type { Db } from "../../src/db.js";
import { percentile } from "../../src/reporting/percentile.js";
import type { PlacementReport } from "../../src/reporting/placement-report.js";

export const DECLINE_CODES = [
  "no_vacancy",
  "cannot_meet_needs",
  "outside_area",
  "outside_age_range",
  "matching_concerns",
  "other",
] as const;
type DeclineCode = (typeof DECLINE_CODES)[number];
type Status =
  | "draft"
  | "open"
  | "offers_received"
  | "awaiting_second_approval"
  | "placed"
  | "recirculated"
  | "withdrawn"
  | "expired";
type DeliveryState = "pending" | "sending" | "delivered" | "failed";

/** Hours (`h`) are counted from the referral being raised. */
export type FxResponse =
  | { type: "offer"; h: number; pence: number; decision?: "approve" | "reject" }
  | { type: "decline"; h: number; reason: DeclineCode }
  | { type: "question"; h: number };
export interface FxDelivery {
  provider: string;
  round: 1 | 2;
  state: DeliveryState;
  responses: FxResponse[];
}
export interface FxReferral {
  ref: string;
  lot: number;
  at: Date;
  status: Status;
  placedH?: number;
  deliveries: FxDelivery[];
}

export const LOTS = [
  { number: 1, name: "Independent Fostering Agencies" },
  { number: 2, name: "Residential Children's Homes" },
  { number: 3, name: "Post-16, Supported Accommodation" },
  { number: 9, name: "Lot only raised outside the period" },
];

/** Names from outside: a comma, quotes and two that a spreadsheet would run as formulas. */
export const PROVIDERS = [
  { key: "acorn", name: "Acorn Fostering" },
  { key: "birch", name: "Birch Homes, Ltd" },
  { key: "formula", name: '=HYPERLINK("http://evil.example/x","Click")' },
  { key: "cedar", name: '"Cedar" Care' },
  { key: "elm", name: "@Elm Tuition" },
  { key: "unused", name: "Provider only sent referrals outside the period" },
];
const IN_PERIOD_PROVIDERS = ["acorn", "birch", "formula", "cedar", "elm"];

export const PERIOD = { from: "2026-03-29", to: "2026-06-30" };
/** A canary in every referral's summary: the report must never carry it. */
export const SUMMARY_CANARY = "CANARY-SUMMARY-7f3a";

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const H = 3_600_000;

/** 60 generated referrals inside the period, plus hand-made ones on and around its edges. */
export function buildFixture(seed = 20260329): FxReferral[] {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const quarters = (min: number, max: number) => min + Math.floor(rnd() * (max - min) * 4) / 4;
  // Lots differ in how often providers offer, so their figures differ too.
  const reply = (offerShare = 0.5): FxResponse => {
    const x = rnd();
    if (x < offerShare) return { type: "offer", h: quarters(0.25, 200), pence: 80_000 + Math.floor(rnd() * 900_000) };
    if (x < offerShare + (1 - offerShare) * 0.8)
      return { type: "decline", h: quarters(0.25, 200), reason: pick(DECLINE_CODES) };
    return { type: "question", h: quarters(0.25, 48) };
  };
  const start = Date.parse("2026-03-29T01:00:00Z");
  const end = Date.parse("2026-06-30T12:00:00Z");
  const out: FxReferral[] = [];
  for (let i = 0; i < 60; i++) {
    const lot = [1, 2, 3][i % 3]!;
    const offerShare = { 1: 0.25, 2: 0.8, 3: 0.5 }[lot]!;
    const at = new Date(start + Math.floor((rnd() * (end - start)) / 60_000) * 60_000);
    const chosen = [...IN_PERIOD_PROVIDERS].sort(() => rnd() - 0.5).slice(0, 2 + Math.floor(rnd() * 4));
    const deliveries: FxDelivery[] = chosen.map((provider) => {
      const state: DeliveryState = rnd() < 0.8 ? "delivered" : pick(["failed", "pending", "sending"] as const);
      const responses: FxResponse[] = [];
      if (state === "delivered" && rnd() < 0.75) {
        responses.push(reply(offerShare));
        // A question first, then an answer: two responses on one delivery.
        if (responses[0]!.type === "question" && rnd() < 0.6) responses.push(reply(offerShare));
      }
      return { provider, round: 1, state, responses };
    });
    const offers = deliveries.flatMap((d) => d.responses.filter((r) => r.type === "offer"));
    const status: Status = offers.length
      ? pick(["placed", "placed", "placed", "awaiting_second_approval", "offers_received", "withdrawn", "expired"])
      : pick(["open", "open", "withdrawn", "expired", "recirculated", "recirculated"]);
    let placedH: number | undefined;
    if (status === "placed" || status === "awaiting_second_approval") {
      const approved = pick(offers);
      approved.decision = "approve";
      if (status === "placed") placedH = approved.h + quarters(0.25, 72);
      for (const o of offers) if (o !== approved && rnd() < 0.4) o.decision = "reject";
    }
    if (status === "recirculated" || status === "expired") {
      // Round 2 goes to those who did not decline; the same provider can be sent the referral once per round.
      for (const d of [...deliveries]) {
        if (d.responses.some((r) => r.type === "decline")) continue;
        const again: FxDelivery = { provider: d.provider, round: 2, state: "delivered", responses: [] };
        if (rnd() < 0.5) {
          // A referral still recirculating has had no offer; an expired one may have had late offers.
          const r = reply();
          const kept: FxResponse = r.type === "offer" && status === "recirculated" ? { type: "question", h: r.h } : r;
          kept.h += 168; // round 2 opens a week in
          again.responses.push(kept);
        }
        deliveries.push(again);
      }
    }
    out.push({ ref: `RPT-${i}`, lot, at, status, placedH, deliveries });
  }
  const d = (provider: string, responses: FxResponse[], state: DeliveryState = "delivered"): FxDelivery => ({
    provider,
    round: 1,
    state,
    responses,
  });
  const richOffer = (h: number): FxResponse => ({ type: "offer", h, pence: 4_999_900, decision: "approve" });
  out.push(
    // One millisecond before the period: 23:59:59.999 on 28 March in London (GMT). Excluded.
    {
      ref: "EDGE-before",
      lot: 1,
      at: new Date("2026-03-28T23:59:59.999Z"),
      status: "placed",
      placedH: 1,
      deliveries: [d("acorn", [richOffer(0.5), { type: "decline", h: 0.5, reason: "other" }]), d("unused", [])],
    },
    // The first moment of the period: midnight on 29 March in London (still GMT; BST starts at 01:00 UTC).
    {
      ref: "EDGE-first",
      lot: 1,
      at: new Date("2026-03-29T00:00:00.000Z"),
      status: "placed",
      placedH: 30,
      deliveries: [
        d("acorn", [{ type: "offer", h: 0.25, pence: 95_050, decision: "approve" }]),
        d("birch", [{ type: "decline", h: 2, reason: "no_vacancy" }]),
        // The webhook timed out on every attempt, yet the provider got it and answered: not "delivered", so
        // this answer is not in its response rate (its decline still counts).
        d("formula", [{ type: "decline", h: 5, reason: "outside_area" }], "failed"),
      ],
    },
    // The last moment of the period: 23:59:59.999 on 30 June in London (BST), 22:59:59.999 UTC.
    {
      ref: "EDGE-last",
      lot: 2,
      at: new Date("2026-06-30T22:59:59.999Z"),
      status: "awaiting_second_approval",
      deliveries: [d("cedar", [{ type: "offer", h: 3, pence: 750_000, decision: "approve" }]), d("elm", [])],
    },
    // Midnight on 1 July in London (BST) is still 30 June in UTC. Excluded.
    {
      ref: "EDGE-after",
      lot: 2,
      at: new Date("2026-06-30T23:00:00.000Z"),
      status: "placed",
      placedH: 2,
      deliveries: [
        d("cedar", [richOffer(1)]),
        d("elm", [{ type: "decline", h: 1, reason: "matching_concerns" }]),
        d("unused", [{ type: "question", h: 1 }]),
      ],
    },
    // A lot whose only referral is outside the period: it must not appear.
    {
      ref: "EDGE-old-lot",
      lot: 9,
      at: new Date("2026-01-15T12:00:00Z"),
      status: "withdrawn",
      deliveries: [d("unused", [{ type: "decline", h: 1, reason: "no_vacancy" }])],
    },
    // A draft inside the period was never sent to anyone: not "raised".
    { ref: "EDGE-draft", lot: 3, at: new Date("2026-05-01T10:00:00Z"), status: "draft", deliveries: [] },
    // An offer whose approval the senior approver turned down (now a reject): no approved cost.
    {
      ref: "EDGE-second-rejected",
      lot: 3,
      at: new Date("2026-05-02T10:00:00Z"),
      status: "offers_received",
      deliveries: [d("elm", [{ type: "offer", h: 12.5, pence: 600_000, decision: "reject" }])],
    },
  );
  return out;
}

export interface Seeded {
  lotIds: Map<number, number>;
  providerIds: Map<string, string>;
}

/** Writes the fixture through Prisma, with every timestamp set explicitly. */
export async function seedFixture(db: Db, fixture: FxReferral[]): Promise<Seeded> {
  const lotIds = new Map<number, number>();
  for (const lot of LOTS) lotIds.set(lot.number, (await db.lot.create({ data: lot })).id);
  const providerIds = new Map<string, string>();
  for (const p of PROVIDERS) {
    const id = randomUUID();
    providerIds.set(p.key, id);
    await db.provider.create({ data: { id, name: p.name, email: `${p.key}@report.example` } });
  }
  const referrals = [];
  const rounds = [];
  const deliveries = [];
  const responses = [];
  const decisions = [];
  for (const f of fixture) {
    const referralId = randomUUID();
    const at = f.at.getTime();
    referrals.push({
      id: referralId,
      reference: f.ref,
      lotId: lotIds.get(f.lot)!,
      status: f.status,
      ageYears: 15,
      gender: "male",
      needCodes: ["SEMH"],
      ehcp: true,
      legalStatus: "s20",
      area: "PE1",
      urgency: "standard" as const,
      requiredBy: new Date(at + 30 * 24 * H),
      summary: `${SUMMARY_CANARY} ${f.ref}`,
      restrictedEnvelope: "v1.none.not-a-real-envelope",
      createdBy: "test:report-fixture",
      createdAt: f.at,
      placedAt: f.placedH === undefined ? null : new Date(at + f.placedH * H),
    });
    const roundIds = new Map<number, string>();
    for (const number of new Set(f.deliveries.map((d) => d.round))) {
      const id = randomUUID();
      roundIds.set(number, id);
      const openedAt = new Date(at + (number - 1) * 168 * H);
      rounds.push({ id, referralId, number, openedAt, closesAt: new Date(openedAt.getTime() + 168 * H) });
    }
    for (const d of f.deliveries) {
      const deliveryId = randomUUID();
      deliveries.push({
        id: deliveryId,
        roundId: roundIds.get(d.round)!,
        providerId: providerIds.get(d.provider)!,
        channel: "email" as const,
        state: d.state,
        tokenHash: createHash("sha256").update(deliveryId).digest("hex"),
        tokenExpiresAt: new Date(at + 400 * H),
        deliveredAt: d.state === "delivered" ? new Date(at + ((d.round - 1) * 168 + 0.01) * H) : null,
      });
      for (const r of d.responses) {
        const responseId = randomUUID();
        responses.push({
          id: responseId,
          deliveryId,
          referralId,
          providerId: providerIds.get(d.provider)!,
          type: r.type,
          idempotencyKey: responseId,
          createdAt: new Date(at + r.h * H),
          ...(r.type === "offer"
            ? { weeklyCostPence: r.pence, startDate: new Date(at + 14 * 24 * H), needsMet: "Met in full." }
            : r.type === "decline"
              ? { declineReason: r.reason }
              : { question: "Is there a sibling?" }),
        });
        if (r.type === "offer" && r.decision) {
          decisions.push({
            referralId,
            responseId,
            kind: r.decision,
            decidedBy: "test:art",
            decidedAt: new Date(at + (f.placedH ?? r.h + 1) * H),
          });
        }
      }
    }
  }
  await db.referral.createMany({ data: referrals });
  await db.round.createMany({ data: rounds });
  await db.delivery.createMany({ data: deliveries });
  await db.response.createMany({ data: responses });
  await db.decision.createMany({ data: decisions });
  return { lotIds, providerIds };
}

const londonDay = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Europe/London",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});
const round2 = (n: number) => Math.round(n * 100) / 100;

type Figures = PlacementReport["overall"];

function figuresOf(refs: FxReferral[]): Figures {
  const offersOf = (f: FxReferral) => f.deliveries.flatMap((d) => d.responses).filter((r) => r.type === "offer");
  const firstOffer = refs.filter((f) => offersOf(f).length).map((f) => Math.min(...offersOf(f).map((o) => o.h)));
  const placed = refs.filter((f) => f.status === "placed");
  const toPlacement = placed.map((f) => f.placedH!);
  const offerCounts = refs.map((f) => offersOf(f).length);
  const approvedPence = placed.map((f) => {
    const approved = offersOf(f).filter((o) => o.type === "offer" && o.decision === "approve");
    if (approved.length !== 1) throw new Error(`fixture: ${f.ref} is placed without exactly one approval`);
    return (approved[0] as { pence: number }).pence;
  });
  const count = (s: Status) => refs.filter((f) => f.status === s).length;
  const totalPence = approvedPence.reduce((a, b) => a + b, 0);
  return {
    referrals: {
      raised: refs.length,
      placed: count("placed"),
      withdrawn: count("withdrawn"),
      expired: count("expired"),
      open: count("open") + count("offers_received") + count("awaiting_second_approval") + count("recirculated"),
    },
    hoursToFirstOffer: {
      count: firstOffer.length,
      median: percentile(firstOffer, 50),
      p90: percentile(firstOffer, 90),
    },
    hoursToPlacement: {
      count: toPlacement.length,
      median: percentile(toPlacement, 50),
      p90: percentile(toPlacement, 90),
    },
    offersPerReferral: {
      mean: refs.length ? round2(offerCounts.reduce((a, b) => a + b, 0) / refs.length) : null,
      median: percentile(offerCounts, 50),
    },
    approvedCost: {
      count: approvedPence.length,
      totalWeeklyGbp: round2(totalPence / 100),
      meanWeeklyGbp: approvedPence.length ? round2(totalPence / approvedPence.length / 100) : null,
    },
  };
}

/** The report for the period, worked out from the fixture. Providers are in id order (the report's order is by name). */
export function expectedReport(
  fixture: FxReferral[],
  seeded: Seeded,
  period: { from: string; to: string },
): Omit<PlacementReport, "asOf"> {
  const cohort = fixture.filter((f) => {
    const day = londonDay.format(f.at);
    return f.status !== "draft" && day >= period.from && day <= period.to;
  });
  const lotNumbers = [...new Set(cohort.map((f) => f.lot))].sort((a, b) => a - b);
  const providers = new Map<string, PlacementReport["providers"][number]>();
  for (const f of cohort) {
    for (const d of f.deliveries) {
      const id = seeded.providerIds.get(d.provider)!;
      const p = providers.get(id) ?? {
        provider: { id, name: PROVIDERS.find((x) => x.key === d.provider)!.name },
        deliveries: 0,
        delivered: 0,
        responded: 0,
        responseRate: null,
        declines: {
          total: 0,
          byReason: Object.fromEntries(DECLINE_CODES.map((c) => [c, 0])) as Record<DeclineCode, number>,
        },
      };
      p.deliveries += 1;
      if (d.state === "delivered") {
        p.delivered += 1;
        if (d.responses.length) p.responded += 1;
      }
      for (const r of d.responses) {
        if (r.type !== "decline") continue;
        p.declines.total += 1;
        p.declines.byReason[r.reason] += 1;
      }
      providers.set(id, p);
    }
  }
  for (const p of providers.values())
    p.responseRate = p.delivered ? Math.round((p.responded / p.delivered) * 10_000) / 10_000 : null;
  return {
    period: { ...period, timeZone: "Europe/London" },
    overall: figuresOf(cohort),
    byLot: lotNumbers.map((n) => ({
      lot: LOTS.find((l) => l.number === n)!,
      ...figuresOf(cohort.filter((f) => f.lot === n)),
    })),
    providers: [...providers.values()].sort((a, b) => (a.provider.id < b.provider.id ? -1 : 1)),
  };
}
