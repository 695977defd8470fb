import { describe, expect, it } from 'vitest';
import { ASK, BID, BookMaker, BookView, SimBook, defaultBookShape, type BookDiff } from './book.js';
import { Rng } from './rng.js';

/** A client-side book: price → size per side, as a normalizer's consumer would keep it. */
class ClientBook {
  readonly sides = [new Map<number, number>(), new Map<number, number>()];
  load(bids: readonly number[], asks: readonly number[]): void {
    this.sides[0]!.clear();
    this.sides[1]!.clear();
    this.apply(bids, asks);
  }
  apply(bids: readonly number[], asks: readonly number[]): void {
    for (const [side, flat] of [
      [0, bids],
      [1, asks],
    ] as const) {
      for (let i = 0; i < flat.length; i += 2) {
        if (flat[i + 1] === 0) this.sides[side]!.delete(flat[i]!);
        else this.sides[side]!.set(flat[i]!, flat[i + 1]!);
      }
    }
  }
  levels(side: 0 | 1): number[] {
    const prices = [...this.sides[side]!.keys()].sort(side === 0 ? (a, b) => b - a : (a, b) => a - b);
    return prices.flatMap((p) => [p, this.sides[side]!.get(p)!]);
  }
}

function market(seed: number): { book: SimBook; maker: BookMaker; rng: Rng; move: () => number } {
  const rng = new Rng(seed, 1);
  const book = new SimBook(5_000_000, () => 1 + rng.int(40));
  const maker = new BookMaker(book, defaultBookShape(1, 1, 350, 15_000, 2_500), rng);
  let mid = 820_000; // 82 000.0 in 0.1 units
  return {
    book,
    maker,
    rng,
    move: () => {
      mid *= Math.exp(0.0004 * rng.normal());
      return mid;
    },
  };
}

describe('SimBook', () => {
  it('gives every change a larger id and diffs carry U, u and pu chained on the previous u', () => {
    const book = new SimBook(100);
    book.set(BID, 990, 5);
    book.set(ASK, 1010, 7);
    book.set(BID, 990, 6); // same level again: the diff keeps the final size
    const first = book.takeDiff()!;
    expect(first).toEqual({ firstId: 101, lastId: 103, prevLastId: 100, bids: [990, 6], asks: [1010, 7] });
    expect(book.takeDiff()).toBeUndefined();
    book.set(BID, 990, 0);
    book.set(BID, 980, 1);
    expect(book.takeDiff()).toEqual({ firstId: 104, lastId: 105, prevLastId: 103, bids: [980, 1, 990, 0], asks: [] });
  });

  it('ignores a no-op change (same size, or removing an absent level)', () => {
    const book = new SimBook(0);
    book.set(ASK, 10, 1);
    book.takeDiff();
    book.set(ASK, 10, 1);
    book.set(ASK, 11, 0);
    expect(book.takeDiff()).toBeUndefined();
    expect(book.updateId).toBe(1);
  });

  it('keeps bids best first (descending) and asks best first (ascending)', () => {
    const book = new SimBook(0);
    for (const p of [95, 99, 90, 97]) book.set(BID, p, p);
    for (const p of [105, 101, 110]) book.set(ASK, p, p);
    expect(book.levels(BID)).toEqual([99, 99, 97, 97, 95, 95, 90, 90]);
    expect(book.levels(ASK, 2)).toEqual([101, 101, 105, 105]);
    expect(book.best(BID)).toBe(99);
    expect(book.rankOf(BID, 95)).toBe(2);
    expect(book.rankOf(BID, 96)).toBe(2);
    expect(book.countToward(BID, 99, 4)).toBe(3); // 99, 97, 95
  });

  it('lets a client rebuild the book from a mid-window snapshot plus the following diffs (futures rules)', () => {
    const { book, maker, rng, move } = market(7);
    for (let k = 0; k < 5; k++) maker.refresh(move(), 1000);
    book.takeDiff();
    const client = new ClientBook();
    let synced: number | undefined;
    let previous: BookDiff | undefined;
    let snapshotsChecked = 0;
    for (let step = 0; step < 400; step++) {
      maker.refresh(move(), 500);
      if (rng.chance(0.5)) maker.take(rng.chance(0.5) ? BID : ASK, 1 + rng.int(800), move());
      if (step % 97 === 13) {
        // a REST snapshot in the middle of a window
        client.load(book.levels(BID), book.levels(ASK));
        synced = book.updateId;
      }
      maker.recenter(move());
      const diff = book.takeDiff();
      if (!diff) continue;
      if (previous) expect(diff.prevLastId).toBe(previous.lastId);
      expect(diff.firstId).toBeGreaterThan(diff.prevLastId);
      expect(diff.lastId).toBeGreaterThanOrEqual(diff.firstId);
      previous = diff;
      if (synced === undefined || diff.lastId < synced) continue; // before the snapshot: dropped
      if (synced !== -1) {
        expect(diff.firstId).toBeLessThanOrEqual(synced); // U <= lastUpdateId <= u
        synced = -1;
        snapshotsChecked++;
      }
      client.apply(diff.bids, diff.asks);
      expect(client.levels(0)).toEqual(book.levels(BID));
      expect(client.levels(1)).toEqual(book.levels(ASK));
    }
    expect(snapshotsChecked).toBeGreaterThanOrEqual(3);
  });
});

describe('BookView', () => {
  it.each([
    [50, 11],
    [400, 12],
    [10, 13],
  ])('keeps a top-%i view that a subscriber rebuilds exactly from snapshot + deltas (seed %i)', (depth, seed) => {
    const { book, maker, rng, move } = market(seed);
    for (let k = 0; k < 5; k++) maker.refresh(move(), 1000);
    const view = new BookView(depth);
    const client = new ClientBook();
    const first = view.snapshot(book);
    book.takeDiff();
    client.load(first.bids, first.asks);
    let deltas = 0;
    for (let step = 0; step < 300; step++) {
      maker.refresh(move(), 1000);
      if (rng.chance(0.6)) maker.take(rng.chance(0.5) ? BID : ASK, 1 + rng.int(3000), move());
      const delta = view.delta(book, book.takeDiff());
      if (delta) {
        deltas++;
        // bids descending, asks ascending, as Bybit and OKX list them
        for (let i = 2; i < delta.bids.length; i += 2) expect(delta.bids[i]!).toBeLessThan(delta.bids[i - 2]!);
        for (let i = 2; i < delta.asks.length; i += 2) expect(delta.asks[i]!).toBeGreaterThan(delta.asks[i - 2]!);
        client.apply(delta.bids, delta.asks);
      }
      expect(client.levels(0)).toEqual(book.levels(BID, depth));
      expect(client.levels(1)).toEqual(book.levels(ASK, depth));
      expect(view.current(BID)).toEqual(book.levels(BID, depth));
    }
    expect(deltas).toBeGreaterThan(250);
  });
});

describe('BookMaker', () => {
  it('quotes a one-tick touch around the mid and refills the bands', () => {
    const { book, maker } = market(3);
    maker.refresh(820_004.6, 1000);
    expect(book.best(BID)).toBe(820_004);
    expect(book.best(ASK)).toBe(820_005);
    for (let k = 0; k < 10; k++) maker.refresh(820_004.6, 1000);
    expect(book.size(BID)).toBeGreaterThan(50);
    expect(book.size(ASK)).toBeGreaterThan(50);
    // nothing beyond ±10 %
    expect(book.priceAt(BID, book.size(BID) - 1)!).toBeGreaterThanOrEqual(820_004.6 * 0.9);
  });

  it('fills a taker order against the touch and beyond, removing what it took', () => {
    const book = new SimBook(0);
    const maker = new BookMaker(book, defaultBookShape(1, 1, 10, 100, 100), new Rng(1));
    book.set(ASK, 101, 5);
    book.set(ASK, 102, 3);
    book.set(ASK, 105, 10);
    book.set(BID, 100, 4);
    expect(maker.take(BID, 9, 100.5)).toEqual([101, 5, 102, 3, 105, 1]);
    expect(book.levels(ASK)).toEqual([105, 9]);
    expect(book.levels(BID)).toEqual([100, 4]);
  });

  it('fills what the book cannot take 0.2 % beyond its last level', () => {
    const book = new SimBook(0);
    const maker = new BookMaker(book, defaultBookShape(1, 1, 10, 100, 100), new Rng(1));
    book.set(BID, 1000, 2);
    expect(maker.take(ASK, 5, 1000.5)).toEqual([1000, 2, 998, 3]);
    expect(book.size(BID)).toBe(0);
  });

  it('drops crossed levels when the mid moves through them', () => {
    const book = new SimBook(0);
    const maker = new BookMaker(book, defaultBookShape(1, 1, 10, 100, 100), new Rng(1));
    book.set(BID, 1000, 2);
    book.set(BID, 999, 2);
    book.set(ASK, 1001, 2);
    book.set(ASK, 1005, 2);
    maker.recenter(996.5);
    expect(book.best(BID)).toBe(996);
    expect(book.best(ASK)).toBe(997);
    expect(book.qtyAt(BID, 1000)).toBe(0);
    expect(book.qtyAt(ASK, 1005)).toBe(2);
  });
});
