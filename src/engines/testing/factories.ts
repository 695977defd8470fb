/** Small normalized-event factories for engine tests and benchmarks (pure). */

import type { DepthDiff, Liquidation, MarkPrice, OpenInterest, Side, Tick, Trade, Venue } from '../../events.js';

export const T0 = Date.UTC(2026, 2, 1, 12, 0);
export const MIN = 60_000;

export function mark(ts: number, price: number, over: Partial<MarkPrice> = {}): MarkPrice {
  return { type: 'markPrice', venue: 'binance', symbol: 'BTC', ts, mark: price, ...over };
}

export function trade(ts: number, price: number, qty: number, takerSide: 'buy' | 'sell', over: Partial<Trade> = {}): Trade {
  return { type: 'trade', venue: 'binance', symbol: 'BTC', ts, price, qty, takerSide, ...over };
}

export function openInterest(ts: number, oiBase: number, venue: Venue = 'binance', over: Partial<OpenInterest> = {}): OpenInterest {
  return { type: 'openInterest', venue, symbol: 'BTC', ts, oiBase, source: 'rest', ...over };
}

export function liquidation(ts: number, side: Side, price: number, qty: number, over: Partial<Liquidation> = {}): Liquidation {
  return { type: 'liquidation', venue: 'binance', symbol: 'BTC', ts, side, price, qty, notional: price * qty, ...over };
}

export function tick(ts: number): Tick {
  return { type: 'tick', ts };
}

export function depthDiff(ts: number, over: Partial<DepthDiff> = {}): DepthDiff {
  return { type: 'depthDiff', venue: 'binance', symbol: 'BTC', ts, firstId: 1, lastId: 2, bids: [], asks: [], ...over };
}
