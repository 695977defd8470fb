/**
 * A PoC `ob_heatmap_30s.bin` frame (src/store/poc-ob-frame.ts) as one of our ring
 * records, so users keep their order-book history. The PoC's u8 scale
 * (x − p50)/(p95 − p50) is undone the way the PoC reloaded it, x ≈ p50 + (u/255)·(p95 −
 * p50) for u > 0 and 0 otherwise (buckets at or below its median were already lost), then
 * re-encoded with our scale. p50, p95 and the totals are the PoC's exact values; the
 * rest is computed from the approximations and the frame is flagged EXT_FLAG_FROM_POC.
 */

import { EXT_FLAG_FROM_POC, encodeOrderBookExt, type OrderBookFrameExt } from '../../store/orderbook-ext.js';
import type { PocObFrame } from '../../store/poc-ob-frame.js';
import type { RingRecord } from '../../store/ring-codec.js';
import { FRAME_INTERVAL_MS } from './accumulator.js';
import { SCALING_SQRT_P99, distributionOf, encodeIntensities, saturatedMeanOf } from './intensity.js';

export function pocFrameToRecord(frame: PocObFrame): { record: RingRecord; ext: OrderBookFrameExt } {
  const n = frame.nPrices;
  const width = frame.normP95 - frame.normP50;
  const usd = (u: number) => (u > 0 && width > 0 ? frame.normP50 + (u / 255) * width : 0);
  const bid = Float64Array.from(frame.bid.subarray(0, n), usd);
  const ask = Float64Array.from(frame.ask.subarray(0, n), usd);
  const both = distributionOf(bid, n, ask, n);
  const b = distributionOf(bid, n, bid, 0);
  const a = distributionOf(ask, n, ask, 0);
  const ext: OrderBookFrameExt = {
    scaling: SCALING_SQRT_P99,
    flags: EXT_FLAG_FROM_POC,
    scaleRef: both.p99,
    p50: frame.normP50,
    p90: both.p90,
    p95: frame.normP95,
    p99: both.p99,
    max: both.max,
    bidP50: b.p50,
    bidP95: b.p95,
    bidMax: b.max,
    askP50: a.p50,
    askP95: a.p95,
    askMax: a.max,
    totalBidNotional: frame.totalBidNotional,
    totalAskNotional: frame.totalAskNotional,
    intervalMs: FRAME_INTERVAL_MS,
    coverage: 1,
    midLast: frame.src,
    midMin: frame.src,
    midMax: frame.src,
    venues: ['binance'], // the PoC's book was Binance BTCUSDT only
    messages: 0,
    nonZeroBuckets: both.count,
    saturatedMean: saturatedMeanOf(bid, n, ask, n, both.p99),
  };
  const record: RingRecord = {
    ts: frame.ts,
    src: frame.src,
    priceMin: frame.priceMin,
    priceMax: frame.priceMax,
    step: frame.step,
    nBuckets: n,
    a: encodeIntensities(bid, n, both.p99, new Uint8Array(n)),
    b: encodeIntensities(ask, n, both.p99, new Uint8Array(n)),
    ext: encodeOrderBookExt(ext),
  };
  return { record, ext };
}
