/**
 * Order books for Binance, Bybit and OKX and the 30 s order-book heatmap
 * (DESIGN.md section 4 "Order book"). What callers use:
 *
 *   - `SymbolOrderBook`: the per-symbol engine a SymbolEngine holds (events in, frames
 *     and resync requests out through callbacks, stats for `orderbook/{SYM}.stats.json`);
 *   - `latestMatrix` / `historyMatrix` / `selectHistoryFrames` + `latestFrameJson` /
 *     `historyJson` / `encodeHeatmapBin`: frames → API responses (readers, pure);
 *   - `pocFrameToRecord`: the PoC's `ob_heatmap_30s.bin` frames as our ring records.
 * The ring extension block is in src/store/orderbook-ext.ts, the PoC frame decoder in
 * src/store/poc-ob-frame.ts.
 */

export { SymbolOrderBook, type OrderBookEvent, type OrderBookStats, type SymbolOrderBookOptions } from './symbol-order-book.js';
export { FRAME_INTERVAL_MS, OB_RANGE_PCT, type AccumulatorStats, type OrderBookFrame } from './accumulator.js';
export type { BookReconstructor, BookState, BookStats, GapKind, ResyncReason, ResyncRequest } from './reconstructor.js';
export { BinanceReconstructor } from './binance-book.js';
export { BybitReconstructor } from './bybit-book.js';
export { OkxReconstructor } from './okx-book.js';
export { okxChecksum, okxChecksumString } from './okx-checksum.js';
export type { BookView } from './price-book.js';
export { reconStatsJson, type OrderBookStatsJson, type ReconStatsJson } from './stats-json.js';
export { intensityU8, notionalOfU8, SCALING_SQRT_P99, U8_MAX } from './intensity.js';
export {
  HeatmapRequestError,
  MAX_HEATMAP_COLUMNS,
  NORM_METHOD,
  STALE_AFTER_MS,
  historyJson,
  historyMatrix,
  latestFrameJson,
  latestMatrix,
  selectHistoryFrames,
  validateHeatmapRequest,
  type HeatmapMatrix,
  type HeatmapRequest,
  type HistorySelection,
  type ResponseMeta,
  type RowStats,
} from './heatmap-view.js';
export { WIRE_HEADER_SIZE, decodeHeatmapBin, encodeHeatmapBin, type DecodedWire, type WireHeader } from './heatmap-wire.js';
export { pocFrameToRecord } from './poc-import.js';
