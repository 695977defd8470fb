/**
 * Binance USDⓈ-M book from a REST snapshot plus `depth` diffs, by the FUTURES rules
 * (VENUES.md 1.3, not the spot ones):
 *   - diffs are buffered until a snapshot arrives (bounded; overflow drops the oldest and counts it);
 *   - drop any diff with `u` < `lastUpdateId`;
 *   - the first applied diff must span the snapshot: `U` ≤ `lastUpdateId` ≤ `u`
 *     (strict: a first diff that starts after the snapshot means the snapshot is too old);
 *   - afterwards each diff's `pu` must equal the previous `u`. A mismatch within the
 *     symbol's gap tolerance (update ids, not messages) keeps the book and counts the
 *     gap; beyond it the book is dropped and a new snapshot requested.
 * Buffered diffs go through the same checks as live ones (the PoC skipped the `pu`
 * check across them, POC-FACTS 5.1 item 15).
 *
 * Normalized ids (src/events.ts): `firstId` = U, `lastId` = u, `prevLastId` = pu;
 * snapshot `lastUpdateId`. Without `pu` the chain falls back to `U` ≤ previous `u` + 1.
 *
 * bookTicker cross-check: a bookTicker whose `u` equals a depth diff's `u` describes the
 * same book state, so its best bid/ask (price and quantity) must equal the book's; every
 * such comparison is counted (`tickerChecks`, `tickerMismatches`).
 */

import type { BookTicker, DepthDiff, DepthSnapshot } from '../../events.js';
import {
  BaseReconstructor,
  DEFAULT_MAX_BUFFERED_DIFFS,
  type ReconstructorOptions,
  type ResyncRequest,
} from './reconstructor.js';

/** Book tops remembered for the bookTicker cross-check (a ticker may arrive after later diffs). */
const TOP_HISTORY = 64;
/** bookTickers waiting for the depth diff with their update id. */
const MAX_PENDING_TICKERS = 256;

interface Top {
  id: number;
  bid: number;
  bidQty: number;
  ask: number;
  askQty: number;
}

export class BinanceReconstructor extends BaseReconstructor {
  readonly venue = 'binance' as const;
  private readonly gapTolerance: number;
  private readonly maxBuffered: number;
  private buffer: DepthDiff[] = [];
  /** A snapshot is loaded and no diff has been applied on top of it yet. */
  private awaitingBridge = false;
  private readonly tops: Top[] = [];
  private topNext = 0;
  private pendingTickers: BookTicker[] = [];

  constructor(options: ReconstructorOptions) {
    const tolerance = options.gapTolerance ?? 0;
    if (!(tolerance >= 0)) throw new RangeError(`gapTolerance must be ≥ 0, got ${tolerance}`);
    super('binance', options, tolerance);
    this.gapTolerance = tolerance;
    this.maxBuffered = Math.max(1, options.maxBufferedDiffs ?? DEFAULT_MAX_BUFFERED_DIFFS);
  }

  protected resyncAction(): ResyncRequest['action'] {
    return 'snapshot';
  }

  onSnapshot(event: DepthSnapshot): void {
    const s = this.stats;
    s.messages++;
    // A top-N view is not a full book; a snapshot while the chain is intact adds nothing;
    // an older snapshot than the one loaded would move the book backwards.
    if (
      event.top !== undefined ||
      (s.state === 'synced' && (!this.awaitingBridge || event.lastUpdateId <= s.snapshotLastUpdateId))
    ) {
      s.snapshotsIgnored++;
      return;
    }
    this.book.replace(event.bids, event.asks);
    this.markSynced(event.ts, event.lastUpdateId);
    this.awaitingBridge = true;
    this.drainBuffer();
  }

  onDiff(event: DepthDiff): void {
    this.stats.messages++;
    if (this.stats.state !== 'synced') {
      this.bufferDiff(event);
      this.requestInitial(event.ts, 'first diff, no snapshot yet');
      return;
    }
    this.applyChained(event);
  }

  override onTicker(event: BookTicker): void {
    const id = event.updateId;
    const s = this.stats;
    if (id === undefined || s.state !== 'synced') {
      s.tickersUnmatched++;
      return;
    }
    if (id === s.lastUpdateId) {
      this.checkTicker(event, this.book.bestBid(), this.book.bids.bestQty(), this.book.bestAsk(), this.book.asks.bestQty());
    } else if (id > s.lastUpdateId) {
      if (this.pendingTickers.length >= MAX_PENDING_TICKERS) {
        this.pendingTickers.shift();
        s.tickersUnmatched++;
      }
      this.pendingTickers.push(event);
    } else {
      const top = this.tops.find((t) => t.id === id);
      if (top) this.checkTicker(event, top.bid, top.bidQty, top.ask, top.askQty);
      else s.tickersUnmatched++;
    }
  }

  protected override onDropped(): void {
    this.awaitingBridge = false;
    this.buffer = [];
    this.stats.buffered = 0;
    this.tops.length = 0;
    this.topNext = 0;
    this.stats.tickersUnmatched += this.pendingTickers.length;
    this.pendingTickers = [];
  }

  private applyChained(event: DepthDiff): void {
    const s = this.stats;
    const U = event.firstId;
    const u = event.lastId;
    const last = s.lastUpdateId;
    if (this.awaitingBridge) {
      if (u < last) {
        s.stale++;
        return;
      }
      if (U > last) {
        // The stream is already past the snapshot: updates in between are missing.
        s.bridgeFailures++;
        this.noteGap('bridge', event.ts, U, last);
        this.outOfSync(event, `first diff U ${U} > snapshot lastUpdateId ${last}: snapshot too old`);
        return;
      }
      this.awaitingBridge = false;
      s.firstDiffFirstId = U;
      s.firstDiffLastId = u;
      this.apply(event);
      return;
    }
    if (u <= last) {
      s.stale++;
      return;
    }
    const pu = event.prevLastId;
    let gap: number;
    if (pu !== undefined) {
      if (pu === last) {
        this.apply(event);
        return;
      }
      gap = Math.abs(pu - last);
      s.puGaps++;
      this.noteGap('pu_mismatch', event.ts, pu, last);
    } else {
      if (U <= last + 1) {
        this.apply(event);
        return;
      }
      gap = U - last - 1;
      s.uGaps++;
      this.noteGap('u_gap', event.ts, U, last + 1);
    }
    if (this.gapTolerance > 0 && gap <= this.gapTolerance) {
      s.gapsTolerated++;
      this.apply(event);
      return;
    }
    const what = pu !== undefined ? `pu ${pu} ≠ previous u ${last}` : `U ${U} > previous u ${last} + 1`;
    this.outOfSync(event, `${what} (gap ${gap} > tolerance ${this.gapTolerance})`);
  }

  private apply(event: DepthDiff): void {
    this.applyDiff(event);
    this.rememberTop(event.lastId);
    if (this.pendingTickers.length > 0) this.settlePendingTickers();
  }

  /** Drop the book, keep this diff as the first of the new buffer, ask for a snapshot. */
  private outOfSync(event: DepthDiff, detail: string): void {
    this.dropBook(event.ts, 'gap', detail);
    this.bufferDiff(event);
  }

  private bufferDiff(event: DepthDiff): void {
    const s = this.stats;
    if (this.buffer.length >= this.maxBuffered) {
      this.buffer.shift();
      s.bufferOverflow++;
    }
    this.buffer.push(event);
    s.bufferedTotal++;
    s.buffered = this.buffer.length;
  }

  private drainBuffer(): void {
    const pending = this.buffer;
    this.buffer = [];
    this.stats.buffered = 0;
    for (const diff of pending) {
      if (this.stats.state === 'synced') this.applyChained(diff);
      else this.bufferDiff(diff); // a check failed mid-drain: the rest waits for the next snapshot
    }
  }

  /** Remember the top after update `id` (a ring of reused objects: no allocation per diff). */
  private rememberTop(id: number): void {
    let top = this.tops[this.topNext];
    if (top === undefined) {
      top = { id: 0, bid: 0, bidQty: 0, ask: 0, askQty: 0 };
      this.tops.push(top);
    }
    top.id = id;
    top.bid = this.book.bestBid();
    top.bidQty = this.book.bids.bestQty();
    top.ask = this.book.bestAsk();
    top.askQty = this.book.asks.bestQty();
    this.topNext = (this.topNext + 1) % TOP_HISTORY;
  }

  private settlePendingTickers(): void {
    const last = this.stats.lastUpdateId;
    const keep: BookTicker[] = [];
    for (const t of this.pendingTickers) {
      const id = t.updateId!;
      if (id === last) this.checkTicker(t, this.book.bestBid(), this.book.bids.bestQty(), this.book.bestAsk(), this.book.asks.bestQty());
      else if (id < last) this.stats.tickersUnmatched++;
      else keep.push(t);
    }
    this.pendingTickers = keep;
  }

  private checkTicker(t: BookTicker, bid: number, bidQty: number, ask: number, askQty: number): void {
    const s = this.stats;
    s.tickerChecks++;
    if (t.bidPrice === bid && t.askPrice === ask && t.bidQty === bidQty && t.askQty === askQty) return;
    s.tickerMismatches++;
    s.lastTickerMismatch =
      `u ${t.updateId}: ticker ${t.bidPrice}×${t.bidQty} / ${t.askPrice}×${t.askQty}, ` +
      `book ${bid}×${bidQty} / ${ask}×${askQty}`;
  }
}
