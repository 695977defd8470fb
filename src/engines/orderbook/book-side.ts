/**
 * One side of a price-level book: a dense tick ladder around the top of the book, and
 * sorted levels (sorted-levels.ts: hash + sorted blocks) for everything else.
 *
 * Why: on the real Binance stream (depth@0ms) 84 % of the levels a diff touches lie
 * within 0.5 % of the mid and 91 % within 2 %, while the book holds ~10 000 levels
 * spread over ±90 %. On the ladder a level is one array slot: setting it is O(1) with
 * no search and no move, and the best price moves with a bitmap scan. Only levels far
 * from the top (or off the price grid) pay the sorted structure's O(log n).
 *
 * The ladder is a window of L slots on the price grid (a price p sits on slot
 * round(p·10^d) − lo, where d is the largest number of decimals seen in the side's
 * first levels), covering about ±2 % around the best price; a price is on the ladder
 * iff it is on the grid (its slot maps back to exactly the same double) and inside the
 * window, otherwise in `rest`. When the best price leaves the middle half of the
 * window, the window is re-centred (levels move between the two, O(levels moved)).
 *
 * Costs: best price O(1); set O(1) on the ladder, else as SortedLevels; the k-th level
 * from the top O(k) plus a merge; a price-range scan O(range on the ladder + levels
 * in range elsewhere). Prices must be positive and finite (PriceBook checks them).
 */

import type { Levels } from '../../events.js';
import { SortedLevels } from './sorted-levels.js';

/** Ladder half-width: ±2 % of the best price at (re-)centring. */
const LADDER_BAND = 0.02;
const MIN_SLOTS = 1024;
const MAX_SLOTS = 65536;
/** Most decimals a price grid may have (10^8): beyond, every level stays in `rest`. */
const MAX_DECIMALS = 8;
/** Levels looked at to infer the grid. */
const GRID_SAMPLE = 256;

export class BookSide {
  readonly isBid: boolean;
  private readonly sign: number;
  /** Levels off the ladder. */
  private readonly rest: SortedLevels;
  /** 10^d, or 0 while there is no ladder (not decided yet, or no usable grid). */
  private scale = 0;
  private gridDecided = false;
  /** Grid index of ladder slot 0, and the number of slots (a multiple of 32). */
  private lo = 0;
  private slots = 0;
  private qty = new Float64Array(0);
  /** Occupancy bitmap of the ladder. */
  private bits = new Int32Array(0);
  private ladderCount = 0;
  /** Ladder slot of the ladder's best level (highest bid, lowest ask), −1 when the ladder is empty. */
  private topSlot = -1;

  constructor(isBid: boolean) {
    this.isBid = isBid;
    this.sign = isBid ? 1 : -1;
    this.rest = new SortedLevels(isBid);
  }

  /** Number of levels. */
  get size(): number {
    return this.ladderCount + this.rest.size;
  }

  /** Best price (highest bid, lowest ask), NaN when empty. */
  bestPrice(): number {
    const restBest = this.rest.bestPrice();
    if (this.topSlot < 0) return restBest;
    const ladderBest = (this.lo + this.topSlot) / this.scale;
    return restBest === restBest && this.sign * restBest > this.sign * ladderBest ? restBest : ladderBest;
  }

  bestQty(): number {
    const restBest = this.rest.bestPrice();
    if (this.topSlot < 0) return this.rest.bestQty();
    const ladderBest = (this.lo + this.topSlot) / this.scale;
    return restBest === restBest && this.sign * restBest > this.sign * ladderBest ? this.rest.bestQty() : this.qty[this.topSlot]!;
  }

  /** Price of the `rank`-th level from the top (0 = best); NaN past the last level. */
  priceAt(rank: number): number {
    if (rank < 0 || rank >= this.size) return NaN;
    const prices = new Float64Array(rank + 1);
    this.top(rank + 1, prices, new Float64Array(rank + 1));
    return prices[rank]!;
  }

  qtyAt(rank: number): number {
    if (rank < 0 || rank >= this.size) return NaN;
    const qtys = new Float64Array(rank + 1);
    this.top(rank + 1, new Float64Array(rank + 1), qtys);
    return qtys[rank]!;
  }

  /** Quantity resting at `price`, 0 when absent. */
  qtyOf(price: number): number {
    const slot = this.slotOf(price);
    return slot >= 0 ? this.qty[slot]! : this.rest.qtyOf(price);
  }

  /**
   * Set the quantity at `price`; a quantity that is not > 0 deletes the level (deleting
   * an absent level is normal, VENUES.md 1.3 step 9). Returns the previous quantity (0
   * when the level was absent) so callers can track deltas.
   */
  set(price: number, qty: number): number {
    const slot = this.slotOf(price);
    let old: number;
    if (slot >= 0) old = this.setSlot(slot, qty);
    else old = this.rest.set(price, qty);
    this.maintain();
    return old;
  }

  /**
   * Apply flat `[price, qty, …]` levels (absolute quantities, 0 deletes) and write each
   * pair's previous quantity to `old[i]` (0 = was absent), or −1 when pair i was
   * rejected (price not positive and finite, quantity negative, NaN or infinite).
   * Returns the number rejected. One call per diff side, so the hot loop runs without
   * boxing a double per level.
   */
  applyLevels(levels: Levels, old: Float64Array): number {
    const n = levels.length >>> 1;
    let rejected = levels.length & 1;
    const scale = this.scale;
    const lo = this.lo;
    const slots = this.slots;
    const ladder = this.qty;
    for (let i = 0; i < n; i++) {
      const price = levels[2 * i]!;
      const qty = levels[2 * i + 1]!;
      if (!(price > 0 && price < Infinity && qty >= 0 && qty < Infinity)) {
        old[i] = -1;
        rejected++;
        continue;
      }
      if (scale !== 0) {
        const g = Math.round(price * scale);
        const slot = g - lo;
        if (slot >= 0 && slot < slots && g / scale === price) {
          const previous = ladder[slot]!;
          old[i] = previous;
          if (qty > 0) {
            ladder[slot] = qty;
            if (previous === 0) this.occupy(slot);
          } else if (previous !== 0) {
            ladder[slot] = 0;
            this.vacate(slot);
          }
          continue;
        }
      }
      old[i] = this.rest.set(price, qty);
    }
    this.maintain();
    return rejected;
  }

  /** Visit the levels whose price lies in [lo, hi], in no particular order. Returns the number visited. */
  forEachInRange(lo: number, hi: number, visit: (price: number, qty: number) => void): number {
    let count = this.rest.forEachInRange(lo, hi, visit);
    if (this.ladderCount === 0) return count;
    const first = Math.max(0, Math.ceil(lo * this.scale - 1e-6) - this.lo);
    const last = Math.min(this.slots - 1, Math.floor(hi * this.scale + 1e-6) - this.lo);
    for (let slot = first; slot <= last; slot++) {
      const q = this.qty[slot]!;
      if (q === 0) continue;
      const price = (this.lo + slot) / this.scale;
      if (price < lo || price > hi) continue;
      visit(price, q);
      count++;
    }
    return count;
  }

  /** Visit every level, in no particular order. */
  forEachLevel(visit: (price: number, qty: number) => void): void {
    this.rest.forEachFromTop((p, q) => void visit(p, q));
    for (let slot = 0; slot < this.slots && this.ladderCount > 0; slot++) {
      const q = this.qty[slot]!;
      if (q !== 0) visit((this.lo + slot) / this.scale, q);
    }
  }

  /** Visit every level from the top down; stop when `visit` returns false. */
  forEachFromTop(visit: (price: number, qty: number) => boolean | void): void {
    const n = this.size;
    const prices = new Float64Array(n);
    const qtys = new Float64Array(n);
    const got = this.top(n, prices, qtys);
    for (let i = 0; i < got; i++) if (visit(prices[i]!, qtys[i]!) === false) return;
  }

  /** The best `n` levels, best first, into `prices` and `qtys`; returns how many there were. */
  top(n: number, prices: Float64Array, qtys: Float64Array): number {
    // the ladder's best n, best first
    const lp: number[] = [];
    const lq: number[] = [];
    for (let slot = this.topSlot; slot >= 0 && slot < this.slots && lp.length < n; slot += this.isBid ? -1 : 1) {
      const q = this.qty[slot]!;
      if (q === 0) continue;
      lp.push((this.lo + slot) / this.scale);
      lq.push(q);
    }
    // merge with the rest's best n
    let i = 0;
    let out = 0;
    this.rest.forEachFromTop((price, q) => {
      while (i < lp.length && out < n && this.sign * lp[i]! > this.sign * price) {
        prices[out] = lp[i]!;
        qtys[out++] = lq[i++]!;
      }
      if (out >= n) return false;
      prices[out] = price;
      qtys[out++] = q;
      return out < n;
    });
    while (i < lp.length && out < n) {
      prices[out] = lp[i]!;
      qtys[out++] = lq[i++]!;
    }
    return out;
  }

  clear(): void {
    this.rest.clear();
    if (this.ladderCount > 0) {
      this.qty.fill(0);
      this.bits.fill(0);
    }
    this.ladderCount = 0;
    this.topSlot = -1;
  }

  /** Ladder slot of `price`, or −1 when it is not on the ladder. */
  private slotOf(price: number): number {
    if (this.scale === 0) return -1;
    const g = Math.round(price * this.scale);
    const slot = g - this.lo;
    return slot >= 0 && slot < this.slots && g / this.scale === price ? slot : -1;
  }

  private setSlot(slot: number, qty: number): number {
    const previous = this.qty[slot]!;
    if (qty > 0) {
      this.qty[slot] = qty;
      if (previous === 0) this.occupy(slot);
    } else if (previous !== 0) {
      this.qty[slot] = 0;
      this.vacate(slot);
    }
    return previous;
  }

  private occupy(slot: number): void {
    this.bits[slot >>> 5]! |= 1 << (slot & 31);
    this.ladderCount++;
    const top = this.topSlot;
    if (top < 0 || (this.isBid ? slot > top : slot < top)) this.topSlot = slot;
  }

  private vacate(slot: number): void {
    this.bits[slot >>> 5]! &= ~(1 << (slot & 31));
    this.ladderCount--;
    if (slot === this.topSlot) this.topSlot = this.ladderCount === 0 ? -1 : this.isBid ? this.occupiedBelow(slot) : this.occupiedAbove(slot);
  }

  /** The highest occupied slot below `slot`, −1 when none. */
  private occupiedBelow(slot: number): number {
    const bits = this.bits;
    let w = slot >>> 5;
    let word = bits[w]! & ((1 << (slot & 31)) - 1); // bits strictly below slot
    for (;;) {
      if (word !== 0) return (w << 5) + 31 - Math.clz32(word);
      if (--w < 0) return -1;
      word = bits[w]!;
    }
  }

  /** The lowest occupied slot above `slot`, −1 when none. */
  private occupiedAbove(slot: number): number {
    const bits = this.bits;
    const words = bits.length;
    let w = slot >>> 5;
    const shift = (slot & 31) + 1;
    let word = shift === 32 ? 0 : bits[w]! & ~((1 << shift) - 1); // bits strictly above slot
    for (;;) {
      if (word !== 0) return (w << 5) + 31 - Math.clz32(word & -word);
      if (++w >= words) return -1;
      word = bits[w]!;
    }
  }

  /** After a change: decide the grid once there are levels, re-centre when the best left the middle half. */
  private maintain(): void {
    if (!this.gridDecided) {
      if (this.rest.size >= 2) this.decideGrid();
      return;
    }
    if (this.scale === 0) return;
    const best = this.bestPrice();
    if (best !== best) return;
    const slot = Math.round(best * this.scale) - this.lo;
    const quarter = this.slots >>> 2;
    if (slot < quarter || slot >= this.slots - quarter) this.recentre(best);
  }

  /** d = the most decimals among the first levels (their doubles must round-trip through 10^d). */
  private decideGrid(): void {
    this.gridDecided = true;
    let decimals = 0;
    let seen = 0;
    let usable = true;
    this.rest.forEachFromTop((price) => {
      let d = decimals;
      while (d <= MAX_DECIMALS && Math.round(price * 10 ** d) / 10 ** d !== price) d++;
      if (d > MAX_DECIMALS) usable = false;
      else decimals = d;
      return usable && ++seen < GRID_SAMPLE;
    });
    if (!usable) return; // every level stays in `rest`
    this.scale = 10 ** decimals;
    this.recentre(this.rest.bestPrice());
  }

  /** Place the ladder window around `price`, moving levels between the ladder and `rest`. */
  private recentre(price: number): void {
    const scale = this.scale;
    const want = Math.ceil((2 * LADDER_BAND * price * scale) / 32) * 32;
    const slots = Math.min(MAX_SLOTS, Math.max(MIN_SLOTS, want));
    const lo = Math.round(price * scale) - (slots >>> 1);
    const oldQty = this.qty;
    const oldLo = this.lo;
    const oldSlots = this.ladderCount > 0 ? this.slots : 0;
    if (slots !== this.slots) {
      this.qty = new Float64Array(slots);
      this.bits = new Int32Array(slots >>> 5);
    } else {
      this.qty = new Float64Array(slots);
      this.bits.fill(0);
    }
    this.lo = lo;
    this.slots = slots;
    this.ladderCount = 0;
    this.topSlot = -1;
    // old ladder levels: keep those inside the new window, hand the others to `rest`
    for (let s = 0; s < oldSlots; s++) {
      const q = oldQty[s]!;
      if (q === 0) continue;
      const g = oldLo + s;
      if (g >= lo && g < lo + slots) {
        this.qty[g - lo] = q;
        this.occupy(g - lo);
      } else {
        this.rest.set(g / scale, q);
      }
    }
    // `rest` levels inside the new window and on the grid move onto the ladder
    const moving: number[] = [];
    this.rest.forEachInRange(lo / scale, (lo + slots - 1) / scale, (p, q) => {
      const g = Math.round(p * scale);
      if (g / scale === p && g >= lo && g < lo + slots) moving.push(p, q);
    });
    for (let i = 0; i < moving.length; i += 2) {
      const g = Math.round(moving[i]! * scale);
      this.rest.set(moving[i]!, 0);
      this.qty[g - lo] = moving[i + 1]!;
      this.occupy(g - lo);
    }
  }
}
