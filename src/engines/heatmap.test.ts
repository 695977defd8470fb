import { describe, expect, it } from 'vitest';
import { EntryInference } from './entry-inference.js';
import { DEFAULT_HEATMAP_CONFIG } from './heatmap-config.js';
import { buildFrame, findPools, gridArrays, v1Intensities } from './heatmap.js';
import type { LeverageConfig } from './leverage-config.js';
import { LiquidationTape } from './liquidation-tape.js';

const LADDER: LeverageConfig = { symbol: 'TST', tiers: [10, 20, 50], priorWeights: [0, 0.75, 0.25], disabledTiers: new Set([10]) };
const C = 65_000;

function engines(): { tape: LiquidationTape; inference: EntryInference } {
  return {
    tape: new LiquidationTape(20),
    inference: new EntryInference({ step: 20, leverage: LADDER, params: { tiers: LADDER.tiers, weights: LADDER.priorWeights, buffer: 0.002, biasLong: 0, biasShort: 0 } }),
  };
}

function pools(tape: LiquidationTape, inference: EntryInference, centre = C) {
  return findPools(buildFrame(tape, inference, DEFAULT_HEATMAP_CONFIG, centre, centre), centre, DEFAULT_HEATMAP_CONFIG, inference);
}

describe('grid trimming (BTC above ~100 000 at step 20)', () => {
  it('counts the buckets and the combined map the 1000-point grid leaves out of the ±10 % band', () => {
    const { tape, inference } = engines();
    const centre = 125_000;
    // band ±10 %: indices 5625 (112 500) … 6875 (137 500), 1251 buckets; the grids keep 5751 … 6750 (115 020 … 135 000)
    tape.add('long', 5650, 100_000, 0); // 113 000: outside
    tape.add('long', 6000, 80_000, 0); // 120 000: inside
    tape.add('short', 6800, 40_000, 0); // 136 000: outside
    const frame = buildFrame(tape, inference, DEFAULT_HEATMAP_CONFIG, centre, centre);
    expect(frame.v2Grid).toMatchObject({ firstIndex: 5751, count: 1000, priceMin: 115_020, priceMax: 135_000 });
    expect(frame.outsideGrid).toEqual({ buckets: 251, combined: { long: 0.35 * 100_000, short: 0.35 * 40_000 } });
    // what the counter is for: the pool at 113 000 is lost, the one at 120 000 found
    const found = findPools(frame, centre, DEFAULT_HEATMAP_CONFIG, inference);
    expect(found.long.map((p) => p.price)).toEqual([120_000]);
    expect(found.short).toEqual([]);
    // at 65 000 the band fits: nothing outside
    expect(buildFrame(tape, inference, DEFAULT_HEATMAP_CONFIG, C, C).outsideGrid).toEqual({ buckets: 0, combined: { long: 0, short: 0 } });
  });
});

describe('pools', () => {
  it('clusters buckets within 0.5 % of a peak into one pool with a mass-weighted price', () => {
    const { tape, inference } = engines();
    // combined = 0.35·tape: 64 000 → 35 000, 64 100 → 17 500 (5 buckets away), 63 500 → 21 000 (25 away)
    tape.add('long', 3200, 100_000, 0);
    tape.add('long', 3205, 50_000, 0);
    tape.add('long', 3175, 60_000, 0);
    const { long, short, rawLongBuckets } = pools(tape, inference);
    expect(short).toEqual([]);
    expect(rawLongBuckets).toBe(3);
    expect(long).toEqual([
      {
        price: 64_033.33, // (35 000·64 000 + 17 500·64 100) / 52 500
        price_low: 64_000,
        price_high: 64_100,
        notional_usd: 52_500,
        intensity: 1,
        bucket_count: 2,
        tape_notional_usd: 150_000,
        projected_notional_usd: 0,
        tier_notional_usd: {},
      },
      { price: 63_500, price_low: 63_500, price_high: 63_500, notional_usd: 21_000, intensity: 0.6325, bucket_count: 1, tape_notional_usd: 60_000, projected_notional_usd: 0, tier_notional_usd: {} },
    ]);
  });

  it('keeps every pool within 0.5 % of its peak instead of chaining a whole side', () => {
    const { tape, inference } = engines();
    // a level every 200 USD from 64 000 down to 62 000, the heaviest at 63 000: single linkage would make one pool
    for (let p = 62_000; p <= 64_000; p += 200) tape.add('long', p / 20, p === 63_000 ? 200_000 : 100_000, 0);
    const { long } = pools(tape, inference);
    expect(long.length).toBeGreaterThan(1);
    for (const pool of long) expect(pool.price_high - pool.price_low).toBeLessThanOrEqual(2 * 0.005 * C);
    // the peak's pool spans 63 000 ± 325 → 62 800 … 63 200
    expect(long[0]).toMatchObject({ price_low: 62_800, price_high: 63_200, bucket_count: 3 });
  });

  it('drops pools under 10 000 USD and keeps the 20 heaviest per side', () => {
    const { tape, inference } = engines();
    tape.add('long', 3200, 20_000, 0); // 7 000 < 10 000
    // With a 0.5 % radius at most ~20 separate pools fit in a 10 % band, so the cut is
    // exercised with a 0.1 % radius (reach 3 buckets): 25 levels 4 buckets apart.
    for (let k = 0; k < 25; k++) tape.add('short', 3251 + 4 * k, 40_000 + 1_000 * k, 0); // 14 000 … 22 400
    const config = { ...DEFAULT_HEATMAP_CONFIG, clusterRadiusPct: 0.001 };
    const { long, short } = findPools(buildFrame(tape, inference, config, C, C), C, config, inference);
    expect(long).toEqual([]);
    expect(short).toHaveLength(20);
    expect(short[0]!.notional_usd).toBe(22_400); // 0.35·64 000
    expect(short.at(-1)!.notional_usd).toBe(15_750); // 0.35·45 000: the 5 lightest are cut
    expect(short.every((p) => p.bucket_count === 1)).toBe(true);
  });

  it('puts long pools below price and short pools above, within ±10 %', () => {
    const { tape, inference } = engines();
    tape.add('short', 3200, 100_000, 0); // a short liquidation below price: not a short pool
    tape.add('long', 3300, 100_000, 0); // 66 000: a long level above price: not a long pool
    tape.add('long', 2900, 100_000, 0); // 58 000: 10.8 % below: out of range
    const { long, short } = pools(tape, inference);
    expect(long).toEqual([]);
    expect(short).toEqual([]);
  });

  it('breaks each pool down by leverage tier', () => {
    const { tape, inference } = engines();
    inference.onMinute({ decay: 1, high: 65_100, low: 64_900, ohlc4: C, oiDeltaBase: 10, oiPreviousBase: 1000, takerBuyShare: 0.6 });
    tape.add('long', 3191, 10_000, 0); // 63 820, inside the 50x pool
    const { long, short } = pools(tape, inference);
    expect(long.map((p) => [p.price_low, p.price_high, p.tier_notional_usd, p.tape_notional_usd])).toEqual([
      [61_880, 61_880, { 20: 292_500 }, 0],
      [63_820, 63_840, { 50: 97_500 }, 10_000],
    ]);
    // 0.65·97 500 + 0.35·10 000 = 66 875
    expect(long[1]!.notional_usd).toBe(66_875);
    expect(short.map((p) => p.tier_notional_usd)).toEqual([{ 20: 195_000 }, { 50: 65_000 }]);
  });

  it('loses the pool whose levels a sweep removed', () => {
    const { tape, inference } = engines();
    inference.onMinute({ decay: 1, high: 65_100, low: 64_900, ohlc4: C, oiDeltaBase: 10, oiPreviousBase: 1000, takerBuyShare: 0.6 });
    expect(pools(tape, inference).long.map((p) => p.price)).toEqual([61_880, 63_840]);
    inference.onMinute({ decay: 1, high: 65_000, low: 62_000, ohlc4: 64_000, oiDeltaBase: undefined, oiPreviousBase: undefined, takerBuyShare: undefined });
    expect(pools(tape, inference).long.map((p) => p.price)).toEqual([61_880]);
  });
});

describe('grids', () => {
  it('normalizes V2 intensities by the combined maximum over the V2 grid', () => {
    const { tape, inference } = engines();
    tape.add('long', 3200, 100_000, 0);
    tape.add('short', 3300, 50_000, 0);
    tape.add('short', 4000, 10_000_000, 0); // 80 000: far outside the grid, does not dim it
    const frame = buildFrame(tape, inference, DEFAULT_HEATMAP_CONFIG, C, C);
    const g = gridArrays(frame, frame.v2Grid);
    expect(g.grid).toMatchObject({ priceMin: 58_500, priceMax: 71_500, count: 651 });
    expect(g.prices[0]).toBe(58_500);
    const at = (p: number) => (p - 58_500) / 20;
    expect(g.intensity.long[at(64_000)]).toBe(1);
    expect(g.intensity.short[at(66_000)]).toBe(0.5);
    expect(g.usd.short[at(66_000)]).toBe(17_500);
  });

  it('smooths and contrast-stretches the V1 map between p50 and p95', () => {
    // long smoothed: [0.142857, 0.222222, 0.4, 0.2, 0.111111, 0]; short: [0, 0, 0, 0.05, 0.111111, 0.285714]
    // positive sorted (n 8): p50 = [4] = 0.2, p95 = [7] = 0.4; q = (v − 0.2)/0.2, q ≤ 0.1 → 0
    const v1 = v1Intensities([0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0.5]);
    expect(v1.p50).toBeCloseTo(0.2, 12);
    expect(v1.p95).toBeCloseTo(0.4, 12);
    expect(v1.long).toEqual([0, 0.1111, 1, 0, 0, 0]);
    expect(v1.short).toEqual([0, 0, 0, 0, 0, 0.4286]);
  });

  it('uses p50 = 0, p95 = 1 for an empty map and leaves short arrays unsmoothed', () => {
    expect(v1Intensities([0, 0, 0, 0, 0], [0, 0, 0, 0, 0])).toMatchObject({ p50: 0, p95: 1 });
    // n < 5: no smoothing, still stretched: p50 = [1] = 0.4, p95 = [2] = 0.6
    expect(v1Intensities([0.2, 0.4, 0.6], [0, 0, 0]).long).toEqual([0, 0, 1]);
  });
});
