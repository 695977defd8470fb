import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

function draw(rng: Rng, n: number, f: (r: Rng) => number): number[] {
  return Array.from({ length: n }, () => f(rng));
}

describe('Rng', () => {
  it('repeats the same sequence for the same seed and stream', () => {
    expect(draw(new Rng(42, 3), 50, (r) => r.next32())).toEqual(draw(new Rng(42, 3), 50, (r) => r.next32()));
  });

  it('gives different sequences for different seeds, streams, and seeds beyond 32 bits', () => {
    const base = draw(new Rng(42, 3), 8, (r) => r.next32());
    expect(draw(new Rng(43, 3), 8, (r) => r.next32())).not.toEqual(base);
    expect(draw(new Rng(42, 4), 8, (r) => r.next32())).not.toEqual(base);
    expect(draw(new Rng(42 + 2 ** 32, 3), 8, (r) => r.next32())).not.toEqual(base);
    expect(draw(new Rng(-42, 3), 8, (r) => r.next32())).not.toEqual(base);
  });

  it('draws uniforms in [0, 1) and integers in [0, n)', () => {
    const rng = new Rng(1);
    for (let i = 0; i < 10_000; i++) {
      const u = rng.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      const k = rng.int(7);
      expect(Number.isInteger(k) && k >= 0 && k < 7).toBe(true);
    }
  });

  it('draws standard normals with mean ≈ 0 and variance ≈ 1', () => {
    const xs = draw(new Rng(9), 40_000, (r) => r.normal());
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.03);
  });

  it('draws exponentials and Poisson counts with the requested means', () => {
    const rng = new Rng(5);
    const e = draw(rng, 40_000, (r) => r.exponential(3));
    expect(e.reduce((a, b) => a + b, 0) / e.length).toBeCloseTo(3, 1);
    const p = draw(rng, 40_000, (r) => r.poisson(2.5));
    expect(p.reduce((a, b) => a + b, 0) / p.length).toBeCloseTo(2.5, 1);
    expect(rng.poisson(0)).toBe(0);
  });

  it('picks indices in proportion to their weights and never a zero weight', () => {
    const rng = new Rng(11);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[rng.pick([0.2, 0, 0.5, 0.3])]!++;
    expect(counts[1]).toBe(0);
    expect(counts[0]! / 30_000).toBeCloseTo(0.2, 1);
    expect(counts[2]! / 30_000).toBeCloseTo(0.5, 1);
  });

  it('makes lowercase hex strings of the requested length', () => {
    const h = new Rng(3).hex(32);
    expect(h).toMatch(/^[0-9a-f]{32}$/);
  });
});
