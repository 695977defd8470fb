import { describe, expect, it } from 'vitest';
import { cellOf, hitRateGrid, indexLevels, type Grid } from './hit-rate.js';
import type { LiquidationRecord, MinuteRecord } from './records.js';

const MIN = 60_000;

function minute(key: number, projection: MinuteRecord['projection'], tape: MinuteRecord['tape'] = []): MinuteRecord {
  return { key, close: 100, projection, tape, hasLevels: true };
}

function liq(minuteIndex: number, side: 'long' | 'short', trigger: number, over: Partial<LiquidationRecord> = {}): LiquidationRecord {
  const ts = minuteIndex * MIN + 30_000;
  return {
    ts, minute: minuteIndex, venue: 'bybit', side, eventPrice: trigger, triggerPrice: trigger, notional: 1000, priceInsane: false, fallback: false,
    tierDisabled: false, attributedTier: null, isHit: false, missUsd: null, missPct: null, fromMark: true, ...over,
  };
}

/** [gaps, hits at 0.10, 0.25, 0.50, 1.00 %] per lookback 0, 1, 5, 15. */
const summary = (grid: Grid) => grid.rows.map((r) => [r.gaps, ...r.cells.map((c) => c.hits)]);

// minute 100 opens with a long level at 99.0 and a short one at 101.0 (placed at its start);
// a long liquidation bucket 97.0 happened in minute 99 and one at 98.5 in minute 100
const MINUTES = [minute(100, [{ side: 'long', tier: 50, price: 99, usd: 1e5 }, { side: 'short', tier: 50, price: 101, usd: 1e5 }], [{ side: 'long', price: 97, usd: 5e4 }]), minute(101, [], [{ side: 'long', price: 98.5, usd: 2e4 }])];
const EVENTS = [
  liq(100, 'long', 99.05, { eventPrice: 98.9 }), // 0.05 % from the 99.0 projection level
  liq(102, 'short', 101.2), // 0.198 % from the 101.0 level, which is 2 minutes old
  liq(100, 'long', 150, { priceInsane: true }), // left out
];

describe('the PoC hit-rate grid', () => {
  const result = hitRateGrid(EVENTS, indexLevels(MINUTES));

  it('scores each liquidation against the same-side levels of its lookback: hit, miss or gap', () => {
    expect(result.events).toBe(2);
    expect(summary(result.grids.projection)).toEqual([
      [1, 1, 1, 1, 1], // L 0: the long hits at every τ; the short has no level yet (gap)
      [1, 1, 1, 1, 1],
      [0, 1, 2, 2, 2], // L 5 reaches minute 100 for the short: 0.198 % → hit from 0.25 %
      [0, 1, 2, 2, 2],
    ]);
    expect(summary(result.grids.combined)).toEqual(summary(result.grids.projection));
  });

  it('leaves the own minute out of the tape levels, and keeps the PoC\'s unfiltered tape grid beside it', () => {
    // without the own minute the long only sees the 97.0 bucket (2.07 % away): a miss from L 1
    expect(summary(result.grids.tape)).toEqual([
      [2, 0, 0, 0, 0],
      [1, 0, 0, 0, 0],
      [1, 0, 0, 0, 0],
      [1, 0, 0, 0, 0],
    ]);
    // with it, the 98.5 bucket of minute 100 (0.555 % from 99.05) hits at 1.00 %; combined, the 99.0 projection level is nearer anyway
    expect(summary(result.grids.combinedOwnMinute)).toEqual(summary(result.grids.combined));
    expect(summary(result.grids.tapeOwnMinute)).toEqual([
      [1, 0, 0, 0, 1],
      [1, 0, 0, 0, 1],
      [1, 0, 0, 0, 1],
      [1, 0, 0, 0, 1],
    ]);
  });

  it('gives hit rate = hits / all events and the cell of the headline', () => {
    expect(cellOf(result.grids.combined, 5, 0.005)).toEqual({ hitRate: 1, hits: 2, misses: 0, gaps: 0, gapRate: 0, events: 2 });
    expect(cellOf(result.grids.combined, 0, 0.001)).toEqual({ hitRate: 0.5, hits: 1, misses: 0, gaps: 1, gapRate: 0.5, events: 2 });
    expect(cellOf(result.grids.tape, 1, 0.01)).toMatchObject({ hits: 0, misses: 1, gaps: 1 });
  });

  it('splits the combined grid by side and measures the signed miss to the nearest level', () => {
    expect(summary(result.bySide.long)[0]).toEqual([0, 1, 1, 1, 1]);
    expect(summary(result.bySide.short)[0]).toEqual([1, 0, 0, 0, 0]);
    expect(result.missDistance.long.n).toBe(1);
    expect(result.missDistance.long.median).toBeCloseTo(0.05 / 99.05, 12);
    expect(result.missDistance.short.median).toBeCloseTo(0.2 / 101.2, 12);
  });

  it('can score the venue\'s published price instead of the trigger price', () => {
    const atEvent = hitRateGrid(EVENTS, indexLevels(MINUTES), 'event');
    // 98.9 is 0.101 % from 99.0: no longer a hit at 0.10 %
    expect(summary(atEvent.grids.combined)[0]).toEqual([1, 0, 1, 1, 1]);
  });
});
