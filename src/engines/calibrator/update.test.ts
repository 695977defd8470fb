import { describe, expect, it } from 'vitest';
import { biasStep, bufferStep, capAndNormalize, guardWeights, impliedMargin, toleranceStep, weightStep } from './update.js';

const close = (actual: readonly number[], expected: readonly number[], digits = 6) => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, digits));
};

describe('weight update (M-step)', () => {
  it('goes through every clamp: step, ratio floor and ceiling, renormalization, cap', () => {
    // learning rate 0.5 so the 0.85 floor binds (at the default 0.10 a step can lose at most 10 %)
    const step = weightStep([0, 0.5, 0.3, 0.2], [5, 0, 0, 1], [false, true, true, true], { learningRate: 0.5 });
    // stepped 0.25, 0.15, 0.6 → ratios 0.5, 0.5, 3 → clamped ×0.85, ×0.85, ×1.2 = 0.425, 0.255, 0.24
    // normalized /0.92 = 0.461957, 0.277174, 0.260870 → 0.461957 capped at 0.35, the rest share 0.65
    close(step.weights, [0, 0.35, 0.334848, 0.315152]);
    expect(step.ratioClamped).toEqual([1, 2, 3]);
    expect(step.capped).toEqual([1]);
    expect(step.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('moves 10 % of the way at the default rate and water-fills the cap until no tier is above it', () => {
    const step = weightStep([0.5, 0.3, 0.2], [0.2, 0.3, 0.5], [true, true, true]);
    // 0.47, 0.30, 0.23 (no ratio binds); 0.47 → 0.35, then 0.3·0.65/0.53 = 0.3679 → 0.35, last 0.30
    close(step.weights, [0.35, 0.35, 0.3]);
    expect(step.ratioClamped).toEqual([]);
    expect(step.capped).toEqual([0, 1]);
  });

  it('limits growth to ×1.2 per update, and skips the cap when it cannot hold (2 tiers)', () => {
    const step = weightStep([0.05, 0.95], [1, 0], [true, true]);
    // 0.145 → ratio 2.9 → 0.06; 0.855; normalized over 0.915
    close(step.weights, [0.06 / 0.915, 0.855 / 0.915]);
    expect(step.ratioClamped).toEqual([0]);
    expect(step.capped).toEqual([]);
  });

  it('lets an enabled tier at weight 0 grow by the rate times its share', () => {
    const step = weightStep([0, 0.6, 0.4], [1, 0, 0], [true, true, true]);
    // 0.1, 0.54, 0.36 → cap 0.54, then 0.36·0.65/0.46 = 0.5087 → cap, 0.1 gets the remaining 0.3
    close(step.weights, [0.3, 0.35, 0.35]);
  });

  it('keeps the weights when the target is empty', () => {
    close(weightStep([0.25, 0.75], [0, 0], [true, true]).weights, [0.25, 0.75]);
  });

  it('normalizes without a cap problem when every weight is under it', () => {
    const w = [1, 1, 1, 1];
    expect(capAndNormalize(w, [true, true, true, true], 0.35)).toEqual([]);
    expect(w).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('guards against non-finite weights and collapse onto one tier, and passes the seed prior', () => {
    expect(guardWeights([0, 1, 0], [true, true, true])).toMatch(/only 1 tier/);
    expect(guardWeights([0.5, Number.NaN], [true, true])).toMatch(/NaN/);
    // the BTC prior: the PoC's entropy switch (H = 1.588 < 1.6) tripped on it; ours does not
    expect(guardWeights([0.306, 0, 0.275, 0.214, 0.107, 0.043, 0.024, 0.015, 0.009, 0.0046, 0.0024], [true, false, true, true, true, true, true, true, true, true, true])).toBeUndefined();
  });
});

describe('bias update', () => {
  const start = { biasLong: 0, biasShort: 0 };

  it('moves each side with ≥ 10 hits by η times its mean signed miss; the other keeps collecting', () => {
    // long misses +0.4 % on average, short −0.2 % but only 9 hits
    const s = biasStep(start, { n: 12, sum: 0.048 }, { n: 9, sum: -0.018 });
    expect(s.biasLong).toBeCloseTo(0.0004, 12);
    expect(s).toMatchObject({ biasShort: 0, usedLong: true, usedShort: false, biasCapped: false });
    expect(s.meanShort).toBeCloseTo(-0.002, 12);
  });

  it('caps the bias at ±0.8 %', () => {
    const s = biasStep({ biasLong: 0.0079, biasShort: -0.0079 }, { n: 10, sum: 0.1 }, { n: 0, sum: 0 });
    expect(s.biasLong).toBe(0.008);
    expect(s.biasCapped).toBe(true);
    const t = biasStep({ biasLong: 0, biasShort: -0.0079 }, { n: 0, sum: 0 }, { n: 10, sum: -0.1 });
    expect(t.biasShort).toBe(-0.008);
  });
});

describe('buffer from the trigger-vs-bankruptcy gap', () => {
  it('reads the maintenance margin off one liquidation, whatever the entry', () => {
    // entry 1000, 50x, m = 0.004: long trigger 1000·(1 − 0.02 + 0.004) = 984, order at the bankruptcy price 980
    expect(impliedMargin('long', 984, 980, 1 / 50)).toBeCloseTo(0.004, 12);
    // short: trigger 1000·(1 + 0.02 − 0.004) = 1016, order at 1020
    expect(impliedMargin('short', 1016, 1020, 1 / 50)).toBeCloseTo(0.004, 12);
    // entry 70 000, 125x, m = 0.0025: the same m from other prices
    const e = 70_000;
    expect(impliedMargin('long', e * (1 - 1 / 125 + 0.0025), e * (1 - 1 / 125), 1 / 125)).toBeCloseTo(0.0025, 12);
    expect(impliedMargin('long', 0, 980, 0.02)).toBeUndefined();
    expect(impliedMargin('short', 1016, Number.NaN, 0.02)).toBeUndefined();
  });

  it('moves η of the way to the upper median after 10 samples, within [0, 0.01]', () => {
    const samples = [0.004, 0.0041, 0.0039, 0.004, 0.05, -0.02, 0.0042, 0.004, 0.0038, 0.004];
    // sorted: −0.02, 0.0038, 0.0039, 0.004 ×4, 0.0041, 0.0042, 0.05 → index 5 = 0.004; IQR 0.0041 − 0.0039
    const s = bufferStep(0.002, samples);
    expect(s.target).toBe(0.004);
    expect(s.iqr).toBeCloseTo(0.0002, 15);
    expect(s.buffer).toBeCloseTo(0.002 + 0.1 * 0.002, 15);
    expect(s).toMatchObject({ used: true, moved: true, bounded: false });
    expect(bufferStep(0.002, samples.slice(0, 9))).toMatchObject({ buffer: 0.002, target: undefined, used: false, moved: false });
    expect(bufferStep(0.0099, new Array(10).fill(0.03))).toMatchObject({ buffer: 0.01, bounded: true });
  });

  it('drops a window whose implied margins disagree (a cascade against stale marks) without moving the buffer', () => {
    // a cascade: most events measured against a mark far below their trigger
    const cascade = [-0.011, -0.009, -0.0072, -0.0072, -0.0071, -0.005, 0.0011, 0.0024, 0.0025, 0.0026];
    expect(bufferStep(0.002, cascade)).toMatchObject({ buffer: 0.002, used: true, moved: false, reason: expect.stringMatching(/disagree/) });
    // positive but spread: IQR 0.004 > 0.5 × median 0.004
    const spread = [0.001, 0.002, 0.002, 0.003, 0.004, 0.004, 0.005, 0.006, 0.006, 0.009];
    expect(bufferStep(0.002, spread)).toMatchObject({ moved: false, used: true });
    expect(bufferStep(0.002, spread, { maxSpread: 1.5 })).toMatchObject({ moved: true, target: 0.004 });
  });
});

describe('tolerance tuning', () => {
  it('widens 4 to 5 (the PoC’s integer floor kept ⌊1.2·4⌋ = 4 forever)', () => {
    // sorted [1,2,3,4,7,8,9,10], p75 = value at ⌊0.75·8⌋ = 9 > 1.5·4
    expect(toleranceStep(4, [1, 2, 7, 8, 9, 10, 3, 4], 0.2)).toMatchObject({ tolerance: 5, p75: 9, applied: true });
    expect(toleranceStep(10, [20, 20, 20, 20, 20], 0.2).tolerance).toBe(12);
  });

  it('narrows when p75 < 0.5·tol and the hit rate is above 0.5', () => {
    expect(toleranceStep(10, [1, 1, 1, 1, 1], 0.9).tolerance).toBe(9);
    expect(toleranceStep(10, [1, 1, 1, 1, 1], 0.5).applied).toBe(false);
  });

  it('stays within [2, 20] buckets and needs 5 samples', () => {
    expect(toleranceStep(2, [0, 0, 0, 0, 0], 1)).toMatchObject({ tolerance: 2, applied: false });
    expect(toleranceStep(20, [50, 50, 50, 50, 50], 0)).toMatchObject({ tolerance: 20, applied: false });
    expect(toleranceStep(4, [50, 50, 50, 50], 0)).toMatchObject({ tolerance: 4, applied: false, p75: undefined });
  });
});
