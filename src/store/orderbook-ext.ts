/**
 * The order-book ring's extension block (RingKind.orderbook): what a 30 s frame needs
 * beyond its header and u8 arrays, so that a frame reloaded from disk serves the same
 * statistics as a fresh one (the PoC persisted only p50 and p95 and reloaded p90, p99,
 * max and the per-side statistics as 0, POC-FACTS 2.7a and 5.1 item 14).
 *
 * Layout (little-endian), offsets inside the extension block, which starts at byte
 * 2048 of the 4096-byte record (ring-codec.ts):
 *
 *   0    u8[4] tag "OBX" 0x01 (order-book extension, version 1); any other → not present
 *   4    u16   scaling of the u8 arrays (1 = √ over p99, src/engines/orderbook/intensity.ts)
 *   6    u16   flags: bit 0 = converted from a PoC ob_heatmap_30s.bin record (approximate values)
 *   8    f64   scale_ref: the bucket notional (USD) that maps to 255
 *   16   f64   p50   ┐ USD per bucket, over the non-zero bid AND ask buckets together
 *   24   f64   p90   │ (linear interpolation)
 *   32   f64   p95   │
 *   40   f64   p99   │
 *   48   f64   max   ┘
 *   56   f64   bid_p50   ┐ the same per side
 *   64   f64   bid_p95   │
 *   72   f64   bid_max   │
 *   80   f64   ask_p50   │
 *   88   f64   ask_p95   │
 *   96   f64   ask_max   ┘
 *   104  f64   total_bid_notional: Σ bid buckets (USD, time-weighted, inside the grid)
 *   112  f64   total_ask_notional
 *   120  f64   interval_ms (30 000)
 *   128  f64   coverage: share of the interval during which at least one book was in sync (0…1)
 *   136  f64   mid_last: mid at the end of the interval
 *   144  f64   mid_min
 *   152  f64   mid_max
 *   160  u32   venues whose books contributed: bit 0 binance, bit 1 bybit, bit 2 okx
 *   164  u32   depth messages applied during the interval
 *   168  u32   non-zero buckets (bid + ask) the percentiles were taken over
 *   172  f64   saturated_mean: mean notional of the buckets at 255 (≥ scale_ref), so that
 *              decoding 255 keeps their total (0 when none)
 *   180  …     zero
 */

import type { Venue } from '../events.js';

export const ORDERBOOK_EXT_TAG = [0x4f, 0x42, 0x58, 0x01] as const; // "OBX" v1
export const ORDERBOOK_EXT_SIZE = 180;
export const EXT_FLAG_FROM_POC = 1;

/** The USD statistics of one order-book frame (per bucket unless named otherwise): combined, per side, totals. */
export interface BookFrameStats {
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly bidP50: number;
  readonly bidP95: number;
  readonly bidMax: number;
  readonly askP50: number;
  readonly askP95: number;
  readonly askMax: number;
  readonly totalBidNotional: number;
  readonly totalAskNotional: number;
}

export interface OrderBookFrameExt extends BookFrameStats {
  /** 1 = √ over p99 (intensity.ts). */
  readonly scaling: number;
  readonly flags: number;
  readonly scaleRef: number;
  readonly intervalMs: number;
  readonly coverage: number;
  readonly midLast: number;
  readonly midMin: number;
  readonly midMax: number;
  readonly venues: readonly Venue[];
  readonly messages: number;
  readonly nonZeroBuckets: number;
  readonly saturatedMean: number;
}

const VENUE_BITS: readonly Venue[] = ['binance', 'bybit', 'okx'];

export function venueMask(venues: readonly Venue[]): number {
  let mask = 0;
  for (const v of venues) mask |= 1 << VENUE_BITS.indexOf(v);
  return mask;
}

export function venuesOfMask(mask: number): Venue[] {
  return VENUE_BITS.filter((_, i) => (mask & (1 << i)) !== 0);
}

export function encodeOrderBookExt(ext: OrderBookFrameExt, out = new Uint8Array(ORDERBOOK_EXT_SIZE)): Uint8Array {
  if (out.length < ORDERBOOK_EXT_SIZE) throw new RangeError(`extension buffer under ${ORDERBOOK_EXT_SIZE} bytes`);
  out.fill(0, 0, ORDERBOOK_EXT_SIZE);
  out.set(ORDERBOOK_EXT_TAG, 0);
  const v = new DataView(out.buffer, out.byteOffset, ORDERBOOK_EXT_SIZE);
  v.setUint16(4, ext.scaling, true);
  v.setUint16(6, ext.flags, true);
  const f64: readonly number[] = [
    ext.scaleRef,
    ext.p50,
    ext.p90,
    ext.p95,
    ext.p99,
    ext.max,
    ext.bidP50,
    ext.bidP95,
    ext.bidMax,
    ext.askP50,
    ext.askP95,
    ext.askMax,
    ext.totalBidNotional,
    ext.totalAskNotional,
    ext.intervalMs,
    ext.coverage,
    ext.midLast,
    ext.midMin,
    ext.midMax,
  ];
  for (let i = 0; i < f64.length; i++) v.setFloat64(8 + 8 * i, f64[i]!, true);
  v.setUint32(160, venueMask(ext.venues), true);
  v.setUint32(164, Math.min(ext.messages, 0xffffffff), true);
  v.setUint32(168, ext.nonZeroBuckets, true);
  v.setFloat64(172, ext.saturatedMean, true);
  return out;
}

/** Decode the block, or `undefined` when it does not carry the order-book tag (zeroed, other kind). */
export function decodeOrderBookExt(block: Uint8Array): OrderBookFrameExt | undefined {
  if (block.length < ORDERBOOK_EXT_SIZE) return undefined;
  for (let i = 0; i < 4; i++) if (block[i] !== ORDERBOOK_EXT_TAG[i]) return undefined;
  const v = new DataView(block.buffer, block.byteOffset, ORDERBOOK_EXT_SIZE);
  const f = (i: number) => v.getFloat64(8 + 8 * i, true);
  return {
    scaling: v.getUint16(4, true),
    flags: v.getUint16(6, true),
    scaleRef: f(0),
    p50: f(1),
    p90: f(2),
    p95: f(3),
    p99: f(4),
    max: f(5),
    bidP50: f(6),
    bidP95: f(7),
    bidMax: f(8),
    askP50: f(9),
    askP95: f(10),
    askMax: f(11),
    totalBidNotional: f(12),
    totalAskNotional: f(13),
    intervalMs: f(14),
    coverage: f(15),
    midLast: f(16),
    midMin: f(17),
    midMax: f(18),
    venues: venuesOfMask(v.getUint32(160, true)),
    messages: v.getUint32(164, true),
    nonZeroBuckets: v.getUint32(168, true),
    saturatedMean: v.getFloat64(172, true),
  };
}
