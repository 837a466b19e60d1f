// The one percentile definition the reports use: NEAREST-RANK.
//
//   Sort the n values ascending, x[1] <= x[2] <= ... <= x[n]. The p-th percentile (0 < p <= 100) is x[k] with
//   k = ceil(p / 100 * n): always one of the values themselves, never an interpolation between two.
//   So the median (p = 50) of an even number of values is the lower of the middle two, and p90 of 10 values is the
//   9th smallest. With no values there is no percentile (null).
//
// PostgreSQL's percentile_disc(fraction) means the same ("the first value whose position in the ordering equals
// or exceeds the fraction") but takes the rank as ceil(fraction * n) in floating point. For the two fractions
// the SQL in this folder uses, 0.5 and 0.9, that is always the exact rank (0.5 * n is exact; 0.9 * n rounds to
// the whole number whenever 9n/10 is one), so the SQL and this function agree; the tests check that they do.

/** k = ceil(p * n / 100). With a whole-number p, p * n is exact (ceil(0.07 * 100) would give 8, this gives 7). */
export function nearestRank(n: number, p: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError("nearestRank: n must be a whole number of at least 1");
  if (!(p > 0 && p <= 100)) throw new RangeError("nearestRank: p must be more than 0 and at most 100");
  return Math.max(1, Math.ceil((p * n) / 100));
}

/** The nearest-rank p-th percentile of the values (in any order); null when there are none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[nearestRank(sorted.length, p) - 1]!;
}
