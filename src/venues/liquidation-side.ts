/**
 * Which POSITION a liquidation closed, per venue and raw field: the one table
 * (DESIGN.md section 3, ../shared/VENUES.md section 4). Every row is pinned by a test
 * with the venue's documented example.
 */

import type { Side } from '../events.js';

export type SideField = 'binance.o.S' | 'bybit.S' | 'okx.posSide' | 'okx.side';

export const LIQUIDATED_POSITION: Readonly<Record<SideField, Readonly<Record<string, Side>>>> = {
  // Binance USDⓈ-M forceOrder `o.S` is the liquidation ORDER's side: the engine BUYs back
  // a liquidated short and SELLs a liquidated long (Liquidation Order Streams docs;
  // tardis-node: "buy = short position liquidated, sell = long position liquidated").
  'binance.o.S': { BUY: 'short', SELL: 'long' },
  // Bybit allLiquidation `S` (and the old liquidation topic's `side`) is the POSITION side:
  // "When you receive a `Buy` update, this means that a long position has been liquidated"
  // (bybit-exchange/docs:docs/v5/websocket/public/all-liquidation.mdx). This corrects the
  // seed's "RESOLVED: Bybit side convention" entry, which mapped Buy → short by analogy
  // with Binance (DESIGN.md section 7).
  'bybit.S': { Buy: 'long', Sell: 'short' },
  // OKX liquidation-orders `posSide` in hedge mode IS the position side.
  'okx.posSide': { long: 'long', short: 'short' },
  // OKX `side` is the liquidation ORDER's side, used when `posSide` is `net` (net mode):
  // sell closes a long, buy closes a short (VENUES.md section 4).
  'okx.side': { buy: 'short', sell: 'long' },
};

/** The liquidated position for a raw side value, or undefined when the table has no row for it. */
export function liquidatedPosition(field: SideField, raw: unknown): Side | undefined {
  if (typeof raw !== 'string') return undefined;
  const row = LIQUIDATED_POSITION[field];
  return Object.hasOwn(row, raw) ? row[raw] : undefined;
}
