import { describe, expect, it } from 'vitest';
import { formatFixed, formatTrimmed, formatUnits, formatUnitsTrimmed } from './format.js';

describe('venue number formatting', () => {
  it('prints integer units with the venue decimals, padding like Binance ("63943.90")', () => {
    expect(formatUnits(639439, 1, 2)).toBe('63943.90');
    expect(formatUnits(511, 3)).toBe('0.511');
    expect(formatUnits(5, 3)).toBe('0.005');
    expect(formatUnits(1000, 3)).toBe('1.000');
    expect(formatUnits(12, 0)).toBe('12');
    expect(formatUnits(14235, 2, 4)).toBe('142.3500');
    expect(formatUnits(7, 0, 2)).toBe('7.00');
    expect(formatUnits(-25, 2)).toBe('-0.25');
  });

  it('prints the shortest form like OKX ("63921.5", "790.41", "1")', () => {
    expect(formatUnitsTrimmed(639215, 1)).toBe('63921.5');
    expect(formatUnitsTrimmed(79041, 2)).toBe('790.41');
    expect(formatUnitsTrimmed(100, 2)).toBe('1');
    expect(formatUnitsTrimmed(32, 2)).toBe('0.32');
    expect(formatUnitsTrimmed(0, 2)).toBe('0');
  });

  it('prints floats fixed or trimmed without "-0"', () => {
    expect(formatFixed(11794.15, 8)).toBe('11794.15000000');
    expect(formatFixed(-0.0000000001, 4)).toBe('0.0000');
    expect(formatTrimmed(0.00018753, 10)).toBe('0.00018753');
    expect(formatTrimmed(57102.9, 1)).toBe('57102.9');
    expect(formatTrimmed(2, 4)).toBe('2');
  });
});
