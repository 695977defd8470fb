/**
 * The u8 intensity scale of order-book frames, and the distribution statistics stored
 * beside it. One place: the accumulator encodes with it, readers (re-bucketing, API,
 * inspect) decode with it.
 *
 *   u8(x) = 0                                  when x ≤ 0 (no resting liquidity)
 *   u8(x) = min(255, 1 + ⌊254 · √(x / ref)⌋)   otherwise
 *
 * x is a bucket's time-weighted resting notional (USD); ref is the p99 of the frame's
 * non-zero bid AND ask buckets together, so both sides share one scale. The map is
 * monotonic (non-decreasing in x), any liquidity shows as ≥ 1, and ref and above
 * saturate at 255 (the top 1 % of buckets). The square root because depth per bucket is
 * heavy-tailed: a median bucket at 1/16 of p99 still lands near 64, where the PoC's
 * (x − p50)/(p95 − p50) sent every bucket at or below the median to 0 (POC-FACTS 2.7a).
 *
 * Inverse, at the centre of each step in √ space: x ≈ ref · ((u − 0.5) / 254)² for
 * 1 ≤ u ≤ 254; for 255 the frame's stored mean of its saturated buckets (so their total
 * survives re-bucketing), or ref, a lower bound, when unknown.
 */

/** Scaling id stored in the frame's extension block. */
export const SCALING_SQRT_P99 = 1;
export const U8_MAX = 255;

export function intensityU8(x: number, ref: number): number {
  if (!(x > 0) || !(ref > 0)) return 0;
  const u = 1 + Math.floor(254 * Math.sqrt(x / ref));
  return u > U8_MAX ? U8_MAX : u;
}

export function notionalOfU8(u: number, ref: number, saturatedMean = ref): number {
  if (u <= 0 || !(ref > 0)) return 0;
  if (u >= U8_MAX) return saturatedMean > ref ? saturatedMean : ref;
  const r = (u - 0.5) / 254;
  return ref * r * r;
}

/** Encode `values[0, n)` into `out` with one reference. */
export function encodeIntensities(values: ArrayLike<number>, n: number, ref: number, out: Uint8Array): Uint8Array {
  for (let i = 0; i < n; i++) out[i] = intensityU8(values[i]!, ref);
  return out;
}

/** Mean of the values that encode to 255 with `ref` (x ≥ ref), over `a[0, na)` and `b[0, nb)`; 0 when none. */
export function saturatedMeanOf(a: ArrayLike<number>, na: number, b: ArrayLike<number>, nb: number, ref: number): number {
  if (!(ref > 0)) return 0;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < na; i++) if (intensityU8(a[i]!, ref) === U8_MAX) (sum += a[i]!), n++;
  for (let i = 0; i < nb; i++) if (intensityU8(b[i]!, ref) === U8_MAX) (sum += b[i]!), n++;
  return n === 0 ? 0 : sum / n;
}

export interface Distribution {
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  /** Non-zero values the percentiles were taken over. */
  readonly count: number;
}

export const EMPTY_DISTRIBUTION: Distribution = { p50: 0, p90: 0, p95: 0, p99: 0, max: 0, count: 0 };

/**
 * Percentiles (linear interpolation between closest ranks, numpy's default) and maximum
 * of the positive values of `a[0, na)` and `b[0, nb)` together (pass nb = 0 for one side).
 * All zero when there is none (the PoC reported p95 = max = 1 there).
 */
export function distributionOf(a: ArrayLike<number>, na: number, b: ArrayLike<number>, nb: number): Distribution {
  const values = new Float64Array(na + nb);
  let n = 0;
  for (let i = 0; i < na; i++) if (a[i]! > 0) values[n++] = a[i]!;
  for (let i = 0; i < nb; i++) if (b[i]! > 0) values[n++] = b[i]!;
  if (n === 0) return EMPTY_DISTRIBUTION;
  const sorted = values.subarray(0, n).sort();
  return {
    p50: percentileOfSorted(sorted, 0.5),
    p90: percentileOfSorted(sorted, 0.9),
    p95: percentileOfSorted(sorted, 0.95),
    p99: percentileOfSorted(sorted, 0.99),
    max: sorted[n - 1]!,
    count: n,
  };
}

/** q-quantile of ascending `sorted` (non-empty), linear interpolation: position q·(n − 1). */
export function percentileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
