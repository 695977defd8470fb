/**
 * A small seeded market with known positions, emitting normalized events (pure, for
 * engine tests and `bench:engines`; the real simulator with venue message shapes lives
 * in src/sim/). Per second and symbol:
 * - the mark price takes a log-normal step (calm/volatile regimes);
 * - traders open positions at the current price with a known leverage mix (open
 *   interest rises, a taker trade on the opening side), some close (OI falls, a taker
 *   trade the other way), the long share of openings drifts with a slow "sentiment";
 * - a position whose liquidation price `E·(1 − 1/L + mm)` (long) or `E·(1 + 1/L − mm)`
 *   (short) the mark crosses is liquidated: a Liquidation event at its bankruptcy price
 *   `E·(1 ∓ 1/L)`, a market order that moves the price, and a truth record;
 * - background taker trades, a mark price per venue every second, REST open interest
 *   per venue every 15 s, optional depth diffs, and a tick every second (local time).
 */

import type { NormalizedEvent, Side, Venue } from '../../events.js';
import { mulberry32 } from '../prng.js';

export interface SyntheticSymbol {
  readonly symbol: string;
  readonly price: number;
  /** Open interest not modelled as positions (base asset). */
  readonly baseOi: number;
  /** Mean notional of an opened position, USD. */
  readonly meanPositionUsd: number;
  readonly opensPerMinute: number;
  readonly closesPerMinute: number;
  /** Volatility per √minute in the calm regime (log return). */
  readonly volPerMinute: number;
}

export const SYNTHETIC_SYMBOLS: Readonly<Record<string, SyntheticSymbol>> = {
  BTC: { symbol: 'BTC', price: 65_000, baseOi: 80_000, meanPositionUsd: 60_000, opensPerMinute: 30, closesPerMinute: 22, volPerMinute: 0.0009 },
  ETH: { symbol: 'ETH', price: 3_200, baseOi: 1_500_000, meanPositionUsd: 30_000, opensPerMinute: 25, closesPerMinute: 18, volPerMinute: 0.0011 },
  SOL: { symbol: 'SOL', price: 150, baseOi: 9_000_000, meanPositionUsd: 15_000, opensPerMinute: 20, closesPerMinute: 15, volPerMinute: 0.0014 },
};

/** The default true leverage mix (tier → share): not the engines' prior, so learning is visible. */
export const DEFAULT_SYNTHETIC_MIX: Readonly<Record<number, number>> = { 5: 0.04, 20: 0.14, 25: 0.14, 50: 0.26, 75: 0.16, 100: 0.16, 125: 0.1 };

export interface SyntheticOptions {
  readonly seed: number;
  readonly minutes: number;
  /** Epoch ms of the first second (default 2026-03-01 12:00 UTC). */
  readonly start?: number;
  readonly symbols?: readonly SyntheticSymbol[];
  readonly venues?: readonly Venue[];
  readonly leverageMix?: Readonly<Record<number, number>>;
  /** True maintenance margin rate (default 0.004). */
  readonly maintenance?: number;
  /** Background taker trades per symbol per second (default 4). */
  readonly tradesPerSecond?: number;
  /** Depth diffs per symbol and venue per second (default 0). */
  readonly depthPerSecond?: number;
  /** Emit a tick per second (default true). */
  readonly ticks?: boolean;
}

export interface TrueLiquidation {
  readonly ts: number;
  readonly symbol: string;
  readonly venue: Venue;
  readonly side: Side;
  readonly entry: number;
  readonly leverage: number;
  readonly liqPrice: number;
  readonly qty: number;
}

interface Position {
  readonly side: Side;
  readonly entry: number;
  readonly leverage: number;
  readonly liqPrice: number;
  readonly qty: number;
  readonly venue: Venue;
  open: boolean;
  slot: number;
}

class Heap {
  private readonly items: Position[] = [];
  constructor(private readonly before: (a: Position, b: Position) => boolean) {}
  get size(): number {
    return this.items.length;
  }
  push(p: Position): void {
    const a = this.items;
    a.push(p);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(a[i]!, a[parent]!)) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }
  peek(): Position | undefined {
    return this.items[0];
  }
  pop(): Position | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.before(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

interface SymbolState {
  readonly spec: SyntheticSymbol;
  price: number;
  oi: number;
  sentiment: number;
  volatile: boolean;
  readonly longs: Heap;
  readonly shorts: Heap;
  readonly open: Position[];
}

export class SyntheticMarket {
  readonly truth: TrueLiquidation[] = [];
  private readonly options: Required<Omit<SyntheticOptions, 'symbols' | 'venues' | 'leverageMix'>> & {
    symbols: readonly SyntheticSymbol[];
    venues: readonly Venue[];
    mix: [number, number][];
  };

  constructor(options: SyntheticOptions) {
    const mix = Object.entries(options.leverageMix ?? DEFAULT_SYNTHETIC_MIX).map(([t, w]) => [Number(t), w] as [number, number]);
    const total = mix.reduce((s, [, w]) => s + w, 0);
    this.options = {
      seed: options.seed,
      minutes: options.minutes,
      start: options.start ?? Date.UTC(2026, 2, 1, 12, 0),
      maintenance: options.maintenance ?? 0.004,
      tradesPerSecond: options.tradesPerSecond ?? 4,
      depthPerSecond: options.depthPerSecond ?? 0,
      ticks: options.ticks ?? true,
      symbols: options.symbols ?? [SYNTHETIC_SYMBOLS.BTC!],
      venues: options.venues ?? ['binance', 'bybit', 'okx'],
      mix: mix.map(([t, w]) => [t, w / total]),
    };
  }

  /** Every event, in time order (per second: venue events by ts, then the tick). */
  *events(): Generator<NormalizedEvent> {
    const o = this.options;
    const random = mulberry32(o.seed);
    const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const poisson = (mean: number) => {
      let k = 0;
      let p = Math.exp(-mean);
      let s = p;
      const u = random();
      while (u > s && k < 1000) {
        k++;
        p *= mean / k;
        s += p;
      }
      return k;
    };
    const states: SymbolState[] = o.symbols.map((spec) => ({
      spec,
      price: spec.price,
      oi: 0,
      sentiment: 0.5,
      volatile: false,
      longs: new Heap((a, b) => a.liqPrice > b.liqPrice),
      shorts: new Heap((a, b) => a.liqPrice < b.liqPrice),
      open: [],
    }));
    const pickVenue = () => o.venues[Math.floor(random() * o.venues.length)]!;
    const pickLeverage = () => {
      let u = random();
      for (const [tier, w] of o.mix) {
        if (u < w) return tier;
        u -= w;
      }
      return o.mix.at(-1)![0];
    };
    let depthId = 1;
    const seconds = o.minutes * 60;
    for (let sec = 0; sec < seconds; sec++) {
      const t = o.start + sec * 1000;
      const batch: NormalizedEvent[] = [];
      for (const st of states) {
        const { spec } = st;
        const symbol = spec.symbol;
        if (random() < 1 / 1800) st.volatile = !st.volatile;
        st.sentiment = Math.min(0.85, Math.max(0.15, st.sentiment + 0.01 * normal()));
        const vol = (spec.volPerMinute / Math.sqrt(60)) * (st.volatile ? 2.5 : 1);
        st.price *= Math.exp(vol * normal());
        // opens and closes
        const opens = poisson(spec.opensPerMinute / 60);
        for (let k = 0; k < opens; k++) {
          const side: Side = random() < st.sentiment ? 'long' : 'short';
          const leverage = pickLeverage();
          const usd = spec.meanPositionUsd * Math.exp(0.8 * normal() - 0.32);
          const qty = usd / st.price;
          const entry = st.price;
          const liqPrice = side === 'long' ? entry * (1 - 1 / leverage + o.maintenance) : entry * (1 + 1 / leverage - o.maintenance);
          const pos: Position = { side, entry, leverage, liqPrice, qty, venue: pickVenue(), open: true, slot: st.open.length };
          st.open.push(pos);
          (side === 'long' ? st.longs : st.shorts).push(pos);
          st.oi += qty;
          batch.push({ type: 'trade', venue: pos.venue, symbol, ts: t + Math.floor(random() * 1000), price: st.price, qty, takerSide: side === 'long' ? 'buy' : 'sell' });
        }
        const closes = Math.min(poisson(spec.closesPerMinute / 60), st.open.length);
        for (let k = 0; k < closes; k++) {
          const pos = st.open[Math.floor(random() * st.open.length)]!;
          this.remove(st, pos);
          batch.push({ type: 'trade', venue: pos.venue, symbol, ts: t + Math.floor(random() * 1000), price: st.price, qty: pos.qty, takerSide: pos.side === 'long' ? 'sell' : 'buy' });
        }
        // liquidations: crossed levels, each a market order that pushes the price on
        for (let guard = 0; guard < 10_000; guard++) {
          const long = this.top(st.longs);
          const short = this.top(st.shorts);
          const pos = long && long.liqPrice >= st.price ? long : short && short.liqPrice <= st.price ? short : undefined;
          if (!pos) break;
          this.remove(st, pos);
          const ts = t + Math.floor(random() * 1000);
          const bankruptcy = pos.side === 'long' ? pos.entry * (1 - 1 / pos.leverage) : pos.entry * (1 + 1 / pos.leverage);
          batch.push({ type: 'liquidation', venue: pos.venue, symbol, ts, side: pos.side, price: bankruptcy, qty: pos.qty, notional: bankruptcy * pos.qty });
          batch.push({ type: 'trade', venue: pos.venue, symbol, ts, price: st.price, qty: pos.qty, takerSide: pos.side === 'long' ? 'sell' : 'buy' });
          this.truth.push({ ts, symbol, venue: pos.venue, side: pos.side, entry: pos.entry, leverage: pos.leverage, liqPrice: pos.liqPrice, qty: pos.qty });
          const impact = Math.min(0.002, (pos.qty * st.price) / 2e9);
          st.price *= pos.side === 'long' ? 1 - impact : 1 + impact;
        }
        // background flow, marks, open interest, depth
        const noise = poisson(o.tradesPerSecond);
        for (let k = 0; k < noise; k++) {
          batch.push({ type: 'trade', venue: pickVenue(), symbol, ts: t + Math.floor(random() * 1000), price: st.price * (1 + 0.0001 * normal()), qty: (2_000 / st.price) * Math.exp(normal()), takerSide: random() < 0.5 ? 'buy' : 'sell' });
        }
        for (const venue of o.venues) {
          batch.push({ type: 'markPrice', venue, symbol, ts: t + 500, mark: st.price, funding: 0.0001 });
          if (sec % 15 === 0) batch.push({ type: 'openInterest', venue, symbol, ts: t + 200, oiBase: (spec.baseOi + st.oi) / o.venues.length, source: 'rest' });
          for (let k = 0; k < o.depthPerSecond; k++) {
            const p = st.price;
            batch.push({ type: 'depthDiff', venue, symbol, ts: t + Math.floor((k * 1000) / o.depthPerSecond), firstId: depthId, lastId: depthId + 5, prevLastId: depthId - 1, bids: [p * 0.9999, 1.5, p * 0.999, 0], asks: [p * 1.0001, 2, p * 1.001, 0.3] });
            depthId += 6;
          }
        }
      }
      batch.sort((a, b) => a.ts - b.ts);
      yield* batch;
      if (o.ticks) yield { type: 'tick', ts: t + 1000 + 50 };
    }
  }

  private top(heap: Heap): Position | undefined {
    while (heap.size > 0 && !heap.peek()!.open) heap.pop();
    return heap.peek();
  }

  private remove(st: SymbolState, pos: Position): void {
    pos.open = false;
    const last = st.open.pop()!;
    if (last !== pos) {
      st.open[pos.slot] = last;
      last.slot = pos.slot;
    }
    st.oi -= pos.qty;
  }
}
