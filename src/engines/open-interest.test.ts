import { describe, expect, it } from 'vitest';
import { OpenInterestTracker } from './open-interest.js';

describe('OpenInterestTracker', () => {
  it('has no delta in the first minute, then sums per-venue deltas', () => {
    const oi = new OpenInterestTracker();
    oi.add('binance', 'rest', 1000, 1);
    oi.add('bybit', 'rest', 500, 2);
    const first = oi.close();
    expect(first.deltaBase).toBeUndefined();
    expect(first.totalBase).toBe(1500);
    oi.add('binance', 'rest', 1010, 61_000);
    oi.add('binance', 'rest', 1012, 76_000); // the minute's last reading counts
    oi.add('bybit', 'rest', 495, 62_000);
    const second = oi.close();
    expect(second.deltaBase).toBe(12 - 5);
    expect(second.previousBase).toBe(1500);
    expect(second.venuesUsed).toEqual(['binance', 'bybit']);
  });

  it('leaves out a venue that missed its polls and re-establishes its baseline without a jump', () => {
    const oi = new OpenInterestTracker();
    oi.add('binance', 'rest', 1000, 0);
    oi.add('okx', 'rest', 400, 0);
    oi.close();
    // minute 2: OKX misses every poll
    oi.add('binance', 'rest', 1001, 60_000);
    const m2 = oi.close();
    expect(m2.deltaBase).toBe(1);
    expect(m2.previousBase).toBe(1000);
    expect(m2.venuesLeftOut).toEqual(['okx']);
    // minute 3: OKX is back (at 410): no baseline in minute 2, so it is left out again
    oi.add('binance', 'rest', 1002, 120_000);
    oi.add('okx', 'rest', 410, 120_000);
    const m3 = oi.close();
    expect(m3.deltaBase).toBe(1); // not 1 + 410
    expect(m3.venuesLeftOut).toEqual(['okx']);
    // minute 4: OKX counts again with its own delta
    oi.add('binance', 'rest', 1002, 180_000);
    oi.add('okx', 'rest', 408, 180_000);
    const m4 = oi.close();
    expect(m4.deltaBase).toBe(-2);
    expect(m4.previousBase).toBe(1002 + 410);
    expect(m4.venuesLeftOut).toEqual([]);
  });

  it('never lets one venue contribute twice when it has REST and stream readings', () => {
    const oi = new OpenInterestTracker();
    oi.add('bybit', 'rest', 500, 0);
    oi.add('bybit', 'stream', 501, 0);
    oi.close();
    oi.add('bybit', 'rest', 520, 60_000);
    oi.add('bybit', 'stream', 511, 60_000);
    const m = oi.close();
    expect(m.deltaBase).toBe(10); // the stream series
    expect(oi.view()).toEqual({ aggregatedBase: 511, perVenue: { bybit: 511 }, ts: 60_000 });
  });

  it('forgets baselines after a reset', () => {
    const oi = new OpenInterestTracker();
    oi.add('binance', 'rest', 1000, 0);
    oi.close();
    oi.resetBaselines();
    oi.add('binance', 'rest', 1300, 60_000);
    expect(oi.close().deltaBase).toBeUndefined();
  });
});
