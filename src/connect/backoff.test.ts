import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

const delays = (backoff: Backoff, n: number): number[] => Array.from({ length: n }, () => backoff.next());

describe('Backoff', () => {
  it('doubles from 1 s and caps at 32 s', () => {
    expect(delays(new Backoff({ random: () => 0 }), 8)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 32_000, 32_000]);
  });

  it('shortens each delay by up to a quarter from the injected random source', () => {
    // 0.5 × 0.25 = 12.5 % shorter
    expect(delays(new Backoff({ random: () => 0.5 }), 7)).toEqual([875, 1_750, 3_500, 7_000, 14_000, 28_000, 28_000]);
    const randoms = [0.999, 0.2, 0];
    let i = 0;
    expect(delays(new Backoff({ random: () => randoms[i++]! }), 3)).toEqual([750, 1_900, 4_000]);
  });

  it('starts again at 1 s after a reset', () => {
    const backoff = new Backoff({ random: () => 0 });
    delays(backoff, 4);
    expect(backoff.attempt).toBe(4);
    backoff.reset();
    expect(backoff.attempt).toBe(0);
    expect(delays(backoff, 2)).toEqual([1_000, 2_000]);
  });

  it('never exceeds the cap however long it runs', () => {
    const backoff = new Backoff({ random: () => 0 });
    for (let i = 0; i < 2_000; i++) expect(backoff.next()).toBeLessThanOrEqual(32_000);
  });

  it('rejects nonsense settings', () => {
    expect(() => new Backoff({ initialMs: 0 })).toThrow(RangeError);
    expect(() => new Backoff({ initialMs: 5_000, maxMs: 1_000 })).toThrow(RangeError);
    expect(() => new Backoff({ jitter: 2 })).toThrow(RangeError);
  });
});
