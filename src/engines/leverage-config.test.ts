import { describe, expect, it } from 'vitest';
import { DISABLED_TIERS, leverageConfigFor, tierWeight } from './leverage-config.js';

describe('leverage config', () => {
  it('has the seed BTC ladder with 10x disabled and the prior normalized over enabled tiers', () => {
    const btc = leverageConfigFor('BTC');
    expect(btc.tiers).toEqual([5, 10, 20, 25, 50, 75, 100, 125, 150, 200, 250]);
    expect(DISABLED_TIERS.has(10)).toBe(true);
    expect(btc.priorWeights[1]).toBe(0);
    // enabled raw sum: 1 + 0.9 + 0.7 + 0.35 + 0.14 + 0.08 + 0.05 + 0.03 + 0.015 + 0.008 = 3.273
    expect(btc.priorWeights[0]).toBeCloseTo(1 / 3.273, 12);
    expect(btc.priorWeights[4]).toBeCloseTo(0.35 / 3.273, 12);
    expect(btc.priorWeights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('has the seed ETH and SOL ladders and a default for unknown symbols', () => {
    expect(leverageConfigFor('ETH').tiers).toEqual([5, 10, 20, 25, 50, 75, 100, 125]);
    expect(leverageConfigFor('SOL').tiers).toEqual([5, 10, 20, 25, 50, 75]);
    expect(leverageConfigFor('XRP').tiers).toEqual([5, 10, 20, 50, 75, 100]);
    expect(leverageConfigFor('XRP').priorWeights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('gives zone tier weights from the seed table, 1 for tape zones and 0.5 for unknown tiers', () => {
    expect(tierWeight(5)).toBe(0.2);
    expect(tierWeight(10)).toBe(0);
    expect(tierWeight(100)).toBe(1);
    expect(tierWeight(undefined)).toBe(1);
    expect(tierWeight(33)).toBe(0.5);
  });
});
