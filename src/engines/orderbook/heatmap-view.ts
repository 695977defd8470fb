/**
 * Order-book heatmap frames → the matrices the API serves (`/orderbook_heatmap`,
 * `/orderbook_heatmap_history`) and `inspect` prints. Pure: frames in (ring records,
 * from memory or from `orderbook/{SYM}.bin`), matrix and JSON out; the wall clock comes
 * in as numbers. The JSON keeps the PoC's shapes field for field (POC-FACTS 1.7, 1.8)
 * and adds fields; `heatmap-wire.ts` encodes the same matrix as `format=bin`.
 *
 * Re-bucketing rules (the PoC picked one source bucket per target, POC-FACTS 5.1 item 17):
 *   - same step as the frame: the frame's u8 values and statistics are served verbatim
 *     (cropped or zero-padded to the requested bounds);
 *   - a coarser step: each source bucket's notional (decoded from u8 with the frame's
 *     scale, intensity.ts) is SUMMED into the target bucket whose centre is nearest
 *     (depth is additive: a 100-wide bucket holds what its five 20-wide buckets hold),
 *     then the target row is re-scaled with the frame's rule (√ over p99 of the new
 *     buckets) and its statistics recomputed (`resampled: true`);
 *   - a finer step than a frame was recorded at cannot be invented: the frame's step is
 *     used, and `step` in the response always reports the spacing actually served.
 */

import { bucketPrice, decimalsOf, gridAround } from '../buckets.js';
import type { RingRecord } from '../../store/ring-codec.js';
import { decodeOrderBookExt, type BookFrameStats, type OrderBookFrameExt } from '../../store/orderbook-ext.js';
import type { Venue } from '../../events.js';
import { U8_MAX, distributionOf, encodeIntensities, notionalOfU8, percentileOfSorted, saturatedMeanOf } from './intensity.js';
import { FRAME_INTERVAL_MS } from './accumulator.js';

/** The most price columns a response may have (a guard against absurd bounds). */
export const MAX_HEATMAP_COLUMNS = 10_000;
/** A frame older than this (ms, from its slot start) is reported as stale (the PoC's rule). */
export const STALE_AFTER_MS = 60_000;
export const NORM_METHOD = 'sqrt_p99';

export interface HeatmapRequest {
  /** Bucket size of the response (default: the frame's step; never finer than the frame's). */
  readonly step?: number;
  /** Latest frame only: ±range around the frame's src (0 < range ≤ 1; default: the frame's own grid). */
  readonly rangePct?: number;
  /** Explicit bounds, rounded to multiples of the step (win over rangePct). */
  readonly priceMin?: number;
  readonly priceMax?: number;
}

/** Statistics of one served row (USD per bucket unless named otherwise). */
export interface RowStats extends BookFrameStats {
  /** The notional that maps to 255 in this row. */
  readonly scaleRef: number;
  /** Mean notional of the row's buckets at 255 (see intensity.ts). */
  readonly saturatedMean: number;
  readonly coverage: number;
  readonly venues: readonly Venue[];
  /** True when the row was aggregated to a coarser step (values re-scaled from decoded u8). */
  readonly resampled: boolean;
}

/** Frames on one price grid: row r, column c at index r·cols + c (frame-major, oldest first). */
export interface HeatmapMatrix {
  /** Slot start of each row, epoch ms. */
  readonly ts: readonly number[];
  readonly step: number;
  readonly prices: readonly number[];
  readonly bid: Uint8Array;
  readonly ask: Uint8Array;
  readonly rows: readonly RowStats[];
  /** The newest frame's src (reference price). */
  readonly src: number;
  readonly intervalMs: number;
}

export class HeatmapRequestError extends RangeError {
  override readonly name = 'HeatmapRequestError';
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

/** Check a request the way the API answers 400s: the error names the parameter. */
export function validateHeatmapRequest(request: HeatmapRequest): void {
  const { step, rangePct, priceMin, priceMax } = request;
  if (step !== undefined && !(step > 0 && Number.isFinite(step))) throw new HeatmapRequestError('step', 'step must be positive');
  if (rangePct !== undefined && !(rangePct > 0 && rangePct <= 1)) {
    throw new HeatmapRequestError('range_pct', 'range_pct must be between 0 and 1.0');
  }
  if (priceMin !== undefined && !(priceMin > 0 && Number.isFinite(priceMin))) {
    throw new HeatmapRequestError('price_min', 'price_min must be positive');
  }
  if (priceMax !== undefined && !(priceMax > 0 && Number.isFinite(priceMax))) {
    throw new HeatmapRequestError('price_max', 'price_max must be positive');
  }
  if (priceMin !== undefined && priceMax !== undefined && !(priceMax > priceMin)) {
    throw new HeatmapRequestError('price_max', 'price_max must be above price_min');
  }
}

/** The newest frame on the requested grid (one row). */
export function latestMatrix(frame: RingRecord, request: HeatmapRequest = {}): HeatmapMatrix {
  validateHeatmapRequest(request);
  const step = Math.max(request.step ?? frame.step, frame.step);
  let first: number;
  let last: number;
  if (request.priceMin !== undefined || request.priceMax !== undefined) {
    first = Math.round((request.priceMin ?? frame.priceMin) / step);
    last = Math.round((request.priceMax ?? frame.priceMax) / step);
  } else if (request.rangePct !== undefined) {
    const grid = gridAround(frame.src, request.rangePct, step);
    first = grid.firstIndex;
    last = grid.firstIndex + grid.count - 1;
  } else {
    first = Math.round(frame.priceMin / step);
    last = Math.round(frame.priceMax / step);
  }
  return buildMatrix([frame], step, first, last);
}

export interface HistorySelection {
  /** Minutes of history back from the newest frame (the API clamps to 5…720). */
  readonly minutes: number;
  /** Keep every `stride`-th frame counting back from the NEWEST, which is always kept (default 1). */
  readonly stride?: number;
}

/**
 * Frames of the last `minutes` (by slot time, so a gap in the data is not filled with
 * older frames), then every `stride`-th one anchored at the newest (the PoC counted from
 * the oldest and could drop the newest frame, POC-FACTS 5.1 item 17). Input and output
 * oldest first.
 */
export function selectHistoryFrames(frames: readonly RingRecord[], selection: HistorySelection): RingRecord[] {
  if (frames.length === 0) return [];
  const stride = Math.max(1, Math.floor(selection.stride ?? 1));
  const newest = frames[frames.length - 1]!;
  const interval = frameIntervalOf(newest);
  const from = newest.ts + interval - selection.minutes * 60_000;
  const out: RingRecord[] = [];
  for (let i = frames.length - 1, k = 0; i >= 0 && frames[i]!.ts >= from; i--, k++) {
    if (k % stride === 0) out.push(frames[i]!);
  }
  return out.reverse();
}

/** Frames (oldest first) on one grid: the union of their ranges unless bounds are requested. */
export function historyMatrix(frames: readonly RingRecord[], request: HeatmapRequest = {}): HeatmapMatrix {
  validateHeatmapRequest(request);
  if (frames.length === 0) {
    return { ts: [], step: request.step ?? 0, prices: [], bid: new Uint8Array(0), ask: new Uint8Array(0), rows: [], src: 0, intervalMs: FRAME_INTERVAL_MS };
  }
  let step = request.step ?? frames[frames.length - 1]!.step;
  for (const f of frames) step = Math.max(step, f.step);
  let lo = Infinity;
  let hi = -Infinity;
  for (const f of frames) {
    lo = Math.min(lo, f.priceMin);
    hi = Math.max(hi, f.priceMax);
  }
  const first = Math.round((request.priceMin ?? lo) / step);
  const last = Math.round((request.priceMax ?? hi) / step);
  return buildMatrix(frames, step, first, last);
}

function buildMatrix(frames: readonly RingRecord[], step: number, first: number, last: number): HeatmapMatrix {
  const cols = last - first + 1;
  if (cols < 1) throw new HeatmapRequestError('price_max', 'the requested price range is empty');
  if (cols > MAX_HEATMAP_COLUMNS) {
    throw new HeatmapRequestError('step', `the request needs ${cols} price columns (at most ${MAX_HEATMAP_COLUMNS}): use a larger step or a narrower range`);
  }
  const d = decimalsOf(step);
  const prices = new Array<number>(cols);
  for (let c = 0; c < cols; c++) prices[c] = bucketPrice(first + c, step, d);
  const bid = new Uint8Array(frames.length * cols);
  const ask = new Uint8Array(frames.length * cols);
  const rows: RowStats[] = [];
  frames.forEach((frame, r) => {
    rows.push(placeRow(frame, step, first, cols, bid.subarray(r * cols, (r + 1) * cols), ask.subarray(r * cols, (r + 1) * cols)));
  });
  const newest = frames[frames.length - 1]!;
  return { ts: frames.map((f) => f.ts), step, prices, bid, ask, rows, src: newest.src, intervalMs: frameIntervalOf(newest) };
}

/** One frame into one row of the grid [first, first + cols) at `step`. */
function placeRow(frame: RingRecord, step: number, first: number, cols: number, bidOut: Uint8Array, askOut: Uint8Array): RowStats {
  const ext = decodeOrderBookExt(frame.ext);
  const n = frame.nBuckets;
  const frameFirst = Math.round(frame.priceMin / frame.step);
  if (frame.step === step) {
    for (let k = 0; k < n; k++) {
      const c = frameFirst + k - first;
      if (c < 0 || c >= cols) continue;
      bidOut[c] = frame.a[k]!;
      askOut[c] = frame.b[k]!;
    }
    return ext ? statsOfExt(ext) : relativeStats(frame);
  }
  // Coarser: decode, sum into the nearest target bucket, re-scale.
  const ref = ext?.scaleRef ?? U8_MAX; // without our extension the values stay relative
  const saturated = ext?.saturatedMean ?? ref;
  const bidUsd = new Float64Array(cols);
  const askUsd = new Float64Array(cols);
  for (let k = 0; k < n; k++) {
    const c = Math.round(((frameFirst + k) * frame.step) / step) - first;
    if (c < 0 || c >= cols) continue;
    bidUsd[c]! += notionalOfU8(frame.a[k]!, ref, saturated);
    askUsd[c]! += notionalOfU8(frame.b[k]!, ref, saturated);
  }
  const both = distributionOf(bidUsd, cols, askUsd, cols);
  const b = distributionOf(bidUsd, cols, bidUsd, 0);
  const a = distributionOf(askUsd, cols, askUsd, 0);
  encodeIntensities(bidUsd, cols, both.p99, bidOut);
  encodeIntensities(askUsd, cols, both.p99, askOut);
  return {
    p50: both.p50,
    p90: both.p90,
    p95: both.p95,
    p99: both.p99,
    max: both.max,
    bidP50: b.p50,
    bidP95: b.p95,
    bidMax: b.max,
    askP50: a.p50,
    askP95: a.p95,
    askMax: a.max,
    totalBidNotional: ext?.totalBidNotional ?? sum(bidUsd),
    totalAskNotional: ext?.totalAskNotional ?? sum(askUsd),
    scaleRef: both.p99,
    saturatedMean: saturatedMeanOf(bidUsd, cols, askUsd, cols, both.p99),
    coverage: ext?.coverage ?? 1,
    venues: ext?.venues ?? [],
    resampled: true,
  };
}

function statsOfExt(ext: OrderBookFrameExt): RowStats {
  return {
    p50: ext.p50,
    p90: ext.p90,
    p95: ext.p95,
    p99: ext.p99,
    max: ext.max,
    bidP50: ext.bidP50,
    bidP95: ext.bidP95,
    bidMax: ext.bidMax,
    askP50: ext.askP50,
    askP95: ext.askP95,
    askMax: ext.askMax,
    totalBidNotional: ext.totalBidNotional,
    totalAskNotional: ext.totalAskNotional,
    scaleRef: ext.scaleRef,
    saturatedMean: ext.saturatedMean,
    coverage: ext.coverage,
    venues: ext.venues,
    resampled: false,
  };
}

/** A record without the order-book extension: only relative values are known. */
function relativeStats(_frame: RingRecord): RowStats {
  return {
    p50: 0, p90: 0, p95: 0, p99: 0, max: 0,
    bidP50: 0, bidP95: 0, bidMax: 0, askP50: 0, askP95: 0, askMax: 0,
    totalBidNotional: 0, totalAskNotional: 0, scaleRef: 0, saturatedMean: 0, coverage: 0, venues: [], resampled: false,
  };
}

function sum(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

function frameIntervalOf(frame: RingRecord): number {
  return decodeOrderBookExt(frame.ext)?.intervalMs || FRAME_INTERVAL_MS;
}

// ── JSON (POC-FACTS 1.7 and 1.8) ───────────────────────────────────────────────────

export interface ResponseMeta {
  /** The validated short symbol (the PoC echoed the raw query value). */
  readonly symbol: string;
  /** When the request arrived and when the response is sent (epoch ms, the server's clock). */
  readonly serverRecvMs: number;
  readonly serverSendMs: number;
  /** `_mode` (default "shared_buffer", the PoC's value for in-process frames). */
  readonly mode?: string;
}

/** `/orderbook_heatmap` (latest frame): the PoC's fields in its order, then ours. */
export function latestFrameJson(matrix: HeatmapMatrix, meta: ResponseMeta): Record<string, unknown> {
  const ts = matrix.ts[0]!;
  const row = matrix.rows[0]!;
  return {
    symbol: meta.symbol,
    frame_ts_ms: ts,
    frame_interval_ms: matrix.intervalMs,
    valid_from_ts_ms: ts,
    valid_to_ts_ms: ts + matrix.intervalMs,
    server_recv_ts_ms: meta.serverRecvMs,
    server_send_ts_ms: meta.serverSendMs,
    data_is_stale: meta.serverRecvMs - ts > STALE_AFTER_MS,
    ts: ts / 1000,
    src: matrix.src,
    step: matrix.step,
    price_min: matrix.prices[0],
    price_max: matrix.prices[matrix.prices.length - 1],
    prices: matrix.prices,
    bid_u8: Array.from(matrix.bid),
    ask_u8: Array.from(matrix.ask),
    norm_p50: row.p50,
    norm_p90: row.p90,
    norm_p95: row.p95,
    norm_p99: row.p99,
    norm_max: row.max,
    bid_p50: row.bidP50,
    bid_p95: row.bidP95,
    bid_max: row.bidMax,
    ask_p50: row.askP50,
    ask_p95: row.askP95,
    ask_max: row.askMax,
    total_bid_notional: row.totalBidNotional,
    total_ask_notional: row.totalAskNotional,
    scale: U8_MAX,
    _mode: meta.mode ?? 'shared_buffer',
    // ours
    norm_method: NORM_METHOD,
    scale_ref_usd: row.scaleRef,
    coverage: row.coverage,
    venues: row.venues,
    resampled: row.resampled,
  };
}

/** `/orderbook_heatmap_history`: the PoC's fields in its order (flat frame-major arrays), then ours. */
export function historyJson(matrix: HeatmapMatrix, meta: ResponseMeta): Record<string, unknown> {
  const mode = meta.mode ?? 'shared_buffer';
  if (matrix.ts.length === 0) {
    return { t: [], prices: [], bid_u8: [], ask_u8: [], frame_interval_ms: matrix.intervalMs, step: matrix.step, scale: U8_MAX, norm_method: NORM_METHOD, _mode: mode };
  }
  const first = matrix.ts[0]!;
  const last = matrix.ts[matrix.ts.length - 1]!;
  return {
    frame_interval_ms: matrix.intervalMs,
    first_frame_ts_ms: first,
    last_frame_ts_ms: last,
    server_recv_ts_ms: meta.serverRecvMs,
    server_send_ts_ms: meta.serverSendMs,
    data_is_stale: meta.serverRecvMs - last > STALE_AFTER_MS,
    t: matrix.ts,
    prices: matrix.prices,
    bid_u8: Array.from(matrix.bid),
    ask_u8: Array.from(matrix.ask),
    step: matrix.step,
    price_min: matrix.prices[0],
    price_max: matrix.prices[matrix.prices.length - 1],
    scale: U8_MAX,
    norm_method: NORM_METHOD,
    _mode: mode,
    // ours: per frame, so a client can turn u8 back into USD (intensity.ts)
    scale_ref_usd: matrix.rows.map((r) => r.scaleRef),
    coverage: matrix.rows.map((r) => r.coverage),
    resampled: matrix.rows.some((r) => r.resampled),
  };
}

/** Header statistics of a history matrix for the binary format: medians over frames, max of maxima. */
export function historySummary(matrix: HeatmapMatrix): { p50: number; p90: number; p95: number; p99: number; max: number } {
  const med = (pick: (r: RowStats) => number) => {
    const v = Float64Array.from(matrix.rows, pick).sort();
    return v.length === 0 ? 0 : percentileOfSorted(v, 0.5);
  };
  return {
    p50: med((r) => r.p50),
    p90: med((r) => r.p90),
    p95: med((r) => r.p95),
    p99: med((r) => r.p99),
    max: matrix.rows.reduce((m, r) => Math.max(m, r.max), 0),
  };
}
