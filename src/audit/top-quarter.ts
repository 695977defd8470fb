/**
 * What the PoC's audit lacked: do the model's STRONGEST levels catch the liquidated
 * notional, and do they beat chance? Pure.
 *
 * For each liquidation (price-insane ones left out), the last heatmap snapshot before it
 * (V2 ring records: the pools are in the extension block, src/engines/history-records.ts):
 * the same-side pools ranked by predicted notional, the top quarter (⌈n/4⌉) kept. The
 * liquidation is caught at tolerance τ when its price lies within τ of one of them
 * (|price − pool| / price ≤ τ). Share = Σ notional caught / Σ notional scored.
 *
 * Baselines, with the same number of levels on the same side, averaged over `draws`
 * seeded draws per liquidation (mulberry32, so the report is deterministic):
 * - random (band): uniform over the snapshot's grid on that side ([price_min, price]
 *   for longs, [price, price_max] for shorts — where the model may place pools);
 * - random (same reach): uniform between the price and the model's farthest top-quarter
 *   level on that side — a stricter baseline: only the placement within the model's own
 *   reach is tested.
 * All pools (not only the top quarter) and a band baseline of as many levels are scored
 * too, for context.
 */

import type { Side } from '../events.js';
import { mulberry32 } from '../engines/prng.js';
import type { RecordPool } from '../engines/history-records.js';
import type { LiquidationRecord } from './records.js';
import type { PriceBasis } from './hit-rate.js';
import { TOLERANCES } from './hit-rate.js';

export const DEFAULT_RANDOM_DRAWS = 50;
export const DEFAULT_RANDOM_SEED = 1;

export interface PoolSnapshot {
  /** Epoch ms from which the snapshot is valid (the ring record's ts). */
  readonly ts: number;
  /** Reference price (OHLC4). */
  readonly src: number;
  readonly priceMin: number;
  readonly priceMax: number;
  readonly long: readonly RecordPool[];
  readonly short: readonly RecordPool[];
}

export interface TopQuarterRow {
  readonly tolerance: number;
  /** Share of scored notional within τ of a top-quarter level. */
  readonly model: number;
  /** Share of scored liquidations (by count) within τ of a top-quarter level. */
  readonly modelEvents: number;
  readonly randomBand: number;
  readonly randomReach: number;
  readonly allPools: number;
  readonly randomAllBand: number;
}

export interface TopQuarterResult {
  readonly price: PriceBasis;
  /** Liquidations scored and their notional (USD). */
  readonly events: number;
  readonly notional: number;
  /** Liquidations before the oldest snapshot the ring still holds (not scored). */
  readonly noSnapshot: number;
  /** Scored liquidations whose side had no pool at all (they count as not caught). */
  readonly noPools: number;
  /** Mean top-quarter levels per scored liquidation, and their mean farthest distance from price. */
  readonly meanLevels: number;
  readonly meanReachPct: number;
  readonly draws: number;
  readonly seed: number;
  readonly rows: readonly TopQuarterRow[];
}

export interface TopQuarterOptions {
  readonly price?: PriceBasis;
  /** Random draws per liquidation (default 50). */
  readonly draws?: number;
  readonly seed?: number;
}

const EPS = 1e-9;

/** Index of the last snapshot with ts ≤ `ts`, or −1. */
function lastAtOrBefore(snapshots: readonly PoolSnapshot[], ts: number): number {
  let lo = 0;
  let hi = snapshots.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (snapshots[mid]!.ts <= ts) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** The ⌈n/4⌉ pools with the most predicted notional (ties: nearer to price first). */
export function topQuarter(pools: readonly RecordPool[], src: number): RecordPool[] {
  const k = Math.ceil(pools.length / 4);
  return [...pools].sort((a, b) => b.notional_usd - a.notional_usd || Math.abs(a.price - src) - Math.abs(b.price - src)).slice(0, k);
}

export function scoreTopQuarter(events: readonly LiquidationRecord[], snapshots: readonly PoolSnapshot[], options: TopQuarterOptions = {}): TopQuarterResult {
  const basis = options.price ?? 'trigger';
  const draws = options.draws ?? DEFAULT_RANDOM_DRAWS;
  const seed = options.seed ?? DEFAULT_RANDOM_SEED;
  const random = mulberry32(seed);
  const sorted = [...snapshots].sort((a, b) => a.ts - b.ts);
  const nTol = TOLERANCES.length;
  const model = new Array<number>(nTol).fill(0);
  const modelEvents = new Array<number>(nTol).fill(0);
  const randomBand = new Array<number>(nTol).fill(0);
  const randomReach = new Array<number>(nTol).fill(0);
  const allPools = new Array<number>(nTol).fill(0);
  const randomAll = new Array<number>(nTol).fill(0);
  let scored = 0;
  let notional = 0;
  let noSnapshot = 0;
  let noPools = 0;
  let levelsSum = 0;
  let reachSum = 0;
  const drawHits = new Array<number>(nTol);

  /** Add `weight` to `into[j]` for each tolerance whose nearest of `levels` is within τ of `price`. */
  const credit = (into: number[], levels: readonly number[], price: number, weight: number) => {
    let d = Infinity;
    for (const l of levels) d = Math.min(d, Math.abs(price - l) / price);
    for (let j = 0; j < nTol; j++) if (d <= TOLERANCES[j]! + EPS) into[j]! += weight;
  };
  /** `count` levels uniform in [lo, hi], `draws` times; adds each tolerance's caught fraction × weight. */
  const baseline = (into: number[], count: number, lo: number, hi: number, price: number, weight: number) => {
    if (count === 0 || !(hi > lo)) return;
    drawHits.fill(0);
    const levels = new Array<number>(count);
    for (let d = 0; d < draws; d++) {
      for (let i = 0; i < count; i++) levels[i] = lo + random() * (hi - lo);
      credit(drawHits, levels, price, 1);
    }
    for (let j = 0; j < nTol; j++) into[j]! += (weight * drawHits[j]!) / draws;
  };

  for (const e of events) {
    if (e.priceInsane) continue;
    const at = lastAtOrBefore(sorted, e.ts);
    if (at < 0) {
      noSnapshot++;
      continue;
    }
    const snap = sorted[at]!;
    const price = basis === 'trigger' ? e.triggerPrice : e.eventPrice;
    scored++;
    notional += e.notional;
    const pools = e.side === 'long' ? snap.long : snap.short;
    if (pools.length === 0) noPools++;
    const top = topQuarter(pools, snap.src);
    const topPrices = top.map((p) => p.price);
    const reach = Math.max(0, ...topPrices.map((p) => Math.abs(p - snap.src) / snap.src));
    levelsSum += top.length;
    reachSum += reach;
    credit(model, topPrices, price, e.notional);
    credit(modelEvents, topPrices, price, 1);
    credit(
      allPools,
      pools.map((p) => p.price),
      price,
      e.notional,
    );
    const [bandLo, bandHi] = band(e.side, snap);
    baseline(randomBand, top.length, bandLo, bandHi, price, e.notional);
    const [reachLo, reachHi] = e.side === 'long' ? [snap.src * (1 - reach), snap.src] : [snap.src, snap.src * (1 + reach)];
    baseline(randomReach, top.length, reachLo, reachHi, price, e.notional);
    baseline(randomAll, pools.length, bandLo, bandHi, price, e.notional);
  }
  const share = (v: number) => (notional > 0 ? v / notional : 0);
  return {
    price: basis,
    events: scored,
    notional,
    noSnapshot,
    noPools,
    meanLevels: scored > 0 ? levelsSum / scored : 0,
    meanReachPct: scored > 0 ? reachSum / scored : 0,
    draws,
    seed,
    rows: TOLERANCES.map((tolerance, j) => ({
      tolerance,
      model: share(model[j]!),
      modelEvents: scored > 0 ? modelEvents[j]! / scored : 0,
      randomBand: share(randomBand[j]!),
      randomReach: share(randomReach[j]!),
      allPools: share(allPools[j]!),
      randomAllBand: share(randomAll[j]!),
    })),
  };
}

/** The side's half of the snapshot's grid. */
function band(side: Side, snap: PoolSnapshot): [number, number] {
  return side === 'long' ? [snap.priceMin, snap.src] : [snap.src, snap.priceMax];
}
