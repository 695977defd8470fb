/**
 * price → quantity, an open-addressing hash table on one typed array (linear probing,
 * backward-shift deletion, load ≤ 1/2; key and value side by side, so a lookup touches
 * one cache line). Two thirds of a real diff's levels update a
 * level that exists; this answers them without touching the sorted order. Allocation
 * free (a JS Map would box every double key).
 *
 * Prices must be positive and finite: 0 marks an empty slot.
 */

const F64 = new Float64Array(1);
const I32 = new Int32Array(F64.buffer);

/**
 * Both words of the double, mixed with murmur3's finalizer so that the LOW bits (the
 * slot) depend on every bit: round prices (64000, 1000.00) have all-zero low words.
 */
function hashOf(price: number): number {
  F64[0] = price;
  let h = I32[0]! ^ Math.imul(I32[1]!, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class PriceMap {
  /** Slot i: price at 2i (0 = empty), quantity at 2i + 1. */
  private slots: Float64Array;
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 512) {
    let n = 16;
    while (n < initialCapacity * 2) n *= 2;
    this.slots = new Float64Array(2 * n);
    this.mask = n - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The quantity at `price`, 0 when absent. */
  get(price: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = hashOf(price) & mask; ; i = (i + 1) & mask) {
      const k = slots[2 * i]!;
      if (k === price) return slots[2 * i + 1]!;
      if (k === 0) return 0;
    }
  }

  /** Set `price` to `qty` (> 0); returns the previous quantity, 0 when it was absent. */
  set(price: number, qty: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = hashOf(price) & mask; ; i = (i + 1) & mask) {
      const k = slots[2 * i]!;
      if (k === price) {
        const old = slots[2 * i + 1]!;
        slots[2 * i + 1] = qty;
        return old;
      }
      if (k === 0) {
        slots[2 * i] = price;
        slots[2 * i + 1] = qty;
        if (++this.count * 2 > mask) this.grow();
        return 0;
      }
    }
  }

  /** Remove `price`; returns its quantity, 0 when it was absent. */
  delete(price: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = hashOf(price) & mask; ; i = (i + 1) & mask) {
      const k = slots[2 * i]!;
      if (k === price) {
        const old = slots[2 * i + 1]!;
        this.removeSlot(i);
        return old;
      }
      if (k === 0) return 0;
    }
  }

  /**
   * Empty slot `i` with a backward shift: later entries of the probe run move into the
   * hole when their home slot is not between the hole and them, so lookups never need
   * tombstones. (An integer argument: nothing is boxed when this is not inlined.)
   */
  private removeSlot(i: number): void {
    const slots = this.slots;
    const mask = this.mask;
    for (let j = (i + 1) & mask; slots[2 * j] !== 0; j = (j + 1) & mask) {
      const home = hashOf(slots[2 * j]!) & mask;
      const between = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!between) {
        slots[2 * i] = slots[2 * j]!;
        slots[2 * i + 1] = slots[2 * j + 1]!;
        i = j;
      }
    }
    slots[2 * i] = 0;
    slots[2 * i + 1] = 0;
    this.count--;
  }

  clear(): void {
    this.slots.fill(0);
    this.count = 0;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Float64Array(2 * old.length);
    this.mask = old.length - 1;
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.set(old[i]!, old[i + 1]!);
  }
}
