/**
 * A binary min-heap of items by a numeric key; equal keys leave in insertion order
 * (a sequence number breaks ties), so the simulator stays deterministic.
 */
export class MinHeap<T> {
  private keys: number[] = [];
  private seqs: number[] = [];
  private items: T[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  push(key: number, item: T): void {
    const keys = this.keys;
    const seqs = this.seqs;
    const items = this.items;
    let i = items.length;
    const seq = this.seq++;
    keys.push(key);
    seqs.push(seq);
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent]! < key || (keys[parent] === key && seqs[parent]! < seq)) break;
      keys[i] = keys[parent]!;
      seqs[i] = seqs[parent]!;
      items[i] = items[parent]!;
      i = parent;
    }
    keys[i] = key;
    seqs[i] = seq;
    items[i] = item;
  }

  peekKey(): number | undefined {
    return this.keys[0];
  }

  peek(): T | undefined {
    return this.items[0];
  }

  pop(): T | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0]!;
    const keys = this.keys;
    const seqs = this.seqs;
    const lastKey = keys.pop()!;
    const lastSeq = seqs.pop()!;
    const lastItem = items.pop()!;
    const n = items.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        if (r < n && (keys[r]! < keys[l]! || (keys[r] === keys[l] && seqs[r]! < seqs[l]!))) c = r;
        if (keys[c]! > lastKey || (keys[c] === lastKey && seqs[c]! > lastSeq)) break;
        keys[i] = keys[c]!;
        seqs[i] = seqs[c]!;
        items[i] = items[c]!;
        i = c;
      }
      keys[i] = lastKey;
      seqs[i] = lastSeq;
      items[i] = lastItem;
    }
    return top;
  }

  /** Keep only the items `keep` accepts (in place; equal keys keep their order). */
  retain(keep: (item: T) => boolean): void {
    const keys: number[] = [];
    const seqs: number[] = [];
    const items: T[] = [];
    for (let i = 0; i < this.items.length; i++) {
      if (!keep(this.items[i]!)) continue;
      keys.push(this.keys[i]!);
      seqs.push(this.seqs[i]!);
      items.push(this.items[i]!);
    }
    this.keys = keys;
    this.seqs = seqs;
    this.items = items;
    for (let i = (items.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftDown(start: number): void {
    const keys = this.keys;
    const seqs = this.seqs;
    const items = this.items;
    const n = items.length;
    const key = keys[start]!;
    const seq = seqs[start]!;
    const item = items[start]!;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && (keys[r]! < keys[l]! || (keys[r] === keys[l] && seqs[r]! < seqs[l]!))) c = r;
      if (keys[c]! > key || (keys[c] === key && seqs[c]! > seq)) break;
      keys[i] = keys[c]!;
      seqs[i] = seqs[c]!;
      items[i] = items[c]!;
      i = c;
    }
    keys[i] = key;
    seqs[i] = seq;
    items[i] = item;
  }

  /** Items in heap order (not sorted). */
  values(): readonly T[] {
    return this.items;
  }
}
