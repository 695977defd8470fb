import { describe, expect, it } from 'vitest';
import type { RecordPool } from '../engines/history-records.js';
import type { LiquidationRecord } from './records.js';
import { scoreTopQuarter, topQuarter, type PoolSnapshot } from './top-quarter.js';

const pool = (price: number, notional: number): RecordPool => ({ price, price_low: price - 0.1, price_high: price + 0.1, notional_usd: notional });

function liq(ts: number, side: 'long' | 'short', price: number, notional: number, over: Partial<LiquidationRecord> = {}): LiquidationRecord {
  return {
    ts, minute: Math.floor(ts / 60_000), venue: 'bybit', side, eventPrice: price, triggerPrice: price, notional, priceInsane: false, fallback: false,
    tierDisabled: false, attributedTier: null, isHit: false, missUsd: null, missPct: null, fromMark: true, ...over,
  };
}

// price 100, grid 90 … 110; five long pools: the top quarter is the two largest (99 and 98)
const SNAPSHOT: PoolSnapshot = { ts: 60_000, src: 100, priceMin: 90, priceMax: 110, long: [pool(97, 10), pool(99, 100), pool(96, 5), pool(98, 50), pool(95, 1)], short: [] };

describe('top quarter of the predicted pools against random levels', () => {
  it('keeps the ⌈n/4⌉ pools with the most predicted notional', () => {
    expect(topQuarter(SNAPSHOT.long, 100).map((p) => p.price)).toEqual([99, 98]);
    expect(topQuarter([pool(99, 5)], 100).map((p) => p.price)).toEqual([99]);
    expect(topQuarter([], 100)).toEqual([]);
    // equal notional: the one nearer to price first
    expect(topQuarter([pool(95, 5), pool(99, 5), pool(90, 1), pool(91, 1), pool(92, 1)], 100).map((p) => p.price)).toEqual([99, 95]);
  });

  it('counts the notional within τ of a top-quarter level, and of any pool', () => {
    const events = [
      liq(90_000, 'long', 98.05, 1000), // 0.051 % from the 98 pool (top quarter)
      liq(95_000, 'long', 96, 3000), // on the 96 pool, which is not in the top quarter
      liq(30_000, 'long', 98, 500), // before the first snapshot: not scored
      liq(96_000, 'short', 101, 700), // no short pool at all: scored, never caught
      liq(97_000, 'long', 200, 900, { priceInsane: true }), // left out
    ];
    const r = scoreTopQuarter(events, [SNAPSHOT], { draws: 4000, seed: 3 });
    expect(r).toMatchObject({ events: 3, notional: 4700, noSnapshot: 1, noPools: 1 });
    expect(r.meanLevels).toBeCloseTo(4 / 3, 12); // 2 + 2 + 0 levels
    expect(r.meanReachPct).toBeCloseTo(0.04 / 3, 12); // the 98 level is 2 % away, twice
    for (const row of r.rows) {
      expect(row.model).toBeCloseTo(1000 / 4700, 12);
      expect(row.modelEvents).toBeCloseTo(1 / 3, 12);
      expect(row.allPools).toBeCloseTo(4000 / 4700, 12);
    }
  });

  it('places as many random levels uniformly in the side\'s band, and within the model\'s reach (seeded)', () => {
    const events = [liq(90_000, 'long', 98.05, 1000), liq(95_000, 'long', 96, 3000)];
    const r = scoreTopQuarter(events, [SNAPSHOT], { draws: 4000, seed: 3 });
    const at = (tol: number) => r.rows.find((x) => x.tolerance === tol)!;
    // band [90, 100], two levels: each lands within 1 % of p with probability 2·0.01·p/10
    const band = (p: number) => 1 - (1 - (2 * 0.01 * p) / 10) ** 2;
    expect(at(0.01).randomBand).toBeCloseTo((1000 * band(98.05) + 3000 * band(96)) / 4000, 2);
    // same reach: [98, 100]; within 0.10 % of 98.05 is [97.952, 98.148] ∩ [98, 100] = 0.148 of 2; 96 is out of reach
    const reach = 1 - (1 - (98.05 * 1.001 - 98) / 2) ** 2;
    expect(at(0.001).randomReach).toBeCloseTo((1000 * reach) / 4000, 2);
    // within 1 % of 98.05 is [97.07, 99.03]: 1.03 of the 2 wide reach
    expect(at(0.01).randomReach).toBeCloseTo((1000 * (1 - (1 - (98.05 * 1.01 - 98) / 2) ** 2)) / 4000, 2);
    // the same seed gives the same numbers
    expect(scoreTopQuarter(events, [SNAPSHOT], { draws: 4000, seed: 3 })).toEqual(r);
    expect(scoreTopQuarter(events, [SNAPSHOT], { draws: 4000, seed: 4 })).not.toEqual(r);
  });
});
