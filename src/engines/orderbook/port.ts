/**
 * The SymbolEngine's order-book slot filled with the real order books: one
 * SymbolOrderBook per symbol, its frames, stats and resync requests routed to the
 * slot's output (the data-dir writer and the pipeline).
 */

import { OKX_CONTRACT_SIZES } from '../../venues/okx/contract-sizes.js';
import type { OrderBookFactory, OrderBookPort } from '../ports.js';
import { SymbolOrderBook } from './symbol-order-book.js';

export const orderBookFactory: OrderBookFactory = (init): OrderBookPort => {
  const contractValue = OKX_CONTRACT_SIZES[init.symbol];
  const book = new SymbolOrderBook({
    symbol: init.symbol,
    config: init.config,
    onFrame: (frame) => init.output.frame(frame.record),
    onResync: (request) => init.output.requestResync(request.venue, request.reason),
    onStats: (stats) => init.output.stats(stats),
    ...(contractValue !== undefined ? { okxContractValue: contractValue } : {}),
  });
  return {
    apply: (event) => book.apply(event),
    mid: () => book.mid(),
    advance: (ts) => book.advance(ts),
    stats: () => book.statsJson(),
    flush: () => book.flush(),
  };
};
