import { describe, expect, it } from 'vitest';
import { RateMeter } from './rate-meter.js';

describe('RateMeter', () => {
  it('averages the last complete seconds of the window', () => {
    const meter = new RateMeter(10);
    for (let s = 0; s < 20; s++) for (let i = 0; i < 5; i++) meter.record(s * 1_000 + i * 100);
    expect(meter.perSecond(20_000)).toBe(5);
  });

  it('divides by the seconds covered before a full window has passed', () => {
    const meter = new RateMeter(10);
    for (let i = 0; i < 30; i++) meter.record(1_000 + i * 10);
    expect(meter.perSecond(1_500)).toBe(0); // the first second is not complete yet
    expect(meter.perSecond(2_000)).toBe(30);
    expect(meter.perSecond(4_000)).toBe(10);
  });

  it('falls to zero after a silence longer than the window', () => {
    const meter = new RateMeter(5);
    for (let i = 0; i < 100; i++) meter.record(i * 10);
    expect(meter.perSecond(60_000)).toBe(0);
  });
});
