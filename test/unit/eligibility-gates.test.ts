// The matching rules beyond registration: Ofsted, tier, vacancy-first (full / no confirmed vacancy), the round's
// gate over time, and the card's summary line.
import { describe, expect, it } from "vitest";
import {
  exclusionsFor,
  type ProviderForMatching,
  type ReferralForMatching,
  type VacancyForMatching,
} from "../../src/matching/eligibility.js";
import { gateAt, gateText, isWider, OPEN_GATE, widerGate } from "../../src/matching/gate.js";
import { reachOf, reachText } from "../../src/matching/reach.js";

const freshSince = new Date("2026-11-16T09:00:00Z");

const vacancy = (over: Partial<VacancyForMatching> = {}): VacancyForMatching => ({
  lotNumber: 1,
  placementType: null,
  ageMin: 0,
  ageMax: 18,
  areas: [],
  count: 1,
  lastConfirmedAt: new Date("2026-11-29T09:00:00Z"),
  ...over,
});

const provider = (over: Partial<ProviderForMatching> = {}): ProviderForMatching => ({
  id: "p1",
  name: "Fenland Foster Care Ltd",
  status: "active",
  lotNumbers: [1],
  genders: [],
  ageMin: 0,
  ageMax: 18,
  needsCovered: ["SEMH"],
  areas: [],
  tier: 1,
  ofstedGrade: "Good",
  vacancies: [vacancy()],
  ...over,
});

const child: ReferralForMatching = { lotNumber: 1, ageYears: 10, gender: "female", needCodes: ["SEMH"], area: "PE1" };
const vacancyFirst = { vacancyOnly: true, vacancyFreshSince: freshSince };
const codes = (p: ProviderForMatching, rules = {}, r: ReferralForMatching = child) =>
  exclusionsFor(p, r, rules).map((e) => e.code);

describe("Ofsted rule", () => {
  it("excludes an inadequate provider only when the gate is on, with the reason", () => {
    const p = provider({ ofstedGrade: "Inadequate" });
    expect(codes(p)).toEqual([]);
    expect(codes(p, { excludeInadequate: false })).toEqual([]);
    expect(exclusionsFor(p, child, { excludeInadequate: true })).toEqual([
      { code: "ofsted", reason: "Rated inadequate by Ofsted (OFSTED_EXCLUDE_INADEQUATE)" },
    ]);
  });
  it("keeps every other grade and providers never inspected", () => {
    for (const g of ["Outstanding", "Good", "Requires improvement", "Not yet inspected", null]) {
      expect(codes(provider({ ofstedGrade: g }), { excludeInadequate: true })).toEqual([]);
    }
  });
});

describe("tier rule", () => {
  it("holds back providers above the gate's tier until it widens", () => {
    const p = provider({ tier: 2 });
    expect(codes(p, { maxTier: 1 })).toEqual(["tier_later"]);
    expect(exclusionsFor(p, child, { maxTier: 1 })[0]?.reason).toBe(
      "Tier 2: offered once the tier 1 head start is over",
    );
    expect(codes(p, { maxTier: 2 })).toEqual([]);
    expect(codes(p, { maxTier: null })).toEqual([]);
    expect(codes(provider({ tier: undefined }), { maxTier: 1 })).toEqual([]);
  });
});

describe("vacancy-first rule", () => {
  it("sends to a provider with a fresh vacancy that fits the child", () => {
    expect(codes(provider(), vacancyFirst)).toEqual([]);
  });
  it("ignores vacancies when vacancy-first is off", () => {
    expect(codes(provider({ vacancies: [] }))).toEqual([]);
  });
  it("says no confirmed vacancy when nothing was declared on the lot, or only long ago", () => {
    expect(codes(provider({ vacancies: [] }), vacancyFirst)).toEqual(["no_vacancy"]);
    expect(codes(provider({ vacancies: [vacancy({ lotNumber: 2 })] }), vacancyFirst)).toEqual(["no_vacancy"]);
    const stale = provider({ vacancies: [vacancy({ lastConfirmedAt: new Date("2026-11-01T00:00:00Z") })] });
    expect(exclusionsFor(stale, child, vacancyFirst)).toEqual([
      { code: "no_vacancy", reason: "No vacancy on Lot 1 (Independent Fostering Agencies) confirmed since 2026-11-16" },
    ]);
  });
  it("says full when the provider declared no free place", () => {
    const full = provider({ vacancies: [vacancy({ count: 0 })] });
    expect(exclusionsFor(full, child, vacancyFirst)).toEqual([
      { code: "full", reason: "Declared full on Lot 1 (Independent Fostering Agencies) (confirmed 2026-11-29)" },
    ]);
  });
  it("says full (for this child) when the free places do not fit age, area or placement type", () => {
    expect(codes(provider({ vacancies: [vacancy({ ageMin: 12, ageMax: 17 })] }), vacancyFirst)).toEqual(["full"]);
    expect(codes(provider({ vacancies: [vacancy({ areas: ["CB"] })] }), vacancyFirst)).toEqual(["full"]);
    expect(codes(provider({ vacancies: [vacancy({ areas: ["PE"] })] }), vacancyFirst)).toEqual([]);
    const residential = provider({ vacancies: [vacancy({ placementType: "residential" })] });
    expect(codes(residential, vacancyFirst, { ...child, placementType: "foster" })).toEqual(["full"]);
    expect(codes(residential, vacancyFirst, { ...child, placementType: "residential" })).toEqual([]);
    expect(codes(residential, vacancyFirst)).toEqual([]);
  });
  it("lists every reason in order: registration, Ofsted, tier, vacancy", () => {
    const p = provider({ status: "suspended", ofstedGrade: "Inadequate", tier: 3, vacancies: [] });
    expect(codes(p, { ...vacancyFirst, excludeInadequate: true, maxTier: 1 })).toEqual([
      "not_active",
      "ofsted",
      "tier_later",
      "no_vacancy",
    ]);
  });
});

describe("the round's gate", () => {
  const config = { TIER_HEAD_START_HOURS: 24, TIER_HEAD_START_EMERGENCY_MINUTES: 60, VACANCY_FIRST_HOURS: 0 };
  const opened = new Date("2026-11-30T09:00:00Z");
  const at = (hours: number) => new Date(opened.getTime() + hours * 3_600_000);
  const round = { number: 1, openedAt: opened, urgency: "standard" as const };

  it("is open at once with the defaults when every provider is on tier 1 (today's behaviour)", () => {
    expect(gateAt(round, opened, 1, config)).toEqual(OPEN_GATE);
  });
  it("adds a tier after each head start, up to every tier", () => {
    expect(gateAt(round, at(0), 3, config)).toEqual({ tier: 1, vacancyOnly: false });
    expect(gateAt(round, at(23.9), 3, config)).toEqual({ tier: 1, vacancyOnly: false });
    expect(gateAt(round, at(24), 3, config)).toEqual({ tier: 2, vacancyOnly: false });
    expect(gateAt(round, at(48), 3, config)).toEqual(OPEN_GATE);
  });
  it("counts emergencies' head start in minutes", () => {
    const emergency = { ...round, urgency: "emergency" as const };
    expect(gateAt(emergency, at(0.5), 2, config)).toEqual({ tier: 1, vacancyOnly: false });
    expect(gateAt(emergency, at(1), 2, config)).toEqual(OPEN_GATE);
  });
  it("with no head start, offers every tier at once", () => {
    expect(gateAt(round, opened, 3, { ...config, TIER_HEAD_START_HOURS: 0 })).toEqual(OPEN_GATE);
  });
  it("is vacancy-only until VACANCY_FIRST_HOURS, then the whole lot whatever the tiers", () => {
    const vf = { ...config, VACANCY_FIRST_HOURS: 36 };
    expect(gateAt(round, at(1), 3, vf)).toEqual({ tier: 1, vacancyOnly: true });
    expect(gateAt(round, at(30), 3, vf)).toEqual({ tier: 2, vacancyOnly: true });
    expect(gateAt(round, at(36), 3, vf)).toEqual(OPEN_GATE);
    expect(gateAt(round, at(1), 1, vf)).toEqual({ tier: null, vacancyOnly: true });
  });
  it("leaves later rounds open: the head start was round 1's", () => {
    expect(gateAt({ ...round, number: 2 }, opened, 3, { ...config, VACANCY_FIRST_HOURS: 12 })).toEqual(OPEN_GATE);
  });
  it("knows which gate is wider and steps open one tier at a time", () => {
    expect(isWider({ tier: 2, vacancyOnly: false }, { tier: 1, vacancyOnly: false })).toBe(true);
    expect(isWider({ tier: 1, vacancyOnly: false }, { tier: 1, vacancyOnly: false })).toBe(false);
    expect(isWider(OPEN_GATE, { tier: null, vacancyOnly: true })).toBe(true);
    expect(isWider({ tier: 1, vacancyOnly: false }, OPEN_GATE)).toBe(false);
    expect(widerGate({ tier: 1, vacancyOnly: true }, 3)).toEqual({ tier: 2, vacancyOnly: true });
    expect(widerGate({ tier: 2, vacancyOnly: true }, 3)).toEqual({ tier: null, vacancyOnly: true });
    expect(widerGate({ tier: null, vacancyOnly: true }, 3)).toEqual(OPEN_GATE);
  });
  it("names the gate for the thread", () => {
    expect(gateText({ tier: 2, vacancyOnly: false })).toBe("tier 2");
    expect(gateText({ tier: 2, vacancyOnly: true })).toBe("tier 2 (confirmed vacancies only)");
    expect(gateText(OPEN_GATE)).toBe("the whole lot");
  });
});

describe("the card's summary line", () => {
  it("counts each excluded provider once, largest reason first", () => {
    const labels = [
      ...Array(9).fill("full"),
      ...Array(5).fill("out of area"),
      "Ofsted inadequate",
      "Ofsted inadequate",
      "suspended",
    ];
    expect(reachText(reachOf(31, 14, labels))).toBe(
      "sent to 14 of 31 on the lot: 9 full, 5 out of area, 2 Ofsted inadequate, 1 suspended",
    );
    expect(reachText(reachOf(3, 3, []))).toBe("sent to 3 of 3 on the lot");
  });
});
