/**
 * The `format=bin` wire format of the order-book endpoints (POC-FACTS 2.7c), byte for
 * byte as the PoC sends it: a 64-byte little-endian header (struct `<BBHQIHHddddHHHHHH`,
 * packed, so the f64 fields are not 8-aligned), then the bodies.
 *
 *   0  u8   version = 1             20 f64  price_min (first grid price)
 *   1  u8   encoding = 0 (raw u8)   28 f64  price_max (last grid price)
 *   2  u16  reserved = 0            36 f64  step
 *   4  u64  frame_ts_ms (history:   44 f64  src (history: the newest frame's)
 *           the first frame's)      52 u16  p50 in thousands of USD, ⌊p/1000⌋ capped at 65535
 *   12 u32  interval_ms             54 u16  p90  ┐ history: medians over frames,
 *   16 u16  rows (1 or frames)      56 u16  p95  │ max: the maximum over frames
 *   18 u16  cols (prices)           58 u16  p99  │
 *                                   60 u16  max  ┘
 *                                   62 u16  reserved = 0
 * Body: single frame: bid[cols], ask[cols]. History: bid[rows·cols], ask[rows·cols]
 * (frame-major), then rows × u64 frame timestamps (ms).
 */

import type { HeatmapMatrix } from './heatmap-view.js';
import { historySummary } from './heatmap-view.js';

export const WIRE_HEADER_SIZE = 64;
export const WIRE_VERSION = 1;

export interface WireHeader {
  readonly version: number;
  readonly encoding: number;
  readonly frameTsMs: number;
  readonly intervalMs: number;
  readonly rows: number;
  readonly cols: number;
  readonly priceMin: number;
  readonly priceMax: number;
  readonly step: number;
  readonly src: number;
  /** Thousands of USD. */
  readonly p50k: number;
  readonly p90k: number;
  readonly p95k: number;
  readonly p99k: number;
  readonly maxk: number;
}

export interface DecodedWire {
  readonly header: WireHeader;
  readonly bid: Uint8Array;
  readonly ask: Uint8Array;
  /** History only. */
  readonly ts?: number[];
}

const U16_MAX = 0xffff;
const kUsd = (usd: number) => Math.min(U16_MAX, Math.max(0, Math.floor(usd / 1000)));

/**
 * Encode a matrix: one row and `history` false gives the latest-frame body (no
 * timestamps); `history` true gives the history body with its timestamp trailer.
 */
export function encodeHeatmapBin(matrix: HeatmapMatrix, history: boolean): Uint8Array {
  const rows = matrix.ts.length;
  const cols = matrix.prices.length;
  if (!history && rows !== 1) throw new RangeError(`a single-frame body needs exactly 1 row, got ${rows}`);
  if (rows > U16_MAX || cols > U16_MAX) throw new RangeError(`too many rows or columns for u16 (${rows} × ${cols})`);
  const cells = rows * cols;
  const out = new Uint8Array(WIRE_HEADER_SIZE + 2 * cells + (history ? 8 * rows : 0));
  const v = new DataView(out.buffer);
  const s = history ? historySummary(matrix) : matrix.rows[0]!;
  v.setUint8(0, WIRE_VERSION);
  v.setUint8(1, 0);
  v.setUint16(2, 0, true);
  v.setBigUint64(4, BigInt(Math.round(matrix.ts[0] ?? 0)), true);
  v.setUint32(12, matrix.intervalMs, true);
  v.setUint16(16, rows, true);
  v.setUint16(18, cols, true);
  v.setFloat64(20, matrix.prices[0] ?? 0, true);
  v.setFloat64(28, matrix.prices[cols - 1] ?? 0, true);
  v.setFloat64(36, matrix.step, true);
  v.setFloat64(44, matrix.src, true);
  v.setUint16(52, kUsd(s.p50), true);
  v.setUint16(54, kUsd(s.p90), true);
  v.setUint16(56, kUsd(s.p95), true);
  v.setUint16(58, kUsd(s.p99), true);
  v.setUint16(60, kUsd(s.max), true);
  v.setUint16(62, 0, true);
  out.set(matrix.bid.subarray(0, cells), WIRE_HEADER_SIZE);
  out.set(matrix.ask.subarray(0, cells), WIRE_HEADER_SIZE + cells);
  if (history) {
    const tsAt = WIRE_HEADER_SIZE + 2 * cells;
    for (let r = 0; r < rows; r++) v.setBigUint64(tsAt + 8 * r, BigInt(Math.round(matrix.ts[r]!)), true);
  }
  return out;
}

/** Decode a body; with a timestamp trailer when its length says so. Throws on a short or foreign body. */
export function decodeHeatmapBin(bytes: Uint8Array): DecodedWire {
  if (bytes.length < WIRE_HEADER_SIZE) throw new RangeError(`heatmap body shorter than its ${WIRE_HEADER_SIZE}-byte header`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header: WireHeader = {
    version: v.getUint8(0),
    encoding: v.getUint8(1),
    frameTsMs: Number(v.getBigUint64(4, true)),
    intervalMs: v.getUint32(12, true),
    rows: v.getUint16(16, true),
    cols: v.getUint16(18, true),
    priceMin: v.getFloat64(20, true),
    priceMax: v.getFloat64(28, true),
    step: v.getFloat64(36, true),
    src: v.getFloat64(44, true),
    p50k: v.getUint16(52, true),
    p90k: v.getUint16(54, true),
    p95k: v.getUint16(56, true),
    p99k: v.getUint16(58, true),
    maxk: v.getUint16(60, true),
  };
  if (header.version !== WIRE_VERSION || header.encoding !== 0) {
    throw new RangeError(`unsupported heatmap body (version ${header.version}, encoding ${header.encoding})`);
  }
  const cells = header.rows * header.cols;
  const bodyEnd = WIRE_HEADER_SIZE + 2 * cells;
  if (bytes.length !== bodyEnd && bytes.length !== bodyEnd + 8 * header.rows) {
    throw new RangeError(`heatmap body of ${bytes.length} bytes does not match ${header.rows} × ${header.cols}`);
  }
  const bid = bytes.slice(WIRE_HEADER_SIZE, WIRE_HEADER_SIZE + cells);
  const ask = bytes.slice(WIRE_HEADER_SIZE + cells, bodyEnd);
  if (bytes.length === bodyEnd) return { header, bid, ask };
  const ts: number[] = [];
  for (let r = 0; r < header.rows; r++) ts.push(Number(v.getBigUint64(bodyEnd + 8 * r, true)));
  return { header, bid, ask, ts };
}
