/**
 * How good are the predicted pools? Precision and recall of a series of pool snapshots
 * against the true liquidations that followed them (a simulator's truth file), and the
 * same scores for pools placed at random, as a baseline (pure).
 *
 * For each evaluated snapshot at time `t` (snapshots at least `everyMs` apart, so the
 * windows do not overlap by default), the true liquidations of `(t, t + horizon]`:
 * - recall    = Σ notional of liquidations inside a same-side pool / Σ notional of all;
 * - precision = pools with at least one same-side liquidation inside / pools;
 * both summed over the evaluated snapshots before dividing. A liquidation is inside a
 * pool when `(price_low − step/2)·(1 − tol) ≤ price ≤ (price_high + step/2)·(1 + tol)`:
 * pool bounds are bucket prices (centres), so with `step` a pool covers its buckets'
 * edges (a one-bucket pool is not zero-wide).
 * Random pools: for every model pool, a pool of the same width placed uniformly inside
 * its side's band (long: [P·(1 − range), P], short: [P, P·(1 + range)]), averaged over
 * `randomDraws` seeded draws.
 */

import type { Side } from '../events.js';
import { mulberry32 } from './prng.js';

export interface PoolBand {
  readonly price_low: number;
  readonly price_high: number;
}

export interface PoolSnapshotLike {
  /** When the pools became valid, epoch ms. */
  readonly ts: number;
  /** Reference price (OHLC4) of the snapshot. */
  readonly price: number;
  readonly long: readonly PoolBand[];
  readonly short: readonly PoolBand[];
}

export interface TruthLiquidationLike {
  readonly ts: number;
  readonly side: Side;
  /** Where the position was liquidated (the trigger / liquidation price). */
  readonly price: number;
  /** USD. */
  readonly notional: number;
}

export interface EvaluatePoolsOptions {
  /** Liquidations counted after each snapshot (default 1 h). */
  readonly horizonMs?: number;
  /** Minimum spacing of evaluated snapshots (default: the horizon). */
  readonly everyMs?: number;
  /** Snapshots whose horizon ends after this are skipped (default: the last liquidation's ts). */
  readonly endTs?: number;
  /** Widen pools by this fraction of price on both sides (default 0). */
  readonly tolerancePct?: number;
  /** Bucket size of the pools' prices: bounds are widened by half of it (default 0). */
  readonly step?: number;
  /** Band the random pools are drawn in (default 0.10, the heatmap's range). */
  readonly rangePct?: number;
  /** Random draws per snapshot (default 20). */
  readonly randomDraws?: number;
  readonly seed?: number;
}

export interface PoolScore {
  readonly precision: number;
  readonly recall: number;
  readonly pools: number;
  readonly poolsHit: number;
  /** USD of true liquidations in the evaluated windows. */
  readonly notional: number;
  readonly notionalInPools: number;
}

export interface PoolEvaluation {
  readonly snapshots: number;
  readonly liquidations: number;
  readonly model: PoolScore;
  readonly random: PoolScore;
}

export function evaluatePools(snapshots: readonly PoolSnapshotLike[], truth: readonly TruthLiquidationLike[], options: EvaluatePoolsOptions = {}): PoolEvaluation {
  const horizon = options.horizonMs ?? 3_600_000;
  const every = options.everyMs ?? horizon;
  const tol = options.tolerancePct ?? 0;
  const half = (options.step ?? 0) / 2;
  const range = options.rangePct ?? 0.1;
  const draws = options.randomDraws ?? 20;
  const sortedTruth = [...truth].sort((a, b) => a.ts - b.ts);
  const endTs = options.endTs ?? (sortedTruth.at(-1)?.ts ?? -Infinity);
  const random = mulberry32(options.seed ?? 1);
  const model = tally();
  const baseline = tally();
  let evaluated = 0;
  let liquidations = 0;
  let nextTs = -Infinity;
  for (const snap of [...snapshots].sort((a, b) => a.ts - b.ts)) {
    if (snap.ts < nextTs || snap.ts + horizon > endTs) continue;
    nextTs = snap.ts + every;
    evaluated++;
    const window = sortedTruth.slice(upperBound(sortedTruth, snap.ts), upperBound(sortedTruth, snap.ts + horizon));
    liquidations += window.length;
    score(model, snap.long, snap.short, window, tol, half, 1);
    for (let d = 0; d < draws; d++) {
      score(baseline, randomPools(snap.long, snap.price, 'long', range, random), randomPools(snap.short, snap.price, 'short', range, random), window, tol, half, 1 / draws);
    }
  }
  return { snapshots: evaluated, liquidations, model: finish(model), random: finish(baseline) };
}

interface Tally {
  pools: number;
  poolsHit: number;
  notional: number;
  inPools: number;
}

function tally(): Tally {
  return { pools: 0, poolsHit: 0, notional: 0, inPools: 0 };
}

function score(t: Tally, long: readonly PoolBand[], short: readonly PoolBand[], window: readonly TruthLiquidationLike[], tol: number, half: number, weight: number): void {
  const inside = (p: PoolBand, price: number) => price >= (p.price_low - half) * (1 - tol) && price <= (p.price_high + half) * (1 + tol);
  const hit = new Set<PoolBand>();
  for (const liq of window) {
    const pools = liq.side === 'long' ? long : short;
    t.notional += weight * liq.notional;
    let counted = false;
    for (const p of pools) {
      if (!inside(p, liq.price)) continue;
      hit.add(p);
      if (!counted) {
        t.inPools += weight * liq.notional;
        counted = true;
      }
    }
  }
  t.pools += weight * (long.length + short.length);
  t.poolsHit += weight * hit.size;
}

function finish(t: Tally): PoolScore {
  return {
    precision: t.pools > 0 ? t.poolsHit / t.pools : 0,
    recall: t.notional > 0 ? t.inPools / t.notional : 0,
    pools: t.pools,
    poolsHit: t.poolsHit,
    notional: t.notional,
    notionalInPools: t.inPools,
  };
}

function randomPools(pools: readonly PoolBand[], price: number, side: Side, range: number, random: () => number): PoolBand[] {
  const lo = side === 'long' ? price * (1 - range) : price;
  const hi = side === 'long' ? price : price * (1 + range);
  return pools.map((p) => {
    const width = Math.min(p.price_high - p.price_low, hi - lo);
    const low = lo + random() * (hi - lo - width);
    return { price_low: low, price_high: low + width };
  });
}

/** First index whose ts is > `ts`. */
function upperBound(sorted: readonly { ts: number }[], ts: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.ts <= ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
