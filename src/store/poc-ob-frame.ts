/**
 * Decoder for the PoC's own order-book frame file `ob_heatmap_30s.bin` (POC-FACTS
 * 2.7a), so `inspect ring` can read a user's history and it can be carried over
 * (src/engines/orderbook/poc-import.ts converts a frame to our ring record).
 *
 * The PoC file has NO file header: fixed 4096-byte records, appended. Record
 * (little-endian, packed; note the order differs from our ring: step before the bounds):
 *
 *   0   f64      ts: start of the 30 s slot, epoch SECONDS
 *   8   f64      src: reference price
 *   16  f64      step
 *   24  f64      price_min
 *   32  f64      price_max
 *   40  u32      n_prices (≤ 1000)
 *   44  f64      norm_p50 (USD per bucket)
 *   52  f64      norm_p95
 *   60  f64      total_bid_notional (USD inside the band)
 *   68  f64      total_ask_notional
 *   76  u8[1000] bid intensities (first n_prices valid)
 *   1076 u8[1000] ask intensities
 *   2076 zero padding to 4096
 *
 * Intensity: u8 = clamp(⌊255·(x − p50)/(p95 − p50)⌋, 0, 255), p50/p95 over the non-zero
 * bid and ask buckets together; every bucket at or below the median is 0.
 */

import { RING_MAGIC } from './ring-codec.js';

export const POC_OB_RECORD_SIZE = 4096;
export const POC_OB_HEADER_SIZE = 76;
const POC_MAX_PRICES = 1000;

export interface PocObFrame {
  /** Slot start, epoch ms (the file stores seconds). */
  readonly ts: number;
  readonly src: number;
  readonly step: number;
  readonly priceMin: number;
  readonly priceMax: number;
  readonly nPrices: number;
  readonly normP50: number;
  readonly normP95: number;
  readonly totalBidNotional: number;
  readonly totalAskNotional: number;
  readonly bid: Uint8Array;
  readonly ask: Uint8Array;
}

export interface PocObFile {
  readonly frames: PocObFrame[];
  /** Records skipped as empty or implausible (the PoC's reader skipped ts ≤ 0 and n = 0 too). */
  readonly skipped: number;
  /** Bytes after the last whole record (a torn append). */
  readonly trailingBytes: number;
}

/** One record at `offset`, or undefined when it is empty (ts ≤ 0, n = 0) or not plausible. */
export function decodePocObRecord(bytes: Uint8Array, offset = 0): PocObFrame | undefined {
  if (offset < 0 || bytes.length - offset < POC_OB_RECORD_SIZE) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset + offset, POC_OB_RECORD_SIZE);
  const tsSeconds = v.getFloat64(0, true);
  const step = v.getFloat64(16, true);
  const n = v.getUint32(40, true);
  const frame = {
    ts: Math.round(tsSeconds * 1000),
    src: v.getFloat64(8, true),
    step,
    priceMin: v.getFloat64(24, true),
    priceMax: v.getFloat64(32, true),
    nPrices: n,
    normP50: v.getFloat64(44, true),
    normP95: v.getFloat64(52, true),
    totalBidNotional: v.getFloat64(60, true),
    totalAskNotional: v.getFloat64(68, true),
  };
  if (!(tsSeconds > 0) || n === 0 || n > POC_MAX_PRICES || !(step > 0) || !Number.isFinite(frame.priceMin)) return undefined;
  const start = offset + POC_OB_HEADER_SIZE;
  return {
    ...frame,
    bid: bytes.slice(start, start + n),
    ask: bytes.slice(start + POC_MAX_PRICES, start + POC_MAX_PRICES + n),
  };
}

/** Every record of a whole file, oldest first as appended. */
export function decodePocObFile(bytes: Uint8Array): PocObFile {
  const frames: PocObFrame[] = [];
  let skipped = 0;
  const whole = Math.floor(bytes.length / POC_OB_RECORD_SIZE);
  for (let i = 0; i < whole; i++) {
    const frame = decodePocObRecord(bytes, i * POC_OB_RECORD_SIZE);
    if (frame) frames.push(frame);
    else skipped++;
  }
  return { frames, skipped, trailingBytes: bytes.length - whole * POC_OB_RECORD_SIZE };
}

/**
 * Whether `bytes` (a file's start, ≥ one record) look like a PoC frame file: not a
 * moonstream ring (no MSRING magic), a first record with an epoch-seconds slot start
 * (2001…2286) and a grid consistent with its bounds.
 */
export function isPocObFile(bytes: Uint8Array): boolean {
  if (bytes.length < POC_OB_RECORD_SIZE) return false;
  let magic = true;
  for (let i = 0; i < 8; i++) if (bytes[i] !== RING_MAGIC.charCodeAt(i)) magic = false;
  if (magic) return false;
  const frame = decodePocObRecord(bytes, 0);
  if (!frame) return false;
  const seconds = frame.ts / 1000;
  if (seconds < 1e9 || seconds > 1e10) return false;
  return Math.abs(frame.priceMin + (frame.nPrices - 1) * frame.step - frame.priceMax) <= frame.step / 2 + 1e-9;
}
