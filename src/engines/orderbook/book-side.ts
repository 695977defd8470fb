/**
 * One side of a price-level book: parallel sorted typed arrays with binary search.
 *
 * Keys ascend and the best level is the LAST element: for bids the key is the price,
 * for asks it is −price. Most updates land near the top of the book, so inserting or
 * deleting there moves only the few elements above the insertion point; a level far
 * from the top costs one `copyWithin` of the arrays (a memmove of a few kB). Best
 * price is O(1), a lookup O(log n), a price-range scan O(log n + levels in range), and
 * nothing is ever sorted per message.
 *
 * Prices are compared exactly: the same decimal string always parses to the same
 * double, which is what venues send for a level they update or delete.
 */

export class BookSide {
  readonly isBid: boolean;
  private readonly sign: number;
  private keys: Float64Array;
  private qtys: Float64Array;
  private n = 0;

  constructor(isBid: boolean, initialCapacity = 1024) {
    this.isBid = isBid;
    this.sign = isBid ? 1 : -1;
    this.keys = new Float64Array(Math.max(16, initialCapacity));
    this.qtys = new Float64Array(this.keys.length);
  }

  /** Number of levels. */
  get size(): number {
    return this.n;
  }

  /** Best price (highest bid, lowest ask), NaN when empty. */
  bestPrice(): number {
    return this.n === 0 ? NaN : this.sign * this.keys[this.n - 1]!;
  }

  bestQty(): number {
    return this.n === 0 ? NaN : this.qtys[this.n - 1]!;
  }

  /** Price of the `rank`-th level from the top (0 = best). */
  priceAt(rank: number): number {
    return this.sign * this.keys[this.n - 1 - rank]!;
  }

  qtyAt(rank: number): number {
    return this.qtys[this.n - 1 - rank]!;
  }

  /** Quantity resting at `price`, 0 when absent. */
  qtyOf(price: number): number {
    const key = this.sign * price;
    const i = this.lowerBound(key);
    return i < this.n && this.keys[i] === key ? this.qtys[i]! : 0;
  }

  /**
   * Set the quantity at `price`; a quantity that is not > 0 deletes the level (deleting
   * an absent level is normal, VENUES.md 1.3 step 9). Returns the previous quantity (0
   * when the level was absent) so callers can track deltas.
   */
  set(price: number, qty: number): number {
    const key = this.sign * price;
    const keys = this.keys;
    const n = this.n;
    let i: number;
    // Fast path: the top of the book, where most updates land.
    if (n > 0 && key >= keys[n - 1]!) i = key === keys[n - 1]! ? n - 1 : n;
    else i = this.lowerBound(key);
    if (i < n && keys[i] === key) {
      const old = this.qtys[i]!;
      if (qty > 0) {
        this.qtys[i] = qty;
      } else {
        if (i < n - 1) {
          keys.copyWithin(i, i + 1, n);
          this.qtys.copyWithin(i, i + 1, n);
        }
        this.n = n - 1;
      }
      return old;
    }
    if (!(qty > 0)) return 0;
    if (n === keys.length) this.grow();
    if (i < n) {
      this.keys.copyWithin(i + 1, i, n);
      this.qtys.copyWithin(i + 1, i, n);
    }
    this.keys[i] = key;
    this.qtys[i] = qty;
    this.n = n + 1;
    return 0;
  }

  /**
   * Visit the levels whose price lies in [lo, hi], in ascending key order (bids low to
   * high price, asks high to low). Returns the number visited.
   */
  forEachInRange(lo: number, hi: number, visit: (price: number, qty: number) => void): number {
    const kLo = this.isBid ? lo : -hi;
    const kHi = this.isBid ? hi : -lo;
    let count = 0;
    for (let i = this.lowerBound(kLo); i < this.n && this.keys[i]! <= kHi; i++, count++) {
      visit(this.sign * this.keys[i]!, this.qtys[i]!);
    }
    return count;
  }

  /** Visit every level from the top down; stop when `visit` returns false. */
  forEachFromTop(visit: (price: number, qty: number) => boolean | void): void {
    for (let i = this.n - 1; i >= 0; i--) if (visit(this.sign * this.keys[i]!, this.qtys[i]!) === false) return;
  }

  clear(): void {
    this.n = 0;
  }

  /** First index whose key is ≥ `key`. */
  private lowerBound(key: number): number {
    const keys = this.keys;
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    const qtys = new Float64Array(keys.length);
    keys.set(this.keys.subarray(0, this.n));
    qtys.set(this.qtys.subarray(0, this.n));
    this.keys = keys;
    this.qtys = qtys;
  }
}
