/**
 * The liquidation-history ring records (`history/{SYM}.v1.bin`, `.v2.bin`): the u8
 * intensities of a snapshot in the foundation's 4096-byte record (src/store/ring-codec.ts),
 * plus a kind-specific extension block so readers can recover USD scale and pools.
 *
 * Extension block (little-endian, at the record's offset 2048):
 *   V1: 0 f64 max_usd (combined USD that intensity 1.0 stands for before the stretch),
 *       8 f64 p50, 16 f64 p95 (the V1 contrast stretch, in raw display intensity)
 *   V2: 0 f64 max_usd, 8 u8 n_long, 9 u8 n_short, 10..16 zero,
 *       16 + 32·k: pools, long first: f64 price, f64 price_low, f64 price_high, f64 notional_usd
 *       (≤ 20 + 20 pools = 1280 bytes)
 */

import type { RingRecord } from '../store/ring-codec.js';
import type { Pool } from './heatmap.js';
import { toU8 } from './num.js';

export const V1_EXT_SIZE = 24;
const POOL_BYTES = 32;
const V2_POOLS_OFFSET = 16;
export const MAX_RECORD_POOLS_PER_SIDE = 20;

export interface RecordGrid {
  readonly ts: number;
  readonly src: number;
  readonly priceMin: number;
  readonly priceMax: number;
  readonly step: number;
}

function u8(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toU8(values[i]!);
  return out;
}

export function v1Record(grid: RecordGrid, long: ArrayLike<number>, short: ArrayLike<number>, maxUsd: number, p50: number, p95: number): RingRecord {
  const ext = new Uint8Array(V1_EXT_SIZE);
  const view = new DataView(ext.buffer);
  view.setFloat64(0, maxUsd, true);
  view.setFloat64(8, p50, true);
  view.setFloat64(16, p95, true);
  return { ...grid, nBuckets: long.length, a: u8(long), b: u8(short), ext };
}

export function v2Record(grid: RecordGrid, long: ArrayLike<number>, short: ArrayLike<number>, maxUsd: number, longPools: readonly Pool[], shortPools: readonly Pool[]): RingRecord {
  const lp = longPools.slice(0, MAX_RECORD_POOLS_PER_SIDE);
  const sp = shortPools.slice(0, MAX_RECORD_POOLS_PER_SIDE);
  const ext = new Uint8Array(V2_POOLS_OFFSET + POOL_BYTES * (lp.length + sp.length));
  const view = new DataView(ext.buffer);
  view.setFloat64(0, maxUsd, true);
  view.setUint8(8, lp.length);
  view.setUint8(9, sp.length);
  [...lp, ...sp].forEach((p, k) => {
    const o = V2_POOLS_OFFSET + POOL_BYTES * k;
    view.setFloat64(o, p.price, true);
    view.setFloat64(o + 8, p.price_low, true);
    view.setFloat64(o + 16, p.price_high, true);
    view.setFloat64(o + 24, p.notional_usd, true);
  });
  return { ...grid, nBuckets: long.length, a: u8(long), b: u8(short), ext };
}

export interface RecordPool {
  readonly price: number;
  readonly price_low: number;
  readonly price_high: number;
  readonly notional_usd: number;
}

export interface V2Extension {
  readonly maxUsd: number;
  readonly long: RecordPool[];
  readonly short: RecordPool[];
}

export function decodeV1Extension(ext: Uint8Array): { readonly maxUsd: number; readonly p50: number; readonly p95: number } {
  const view = new DataView(ext.buffer, ext.byteOffset, ext.byteLength);
  return { maxUsd: view.getFloat64(0, true), p50: view.getFloat64(8, true), p95: view.getFloat64(16, true) };
}

export function decodeV2Extension(ext: Uint8Array): V2Extension {
  const view = new DataView(ext.buffer, ext.byteOffset, ext.byteLength);
  const nLong = view.getUint8(8);
  const nShort = view.getUint8(9);
  const pools: RecordPool[] = [];
  for (let k = 0; k < nLong + nShort; k++) {
    const o = V2_POOLS_OFFSET + POOL_BYTES * k;
    pools.push({ price: view.getFloat64(o, true), price_low: view.getFloat64(o + 8, true), price_high: view.getFloat64(o + 16, true), notional_usd: view.getFloat64(o + 24, true) });
  }
  return { maxUsd: view.getFloat64(0, true), long: pools.slice(0, nLong), short: pools.slice(nLong) };
}
