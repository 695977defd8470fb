/**
 * A two-sided price-level book that reports every level change to a listener, so that
 * the heatmap accumulator follows the book incrementally (O(changed levels) per
 * message) instead of re-bucketing the whole book.
 */

import type { Levels } from '../../events.js';
import { BookSide } from './book-side.js';

export const BID = 0;
export const ASK = 1;
export type BookSideIndex = typeof BID | typeof ASK;

export interface LevelListener {
  /** The quantity at `price` on `side` went from `oldQty` to `newQty` (0 = no level). */
  levelChanged(side: BookSideIndex, price: number, oldQty: number, newQty: number): void;
}

/** What readers (stats, dashboard, tests) may see of a book. */
export interface BookView {
  readonly bids: BookSide;
  readonly asks: BookSide;
  bestBid(): number;
  bestAsk(): number;
  /** (best bid + best ask) / 2, NaN when a side is empty. */
  mid(): number;
}

export class PriceBook implements BookView {
  readonly bids = new BookSide(true);
  readonly asks = new BookSide(false);
  listener: LevelListener | undefined;
  /** Levels skipped because the price was not a positive number or the quantity negative/NaN. */
  rejectedLevels = 0;

  bestBid(): number {
    return this.bids.bestPrice();
  }

  bestAsk(): number {
    return this.asks.bestPrice();
  }

  mid(): number {
    return (this.bids.bestPrice() + this.asks.bestPrice()) / 2;
  }

  /** Apply flat `[p, q, p, q, …]` updates with absolute quantities; 0 deletes. */
  apply(bids: Levels, asks: Levels): void {
    this.applySide(this.bids, BID, bids);
    this.applySide(this.asks, ASK, asks);
  }

  /** Replace the whole book (a snapshot). */
  replace(bids: Levels, asks: Levels): void {
    this.clear();
    this.apply(bids, asks);
  }

  /** Remove every level, telling the listener about each. */
  clear(): void {
    const listener = this.listener;
    if (listener) {
      this.bids.forEachFromTop((p, q) => listener.levelChanged(BID, p, q, 0));
      this.asks.forEachFromTop((p, q) => listener.levelChanged(ASK, p, q, 0));
    }
    this.bids.clear();
    this.asks.clear();
  }

  /** Visit the levels of one side with price in [lo, hi]. */
  forEachInRange(side: BookSideIndex, lo: number, hi: number, visit: (price: number, qty: number) => void): void {
    (side === BID ? this.bids : this.asks).forEachInRange(lo, hi, visit);
  }

  private applySide(side: BookSide, index: BookSideIndex, levels: Levels): void {
    const listener = this.listener;
    const n = levels.length - 1;
    for (let i = 0; i < n; i += 2) {
      const price = levels[i]!;
      const qty = levels[i + 1]!;
      if (!(price > 0) || !(qty >= 0) || price === Infinity || qty === Infinity) {
        this.rejectedLevels++;
        continue;
      }
      const old = side.set(price, qty);
      if (listener !== undefined && old !== qty) listener.levelChanged(index, price, old, qty);
    }
  }
}
