import { describe, expect, it } from 'vitest';
import { BookSide } from './book-side.js';

/** Deterministic PRNG (mulberry32) so the model test is reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('BookSide', () => {
  it('keeps bids best (highest) first and asks best (lowest) first', () => {
    const bids = new BookSide(true);
    const asks = new BookSide(false);
    for (const p of [100, 102, 101, 99]) {
      bids.set(p, 1);
      asks.set(p, 1);
    }
    expect([0, 1, 2, 3].map((r) => bids.priceAt(r))).toEqual([102, 101, 100, 99]);
    expect([0, 1, 2, 3].map((r) => asks.priceAt(r))).toEqual([99, 100, 101, 102]);
    expect(bids.bestPrice()).toBe(102);
    expect(asks.bestPrice()).toBe(99);
  });

  it('returns the previous quantity, deletes on 0 and ignores deleting an absent level', () => {
    const side = new BookSide(true);
    expect(side.set(100, 2)).toBe(0);
    expect(side.set(100, 3)).toBe(2);
    expect(side.set(100, 0)).toBe(3);
    expect(side.size).toBe(0);
    expect(side.set(55, 0)).toBe(0);
    expect(side.size).toBe(0);
    expect(side.bestPrice()).toBeNaN();
  });

  it('visits a price range in key order', () => {
    const asks = new BookSide(false);
    for (const p of [10, 11, 12, 13, 14]) asks.set(p, p / 10);
    const seen: number[] = [];
    expect(asks.forEachInRange(11, 13, (p) => seen.push(p))).toBe(3);
    expect(seen).toEqual([13, 12, 11]);
  });

  it('grows past its initial capacity', () => {
    const side = new BookSide(true, 16);
    for (let i = 1; i <= 1000; i++) side.set(i, i);
    expect(side.size).toBe(1000);
    expect(side.bestPrice()).toBe(1000);
    expect(side.qtyOf(500)).toBe(500);
  });

  it('agrees with a sorted-map model over 20 000 random updates', () => {
    const rand = prng(7);
    const model = new Map<number, number>();
    const side = new BookSide(false, 16);
    for (let step = 0; step < 20_000; step++) {
      const price = 1000 + Math.floor(rand() * 400) / 10;
      const qty = rand() < 0.3 ? 0 : Math.round(rand() * 1000) / 100;
      const before = model.get(price) ?? 0;
      expect(side.set(price, qty)).toBe(before);
      if (qty > 0) model.set(price, qty);
      else model.delete(price);
    }
    const expected = [...model.entries()].sort((a, b) => a[0] - b[0]);
    expect(side.size).toBe(expected.length);
    for (let r = 0; r < expected.length; r++) {
      expect(side.priceAt(r)).toBe(expected[r]![0]);
      expect(side.qtyAt(r)).toBe(expected[r]![1]);
    }
  });
});
