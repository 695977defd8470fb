/**
 * The order-book engine of one symbol: one reconstructor per venue (created on the
 * venue's first depth event) and the 30 s heatmap accumulator(s) fed by their books.
 * This is what a SymbolEngine holds in its order-book slot:
 *
 *   const ob = new SymbolOrderBook({ symbol: 'BTC', onFrame, onResync, onStats });
 *   ob.apply(event);     // DepthSnapshot | DepthDiff | BookTicker | Disconnect | Tick
 *   ob.advance(ts);      // event time passes (ticks, other events of the symbol)
 *   ob.mid();            // mean mid of the synced venues' books, undefined when none
 *   ob.stats();          // counters per venue and per accumulator
 *   ob.statsJson();      // the body of orderbook/{SYM}.stats.json (also sent to onStats)
 *
 * Pure and event-timed: `apply` first advances event time (closing any 30 s slot the
 * event is past, so frames are never late), then applies the event. Nothing is fetched
 * or written here: frames go to `onFrame`, snapshot needs to `onResync`, and the stats
 * file body to `onStats` once per 30 s slot of event time and at `flush()` (shutdown).
 */

import { assertNever, type BookTicker, type DepthDiff, type DepthSnapshot, type Disconnect, type Tick, type Venue } from '../../events.js';
import { symbolConfigFor, type SymbolConfig } from '../symbol-config.js';
import { DepthAccumulator, type AccumulatorStats, type OrderBookFrame } from './accumulator.js';
import { BinanceReconstructor } from './binance-book.js';
import { BybitReconstructor } from './bybit-book.js';
import { OkxReconstructor } from './okx-book.js';
import type { BookView } from './price-book.js';
import type { BaseReconstructor, BookStats, ReconstructorOptions, ResyncRequest } from './reconstructor.js';
import { reconStatsJson, type OrderBookStatsJson } from './stats-json.js';

/** The events an order-book engine consumes. */
export type OrderBookEvent = DepthSnapshot | DepthDiff | BookTicker | Disconnect | Tick;

export interface SymbolOrderBookOptions {
  readonly symbol: string;
  /** The symbol's row (default `symbolConfigFor(symbol)`); `step`, `rangePct` and `gapTolerance` override it. */
  readonly config?: SymbolConfig;
  /** Venues whose depth is used (default all three); depth of another venue is counted in `ignoredEvents`. */
  readonly venues?: readonly Venue[];
  /** `merged` (default): one frame per slot over all venues' books summed; `perVenue`: one frame per venue and slot. */
  readonly frames?: 'merged' | 'perVenue';
  /** Bucket size in USD (default: symbol-config `obStep`; unknown symbols: derived from the first mid). */
  readonly step?: number;
  /** Frame half-width around mid (default symbol-config `obRangePct`, 0.10). */
  readonly rangePct?: number;
  /** Binance `pu` tolerance in update ids (default symbol-config `obGapTolerance`: BTC 1000, ETH 50, SOL 5, else 0). */
  readonly gapTolerance?: number;
  /** Frame interval in event-time ms (default 30 000). */
  readonly intervalMs?: number;
  /** Binance diffs buffered while waiting for a snapshot (default 2000). */
  readonly maxBufferedDiffs?: number;
  /** Re-request a snapshot that has not arrived after this much event time (default 30 000 ms). */
  readonly resyncRetryMs?: number;
  /** OKX base per contract (`ctVal`), used only to verify non-zero archived checksums. */
  readonly okxContractValue?: number;
  readonly onFrame?: (frame: OrderBookFrame) => void;
  readonly onResync?: (request: ResyncRequest) => void;
  /** The stats file body, once per frame slot of event time (after that slot's frames). */
  readonly onStats?: (stats: OrderBookStatsJson) => void;
}

/** A type (not an interface) so that it is assignable to `Record<string, unknown>`. */
export type OrderBookStats = {
  readonly symbol: string;
  readonly books: Partial<Record<Venue, Readonly<BookStats>>>;
  readonly accumulators: readonly Readonly<AccumulatorStats>[];
  /** Events for another symbol, or depth of a venue not configured. */
  readonly ignoredEvents: number;
};

const ALL_VENUES: readonly Venue[] = ['binance', 'bybit', 'okx'];

function venueIndex(venue: Venue): number {
  return venue === 'binance' ? 0 : venue === 'bybit' ? 1 : 2;
}

export class SymbolOrderBook {
  readonly symbol: string;
  private readonly venues: readonly Venue[];
  private readonly perVenue: boolean;
  private readonly options: SymbolOrderBookOptions;
  private readonly books = new Map<Venue, BaseReconstructor>();
  private readonly accumulators = new Map<Venue | 'merged', DepthAccumulator>();
  /** The same, as arrays: iterating a Map allocates an iterator per event. */
  private bookList: BaseReconstructor[] = [];
  private accumulatorList: DepthAccumulator[] = [];
  /** Per venue (binance 0, bybit 1, okx 2): its book and the accumulator it feeds, once it exists. */
  private readonly slots: ({ readonly rec: BaseReconstructor; readonly acc: DepthAccumulator } | undefined)[] = [undefined, undefined, undefined];
  private ignored = 0;
  private now = -Infinity;

  constructor(options: SymbolOrderBookOptions) {
    this.symbol = options.symbol;
    this.options = options;
    this.venues = options.venues ?? ALL_VENUES;
    this.perVenue = options.frames === 'perVenue';
    if (!this.perVenue) this.addAccumulator('merged', this.newAccumulator('merged'));
  }

  apply(event: OrderBookEvent): void {
    this.advance(event.ts);
    switch (event.type) {
      case 'tick':
        return;
      case 'disconnect': {
        if (event.symbols !== undefined && !event.symbols.includes(this.symbol)) return;
        const slot = this.slots[venueIndex(event.venue)];
        if (slot === undefined) return;
        slot.rec.disconnect(event.ts, event.reason);
        slot.acc.refresh();
        return;
      }
      case 'depthSnapshot':
      case 'depthDiff':
      case 'bookTicker': {
        const slot = this.slotFor(event);
        if (slot === undefined) return;
        if (event.type === 'depthDiff') slot.rec.onDiff(event);
        else if (event.type === 'depthSnapshot') slot.rec.onSnapshot(event);
        else {
          slot.rec.onTicker(event);
          return;
        }
        slot.acc.noteMessage(event.venue);
        slot.acc.refresh();
        return;
      }
      default:
        assertNever(event, 'order-book event');
    }
  }

  /** Event time passes without an order-book event (any event of the symbol, or a tick). */
  advance(ts: number): void {
    if (ts > this.now) this.now = ts;
    const accs = this.accumulatorList;
    let slotClosed = false;
    for (let i = 0; i < accs.length; i++) slotClosed = accs[i]!.advance(ts) || slotClosed;
    if (slotClosed) this.options.onStats?.(this.statsJson());
    const books = this.bookList;
    for (let i = 0; i < books.length; i++) books[i]!.advance(ts);
  }

  /** The venue's book, or undefined before its first depth event. */
  book(venue: Venue): BookView | undefined {
    return this.books.get(venue)?.book;
  }

  /** Whether the venue's book is synced with both sides present. */
  isSynced(venue: Venue): boolean {
    return this.books.get(venue)?.hasBook ?? false;
  }

  /** Mean of the synced venues' mids, undefined while no book is synced. */
  mid(): number | undefined {
    let sum = 0;
    let n = 0;
    for (const rec of this.bookList) {
      if (!rec.hasBook) continue;
      sum += rec.book.mid();
      n++;
    }
    return n > 0 ? sum / n : undefined;
  }

  stats(): OrderBookStats {
    const books: Partial<Record<Venue, Readonly<BookStats>>> = {};
    for (const [venue, rec] of this.books) books[venue] = rec.stats;
    return {
      symbol: this.symbol,
      books,
      accumulators: [...this.accumulators.values()].map((a) => a.stats),
      ignoredEvents: this.ignored,
    };
  }

  /**
   * The body of `orderbook/{SYM}.stats.json`: the PoC's `ob_recon_stats.json` fields
   * (POC-FACTS 2.6) for the primary book (Binance when present), then every venue's
   * stats and the frame counters, and `written_at`: the book's event time in epoch
   * seconds (the PoC's field and unit; event time, so a replay writes the same bytes),
   * 0 before any event.
   */
  statsJson(): OrderBookStatsJson {
    const venues: Partial<Record<Venue, ReturnType<typeof reconStatsJson>>> = {};
    for (const [venue, rec] of this.books) venues[venue] = reconStatsJson(rec.stats, rec.book);
    const primary = this.books.get('binance') ?? this.books.values().next().value;
    return {
      symbol: this.symbol,
      ...(primary ? reconStatsJson(primary.stats, primary.book) : {}),
      venues,
      frames: [...this.accumulators.values()].map((a) => ({ ...a.stats })),
      ignored_events: this.ignored,
      written_at: Number.isFinite(this.now) ? this.now / 1000 : 0,
    };
  }

  /** Shutdown: hand the stats file body to `onStats` now, so it does not lag the last 30 s slot. */
  flush(): void {
    this.options.onStats?.(this.statsJson());
  }

  private slotFor(event: DepthSnapshot | DepthDiff | BookTicker): { readonly rec: BaseReconstructor; readonly acc: DepthAccumulator } | undefined {
    const slot = this.slots[venueIndex(event.venue)];
    if (slot !== undefined && event.symbol === this.symbol) return slot;
    if (event.symbol !== this.symbol || !this.venues.includes(event.venue)) {
      this.ignored++;
      return undefined;
    }
    const rec = this.newReconstructor(event.venue);
    this.books.set(event.venue, rec);
    this.bookList = [...this.books.values()];
    const acc = this.accumulatorOf(event.venue);
    rec.book.listener = acc;
    acc.addSource(rec);
    const created = { rec, acc };
    this.slots[venueIndex(event.venue)] = created;
    return created;
  }

  private accumulatorOf(venue: Venue): DepthAccumulator {
    if (!this.perVenue) return this.accumulators.get('merged')!;
    let acc = this.accumulators.get(venue);
    if (acc === undefined) {
      acc = this.newAccumulator(venue);
      acc.advance(this.now);
      this.addAccumulator(venue, acc);
    }
    return acc;
  }

  private addAccumulator(key: Venue | 'merged', acc: DepthAccumulator): void {
    this.accumulators.set(key, acc);
    this.accumulatorList = [...this.accumulators.values()];
  }

  private newAccumulator(source: Venue | 'merged'): DepthAccumulator {
    const o = this.options;
    const step = o.step ?? o.config?.obStep;
    return new DepthAccumulator({
      symbol: this.symbol,
      source,
      ...(step !== undefined ? { step } : {}),
      rangePct: o.rangePct ?? o.config?.obRangePct ?? symbolConfigFor(this.symbol)?.obRangePct ?? 0.1,
      ...(o.intervalMs !== undefined ? { intervalMs: o.intervalMs } : {}),
      ...(o.onFrame !== undefined ? { onFrame: o.onFrame } : {}),
    });
  }

  private newReconstructor(venue: Venue): BaseReconstructor {
    const o = this.options;
    const options: ReconstructorOptions = {
      symbol: this.symbol,
      ...(o.onResync !== undefined ? { onResync: o.onResync } : {}),
      ...(o.maxBufferedDiffs !== undefined ? { maxBufferedDiffs: o.maxBufferedDiffs } : {}),
      ...(o.resyncRetryMs !== undefined ? { resyncRetryMs: o.resyncRetryMs } : {}),
    };
    switch (venue) {
      case 'binance':
        return new BinanceReconstructor({
          ...options,
          gapTolerance: o.gapTolerance ?? o.config?.obGapTolerance ?? symbolConfigFor(this.symbol)?.obGapTolerance ?? 0,
        });
      case 'bybit':
        return new BybitReconstructor(options);
      case 'okx':
        return new OkxReconstructor({
          ...options,
          ...(o.okxContractValue !== undefined ? { okxContractValue: o.okxContractValue } : {}),
        });
      default:
        return assertNever(venue, 'venue');
    }
  }
}
