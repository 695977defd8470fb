/**
 * Price levels of one book side at ANY prices: quantities in a hash table
 * (price-map.ts) and the price order in sorted blocks of at most BLOCK keys (a
 * one-level B+-tree), keys ascending with the best level LAST (for bids the key is the
 * price, for asks −price). BookSide keeps the levels near the top on a dense tick
 * ladder and everything else here.
 *
 * Measured on the real Binance stream (depth@0ms, ~10 000 levels, 44 levels a diff, a
 * new or emptied level a median ~700 levels below the top): a flat sorted array
 * memmoves every level above each insertion (~210 ns a level); sorted blocks of
 * (price, qty) ~80 ns; this shape ~45 ns: an update of an existing level (two thirds
 * of them) is one hash probe and never touches the order; only new and emptied levels
 * go through the blocks, moving at most BLOCK keys.
 * Costs: best price O(1); set O(1) for updates, O(log blocks + BLOCK) for inserts and
 * deletes; the k-th level from the top O(k / BLOCK + 1); a price-range scan O(log n +
 * levels in range). Nothing is ever sorted per message.
 *
 * Prices are compared exactly (the same decimal string always parses to the same
 * double, which is what venues send for a level they update or delete) and must be
 * positive and finite (PriceBook checks them).
 */

import { PriceMap } from './price-map.js';

/** Keys per block: moves stay within one block (32 measured best with the hash in front). */
const BLOCK = 32;

export class SortedLevels {
  readonly isBid: boolean;
  private readonly sign: number;
  private readonly qty = new PriceMap();
  /** Sorted keys in blocks; per block its size and last (largest) key. */
  private blocks: Float64Array[] = [new Float64Array(BLOCK)];
  private sizes = new Int32Array(16);
  private lasts = new Float64Array(16);
  private nb = 1;
  /**
   * The key being inserted or removed. Passed in a field, not as an argument: a double
   * argument of a call V8 does not inline is boxed, one allocation per new level.
   */
  private key = 0;
  /** Emptied blocks kept for reuse (a steady book splits and drops blocks all the time). */
  private readonly spare: Float64Array[] = [];

  constructor(isBid: boolean) {
    this.isBid = isBid;
    this.sign = isBid ? 1 : -1;
    this.lasts[0] = Infinity;
  }

  /** Number of levels. */
  get size(): number {
    return this.qty.size;
  }

  /** Best price (highest bid, lowest ask), NaN when empty. */
  bestPrice(): number {
    const b = this.nb - 1;
    const size = this.sizes[b]!;
    return size === 0 ? NaN : this.sign * this.blocks[b]![size - 1]!;
  }

  bestQty(): number {
    const best = this.bestPrice();
    return best === best ? this.qty.get(best) : NaN;
  }

  /** Price of the `rank`-th level from the top (0 = best); NaN past the last level. */
  priceAt(rank: number): number {
    if (rank < 0 || rank >= this.qty.size) return NaN;
    for (let b = this.nb - 1; b >= 0; b--) {
      const size = this.sizes[b]!;
      if (rank < size) return this.sign * this.blocks[b]![size - 1 - rank]!;
      rank -= size;
    }
    return NaN;
  }

  qtyAt(rank: number): number {
    const price = this.priceAt(rank);
    return price === price ? this.qty.get(price) : NaN;
  }

  /** Quantity resting at `price`, 0 when absent. */
  qtyOf(price: number): number {
    return this.qty.get(price);
  }

  /**
   * Set the quantity at `price`; a quantity that is not > 0 deletes the level (deleting
   * an absent level is normal, VENUES.md 1.3 step 9). Returns the previous quantity (0
   * when the level was absent) so callers can track deltas.
   */
  set(price: number, qty: number): number {
    if (qty > 0) {
      const old = this.qty.set(price, qty);
      if (old === 0) {
        this.key = this.sign * price;
        this.insertKey();
      }
      return old;
    }
    const old = this.qty.delete(price);
    if (old !== 0) {
      this.key = this.sign * price;
      this.removeKey();
    }
    return old;
  }

  /**
   * Visit the levels whose price lies in [lo, hi], in ascending key order (bids low to
   * high price, asks high to low). Returns the number visited.
   */
  forEachInRange(lo: number, hi: number, visit: (price: number, qty: number) => void): number {
    const kLo = this.isBid ? lo : -hi;
    const kHi = this.isBid ? hi : -lo;
    let count = 0;
    let b = this.blockOf(kLo);
    const first = this.blocks[b]!;
    let i = 0;
    while (i < this.sizes[b]! && first[i]! < kLo) i++;
    for (; b < this.nb; b++, i = 0) {
      const keys = this.blocks[b]!;
      const size = this.sizes[b]!;
      for (; i < size; i++) {
        const k = keys[i]!;
        if (k > kHi) return count;
        const price = this.sign * k;
        visit(price, this.qty.get(price));
        count++;
      }
    }
    return count;
  }

  /** Visit every level from the top down; stop when `visit` returns false. */
  forEachFromTop(visit: (price: number, qty: number) => boolean | void): void {
    for (let b = this.nb - 1; b >= 0; b--) {
      const keys = this.blocks[b]!;
      for (let i = this.sizes[b]! - 1; i >= 0; i--) {
        const price = this.sign * keys[i]!;
        if (visit(price, this.qty.get(price)) === false) return;
      }
    }
  }

  clear(): void {
    this.qty.clear();
    this.blocks = [new Float64Array(BLOCK)];
    this.sizes.fill(0);
    this.lasts[0] = Infinity;
    this.nb = 1;
  }

  /** The block where `key` is or would be inserted: the first whose last key is ≥ key, else the last. */
  private blockOf(key: number): number {
    const lasts = this.lasts;
    let lo = 0;
    let hi = this.nb - 1;
    if (key > lasts[hi]!) return hi; // beyond the best: the top block
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (lasts[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** blockOf(this.key), without a double argument (see `key`). */
  private blockOfKey(): number {
    const key = this.key;
    const lasts = this.lasts;
    let lo = 0;
    let hi = this.nb - 1;
    if (key > lasts[hi]!) return hi;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (lasts[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private insertKey(): void {
    const key = this.key;
    let b = this.blockOfKey();
    if (this.sizes[b] === BLOCK) {
      this.split(b);
      if (key > this.lasts[b]!) b++;
    }
    const keys = this.blocks[b]!;
    const size = this.sizes[b]!;
    let i = size;
    for (; i > 0 && keys[i - 1]! > key; i--) keys[i] = keys[i - 1]!;
    keys[i] = key;
    this.sizes[b] = size + 1;
    if (i === size) this.lasts[b] = key;
  }

  private removeKey(): void {
    const key = this.key;
    const b = this.blockOfKey();
    const keys = this.blocks[b]!;
    const size = this.sizes[b]!;
    let i = 0;
    while (i < size && keys[i]! < key) i++;
    if (i === size || keys[i] !== key) return; // unreachable: the hash held it
    for (let j = i + 1; j < size; j++) keys[j - 1] = keys[j]!;
    this.sizes[b] = size - 1;
    if (size === 1) this.dropBlock(b);
    else if (i === size - 1) this.lasts[b] = keys[size - 2]!;
  }

  private split(b: number): void {
    if (this.nb === this.sizes.length) {
      const sizes = new Int32Array(this.nb * 2);
      sizes.set(this.sizes);
      this.sizes = sizes;
      const lasts = new Float64Array(this.nb * 2);
      lasts.set(this.lasts);
      this.lasts = lasts;
    }
    const half = BLOCK >>> 1;
    const upper = this.spare.pop() ?? new Float64Array(BLOCK);
    upper.set(this.blocks[b]!.subarray(half, BLOCK));
    this.blocks.splice(b + 1, 0, upper);
    this.sizes.copyWithin(b + 2, b + 1, this.nb);
    this.lasts.copyWithin(b + 2, b + 1, this.nb);
    this.sizes[b + 1] = BLOCK - half;
    this.lasts[b + 1] = this.lasts[b]!;
    this.sizes[b] = half;
    this.lasts[b] = this.blocks[b]![half - 1]!;
    this.nb++;
  }

  private dropBlock(b: number): void {
    if (this.nb === 1) {
      this.lasts[0] = Infinity;
      return;
    }
    const [dropped] = this.blocks.splice(b, 1);
    if (this.spare.length < 64) this.spare.push(dropped!);
    this.sizes.copyWithin(b, b + 1, this.nb);
    this.lasts.copyWithin(b, b + 1, this.nb);
    this.nb--;
    this.sizes[this.nb] = 0;
  }
}
