import { describe, expect, it } from "vitest";
import { nearestRank, percentile } from "../../src/reporting/percentile.js";

describe("nearest-rank percentile", () => {
  it("picks the ceil(p/100 * n)-th smallest value, never an interpolation", () => {
    const ten = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
    expect(percentile(ten, 50)).toBe(5); // rank 5 of 10: the lower of the middle two
    expect(percentile(ten, 90)).toBe(9); // rank 9
    expect(percentile(ten, 91)).toBe(10); // ceil(9.1) = 10
    expect(percentile(ten, 100)).toBe(10);
    expect(percentile(ten, 1)).toBe(1);
    expect(percentile([3, 1, 2], 50)).toBe(2); // odd n: the middle value
    expect(percentile([1.5, 0.25], 50)).toBe(0.25);
  });

  it("has one value's percentiles all equal to it, and none for no values", () => {
    expect(percentile([42], 50)).toBe(42);
    expect(percentile([42], 90)).toBe(42);
    expect(percentile([], 50)).toBeNull();
  });

  it("keeps repeated values and does not change its input", () => {
    const values = [5, 5, 5, 1];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 25)).toBe(1);
    expect(values).toEqual([5, 5, 5, 1]);
  });

  it("gets exact ranks where a floating-point fraction would not (0.07 * 100 is 7.000000000000001)", () => {
    expect(Math.ceil(0.07 * 100)).toBe(8);
    expect(nearestRank(100, 7)).toBe(7);
    expect(nearestRank(30, 90)).toBe(27);
    expect(nearestRank(10, 90)).toBe(9);
    expect(nearestRank(11, 90)).toBe(10);
    expect(nearestRank(1, 90)).toBe(1);
    expect(nearestRank(4, 50)).toBe(2);
    expect(nearestRank(5, 50)).toBe(3);
    for (let n = 1; n <= 1000; n++) {
      const k = nearestRank(n, 90);
      // The defining property: the smallest k with k/n >= 0.9, i.e. 10k >= 9n.
      expect(10 * k >= 9 * n && 10 * (k - 1) < 9 * n).toBe(true);
    }
  });

  it("refuses a percentile outside (0, 100] and an empty rank", () => {
    expect(() => nearestRank(5, 0)).toThrow(RangeError);
    expect(() => nearestRank(5, 101)).toThrow(RangeError);
    expect(() => nearestRank(0, 50)).toThrow(RangeError);
  });
});
