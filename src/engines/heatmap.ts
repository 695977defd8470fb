/**
 * Heatmap V2 (DESIGN.md section 4, POC-FACTS 3.8): the combined per-bucket map
 * `tape_weight·tape + projection_weight·projection` (USD), its pools, and the dense V1
 * and V2 grids the snapshots and ring records carry.
 *
 * Pools: buckets of a side's search range (long: [C·(1−range), C], short:
 * [C, C·(1+range)], C = OHLC4) with at least POOL_BUCKET_FLOOR_USD are clustered around
 * peaks: the heaviest unassigned bucket seeds a pool, which takes every unassigned
 * bucket within `cluster_radius_pct·C` of the seed (stopping at buckets already in
 * another pool). A pool's price is the mass-weighted mean; it is kept when its mass
 * reaches `min_notional_usd`; the `max_pools_per_side` heaviest are kept per side.
 * (The PoC grew clusters by single linkage — gap to the previous member ≤ 0.5 % — which
 * on a dense inventory chains a whole side into one pool; seeding at peaks keeps every
 * pool within ±0.5 % of its peak, as "clusters of buckets within 0.5 %" says.)
 *
 * V2 intensities are the combined map divided by its maximum over the V2 grid (both
 * sides); the PoC divided by the maximum over every bucket anywhere, so one far old
 * level could dim the whole display. V1 is the same map on a ±8 % grid around the
 * minute's close, smoothed [0.1, 0.2, 0.4, 0.2, 0.1] and contrast-stretched between
 * its p50 and p95 (POC-FACTS 3.8 "V1 arrays").
 */

import type { Side } from '../events.js';
import { bucketPrice, decimalsOf, gridAround, gridPrices, type Grid } from './buckets.js';
import type { EntryInference } from './entry-inference.js';
import { MAX_GRID_POINTS, POOL_BUCKET_FLOOR_USD, type HeatmapConfig } from './heatmap-config.js';
import type { LiquidationTape } from './liquidation-tape.js';
import { round } from './num.js';

/** A pool (POC-FACTS 1.5, a `long_levels`/`short_levels` item) with our per-tier breakdown. */
export interface Pool {
  /** Mass-weighted mean price of the member buckets, 2 dp. */
  readonly price: number;
  readonly price_low: number;
  readonly price_high: number;
  /**
   * PoC name, kept for the frontend: the pool's mass in the combined map,
   * `0.35·tape USD + 0.65·projected USD` — USD units but NOT a USD total
   * (POC-FACTS 5.1 item 12). The honest totals are the three fields below.
   */
  readonly notional_usd: number;
  /** sqrt(notional_usd / largest pool's), both sides together, 4 dp. */
  readonly intensity: number;
  readonly bucket_count: number;
  /** Real liquidations inside the pool (decayed tape), USD. */
  readonly tape_notional_usd: number;
  /** Inferred open positions whose implied level lies in the pool, USD. */
  readonly projected_notional_usd: number;
  /** `projected_notional_usd` by leverage tier (tier as a string), USD; tiers with none omitted. */
  readonly tier_notional_usd: Record<string, number>;
}

/** Dense combined map over a bucket window: index i is bucket `firstIndex + i`. */
export interface HeatmapFrame {
  readonly step: number;
  readonly firstIndex: number;
  readonly count: number;
  readonly tiers: readonly number[];
  readonly tape: Record<Side, Float64Array>;
  readonly projection: Record<Side, Float64Array>;
  readonly combined: Record<Side, Float64Array>;
  readonly v2Grid: Grid;
  readonly v1Grid: Grid;
  /** Max of the combined map over the V2 grid, both sides (the intensity normalizer). */
  readonly maxCombined: number;
  /**
   * What the ±rangePct band held beyond the frame when the grids were trimmed to
   * MAX_GRID_POINTS (BTC above ~100 000 at step 20): its buckets, and its combined map
   * per side (same units as a pool's `notional_usd`). Zero when nothing was trimmed.
   */
  readonly outsideGrid: { readonly buckets: number; readonly combined: Record<Side, number> };
}

export function buildFrame(tape: LiquidationTape, inference: EntryInference, config: HeatmapConfig, centre: number, close: number): HeatmapFrame {
  const step = tape.step;
  const v2Grid = gridAround(centre, config.rangePct, step, MAX_GRID_POINTS);
  const v1Grid = gridAround(close, config.v1BandPct, step, MAX_GRID_POINTS);
  const firstIndex = Math.min(v2Grid.firstIndex, v1Grid.firstIndex);
  const lastIndex = Math.max(v2Grid.firstIndex + v2Grid.count, v1Grid.firstIndex + v1Grid.count) - 1;
  const count = lastIndex - firstIndex + 1;
  const make = () => new Float64Array(count);
  const frame = {
    step,
    firstIndex,
    count,
    tiers: inference.tiers,
    tape: { long: make(), short: make() },
    projection: { long: make(), short: make() },
    combined: { long: make(), short: make() },
    v2Grid,
    v1Grid,
    maxCombined: 0,
    outsideGrid: { buckets: 0, combined: { long: 0, short: 0 } },
  };
  // the untrimmed band: its buckets beyond the frame are lost to pools and grids; say how much
  const bandFirst = Math.round((centre * (1 - config.rangePct)) / step);
  const bandLast = Math.round((centre * (1 + config.rangePct)) / step);
  const below = Math.max(0, firstIndex - bandFirst);
  const above = Math.max(0, bandLast - lastIndex);
  if (below + above > 0) {
    const outside = { long: 0, short: 0 };
    for (const side of ['long', 'short'] as const) {
      let tapeUsd = 0;
      tape.forEach(side, (index, b) => {
        if ((index >= bandFirst && index < firstIndex) || (index > lastIndex && index <= bandLast)) tapeUsd += b.notional;
      });
      let projectedUsd = 0;
      const add = (_i: number, _t: number, usd: number) => (projectedUsd += usd);
      if (below > 0) inference.forEachInWindow(side, bandFirst, below, add);
      if (above > 0) inference.forEachInWindow(side, lastIndex + 1, above, add);
      outside[side] = config.tapeWeight * tapeUsd + config.projectionWeight * projectedUsd;
    }
    frame.outsideGrid = { buckets: below + above, combined: outside };
  }
  let max = 0;
  const v2From = v2Grid.firstIndex - firstIndex;
  const v2To = v2From + v2Grid.count;
  for (const side of ['long', 'short'] as const) {
    const t = frame.tape[side];
    tape.forEach(side, (index, b) => {
      const i = index - firstIndex;
      if (i >= 0 && i < count) t[i]! += b.notional;
    });
    const p = frame.projection[side];
    inference.projectInto(side, firstIndex, count, p);
    const c = frame.combined[side];
    for (let i = 0; i < count; i++) {
      const u = config.tapeWeight * t[i]! + config.projectionWeight * p[i]!;
      c[i] = u;
      if (i >= v2From && i < v2To && u > max) max = u;
    }
  }
  frame.maxCombined = max;
  return frame;
}

export interface PoolResult {
  readonly long: Pool[];
  readonly short: Pool[];
  /** Buckets of each side's search range with at least POOL_BUCKET_FLOOR_USD (PoC `raw_*_buckets`). */
  readonly rawLongBuckets: number;
  readonly rawShortBuckets: number;
}

/** Pools of both sides around centre `C` (see the module comment), each broken down by tier from `inference`. */
export function findPools(frame: HeatmapFrame, centre: number, config: HeatmapConfig, inference: EntryInference): PoolResult {
  const step = frame.step;
  const longRange: [number, number] = [Math.ceil((centre * (1 - config.rangePct)) / step - 1e-9), Math.floor(centre / step + 1e-9)];
  const shortRange: [number, number] = [Math.ceil(centre / step - 1e-9), Math.floor((centre * (1 + config.rangePct)) / step + 1e-9)];
  const long = clusterSide(frame, 'long', longRange, centre, config);
  const short = clusterSide(frame, 'short', shortRange, centre, config);
  let maxNotional = 0;
  for (const p of [...long.pools, ...short.pools]) maxNotional = Math.max(maxNotional, p.mass);
  const decimals = decimalsOf(step);
  const finish = (side: Side, pools: RawPool[]) => {
    const byTier = tierBreakdown(frame, side, pools, inference);
    return pools.map((p, k) => toPool(frame, p, maxNotional, decimals, byTier[k]!));
  };
  return { long: finish('long', long.pools), short: finish('short', short.pools), rawLongBuckets: long.raw, rawShortBuckets: short.raw };
}

/** Projected USD per pool and tier: one pass over the inventory, each level bucket mapped to its pool. */
function tierBreakdown(frame: HeatmapFrame, side: Side, pools: readonly RawPool[], inference: EntryInference): Float64Array[] {
  const sums = pools.map(() => new Float64Array(frame.tiers.length));
  if (pools.length === 0) return sums;
  const poolOf = new Int16Array(frame.count).fill(-1);
  pools.forEach((p, k) => {
    for (const i of p.members) poolOf[i] = k;
  });
  inference.forEachInWindow(side, frame.firstIndex, frame.count, (i, t, usd) => {
    const k = poolOf[i]!;
    if (k >= 0) sums[k]![t]! += usd;
  });
  return sums;
}

interface RawPool {
  readonly side: Side;
  readonly members: number[];
  readonly mass: number;
}

function clusterSide(frame: HeatmapFrame, side: Side, range: [number, number], centre: number, config: HeatmapConfig): { pools: RawPool[]; raw: number } {
  const from = Math.max(range[0] - frame.firstIndex, 0);
  const to = Math.min(range[1] - frame.firstIndex, frame.count - 1);
  const u = frame.combined[side];
  const candidates: number[] = [];
  for (let i = from; i <= to; i++) if (u[i]! >= POOL_BUCKET_FLOOR_USD) candidates.push(i);
  candidates.sort((a, b) => u[b]! - u[a]! || a - b);
  const reach = Math.floor((config.clusterRadiusPct * centre) / frame.step + 1e-9);
  const assigned = new Uint8Array(frame.count);
  const pools: RawPool[] = [];
  for (const seed of candidates) {
    if (assigned[seed]) continue;
    const members = [seed];
    assigned[seed] = 1;
    for (let i = seed - 1; i >= from && i >= seed - reach && !assigned[i]; i--) {
      if (u[i]! >= POOL_BUCKET_FLOOR_USD) {
        members.push(i);
        assigned[i] = 1;
      }
    }
    for (let i = seed + 1; i <= to && i <= seed + reach && !assigned[i]; i++) {
      if (u[i]! >= POOL_BUCKET_FLOOR_USD) {
        members.push(i);
        assigned[i] = 1;
      }
    }
    let mass = 0;
    for (const i of members) mass += u[i]!;
    if (mass >= config.minNotionalUsd) pools.push({ side, members: members.sort((a, b) => a - b), mass });
  }
  pools.sort((a, b) => b.mass - a.mass || a.members[0]! - b.members[0]!);
  return { pools: pools.slice(0, config.maxPoolsPerSide), raw: candidates.length };
}

function toPool(frame: HeatmapFrame, p: RawPool, maxNotional: number, decimals: number, tierSums: Float64Array): Pool {
  const u = frame.combined[p.side];
  const tape = frame.tape[p.side];
  const proj = frame.projection[p.side];
  let weighted = 0;
  let tapeUsd = 0;
  let projUsd = 0;
  for (const i of p.members) {
    weighted += u[i]! * bucketPrice(frame.firstIndex + i, frame.step, decimals);
    tapeUsd += tape[i]!;
    projUsd += proj[i]!;
  }
  const byTier: Record<string, number> = {};
  frame.tiers.forEach((tier, t) => {
    if (tierSums[t]! > 0) byTier[String(tier)] = round(tierSums[t]!, 2);
  });
  return {
    price: round(weighted / p.mass, 2),
    price_low: bucketPrice(frame.firstIndex + p.members[0]!, frame.step, decimals),
    price_high: bucketPrice(frame.firstIndex + p.members.at(-1)!, frame.step, decimals),
    notional_usd: round(p.mass, 2),
    intensity: maxNotional > 0 ? round(Math.sqrt(p.mass / maxNotional), 4) : 0,
    bucket_count: p.members.length,
    tape_notional_usd: round(tapeUsd, 2),
    projected_notional_usd: round(projUsd, 2),
    tier_notional_usd: byTier,
  };
}

/** The dense arrays of one grid (V2: ±10 % around OHLC4). */
export interface GridArrays {
  readonly grid: Grid;
  readonly prices: number[];
  /** Combined map / maxCombined, per side. */
  readonly intensity: Record<Side, number[]>;
  /** Combined USD per bucket, per side. */
  readonly usd: Record<Side, number[]>;
}

export function gridArrays(frame: HeatmapFrame, grid: Grid): GridArrays {
  const offset = grid.firstIndex - frame.firstIndex;
  const max = frame.maxCombined;
  const pick = (side: Side, f: (u: number) => number) => {
    const c = frame.combined[side];
    const out = new Array<number>(grid.count);
    for (let i = 0; i < grid.count; i++) out[i] = f(c[offset + i]!);
    return out;
  };
  const norm = (u: number) => displayIntensity(u, max);
  return {
    grid,
    prices: gridPrices(grid),
    intensity: { long: pick('long', norm), short: pick('short', norm) },
    usd: { long: pick('long', (u) => u), short: pick('short', (u) => u) },
  };
}

/** A bucket's display intensity: the combined map over its maximum `max`, in [0, 1] (0 when the map is empty). */
export function displayIntensity(u: number, max: number): number {
  return max > 0 ? Math.min(u / max, 1) : 0;
}

/**
 * The display intensities of one side over `grid`, rounded to `decimals` when given
 * (what gridArrays' `intensity` holds, without building the other arrays: the ring
 * records need only these every minute).
 */
export function gridIntensity(frame: HeatmapFrame, grid: Grid, side: Side, decimals?: number): Float64Array {
  const offset = grid.firstIndex - frame.firstIndex;
  const max = frame.maxCombined;
  const c = frame.combined[side];
  const out = new Float64Array(grid.count);
  if (decimals === undefined) for (let i = 0; i < grid.count; i++) out[i] = displayIntensity(c[offset + i]!, max);
  else for (let i = 0; i < grid.count; i++) out[i] = round(displayIntensity(c[offset + i]!, max), decimals);
  return out;
}

/** Smoothing kernel of the V1 map over i−2 … i+2. */
export const V1_SMOOTHING = [0.1, 0.2, 0.4, 0.2, 0.1] as const;
/** Stretched values at or below this become 0 (V1). */
export const V1_FLOOR = 0.1;

export interface V1Arrays {
  readonly long: number[];
  readonly short: number[];
  readonly p50: number;
  readonly p95: number;
}

/** The V1 intensity arrays from raw display intensities of both sides (POC-FACTS 3.8). */
export function v1Intensities(rawLong: ArrayLike<number>, rawShort: ArrayLike<number>): V1Arrays {
  const long = smooth(rawLong);
  const short = smooth(rawShort);
  // a typed array sorts numerically in native code: the same order as a comparator sort, far cheaper every minute
  const positive = new Float64Array(long.length + short.length);
  let n = 0;
  for (const v of long) if (v > 0) positive[n++] = v;
  for (const v of short) if (v > 0) positive[n++] = v;
  const sorted = positive.subarray(0, n).sort();
  let p50 = 0;
  let p95 = 1;
  if (n > 0) {
    p50 = sorted[Math.floor(0.5 * n)]!;
    p95 = sorted[Math.min(Math.floor(0.95 * n), n - 1)]!;
    if (p95 <= p50) p95 = p50 + 0.01;
  }
  const stretch = (v: number) => {
    if (v <= 0) return 0;
    const q = Math.min(Math.max((v - p50) / (p95 - p50), 0), 1);
    return q <= V1_FLOOR ? 0 : round(q, 4);
  };
  return { long: long.map(stretch), short: short.map(stretch), p50, p95 };
}

function smooth(values: ArrayLike<number>): number[] {
  const n = values.length;
  if (n < V1_SMOOTHING.length) return Array.from(values);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    let w = 0;
    for (let k = -2; k <= 2; k++) {
      const j = i + k;
      if (j < 0 || j >= n) continue;
      const kw = V1_SMOOTHING[k + 2]!;
      s += kw * values[j]!;
      w += kw;
    }
    out[i] = s / w;
  }
  return out;
}
