import { describe, expect, it } from "vitest";
import { NEED_CODES } from "../../src/domain/vocabulary.js";
import {
  type ExclusionCode,
  exclusionsFor,
  matchProviders,
  type ProviderForMatching,
  type ReferralForMatching,
  servesArea,
} from "../../src/matching/eligibility.js";

// A provider that takes the base referral below; each test changes one thing.
const provider = (over: Partial<ProviderForMatching> = {}): ProviderForMatching => ({
  id: "p1",
  name: "Fenland Foster Care Ltd",
  status: "active",
  lotNumbers: [1],
  genders: [],
  ageMin: 0,
  ageMax: 18,
  needsCovered: ["ASD", "SEMH"],
  areas: [],
  ...over,
});

const referral = (over: Partial<ReferralForMatching> = {}): ReferralForMatching => ({
  lotNumber: 1,
  ageYears: 10,
  gender: "female",
  needCodes: ["SEMH"],
  area: "PE1",
  ...over,
});

const codes = (p: ProviderForMatching, r: ReferralForMatching): ExclusionCode[] =>
  exclusionsFor(p, r).map((e) => e.code);

describe("NEED_CODES", () => {
  it("lists the 12 need codes once each", () => {
    expect(NEED_CODES).toHaveLength(12);
    expect(new Set(NEED_CODES).size).toBe(12);
    expect(NEED_CODES).toContain("SEMH");
  });
});

describe("exclusionsFor", () => {
  it("returns no reasons for a provider that fits every rule", () => {
    expect(exclusionsFor(provider(), referral())).toEqual([]);
  });

  describe("lot", () => {
    it("includes a provider on the referral's lot among several", () => {
      expect(codes(provider({ lotNumbers: [2, 1, 3] }), referral())).toEqual([]);
    });

    it("excludes a provider not on the lot and names the lot", () => {
      const [e] = exclusionsFor(provider({ lotNumbers: [1, 3] }), referral({ lotNumber: 2 }));
      expect(e).toEqual({ code: "not_on_lot", reason: "Not on Lot 2 (Residential Children's Homes)" });
    });

    it("excludes a provider with no lots", () => {
      expect(codes(provider({ lotNumbers: [] }), referral())).toEqual(["not_on_lot"]);
    });
  });

  describe("status", () => {
    it.each(["suspended", "removed"] as const)("excludes a %s provider", (status) => {
      const reasons = exclusionsFor(provider({ status }), referral());
      expect(reasons).toEqual([{ code: "not_active", reason: `Provider is ${status} on the DPS` }]);
    });
  });

  describe("gender", () => {
    it("treats an empty genders list as any gender", () => {
      for (const gender of ["female", "male", "non-binary"]) {
        expect(codes(provider({ genders: [] }), referral({ gender }))).toEqual([]);
      }
    });

    it("includes a listed gender", () => {
      expect(codes(provider({ genders: ["female", "non-binary"] }), referral({ gender: "non-binary" }))).toEqual([]);
    });

    it("excludes an unlisted gender with a readable reason", () => {
      const reasons = exclusionsFor(provider({ genders: ["female"] }), referral({ gender: "male" }));
      expect(reasons).toEqual([{ code: "gender", reason: "Registered for female only; child is male" }]);
    });

    it("compares case-insensitively", () => {
      expect(codes(provider({ genders: ["Female"] }), referral({ gender: "FEMALE" }))).toEqual([]);
      expect(codes(provider({ genders: ["MALE"] }), referral({ gender: "Female" }))).toEqual(["gender"]);
    });
  });

  describe("age", () => {
    const p = provider({ ageMin: 8, ageMax: 17 });

    it("includes ages exactly at the minimum and maximum", () => {
      expect(codes(p, referral({ ageYears: 8 }))).toEqual([]);
      expect(codes(p, referral({ ageYears: 17 }))).toEqual([]);
    });

    it("excludes one year under the minimum", () => {
      expect(exclusionsFor(p, referral({ ageYears: 7 }))).toEqual([
        { code: "age", reason: "Registered for ages 8-17; child is 7" },
      ]);
    });

    it("excludes one year over the maximum", () => {
      expect(exclusionsFor(p, referral({ ageYears: 18 }))).toEqual([
        { code: "age", reason: "Registered for ages 8-17; child is 18" },
      ]);
    });

    it("handles a single-age range and age 0", () => {
      expect(codes(provider({ ageMin: 0, ageMax: 0 }), referral({ ageYears: 0 }))).toEqual([]);
      expect(codes(provider({ ageMin: 16, ageMax: 16 }), referral({ ageYears: 17 }))).toEqual(["age"]);
    });
  });

  describe("needs", () => {
    it("includes when every need is covered", () => {
      const p = provider({ needsCovered: ["ASD", "SEMH", "SLCN"] });
      expect(codes(p, referral({ needCodes: ["ASD", "SLCN"] }))).toEqual([]);
    });

    it("excludes when any need is missing and lists only the missing ones", () => {
      const p = provider({ needsCovered: ["ASD"] });
      expect(exclusionsFor(p, referral({ needCodes: ["ASD", "SEMH", "PMLD"] }))).toEqual([
        { code: "needs", reason: "Does not cover needs SEMH, PMLD" },
      ]);
    });

    it("uses the singular for one missing need", () => {
      const [e] = exclusionsFor(provider({ needsCovered: ["ASD"] }), referral({ needCodes: ["SEMH"] }));
      expect(e?.reason).toBe("Does not cover need SEMH");
    });

    it("treats empty needsCovered as covering nothing", () => {
      expect(codes(provider({ needsCovered: [] }), referral({ needCodes: ["OTH"] }))).toEqual(["needs"]);
    });

    it("passes a referral with no needs, even against a provider with none declared", () => {
      expect(codes(provider({ needsCovered: [] }), referral({ needCodes: [] }))).toEqual([]);
    });

    it("compares need codes case-insensitively and ignores duplicates", () => {
      expect(codes(provider({ needsCovered: ["semh"] }), referral({ needCodes: ["SEMH", "Semh"] }))).toEqual([]);
      const [e] = exclusionsFor(provider({ needsCovered: [] }), referral({ needCodes: ["asd", "ASD"] }));
      expect(e?.reason).toBe("Does not cover need ASD");
    });
  });

  describe("area", () => {
    it("treats empty areas as serving everywhere", () => {
      expect(codes(provider({ areas: [] }), referral({ area: "ZE3" }))).toEqual([]);
    });

    it("excludes an area not served and says what is served", () => {
      expect(exclusionsFor(provider({ areas: ["CB", "PE2"] }), referral({ area: "PE1" }))).toEqual([
        { code: "area", reason: "Does not serve PE1 (serves CB, PE2)" },
      ]);
    });
  });

  it("reports every failing rule, in ExclusionCode order", () => {
    const p = provider({
      status: "suspended",
      lotNumbers: [4],
      genders: ["male"],
      ageMin: 16,
      ageMax: 25,
      needsCovered: [],
      areas: ["CB"],
    });
    const r = referral({ lotNumber: 2, gender: "female", ageYears: 12, needCodes: ["SEMH"], area: "PE13" });
    expect(codes(p, r)).toEqual(["not_on_lot", "not_active", "gender", "age", "needs", "area"]);
  });

  it("reports two independent failures together", () => {
    expect(codes(provider({ ageMin: 11, genders: ["male"] }), referral({ ageYears: 9 }))).toEqual(["gender", "age"]);
  });

  it("keeps reasons to the anonymised profile", () => {
    const p = provider({ name: "Secret Name Ltd", id: "prov-xyz", lotNumbers: [3], status: "removed" });
    for (const e of exclusionsFor(p, referral())) {
      expect(e.reason).not.toMatch(/Secret Name|prov-xyz/);
    }
  });
});

describe("servesArea (postcode prefixes)", () => {
  it.each([
    // [provider areas, referral area, expected]
    [["PE"], "PE1", true],
    [["PE"], "PE13", true],
    [["PE1"], "PE1", true],
    [["PE1"], "PE13", false],
    [["PE13"], "PE1", false],
    [["P"], "PE1", false],
    [["E"], "EC1A", false],
    [["EC"], "EC1A", true],
    [["W"], "W1A", true],
    [["CB"], "CB22", true],
    [["CB2"], "CB22", false],
    [["PE1", "PE2", "PE3"], "PE2", true],
    [["PE1", "PE2", "PE3"], "PE4", false],
    [["pe"], "pe1", true],
    [["Pe1"], "PE1", true],
    [["CAMBRIDGESHIRE"], "cambridgeshire", true],
    // An area name is not a district, so a short token must not prefix-match it.
    [["PE"], "Peterborough", false],
    [["PETERBOROUGH"], "PE1", false],
    [[" PE "], " PE7 ", true],
  ] as const)("%j serves %s: %s", (areas, area, expected) => {
    expect(servesArea([...areas], area)).toBe(expected);
  });

  it("applies the same rule inside exclusionsFor", () => {
    expect(codes(provider({ areas: ["PE1"] }), referral({ area: "PE13" }))).toEqual(["area"]);
    expect(codes(provider({ areas: ["PE"] }), referral({ area: "PE13" }))).toEqual([]);
  });
});

describe("matchProviders", () => {
  // 20 providers: the first 6 fit the referral, the rest each break at least one rule.
  const r = referral({ lotNumber: 2, ageYears: 14, gender: "female", needCodes: ["SEMH", "SLCN"], area: "PE7" });
  const base = { lotNumbers: [2], ageMin: 11, ageMax: 17, needsCovered: ["SEMH", "SLCN"], areas: ["PE"] };
  type Tagged = ProviderForMatching & { ofstedGrade: string };
  const make = (id: number, over: Partial<ProviderForMatching>): Tagged => ({
    ...provider({ ...base, ...over, id: `p${id}`, name: `Provider ${id}` }),
    ofstedGrade: "Good",
  });
  const providers: Tagged[] = [
    make(1, {}),
    make(2, { lotNumbers: [1, 2, 3] }),
    make(3, { genders: ["female"] }),
    make(4, { areas: [] }),
    make(5, { ageMin: 14, ageMax: 14 }),
    make(6, { needsCovered: [...NEED_CODES], areas: ["PE7", "CB"] }),
    make(7, { lotNumbers: [1] }),
    make(8, { status: "suspended" }),
    make(9, { status: "removed" }),
    make(10, { genders: ["male"] }),
    make(11, { ageMin: 15 }),
    make(12, { ageMax: 13 }),
    make(13, { needsCovered: ["SEMH"] }),
    make(14, { needsCovered: [] }),
    make(15, { areas: ["CB"] }),
    make(16, { areas: ["PE1"] }),
    make(17, { areas: ["P"] }),
    make(18, { lotNumbers: [5], status: "suspended" }),
    make(19, { genders: ["male"], ageMin: 16, areas: ["CB"] }),
    make(20, { lotNumbers: [], needsCovered: [], areas: ["NR"] }),
  ];

  const result = matchProviders(providers, r);
  const ids = (ps: { id: string }[]) => ps.map((p) => p.id);

  it("partitions every provider exactly once, preserving order", () => {
    expect(result.eligible.length + result.excluded.length).toBe(20);
    expect(ids(result.eligible)).toEqual(["p1", "p2", "p3", "p4", "p5", "p6"]);
    expect(ids(result.excluded.map((x) => x.provider))).toEqual(Array.from({ length: 14 }, (_, i) => `p${i + 7}`));
  });

  it("gives each excluded provider the expected reasons", () => {
    const byId = Object.fromEntries(result.excluded.map((x) => [x.provider.id, x.reasons.map((e) => e.code)]));
    expect(byId).toEqual({
      p7: ["not_on_lot"],
      p8: ["not_active"],
      p9: ["not_active"],
      p10: ["gender"],
      p11: ["age"],
      p12: ["age"],
      p13: ["needs"],
      p14: ["needs"],
      p15: ["area"],
      p16: ["area"],
      p17: ["area"],
      p18: ["not_on_lot", "not_active"],
      p19: ["gender", "age", "area"],
      p20: ["not_on_lot", "needs", "area"],
    });
  });

  it("returns the caller's own provider objects (extra fields kept)", () => {
    expect(result.eligible[0]).toBe(providers[0]);
    expect(result.excluded[0]?.provider.ofstedGrade).toBe("Good");
  });

  it("handles an empty provider list", () => {
    expect(matchProviders([], r)).toEqual({ eligible: [], excluded: [] });
  });
});
