/**
 * The simulator's order books: one per venue and symbol, kept as two sorted ladders
 * of integer prices (price units) and sizes (the venue's size units), with
 * Binance-style update ids. Every change takes a new, larger id and is remembered
 * until the next `takeDiff()`, so a diff carries the final absolute size of every
 * level that changed, `U` = the first id of the window and `u` = the last — a REST
 * snapshot taken mid-window therefore has `U ≤ lastUpdateId ≤ u` with the next diff,
 * exactly the futures rules. `BookView` derives the top-N views Bybit (50) and
 * OKX (400) publish: a snapshot, then deltas including levels that enter or leave.
 *
 * `BookMaker` moves a book around a venue's mid price: recentering (crossed levels
 * go, the touch is refilled), churn near the touch, a mid-range band and a few large
 * "walls" on round prices further out, trimmed at ±10 %.
 */

import type { Rng } from './rng.js';

export const BID = 0;
export const ASK = 1;
export type BookSide = typeof BID | typeof ASK;

/**
 * One side of a book. Keys ascend with the BEST LEVEL LAST (key = price for bids,
 * −price for asks), so the frequent changes at the touch are pushes and pops at the
 * end of the arrays.
 */
class Ladder {
  readonly keys: number[] = [];
  readonly qtys: number[] = [];

  /** First index whose key is ≥ `key`. */
  lowerBound(key: number): number {
    const keys = this.keys;
    let lo = 0;
    let hi = keys.length;
    // the touch is at the end: most searches end there
    if (hi > 0 && keys[hi - 1]! < key) return hi;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Changes since the previous diff: Binance `U`, `u`, `pu` and absolute sizes, prices ascending. */
export interface BookDiff {
  readonly firstId: number;
  readonly lastId: number;
  readonly prevLastId: number;
  /** Flat `[price, qty, …]`, prices ascending (as Binance lists both sides); qty 0 = removed. */
  readonly bids: number[];
  readonly asks: number[];
}

export class SimBook {
  private readonly sides: [Ladder, Ladder] = [new Ladder(), new Ladder()];
  private readonly dirty: [Map<number, number>, Map<number, number>] = [new Map(), new Map()];
  /** The last update id assigned. */
  updateId: number;
  /** `u` of the last diff taken (the next diff's `pu`). */
  lastDiffId: number;
  private windowFirstId = 0;
  private readonly idStep: () => number;

  constructor(startId: number, idStep: () => number = () => 1) {
    this.updateId = startId;
    this.lastDiffId = startId;
    this.idStep = idStep;
  }

  /** Best price of a side, or undefined when the side is empty. */
  best(side: BookSide): number | undefined {
    const keys = this.sides[side].keys;
    const key = keys[keys.length - 1];
    return key === undefined ? undefined : side === BID ? key : -key;
  }

  bestQty(side: BookSide): number {
    const qtys = this.sides[side].qtys;
    return qtys[qtys.length - 1] ?? 0;
  }

  size(side: BookSide): number {
    return this.sides[side].keys.length;
  }

  /** Size at a price (0 when absent). */
  qtyAt(side: BookSide, price: number): number {
    const ladder = this.sides[side];
    const key = side === BID ? price : -price;
    const i = ladder.lowerBound(key);
    return ladder.keys[i] === key ? ladder.qtys[i]! : 0;
  }

  /** Price of the level `index` places from the touch (0 = best). */
  priceAt(side: BookSide, index: number): number | undefined {
    const keys = this.sides[side].keys;
    const key = keys[keys.length - 1 - index];
    return key === undefined ? undefined : side === BID ? key : -key;
  }

  qtyAtIndex(side: BookSide, index: number): number {
    const qtys = this.sides[side].qtys;
    return qtys[qtys.length - 1 - index] ?? 0;
  }

  /** Places from the touch of a price that is in the book (or where it would go). */
  rankOf(side: BookSide, price: number): number {
    const ladder = this.sides[side];
    const key = side === BID ? price : -price;
    const i = ladder.lowerBound(key);
    return ladder.keys.length - 1 - i + (ladder.keys[i] === key ? 0 : 1);
  }

  /** Number of levels no further than `distance` from `reference` on the side's own side of it. */
  countToward(side: BookSide, reference: number, distance: number): number {
    const ladder = this.sides[side];
    const key = side === BID ? reference - distance : -(reference + distance);
    return ladder.keys.length - ladder.lowerBound(key);
  }

  /** Set a level's absolute size (0 removes it). Takes a new update id when something changes. */
  set(side: BookSide, price: number, qty: number): void {
    const ladder = this.sides[side];
    const keys = ladder.keys;
    const key = side === BID ? price : -price;
    const n = keys.length;
    let i: number;
    if (n > 0 && keys[n - 1] === key) i = n - 1;
    else i = ladder.lowerBound(key);
    const present = keys[i] === key;
    if (qty <= 0) {
      if (!present) return;
      if (i === n - 1) {
        keys.pop();
        ladder.qtys.pop();
      } else {
        keys.splice(i, 1);
        ladder.qtys.splice(i, 1);
      }
      qty = 0;
    } else if (present) {
      if (ladder.qtys[i] === qty) return;
      ladder.qtys[i] = qty;
    } else if (i === n) {
      keys.push(key);
      ladder.qtys.push(qty);
    } else {
      keys.splice(i, 0, key);
      ladder.qtys.splice(i, 0, qty);
    }
    this.updateId += this.idStep();
    if (this.windowFirstId === 0) this.windowFirstId = this.updateId;
    this.dirty[side].set(price, qty);
  }

  /** The changes since the previous call, or undefined when nothing changed. */
  takeDiff(): BookDiff | undefined {
    if (this.windowFirstId === 0) return undefined;
    const diff: BookDiff = {
      firstId: this.windowFirstId,
      lastId: this.updateId,
      prevLastId: this.lastDiffId,
      bids: sortedFlat(this.dirty[BID]),
      asks: sortedFlat(this.dirty[ASK]),
    };
    this.dirty[BID].clear();
    this.dirty[ASK].clear();
    this.windowFirstId = 0;
    this.lastDiffId = this.updateId;
    return diff;
  }

  /** Up to `limit` levels of a side, best first, flat `[price, qty, …]`. */
  levels(side: BookSide, limit = Infinity): number[] {
    const ladder = this.sides[side];
    const len = ladder.keys.length;
    const n = Math.min(limit, len);
    const out = new Array<number>(n * 2);
    for (let i = 0; i < n; i++) {
      const key = ladder.keys[len - 1 - i]!;
      out[2 * i] = side === BID ? key : -key;
      out[2 * i + 1] = ladder.qtys[len - 1 - i]!;
    }
    return out;
  }

  /** Remove the levels whose price is beyond `limit` (below it for bids, above for asks). */
  trimBeyond(side: BookSide, limit: number): void {
    const ladder = this.sides[side];
    for (;;) {
      const worst = ladder.keys[0];
      if (worst === undefined) return;
      const price = side === BID ? worst : -worst;
      if (side === BID ? price >= limit : price <= limit) return;
      this.set(side, price, 0);
    }
  }
}

/** A map of price → size as flat `[price, size, …]` pairs sorted by price. */
function sortedFlat(changes: Map<number, number>, descending = false): number[] {
  const out: number[] = [];
  for (const [price, qty] of changes) {
    // insertion sort: these maps hold a few dozen levels at most
    let i = out.length;
    out.push(0, 0);
    while (i > 0 && (descending ? out[i - 2]! < price : out[i - 2]! > price)) {
      out[i] = out[i - 2]!;
      out[i + 1] = out[i - 1]!;
      i -= 2;
    }
    out[i] = price;
    out[i + 1] = qty;
  }
  return out;
}

/**
 * A top-N view of a book as Bybit (50) and OKX (400) publish it, kept from the book's
 * own diffs: a changed level is in or out of the view by its rank, and levels pushed
 * out of (or pulled into) the view by changes above them are found near the boundary.
 */
export class BookView {
  private readonly published: [Map<number, number>, Map<number, number>] = [new Map(), new Map()];
  /** Scratch: the changes of the side being computed. */
  private readonly changes = new Map<number, number>();
  /** Whether the view held the whole side at the last publish. */
  private readonly whole: [boolean, boolean] = [false, false];

  constructor(readonly depth: number) {}

  /** Publish the whole view now, best first (a fresh start). */
  snapshot(book: SimBook): { bids: number[]; asks: number[] } {
    const bids = book.levels(BID, this.depth);
    const asks = book.levels(ASK, this.depth);
    this.remember(BID, bids);
    this.remember(ASK, asks);
    return { bids, asks };
  }

  /** What subscribers last received (the current view), best first: a new subscriber's snapshot. */
  current(side: BookSide): number[] {
    const published = this.published[side];
    const prices: number[] = [...published.keys()].sort(side === BID ? (a, b) => b - a : (a, b) => a - b);
    const out: number[] = [];
    for (const p of prices) out.push(p, published.get(p)!);
    return out;
  }

  /**
   * The view's changes given the book's diff since the last call (bids descending,
   * asks ascending; size 0 = remove), or undefined when the view did not change.
   */
  delta(book: SimBook, diff: BookDiff | undefined): { bids: number[]; asks: number[] } | undefined {
    if (!diff) return undefined;
    const bids = this.sideDelta(book, BID, diff.bids);
    const asks = this.sideDelta(book, ASK, diff.asks);
    if (bids.length === 0 && asks.length === 0) return undefined;
    return { bids, asks };
  }

  private sideDelta(book: SimBook, side: BookSide, changed: readonly number[]): number[] {
    const changes = this.changes;
    changes.clear();
    const depth = this.depth;
    for (let i = 0; i < changed.length; i += 2) {
      const price = changed[i]!;
      const qty = changed[i + 1]!;
      this.note(side, price, qty > 0 && book.rankOf(side, price) < depth ? qty : 0);
    }
    // each change above the boundary moves it by at most one level; no boundary while the view holds the whole side
    const size = book.size(side);
    const wasWhole = this.whole[side];
    this.whole[side] = size <= depth;
    if (wasWhole && size <= depth) return changes.size === 0 ? [] : sortedFlat(changes, side === BID);
    const reach = changed.length / 2 + 1;
    const to = Math.min(size, depth + reach);
    for (let rank = Math.max(0, Math.min(size, depth) - reach); rank < to; rank++) {
      this.note(side, book.priceAt(side, rank)!, rank < depth ? book.qtyAtIndex(side, rank) : 0);
    }
    return changes.size === 0 ? [] : sortedFlat(changes, side === BID);
  }

  /** Record a level's new size in the view (0 = out of it) when it differs from what was published. */
  private note(side: BookSide, price: number, qty: number): void {
    const published = this.published[side];
    if (qty === 0) {
      if (!published.delete(price)) return;
    } else {
      if (published.get(price) === qty) return;
      published.set(price, qty);
    }
    this.changes.set(price, qty);
  }

  private remember(side: BookSide, flat: number[]): void {
    this.whole[side] = false; // rescan the boundary at the next delta
    const map = this.published[side];
    map.clear();
    for (let i = 0; i < flat.length; i += 2) map.set(flat[i]!, flat[i + 1]!);
  }
}

/** Shape of one venue's book for one symbol, in the instrument's integer units. */
export interface BookShape {
  readonly tickUnits: number;
  readonly lotUnits: number;
  /** Median near-touch level size (size units). */
  readonly levelQty: number;
  /** Median wall size (size units). */
  readonly wallQty: number;
  /** Walls sit on multiples of this (price units). */
  readonly wallGrid: number;
  /** Near band (fraction of price) and how many levels it holds. */
  readonly nearPct: number;
  readonly nearLevels: number;
  /** Mid band (fraction of price) and how many levels it holds beyond the near band. */
  readonly midPct: number;
  readonly midLevels: number;
  /** Walls per side between wallMinPct and wallMaxPct of price. */
  readonly walls: number;
  readonly wallMinPct: number;
  readonly wallMaxPct: number;
  /** Levels beyond ±rangePct of mid are removed. */
  readonly rangePct: number;
  /** Random size changes and cancels per second near the touch. */
  readonly churnPerSecond: number;
}

export function defaultBookShape(tickUnits: number, lotUnits: number, levelQty: number, wallQty: number, wallGrid: number): BookShape {
  return {
    tickUnits,
    lotUnits,
    levelQty: Math.max(lotUnits, levelQty),
    wallQty: Math.max(lotUnits, wallQty),
    wallGrid: Math.max(tickUnits, wallGrid),
    nearPct: 0.0015,
    nearLevels: 30,
    midPct: 0.02,
    midLevels: 45,
    walls: 5,
    wallMinPct: 0.004,
    wallMaxPct: 0.08,
    rangePct: 0.1,
    churnPerSecond: 3,
  };
}

/** Moves one book around its venue's mid price. */
export class BookMaker {
  private readonly walls: [number[], number[]] = [[], []];

  constructor(
    readonly book: SimBook,
    readonly shape: BookShape,
    private readonly rng: Rng,
  ) {}

  /** Touch prices for a mid (price units, float): best bid at or below mid, best ask one tick above. */
  touch(mid: number): [number, number] {
    const tick = this.shape.tickUnits;
    const bid = Math.floor(mid / tick) * tick;
    return [bid, bid + tick];
  }

  /** Cheap per-step work: drop crossed levels and make sure the touch is quoted. */
  recenter(mid: number): void {
    const [bid, ask] = this.touch(mid);
    const book = this.book;
    for (let best = book.best(BID); best !== undefined && best > bid; best = book.best(BID)) book.set(BID, best, 0);
    for (let best = book.best(ASK); best !== undefined && best < ask; best = book.best(ASK)) book.set(ASK, best, 0);
    if (book.best(BID) !== bid) book.set(BID, bid, this.levelSize(0));
    if (book.best(ASK) !== ask) book.set(ASK, ask, this.levelSize(0));
  }

  /** The periodic refresh: refill the bands, churn, walls, trim. `dtMs` since the last refresh. */
  refresh(mid: number, dtMs: number): void {
    this.recenter(mid);
    const s = this.shape;
    const rng = this.rng;
    const book = this.book;
    const tick = s.tickUnits;
    const nearTicks = Math.max(2, Math.round((mid * s.nearPct) / tick));
    const midTicks = Math.max(nearTicks + 2, Math.round((mid * s.midPct) / tick));
    for (const side of [BID, ASK] as const) {
      const best = book.best(side)!;
      const dir = side === BID ? -1 : 1;
      // near band: refill toward its target, levels denser close to the touch
      let near = book.countToward(side, best, nearTicks * tick);
      for (let k = 0; near < s.nearLevels && k < 12; k++) {
        const d = 1 + Math.min(nearTicks - 1, Math.floor(rng.exponential(nearTicks / 3)));
        const price = best + dir * d * tick;
        if (book.qtyAt(side, price) === 0) {
          book.set(side, price, this.levelSize(d / nearTicks));
          near++;
        }
      }
      // mid band
      const within = book.countToward(side, best, midTicks * tick);
      let middle = within - near;
      for (let k = 0; middle < s.midLevels && k < 6; k++) {
        const d = nearTicks + 1 + rng.int(midTicks - nearTicks);
        const price = best + dir * d * tick;
        if (book.qtyAt(side, price) === 0) {
          book.set(side, price, this.levelSize(1 + d / nearTicks / 4));
          middle++;
        }
      }
      if (middle > s.midLevels * 1.5) {
        // stale levels left behind by a moving price: cancel one at random in the mid band
        const index = near + rng.int(middle);
        const price = book.priceAt(side, index);
        if (price !== undefined && !this.walls[side].includes(price)) book.set(side, price, 0);
      }
      this.maintainWalls(side, mid, dtMs);
      // churn near the touch
      const events = rng.poisson((s.churnPerSecond * dtMs) / 2000);
      for (let e = 0; e < events; e++) {
        const size = book.size(side);
        if (size === 0) break;
        const index = Math.min(size - 1, Math.floor(rng.exponential(6)));
        const price = book.priceAt(side, index)!;
        if (index > 0 && rng.chance(0.35)) book.set(side, price, 0);
        else book.set(side, price, Math.max(s.lotUnits, Math.round(book.qtyAtIndex(side, index) * rng.logNormal(1, 0.5))));
      }
      book.trimBeyond(side, side === BID ? mid * (1 - s.rangePct) : mid * (1 + s.rangePct));
    }
  }

  /**
   * A taker order of `qty` size units: walks the other side from the touch, removing
   * what it fills. Returns flat `[price, qty, …]` fills; if the side runs dry the rest
   * fills 0.2 % beyond the last level (hidden liquidity).
   */
  take(takerSide: BookSide, qty: number, mid: number): number[] {
    const side: BookSide = takerSide === BID ? ASK : BID;
    const book = this.book;
    const fills: number[] = [];
    let left = qty;
    let last = book.best(side) ?? this.touch(mid)[side === BID ? 0 : 1];
    while (left > 0) {
      const price = book.best(side);
      if (price === undefined) break;
      const available = book.bestQty(side);
      const q = Math.min(available, left);
      fills.push(price, q);
      book.set(side, price, available - q);
      left -= q;
      last = price;
    }
    if (left > 0) {
      const tick = this.shape.tickUnits;
      const away = Math.round((mid * 0.002) / tick) * tick;
      fills.push(side === BID ? last - away : last + away, left);
    }
    return fills;
  }

  private maintainWalls(side: BookSide, mid: number, dtMs: number): void {
    const s = this.shape;
    const rng = this.rng;
    const book = this.book;
    const walls = this.walls[side].filter((p) => book.qtyAt(side, p) > 0);
    // walls are pulled now and then (mean life ~20 min)
    for (let i = walls.length - 1; i >= 0; i--) {
      if (rng.chance(dtMs / 1_200_000)) {
        book.set(side, walls[i]!, 0);
        walls.splice(i, 1);
      }
    }
    if (walls.length < s.walls && rng.chance(Math.min(1, dtMs / 20_000))) {
      const distance = mid * rng.between(s.wallMinPct, s.wallMaxPct);
      const raw = side === BID ? mid - distance : mid + distance;
      const price = Math.round(raw / s.wallGrid) * s.wallGrid;
      const tick = s.tickUnits;
      const aligned = Math.round(price / tick) * tick;
      const best = book.best(side);
      const outside = best === undefined || (side === BID ? aligned < best : aligned > best);
      if (outside && aligned > 0 && !walls.includes(aligned)) {
        book.set(side, aligned, Math.max(s.lotUnits, Math.round(rng.logNormal(s.wallQty, 0.6) / s.lotUnits) * s.lotUnits));
        walls.push(aligned);
      }
    }
    this.walls[side] = walls;
  }

  private levelSize(farness: number): number {
    const s = this.shape;
    const q = this.rng.logNormal(s.levelQty * (1 + farness), 0.9);
    return Math.max(s.lotUnits, Math.round(q / s.lotUnits) * s.lotUnits);
  }
}
