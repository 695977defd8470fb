import { describe, expect, it } from 'vitest';
import { bucketIndex, bucketOf, decimalsOf, gridAround, gridPrices } from './buckets.js';
import { defaultStepForPrice, symbolConfigFor } from './symbol-config.js';

describe('buckets', () => {
  it('counts the decimals of a step', () => {
    expect(decimalsOf(20)).toBe(0);
    expect(decimalsOf(1)).toBe(0);
    expect(decimalsOf(0.1)).toBe(1);
    expect(decimalsOf(0.05)).toBe(2);
    expect(decimalsOf(0.0001)).toBe(4);
  });

  it('puts a price in the nearest bucket, not the floor', () => {
    expect(bucketOf(62324.6, 20)).toBe(62320);
    expect(bucketOf(62331, 20)).toBe(62340);
    expect(bucketIndex(62331, 20)).toBe(3117);
  });

  it('gives SOL buckets without float noise', () => {
    // 0.1 · 1453 = 145.3 exactly after rounding to one decimal, not 145.29999999999998
    expect(bucketOf(145.27, 0.1)).toBe(145.3);
    expect(bucketOf(81.04, 0.1)).toBe(81);
  });

  it('builds a ±band grid whose end points are multiples of the step', () => {
    // centre 65892.725, ±10 %: 59303.45 → 59300, 72481.99 → 72480 (POC-FACTS 1.5)
    const grid = gridAround(65892.725, 0.1, 20);
    expect(grid.priceMin).toBe(59300);
    expect(grid.priceMax).toBe(72480);
    expect(grid.count).toBe(660);
    const prices = gridPrices(grid);
    expect(prices[0]).toBe(59300);
    expect(prices[1]).toBe(59320);
    expect(prices.at(-1)).toBe(72480);
  });

  it('trims a grid that needs more points than allowed, keeping the centre', () => {
    const grid = gridAround(3000, 0.2, 0.1, 1000); // would need 12 001 points
    expect(grid.count).toBe(1000);
    expect(grid.priceMin).toBeLessThan(3000);
    expect(grid.priceMax).toBeGreaterThan(3000);
    expect(Math.abs(grid.priceMin + grid.priceMax - 6000)).toBeLessThanOrEqual(0.1 + 1e-9);
  });
});

describe('symbol config', () => {
  it('has the seed steps for BTC, ETH and SOL', () => {
    expect(symbolConfigFor('BTC')?.step).toBe(20);
    expect(symbolConfigFor('ETH')?.step).toBe(1);
    expect(symbolConfigFor('SOL')?.step).toBe(0.1);
    expect(symbolConfigFor('SOL')?.obGapTolerance).toBe(5);
  });

  it('derives a round step near 0.03 % of price for unknown symbols', () => {
    expect(defaultStepForPrice(65000)).toBe(20);
    expect(defaultStepForPrice(0.52)).toBe(0.0002);
    expect(symbolConfigFor('XRP', 0.52)?.step).toBe(0.0002);
    expect(symbolConfigFor('XRP')).toBeUndefined();
  });
});
