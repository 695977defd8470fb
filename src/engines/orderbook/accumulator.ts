/**
 * The 30-second order-book heatmap accumulator (seed "OrderbookAccumulator", DESIGN.md
 * section 4): every `intervalMs` of EVENT time it emits one frame of the TIME-WEIGHTED
 * resting bid and ask notional per price bucket over the interval, ±`rangePct` around
 * the time-weighted mid, at the symbol's step, at most 1000 buckets.
 *
 * Time weighting, incrementally: per tracked bucket it keeps the notional resting now
 * (`cur`, USD = Σ price·qty of the levels in the bucket), the integral over the slot
 * so far (`acc`, USD·ms) and when it was last brought up to date (`lastT`), for both
 * sides, side by side in one 64-byte cell (one cache line per level touched). A level
 * change first integrates its bucket up to now, then changes `cur`, so the cost per
 * message is O(changed levels). At the slot end every bucket is integrated to the end
 * and divided by the covered time (the time during which at least one book had
 * levels), giving the average depth while the book was observed. Unlike the PoC, the
 * frame is not the end-of-slot book (POC-FACTS 5.1 item 16).
 *
 * Frames are emitted on time: the first event (or tick) at or past a slot's end closes
 * it before that event is applied. Every slot crossed gets a frame, quiet ones included
 * (the book is carried forward); slots with no book at all are counted, not emitted.
 *
 * The tracked window covers ±2·rangePct around the mid (at most 4·maxBuckets + 1
 * buckets), re-centred at slot starts when the mid drifted more than a quarter of its
 * half-width, and mid-slot if the mid runs away (counted: buckets entering the window
 * then are only averaged from that moment).
 */

import type { Levels, Venue } from '../../events.js';
import { decimalsOf, gridAround, type Grid } from '../buckets.js';
import { symbolConfigFor } from '../symbol-config.js';
import { MAX_BUCKETS, type RingRecord } from '../../store/ring-codec.js';
import { encodeOrderBookExt, venuesOfMask, type OrderBookFrameExt } from '../../store/orderbook-ext.js';
import { EMPTY_DISTRIBUTION, SCALING_SQRT_P99, distributionOf, encodeIntensities, saturatedMeanOf } from './intensity.js';
import { ASK, BID, type BookSideIndex, type BookView, type LevelListener } from './price-book.js';

export const FRAME_INTERVAL_MS = 30_000;
export const OB_RANGE_PCT = 0.1;
const CELL = 8;
const CUR = 0; // + side (BID 0, ASK 1)
const ACC = 2; // + side
const LAST_T = 4;
const LEVELS = 5; // + side

/** A day of 30 s slots: the most frames one time jump emits; further slots are counted as skipped. */
export const DEFAULT_MAX_CATCH_UP_SLOTS = 2880;

/** One 30 s frame, ready for the `orderbook/{SYM}.bin` ring. */
export interface OrderBookFrame {
  readonly symbol: string;
  /** `merged` (all venues' books summed) or the single venue this frame describes. */
  readonly source: Venue | 'merged';
  /** ts = slot start (epoch ms), src = time-weighted mid, a = bid u8, b = ask u8, ext = OrderBookFrameExt. */
  readonly record: RingRecord;
  readonly ext: OrderBookFrameExt;
  /** Time-weighted USD notional per bucket, exact (the record holds the u8 scale). */
  readonly bidNotional: Float64Array;
  readonly askNotional: Float64Array;
}

/** A book the accumulator reads (the venue reconstructors). */
export interface DepthSource {
  readonly venue: Venue;
  readonly book: BookView;
}

export interface AccumulatorOptions {
  readonly symbol: string;
  readonly source: Venue | 'merged';
  /** Bucket size in USD (default: the symbol's `obStep`; a symbol without a row: derived from its first mid). */
  readonly step?: number;
  /** Half-width of a frame around mid (default 0.10 = ±10 %). */
  readonly rangePct?: number;
  /** Slot length in event-time ms (default 30 000). */
  readonly intervalMs?: number;
  /** Buckets per frame at most (default 1000, the ring record's capacity). */
  readonly maxBuckets?: number;
  /** Frames one time jump may emit (default 2880 = a day); later slots of that jump are counted in `slotsSkipped`. */
  readonly maxCatchUpSlots?: number;
  readonly onFrame?: (frame: OrderBookFrame) => void;
}

export interface AccumulatorStats {
  readonly source: Venue | 'merged';
  readonly step: number;
  frames: number;
  /** Slots in which no book had levels: no frame. */
  slotsWithoutBook: number;
  /** Slots beyond maxCatchUpSlots in one time jump: no frame. */
  slotsSkipped: number;
  /** Window re-centrings in the middle of a slot (the mid ran away). */
  recentresMidSlot: number;
  /** Frame buckets outside the tracked window (left at 0). */
  clippedBuckets: number;
  /** Frames whose ±rangePct band needed more than maxBuckets (BTC above ~100 000 at step 20): trimmed around the mid. */
  framesGridTrimmed: number;
  /** Buckets of the band left outside those frames, summed. */
  bucketsOutsideGrid: number;
  /** The last frame's time-averaged book notional (bid + ask, USD) in the buckets outside its grid; 0 when nothing was trimmed. */
  lastFrameOutsideGridUsd: number;
  /** Events older than the accumulator's clock (applied at the clock's time). */
  lateEvents: number;
  /** Slot start of the last frame (epoch ms), 0 before the first. */
  lastFrameTs: number;
}

export class DepthAccumulator implements LevelListener {
  readonly symbol: string;
  readonly source: Venue | 'merged';
  readonly stats: AccumulatorStats;
  private readonly sources: DepthSource[] = [];
  private readonly rangePct: number;
  private readonly intervalMs: number;
  private readonly maxBuckets: number;
  private readonly maxCatchUp: number;
  private readonly onFrame: ((frame: OrderBookFrame) => void) | undefined;
  private step: number;
  /** 1 / step: a level's bucket is round(price · invStep), the same expression everywhere here. */
  private invStep: number;

  private now = -Infinity;
  private hasWindow = false;
  private base = 0;
  /** Prices outside [lo, hi] fall outside the tracked window (checked before dividing). */
  private priceLo = 0;
  private priceHi = 0;
  private centre = 0;
  private half = 0;
  private span = 0;
  /**
   * Per tracked bucket, CELL doubles: cur bid, cur ask (USD resting now), acc bid, acc
   * ask (USD·ms this slot), lastT (ms), then the number of bid and ask levels in the
   * bucket (an emptied bucket's notional is set to exactly 0: no float residue).
   */
  private cells = new Float64Array(0);

  private slotStart = 0;
  private slotEnd = 0;
  private covered = false;
  private mid = NaN;
  private coveredMs = 0;
  private midIntegral = 0;
  private midMin = NaN;
  private midMax = NaN;
  private messages = 0;
  private venueBits = 0;

  constructor(options: AccumulatorOptions) {
    this.symbol = options.symbol;
    this.source = options.source;
    this.rangePct = options.rangePct ?? OB_RANGE_PCT;
    this.intervalMs = options.intervalMs ?? FRAME_INTERVAL_MS;
    this.maxBuckets = Math.min(options.maxBuckets ?? MAX_BUCKETS, MAX_BUCKETS);
    this.maxCatchUp = options.maxCatchUpSlots ?? DEFAULT_MAX_CATCH_UP_SLOTS;
    this.onFrame = options.onFrame;
    this.step = options.step ?? symbolConfigFor(options.symbol)?.obStep ?? NaN;
    this.invStep = 1 / this.step;
    if (!(this.rangePct > 0 && this.rangePct < 1)) throw new RangeError(`rangePct must be in (0, 1), got ${this.rangePct}`);
    if (!(this.intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${this.intervalMs}`);
    if (!Number.isNaN(this.step) && !(this.step > 0)) throw new RangeError(`step must be positive, got ${this.step}`);
    this.stats = {
      source: this.source,
      step: this.step,
      frames: 0,
      slotsWithoutBook: 0,
      slotsSkipped: 0,
      recentresMidSlot: 0,
      clippedBuckets: 0,
      framesGridTrimmed: 0,
      bucketsOutsideGrid: 0,
      lastFrameOutsideGridUsd: 0,
      lateEvents: 0,
      lastFrameTs: 0,
    };
  }

  /** Add a book to follow; it must report its level changes to this accumulator. */
  addSource(source: DepthSource): void {
    this.sources.push(source);
    if (this.hasWindow) this.rescan();
  }

  /** The current (not time-weighted) mid: mean of the sources' mids, NaN without a two-sided book. */
  currentMid(): number {
    return this.mid;
  }

  /** Event time moves to `ts`: close and emit every slot that ended at or before it. True when a slot closed. */
  advance(ts: number): boolean {
    if (!(ts > this.now)) {
      if (ts < this.now) this.stats.lateEvents++;
      return false;
    }
    let closed = false;
    if (this.hasWindow && ts >= this.slotEnd) {
      closed = true;
      let emitted = 0;
      while (ts >= this.slotEnd) {
        if (emitted >= this.maxCatchUp) {
          const skipped = Math.floor((ts - this.slotStart) / this.intervalMs);
          this.stats.slotsSkipped += skipped;
          this.integrateTo(this.slotStart + skipped * this.intervalMs);
          this.startSlot(this.slotStart + skipped * this.intervalMs);
          break;
        }
        this.integrateTo(this.slotEnd);
        this.emit();
        emitted++;
        this.startSlot(this.slotEnd);
      }
    }
    this.integrateTo(ts);
    return closed;
  }

  /** A depth message of `venue` was applied during this slot (for the frame's counters). */
  noteMessage(venue: Venue): void {
    this.messages++;
    this.venueBits |= venue === 'binance' ? 1 : venue === 'bybit' ? 2 : 4;
  }

  /** Re-read mids and coverage from the sources after an event was applied. */
  refresh(): void {
    let sum = 0;
    let n = 0;
    let any = false;
    for (const s of this.sources) {
      const bids = s.book.bids.size;
      const asks = s.book.asks.size;
      if (bids + asks > 0) any = true;
      if (bids > 0 && asks > 0) {
        sum += s.book.mid();
        n++;
      }
    }
    this.covered = any && this.hasWindow;
    if (n === 0) return; // keep the last mid for the time-weighted mean
    const mid = sum / n;
    this.mid = mid;
    if (!this.hasWindow) {
      if (Number.isFinite(this.now)) this.openWindow();
      return;
    }
    if (!(mid >= this.midMin)) this.midMin = mid;
    if (!(mid <= this.midMax)) this.midMax = mid;
    if (Math.abs(Math.round(mid / this.step) - this.centre) > this.half / 2) {
      this.stats.recentresMidSlot++;
      this.recentre(mid);
    }
  }

  levelChanged(side: BookSideIndex, price: number, oldQty: number, newQty: number): void {
    if (!this.hasWindow) return;
    const i = Math.round(price * this.invStep) - this.base;
    if (i < 0 || i >= this.span) return; // beyond ±2·range: never in a frame
    this.change(i * CELL, side, price, oldQty, newQty);
  }

  levelsChanged(side: BookSideIndex, levels: Levels, old: Float64Array, count: number): void {
    if (!this.hasWindow) return;
    const { invStep, base, span, now, priceLo, priceHi, cells } = this;
    for (let k = 0; k < count; k++) {
      const oldQty = old[k]!;
      const price = levels[2 * k]!;
      const newQty = levels[2 * k + 1]!;
      if (oldQty < 0 || oldQty === newQty || price < priceLo || price > priceHi) continue;
      const i = Math.round(price * invStep) - base;
      if (i < 0 || i >= span) continue;
      const c = i * CELL;
      const dt = now - cells[c + LAST_T]!;
      if (dt > 0) {
        cells[c + ACC]! += cells[c + CUR]! * dt;
        cells[c + ACC + 1]! += cells[c + CUR + 1]! * dt;
        cells[c + LAST_T] = now;
      }
      if (oldQty === 0) cells[c + LEVELS + side]!++;
      else if (newQty === 0 && --cells[c + LEVELS + side]! === 0) {
        cells[c + CUR + side] = 0;
        continue;
      }
      cells[c + CUR + side]! += price * (newQty - oldQty);
    }
  }

  /** One level of cell `c` changed at the accumulator's time. */
  private change(c: number, side: BookSideIndex, price: number, oldQty: number, newQty: number): void {
    const cells = this.cells;
    const dt = this.now - cells[c + LAST_T]!;
    if (dt > 0) {
      cells[c + ACC]! += cells[c + CUR]! * dt;
      cells[c + ACC + 1]! += cells[c + CUR + 1]! * dt;
      cells[c + LAST_T] = this.now;
    }
    if (oldQty === 0) cells[c + LEVELS + side]!++;
    else if (newQty === 0 && --cells[c + LEVELS + side]! === 0) {
      cells[c + CUR + side] = 0;
      return;
    }
    cells[c + CUR + side]! += price * (newQty - oldQty);
  }

  private integrateTo(t: number): void {
    const dt = t - this.now;
    if (this.covered && dt > 0) {
      this.coveredMs += dt;
      this.midIntegral += this.mid * dt;
    }
    this.now = t;
  }

  private openWindow(): void {
    if (Number.isNaN(this.step)) {
      this.step = symbolConfigFor(this.symbol, this.mid)!.obStep;
      this.invStep = 1 / this.step;
      (this.stats as { step: number }).step = this.step;
    }
    this.hasWindow = true;
    this.covered = true;
    this.allocate(this.mid);
    this.slotStart = Math.floor(this.now / this.intervalMs) * this.intervalMs;
    this.slotEnd = this.slotStart + this.intervalMs;
    const { messages, venueBits } = this; // the message that opened the window counts
    this.resetSlotTotals();
    this.messages = messages;
    this.venueBits = venueBits;
    this.setAllLastT(this.now);
    this.rescan();
  }

  private startSlot(start: number): void {
    this.slotStart = start;
    this.slotEnd = start + this.intervalMs;
    this.resetSlotTotals();
    const cells = this.cells;
    for (let c = 0; c < cells.length; c += CELL) {
      cells[c + ACC] = 0;
      cells[c + ACC + 1] = 0;
      cells[c + LAST_T] = start;
    }
    if (!Number.isNaN(this.mid) && Math.abs(Math.round(this.mid / this.step) - this.centre) > this.half / 4) {
      this.allocate(this.mid);
      this.setAllLastT(start);
      this.rescan();
    }
  }

  private resetSlotTotals(): void {
    this.coveredMs = 0;
    this.midIntegral = 0;
    this.messages = 0;
    this.venueBits = 0;
    this.midMin = this.mid;
    this.midMax = this.mid;
  }

  /** Size and place the tracked window around `mid` (arrays zeroed). */
  private allocate(mid: number): void {
    this.half = Math.max(1, Math.min(Math.ceil((mid * 2 * this.rangePct) / this.step), 2 * this.maxBuckets));
    this.span = 2 * this.half + 1;
    this.centre = Math.round(mid / this.step);
    this.base = this.centre - this.half;
    this.priceLo = (this.base - 0.5) * this.step;
    this.priceHi = (this.base + this.span - 0.5) * this.step;
    this.cells = new Float64Array(this.span * CELL);
  }

  private setAllLastT(t: number): void {
    for (let c = LAST_T; c < this.cells.length; c += CELL) this.cells[c] = t;
  }

  /** Mid-slot: integrate everything to now, move the window, keep the overlap's integrals. */
  private recentre(mid: number): void {
    const now = this.now;
    this.integrateBuckets(now);
    const { base: oldBase, span: oldSpan, cells: old } = this;
    this.allocate(mid);
    for (let i = 0; i < this.span; i++) {
      const j = i + this.base - oldBase;
      if (j >= 0 && j < oldSpan) {
        this.cells[i * CELL + ACC] = old[j * CELL + ACC]!;
        this.cells[i * CELL + ACC + 1] = old[j * CELL + ACC + 1]!;
      }
    }
    this.setAllLastT(now);
    this.rescan();
  }

  private integrateBuckets(t: number): void {
    const cells = this.cells;
    for (let c = 0; c < cells.length; c += CELL) {
      const dt = t - cells[c + LAST_T]!;
      if (dt > 0) {
        cells[c + ACC]! += cells[c + CUR]! * dt;
        cells[c + ACC + 1]! += cells[c + CUR + 1]! * dt;
        cells[c + LAST_T] = t;
      }
    }
  }

  /** Rebuild `cur` from the sources' books. */
  private rescan(): void {
    const cells = this.cells;
    for (let c = 0; c < cells.length; c += CELL) {
      cells[c + CUR] = 0;
      cells[c + CUR + 1] = 0;
      cells[c + LEVELS] = 0;
      cells[c + LEVELS + 1] = 0;
    }
    for (const s of this.sources) {
      for (const side of [BID, ASK] as const) {
        const sideBook = side === BID ? s.book.bids : s.book.asks;
        sideBook.forEachInRange(this.priceLo, this.priceHi, (price, qty) => {
          const i = Math.round(price * this.invStep) - this.base;
          if (i < 0 || i >= this.span) return;
          cells[i * CELL + CUR + side]! += price * qty;
          cells[i * CELL + LEVELS + side]!++;
        });
      }
    }
  }

  private emit(): void {
    const covered = this.coveredMs;
    if (!(covered > 0)) {
      this.stats.slotsWithoutBook++;
      return;
    }
    this.integrateBuckets(this.now);
    const src = this.midIntegral / covered;
    const grid: Grid = gridAround(src, this.rangePct, this.step, this.maxBuckets);
    this.countOutsideGrid(src, grid, covered);
    const n = grid.count;
    const bid = new Float64Array(n);
    const ask = new Float64Array(n);
    let totalBid = 0;
    let totalAsk = 0;
    for (let k = 0; k < n; k++) {
      const i = grid.firstIndex + k - this.base;
      if (i < 0 || i >= this.span) {
        this.stats.clippedBuckets++;
        continue;
      }
      const b = this.cells[i * CELL + ACC]! / covered;
      const a = this.cells[i * CELL + ACC + 1]! / covered;
      bid[k] = b > 0 ? b : 0;
      ask[k] = a > 0 ? a : 0;
      totalBid += bid[k]!;
      totalAsk += ask[k]!;
    }
    const both = distributionOf(bid, n, ask, n);
    const bidD = both.count > 0 ? distributionOf(bid, n, bid, 0) : EMPTY_DISTRIBUTION;
    const askD = both.count > 0 ? distributionOf(ask, n, ask, 0) : EMPTY_DISTRIBUTION;
    const ref = both.p99;
    const ext: OrderBookFrameExt = {
      scaling: SCALING_SQRT_P99,
      flags: 0,
      scaleRef: ref,
      p50: both.p50,
      p90: both.p90,
      p95: both.p95,
      p99: both.p99,
      max: both.max,
      bidP50: bidD.p50,
      bidP95: bidD.p95,
      bidMax: bidD.max,
      askP50: askD.p50,
      askP95: askD.p95,
      askMax: askD.max,
      totalBidNotional: totalBid,
      totalAskNotional: totalAsk,
      intervalMs: this.intervalMs,
      coverage: Math.min(1, covered / this.intervalMs),
      midLast: this.mid,
      midMin: this.midMin,
      midMax: this.midMax,
      venues: venuesOfMask(this.venueBits),
      messages: this.messages,
      nonZeroBuckets: both.count,
      saturatedMean: saturatedMeanOf(bid, n, ask, n, ref),
    };
    const d = decimalsOf(this.step);
    const record: RingRecord = {
      ts: this.slotStart,
      src: Math.round(src * 10 ** (d + 2)) / 10 ** (d + 2),
      priceMin: grid.priceMin,
      priceMax: grid.priceMax,
      step: this.step,
      nBuckets: n,
      a: encodeIntensities(bid, n, ref, new Uint8Array(n)),
      b: encodeIntensities(ask, n, ref, new Uint8Array(n)),
      ext: encodeOrderBookExt(ext),
    };
    this.stats.frames++;
    this.stats.lastFrameTs = this.slotStart;
    this.onFrame?.({ symbol: this.symbol, source: this.source, record, ext, bidNotional: bid, askNotional: ask });
  }

  /** The band's buckets the trimmed grid leaves out, and the book notional they held (the window spans twice the band, so it has them). */
  private countOutsideGrid(src: number, grid: Grid, covered: number): void {
    const band = gridAround(src, this.rangePct, this.step);
    const outside = band.count - grid.count;
    if (outside <= 0) {
      this.stats.lastFrameOutsideGridUsd = 0;
      return;
    }
    let usd = 0;
    const gridLast = grid.firstIndex + grid.count - 1;
    for (let idx = band.firstIndex; idx < band.firstIndex + band.count; idx++) {
      if (idx >= grid.firstIndex && idx <= gridLast) continue;
      const i = idx - this.base;
      if (i < 0 || i >= this.span) continue;
      const b = this.cells[i * CELL + ACC]! / covered;
      const a = this.cells[i * CELL + ACC + 1]! / covered;
      usd += (b > 0 ? b : 0) + (a > 0 ? a : 0);
    }
    this.stats.framesGridTrimmed++;
    this.stats.bucketsOutsideGrid += outside;
    this.stats.lastFrameOutsideGridUsd = usd;
  }
}
