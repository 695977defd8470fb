import { describe, expect, it } from 'vitest';
import { INITIAL_VOLATILITY, nextVolatility, temperatures, volScale } from './volatility.js';

describe('calibrator volatility', () => {
  it('starts at the baseline, so τ and δ start at their bases', () => {
    expect(temperatures(INITIAL_VOLATILITY.ewma)).toEqual({ scale: 1, tau: 0.0012, delta: 0.0008 });
  });

  it('folds per-minute |ln(close_t/close_{t−1})| in with α 0.1 (the first close only sets the reference)', () => {
    const first = nextVolatility(INITIAL_VOLATILITY, 100);
    expect(first).toEqual({ ewma: 0.0015, lastClose: 100 });
    const second = nextVolatility(first, 100.5);
    // 0.9·0.0015 + 0.1·ln(1.005) = 0.00135 + 0.000498754 = 0.001848754
    expect(second.ewma).toBeCloseTo(0.001848754151, 12);
    const t = temperatures(second.ewma);
    expect(t.scale).toBeCloseTo(1.2325027674, 9);
    expect(t.tau).toBeCloseTo(0.0014790033, 9);
    expect(t.delta).toBeCloseTo(0.0009860022, 9);
    // a fall counts like a rise
    expect(nextVolatility({ ewma: 0.0015, lastClose: 100.5 }, 100).ewma).toBeCloseTo(0.001848754151, 12);
  });

  it('clamps the scale to [0.7, 1.6]', () => {
    expect(volScale(0.0003)).toBe(0.7);
    expect(volScale(0.003)).toBe(1.6);
    expect(volScale(0.0012)).toBeCloseTo(0.8, 12);
  });

  it('ignores a non-positive or non-finite close', () => {
    const s = { ewma: 0.001, lastClose: 50 };
    expect(nextVolatility(s, 0)).toBe(s);
    expect(nextVolatility(s, Number.NaN)).toBe(s);
  });
});
