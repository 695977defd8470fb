import { describe, expect, it } from 'vitest';
import { HISTORY_MINUTES, TakerAggression, takerBuyShare } from './taker-aggression.js';

describe('TakerAggression', () => {
  it('sums the minute being closed, in base and USD, and resets for the next', () => {
    const agg = new TakerAggression();
    agg.add('buy', 100, 2); // 200 USD
    agg.add('sell', 101, 1); // 101 USD
    agg.add('buy', 99, 1); // 99 USD
    const m = agg.close(0);
    expect(m).toEqual({ minuteStart: 0, buyBase: 3, sellBase: 1, buyUsd: 299, sellUsd: 101, trades: 3 });
    expect(takerBuyShare(m)).toBeCloseTo(299 / 400, 12);
    const empty = agg.close(60_000);
    expect(empty.trades).toBe(0);
    expect(takerBuyShare(empty)).toBeUndefined();
  });

  it('keeps the last 10 closed minutes, oldest first', () => {
    const agg = new TakerAggression();
    for (let i = 0; i < 13; i++) {
      agg.add('buy', 1, i);
      agg.close(i * 60_000);
    }
    const h = agg.history();
    expect(h).toHaveLength(HISTORY_MINUTES);
    expect(h[0]!.minuteStart).toBe(3 * 60_000);
    expect(h.at(-1)!.buyBase).toBe(12);
  });
});
