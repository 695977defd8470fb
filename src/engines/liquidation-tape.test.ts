import { describe, expect, it } from 'vitest';
import { LiquidationTape } from './liquidation-tape.js';

const M = 60_000;

describe('LiquidationTape', () => {
  it('decays every bucket by the factor each minute and drops those under 100 USD', () => {
    const tape = new LiquidationTape(20);
    tape.add('long', 3200, 10_000, 0); // 64 000
    tape.add('short', 3300, 101, 0);
    for (let i = 1; i <= 3; i++) tape.rollover(0.995, i * M, undefined, undefined);
    expect(tape.get('long', 3200)).toBeCloseTo(10_000 * 0.995 ** 3, 9); // 9850.749375
    expect(tape.get('short', 3300)).toBe(0); // 101·0.995 = 100.495, ·0.995 = 99.99 < 100
  });

  it('spares a liquidation from the sweep of its own minute and sweeps it on the next crossing', () => {
    const tape = new LiquidationTape(20);
    tape.add('long', 3200, 50_000, 5 * M); // long liquidated at 64 000 during minute 5
    // minute 5 closes with low 63 990 (the move that liquidated it): kept
    expect(tape.rollover(1, 5 * M, 64_300, 63_990)).toEqual([]);
    expect(tape.get('long', 3200)).toBe(50_000);
    // minute 6 trades back down to 64 000: swept
    const swept = tape.rollover(1, 6 * M, 64_200, 64_000);
    expect(swept).toEqual([{ side: 'long', bucketIndex: 3200, price: 64_000, notional: 50_000, count: 1 }]);
    expect(tape.bucketCount('long')).toBe(0);
  });

  it('sweeps short buckets by the high and leaves untouched levels alone', () => {
    const tape = new LiquidationTape(1);
    tape.add('short', 3050, 20_000, 0);
    tape.add('short', 3100, 20_000, 0);
    const swept = tape.rollover(1, M, 3060, 3000);
    expect(swept.map((s) => s.price)).toEqual([3050]);
    expect(tape.get('short', 3100)).toBe(20_000);
  });
});
