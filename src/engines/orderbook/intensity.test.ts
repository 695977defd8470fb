import { describe, expect, it } from 'vitest';
import { distributionOf, intensityU8, notionalOfU8, percentileOfSorted } from './intensity.js';

describe('order-book intensity scale', () => {
  it('is 0 only for no liquidity, monotonic, and saturates at the reference', () => {
    expect(intensityU8(0, 100)).toBe(0);
    expect(intensityU8(1e-9, 100)).toBe(1);
    expect(intensityU8(100, 100)).toBe(255);
    expect(intensityU8(1e9, 100)).toBe(255);
    let previous = 0;
    for (let x = 0; x <= 200; x += 0.25) {
      const u = intensityU8(x, 100);
      expect(u).toBeGreaterThanOrEqual(previous);
      previous = u;
    }
  });

  it('maps p99/16 near a quarter of the scale (√)', () => {
    expect(intensityU8(100 / 16, 100)).toBe(1 + Math.floor(254 / 4)); // 64
  });

  it('decodes every level inside its own encoding bin', () => {
    for (let u = 1; u < 255; u++) expect(intensityU8(notionalOfU8(u, 1000), 1000)).toBe(u);
  });

  it('takes percentiles like numpy (linear interpolation) over the non-zero values of both sides', () => {
    expect(percentileOfSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    const d = distributionOf([0, 10, 30], 3, [20, 0], 2);
    expect(d).toEqual({ p50: 20, p90: 28, p95: 29, p99: 29.8, max: 30, count: 3 });
    expect(distributionOf([0], 1, [0], 1).max).toBe(0);
  });
});
