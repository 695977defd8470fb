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
  /**
   * A batch: pair i of `levels` (`[price, newQty, …]`) had quantity `old[i]` before (−1:
   * the pair was rejected and not applied); `count` pairs. Pairs whose quantity did not
   * change are included.
   */
  levelsChanged(side: BookSideIndex, levels: Levels, old: Float64Array, count: number): void;
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
  /** Previous quantities of the levels being applied (BookSide.applyLevels). */
  private old = new Float64Array(256);

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
      this.bids.forEachLevel((p, q) => listener.levelChanged(BID, p, q, 0));
      this.asks.forEachLevel((p, q) => listener.levelChanged(ASK, p, q, 0));
    }
    this.bids.clear();
    this.asks.clear();
  }

  /** Visit the levels of one side with price in [lo, hi]. */
  forEachInRange(side: BookSideIndex, lo: number, hi: number, visit: (price: number, qty: number) => void): void {
    (side === BID ? this.bids : this.asks).forEachInRange(lo, hi, visit);
  }

  private applySide(side: BookSide, index: BookSideIndex, levels: Levels): void {
    const count = levels.length >>> 1;
    if (count === 0) return;
    if (this.old.length < count) this.old = new Float64Array(Math.max(count, 2 * this.old.length));
    this.rejectedLevels += side.applyLevels(levels, this.old);
    this.listener?.levelsChanged(index, levels, this.old, count);
  }
}
