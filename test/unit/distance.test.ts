import { describe, expect, it } from "vitest";
import { districtCentroid, districtMiles, haversineMiles } from "../../src/domain/distance.js";

describe("postcode district distances", () => {
  it("finds a district's centroid in the shipped dataset, whatever its case or spacing", () => {
    const [lat, lon] = districtCentroid("SW1A")!;
    // Westminster: within a mile or so of Parliament (51.4995, -0.1248).
    expect(lat).toBeCloseTo(51.5, 1);
    expect(lon).toBeCloseTo(-0.13, 1);
    expect(districtCentroid(" sw1a ")).toEqual([lat, lon]);
    expect(districtCentroid("ZE1")![0]).toBeGreaterThan(60); // Lerwick, Shetland
    // Great Britain only: Northern Ireland's postcode coordinates are not under the Open Government Licence.
    expect(districtCentroid("BT1")).toBeNull();
  });

  it("answers null for an unknown district or something that is not one", () => {
    expect(districtCentroid("ZZ9")).toBeNull(); // a valid shape, but no such district
    expect(districtCentroid("SW1A 1AA")).toBeNull(); // a full postcode is not a district
    expect(districtCentroid("constructor")).toBeNull();
    expect(districtCentroid("")).toBeNull();
    expect(districtMiles("SW1A", "ZZ9")).toBeNull();
    expect(districtMiles("nowhere", "M1")).toBeNull();
  });

  it("measures great-circle miles (haversine)", () => {
    expect(haversineMiles([51.5, -0.13], [51.5, -0.13])).toBe(0);
    // One degree of latitude is 69.1 miles on a 3958.8-mile sphere.
    expect(haversineMiles([51, 0], [52, 0])).toBeCloseTo(69.09, 1);
    // London to Paris, a well-known 213 miles or so.
    expect(Math.round(haversineMiles([51.5074, -0.1278], [48.8566, 2.3522]))).toBe(213);
  });

  it("rounds district to district distances to the mile", () => {
    expect(districtMiles("SW1A", "SW1A")).toBe(0);
    // Central London to central Manchester is about 163 miles as the crow flies.
    expect(districtMiles("SW1A", "M1")).toBeGreaterThanOrEqual(160);
    expect(districtMiles("SW1A", "M1")).toBeLessThanOrEqual(166);
    expect(districtMiles("M1", "SW1A")).toBe(districtMiles("SW1A", "M1"));
    expect(Number.isInteger(districtMiles("LS1", "BS1"))).toBe(true);
  });
});
