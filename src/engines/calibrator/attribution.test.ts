import { describe, expect, it } from 'vitest';
import { argmax, densityResponsibilities, fallbackResponsibilities, hitCredit } from './attribution.js';

describe('calibrator attribution', () => {
  it('divides each enabled tier’s inventory density by the enabled total (no weight multiplied in twice)', () => {
    const out = new Float64Array(4);
    const sum = densityResponsibilities([5, 30, 10, 60], [false, true, true, true], out);
    expect(sum).toBe(100);
    expect(Array.from(out)).toEqual([0, 0.3, 0.1, 0.6]);
  });

  it('falls back to r ∝ w·exp(−d/τ), relative to the nearest tier so far events never underflow', () => {
    const out = new Float64Array(4);
    fallbackResponsibilities([undefined, 0.001, 0.002, 0.004], [0, 0.5, 0.3, 0.2], [false, true, true, true], 0.001, out);
    // 0.5·e^0, 0.3·e^−1, 0.2·e^−3 over their sum 0.620321
    expect(out[0]).toBe(0);
    expect(out[1]).toBeCloseTo(0.806033975, 8);
    expect(out[2]).toBeCloseTo(0.177913997, 8);
    expect(out[3]).toBeCloseTo(0.016052027, 8);
    // 50 % away: exp(−500) underflows, the relative form does not
    fallbackResponsibilities([undefined, 0.5, 0.5, 0.6], [0, 0.5, 0.5, 0], [false, true, true, true], 0.001, out);
    expect(Array.from(out)).toEqual([0, 0.5, 0.5, 0]);
  });

  it('splits evenly over the tiers with a level when every weight is 0', () => {
    const out = new Float64Array(3);
    fallbackResponsibilities([0.01, undefined, 0.02], [0, 0, 0], [true, true, true], 0.001, out);
    expect(Array.from(out)).toEqual([0.5, 0, 0.5]);
  });

  it('credits a hit with r·exp(−d/δ)', () => {
    expect(hitCredit(0.6, 0.0004, 0.0008)).toBeCloseTo(0.363918396, 8);
    expect(hitCredit(0.6, undefined, 0.0008)).toBe(0);
  });

  it('attributes to the largest responsibility, the lower tier on a tie, none when all are 0', () => {
    expect(argmax([0.9, 0.3, 0.3, 0.1], [false, true, true, true])).toBe(1);
    expect(argmax([0, 0, 0], [true, true, true])).toBe(-1);
  });
});
