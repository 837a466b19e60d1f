// The comparison's orders and where an offer is placed for its distance.
import { describe, expect, it } from "vitest";
import { comparedOfferFacts, comparisonSortText } from "../../src/chat/card-text.js";
import { offerDistrict, sortOffers } from "../../src/chat/compare.js";
import type { ComparedOffer } from "../../src/chat/port.js";

const offer = (providerName: string, weeklyCostGbp: number, startDate: string, distanceMiles: number | null) =>
  ({
    responseId: providerName,
    providerName,
    ofstedGrade: null,
    ofstedInspectedAt: null,
    weeklyCostGbp,
    startDate,
    distanceMiles,
    needsMet: "",
    responseMinutes: 5,
    actionable: true,
  }) satisfies ComparedOffer;

const offers = [
  offer("Far", 1000, "2026-12-01", 120),
  offer("Unknown", 900, "2026-12-03", null),
  offer("Near", 3000, "2026-12-05", 4),
  offer("Also unknown", 800, "2026-12-02", null),
  offer("Near too", 2000, "2026-12-04", 4),
];
const names = (list: ComparedOffer[]) => list.map((o) => o.providerName);

describe("Compare offers: sorts", () => {
  it("puts the nearest first, the cheaper first at the same distance, unknown distances last", () => {
    expect(names(sortOffers(offers, "distance"))).toEqual(["Near too", "Near", "Far", "Also unknown", "Unknown"]);
  });

  it("still sorts by cost and by start date", () => {
    expect(names(sortOffers(offers, "cost"))).toEqual(["Also unknown", "Unknown", "Far", "Near too", "Near"]);
    expect(names(sortOffers(offers, "start"))).toEqual(["Far", "Also unknown", "Unknown", "Near too", "Near"]);
  });

  it("says the distance, or that it is not known, and where distances are from", () => {
    expect(comparedOfferFacts(offers[0]!)).toContain("120 miles away");
    expect(comparedOfferFacts(offer("Same", 1, "2026-12-01", 1))).toContain("1 mile away");
    expect(comparedOfferFacts(offers[1]!)).toContain("distance not known");
    const heading = comparisonSortText({
      referralId: "r",
      reference: "ART-1",
      sort: "distance",
      fromArea: "LS6",
      offers,
    });
    expect(heading).toContain("nearest first");
    expect(heading).toContain("from LS6");
  });
});

describe("Compare offers: where an offer is", () => {
  it("takes the district given with the offer, else the provider's first served area when it is a district", () => {
    expect(offerDistrict("M1", ["LS6"])).toBe("M1");
    expect(offerDistrict(null, ["ls6", "M1"])).toBe("LS6");
    expect(offerDistrict(null, ["NR", "IP1"])).toBeNull(); // a postcode area has no one centre
    expect(offerDistrict(null, [])).toBeNull();
  });
});
