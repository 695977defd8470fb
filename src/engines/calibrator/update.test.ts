import { describe, expect, it } from 'vitest';
import { capAndNormalize, guardWeights, offsetStep, toleranceStep, weightStep } from './update.js';

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

describe('bias and buffer update', () => {
  const start = { buffer: 0.002, biasLong: 0, biasShort: 0 };

  it('gives the buffer the part the sides disagree on and the biases the rest, so each side moves by η·miss', () => {
    // long misses +0.4 %, short −0.2 %: Δm = 0.1·(0.004 + 0.002)/2 = 0.0003
    const s = offsetStep(start, { n: 12, sum: 0.048 }, { n: 10, sum: -0.02 });
    expect(s.buffer).toBeCloseTo(0.0023, 12);
    expect(s.biasLong).toBeCloseTo(0.0001, 12); // 0.0004 − 0.0003
    expect(s.biasShort).toBeCloseTo(0.0001, 12); // −0.0002 + 0.0003
    expect(s.buffer - start.buffer + s.biasLong).toBeCloseTo(0.1 * 0.004, 12); // long levels up by η·e_long
    expect(-(s.buffer - start.buffer) + s.biasShort).toBeCloseTo(0.1 * -0.002, 12); // short levels by η·e_short
    expect(s).toMatchObject({ usedLong: true, usedShort: true, bufferMoved: true, biasCapped: false });
  });

  it('moves only the bias of a side with ≥ 10 samples; the other keeps collecting', () => {
    const s = offsetStep(start, { n: 12, sum: 0.048 }, { n: 9, sum: -0.02 });
    expect(s).toMatchObject({ buffer: 0.002, biasShort: 0, usedLong: true, usedShort: false, bufferMoved: false });
    expect(s.biasLong).toBeCloseTo(0.0004, 12);
  });

  it('caps the bias at ±0.8 %', () => {
    const s = offsetStep({ buffer: 0.002, biasLong: 0.0079, biasShort: -0.0079 }, { n: 10, sum: 0.1 }, { n: 0, sum: 0 });
    expect(s.biasLong).toBe(0.008);
    expect(s.biasCapped).toBe(true);
    const t = offsetStep({ buffer: 0.002, biasLong: 0, biasShort: -0.0079 }, { n: 0, sum: 0 }, { n: 10, sum: -0.1 });
    expect(t.biasShort).toBe(-0.008);
  });

  it('keeps the buffer within [0, 0.01] and hands the rest of the move to the biases', () => {
    const s = offsetStep({ buffer: 0.0099, biasLong: 0, biasShort: 0 }, { n: 10, sum: 0.1 }, { n: 10, sum: -0.1 });
    expect(s.buffer).toBe(0.01);
    expect(s.biasLong).toBeCloseTo(0.0009, 12);
    expect(s.biasShort).toBeCloseTo(-0.0009, 12);
  });

  it('leaves the buffer alone when buffer tuning is off', () => {
    const s = offsetStep(start, { n: 12, sum: 0.048 }, { n: 10, sum: -0.02 }, { tuneBuffer: false });
    expect(s.buffer).toBe(0.002);
    expect(s.biasLong).toBeCloseTo(0.0004, 12);
    expect(s.biasShort).toBeCloseTo(-0.0002, 12);
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
