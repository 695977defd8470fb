import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../prng.js';
import { BookSide } from './book-side.js';
import { SortedLevels } from './sorted-levels.js';

const prng = mulberry32;

/** Levels from the top, read through `forEachFromTop`. */
function fromTop(side: { forEachFromTop(v: (p: number, q: number) => boolean | void): void }): number[][] {
  const out: number[][] = [];
  side.forEachFromTop((p, q) => void out.push([p, q]));
  return out;
}

/** A side against a Map model, over `steps` random updates at prices drawn by `price()`. */
function checkAgainstModel(isBid: boolean, steps: number, price: (rand: () => number, step: number) => number, seed = 7) {
  const rand = prng(seed);
  const model = new Map<number, number>();
  const side = new BookSide(isBid);
  for (let step = 0; step < steps; step++) {
    const p = price(rand, step);
    const qty = rand() < 0.3 ? 0 : Math.round(rand() * 1000) / 100;
    expect(side.set(p, qty)).toBe(model.get(p) ?? 0);
    if (qty > 0) model.set(p, qty);
    else model.delete(p);
    if (step % 997 === 0) {
      const best = [...model.keys()].reduce((b, x) => (isBid ? Math.max(b, x) : Math.min(b, x)), isBid ? -Infinity : Infinity);
      expect(side.bestPrice()).toBe(model.size === 0 ? NaN : best);
    }
  }
  const expected = [...model.entries()].sort((a, b) => (isBid ? b[0] - a[0] : a[0] - b[0]));
  expect(side.size).toBe(expected.length);
  expect(fromTop(side)).toEqual(expected);
  for (let r = 0; r < Math.min(60, expected.length); r++) {
    expect(side.priceAt(r)).toBe(expected[r]![0]);
    expect(side.qtyAt(r)).toBe(expected[r]![1]);
  }
  for (const [p, q] of expected) expect(side.qtyOf(p)).toBe(q);
  const lo = expected.at(-1)![0]!;
  const hi = expected[0]![0]!;
  const [a, b] = isBid ? [lo, hi] : [hi, lo];
  const mid = (a + b) / 2;
  const inRange: number[] = [];
  side.forEachInRange(a, mid, (p) => inRange.push(p));
  expect(inRange.sort((x, y) => x - y)).toEqual(expected.map(([p]) => p!).filter((p) => p >= a && p <= mid).sort((x, y) => x - y));
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

  it('visits a price range', () => {
    const asks = new BookSide(false);
    for (const p of [10, 11, 12, 13, 14]) asks.set(p, p / 10);
    const seen: number[] = [];
    expect(asks.forEachInRange(11, 13, (p) => seen.push(p))).toBe(3);
    expect(seen.sort((a, b) => a - b)).toEqual([11, 12, 13]);
  });

  it('gives the best levels in order, merging the ladder and the far levels', () => {
    const bids = new BookSide(true);
    for (const p of [64_000.1, 64_000.2, 63_990.5, 1000, 5000, 63_999.9]) bids.set(p, 1);
    const prices = new Float64Array(4);
    expect(bids.top(4, prices, new Float64Array(4))).toBe(4);
    expect(Array.from(prices)).toEqual([64_000.2, 64_000.1, 63_999.9, 63_990.5]);
    expect(bids.priceAt(5)).toBe(1000);
  });

  it('agrees with a sorted-map model near the top of the book (ladder)', () => {
    checkAgainstModel(false, 20_000, (rand) => 1000 + Math.floor(rand() * 400) / 10);
  });

  it('agrees with a model when prices wander far and the ladder re-centres', () => {
    // a walk from 64 000 down to ~32 000 and back, 0.1 ticks, plus far and off-grid levels
    checkAgainstModel(true, 40_000, (rand, step) => {
      const centre = 64_000 - 32_000 * Math.sin((Math.PI * step) / 40_000);
      const r = rand();
      if (r < 0.05) return 1000 + Math.floor(rand() * 100) * 100; // far away
      if (r < 0.07) return Math.round((centre + rand()) * 1000) / 1000; // off the 0.1 grid
      return Math.round((centre + (rand() - 0.5) * 200) * 10) / 10;
    }, 11);
  });

  it('keeps every level in the sorted part when prices have no short decimal grid', () => {
    checkAgainstModel(true, 5_000, (rand) => 100 + rand() * 10); // full-precision doubles
  });
});

describe('SortedLevels', () => {
  it('agrees with a sorted-map model over 20 000 random updates', () => {
    const rand = prng(3);
    const model = new Map<number, number>();
    const side = new SortedLevels(false);
    for (let step = 0; step < 20_000; step++) {
      const price = 1000 + Math.floor(rand() * 4000) / 10;
      const qty = rand() < 0.3 ? 0 : Math.round(rand() * 1000) / 100;
      expect(side.set(price, qty)).toBe(model.get(price) ?? 0);
      if (qty > 0) model.set(price, qty);
      else model.delete(price);
    }
    const expected = [...model.entries()].sort((a, b) => a[0] - b[0]);
    expect(fromTop(side)).toEqual(expected);
    const inRange: number[] = [];
    side.forEachInRange(1010, 1020, (p) => inRange.push(p));
    expect(inRange).toEqual(expected.map(([p]) => p!).filter((p) => p >= 1010 && p <= 1020).reverse()); // asks: price descending
  });
});
