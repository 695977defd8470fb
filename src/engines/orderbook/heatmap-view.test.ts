import { describe, expect, it } from 'vitest';
import { encodeOrderBookExt, type OrderBookFrameExt } from '../../store/orderbook-ext.js';
import type { RingRecord } from '../../store/ring-codec.js';
import {
  HeatmapRequestError,
  historyJson,
  historyMatrix,
  latestFrameJson,
  latestMatrix,
  selectHistoryFrames,
} from './heatmap-view.js';
import { decodeHeatmapBin, encodeHeatmapBin, WIRE_HEADER_SIZE } from './heatmap-wire.js';
import { distributionOf, encodeIntensities, intensityU8, notionalOfU8, saturatedMeanOf } from './intensity.js';

const T = 1_772_245_200_000;

/** A frame from USD notionals per bucket, encoded with the accumulator's rules. */
function frame(o: { ts?: number; step?: number; priceMin: number; bid: number[]; ask: number[]; src?: number }): RingRecord {
  const step = o.step ?? 20;
  const n = o.bid.length;
  const both = distributionOf(o.bid, n, o.ask, n);
  const b = distributionOf(o.bid, n, o.bid, 0);
  const a = distributionOf(o.ask, n, o.ask, 0);
  const ext: OrderBookFrameExt = {
    scaling: 1, flags: 0, scaleRef: both.p99,
    p50: both.p50, p90: both.p90, p95: both.p95, p99: both.p99, max: both.max,
    bidP50: b.p50, bidP95: b.p95, bidMax: b.max, askP50: a.p50, askP95: a.p95, askMax: a.max,
    totalBidNotional: o.bid.reduce((s, x) => s + x, 0), totalAskNotional: o.ask.reduce((s, x) => s + x, 0),
    intervalMs: 30_000, coverage: 1, midLast: 0, midMin: 0, midMax: 0, venues: ['binance'], messages: 1, nonZeroBuckets: both.count,
    saturatedMean: saturatedMeanOf(o.bid, n, o.ask, n, both.p99),
  };
  return {
    ts: o.ts ?? T,
    src: o.src ?? o.priceMin + (n / 2) * step,
    priceMin: o.priceMin,
    priceMax: o.priceMin + (n - 1) * step,
    step,
    nBuckets: n,
    a: encodeIntensities(o.bid, n, both.p99, new Uint8Array(n)),
    b: encodeIntensities(o.ask, n, both.p99, new Uint8Array(n)),
    ext: encodeOrderBookExt(ext),
  };
}

// 10 buckets of 20 from 1000 to 1180; bids below 1100, asks from 1100
const BID = [400, 100, 300, 0, 50, 0, 0, 0, 0, 0];
const ASK = [0, 0, 0, 0, 0, 200, 800, 0, 100, 100];

describe('order-book heatmap views', () => {
  it('serves a frame at its own step verbatim, statistics included', () => {
    const f = frame({ priceMin: 1000, bid: BID, ask: ASK });
    const m = latestMatrix(f);
    expect(m.step).toBe(20);
    expect(m.prices).toEqual([1000, 1020, 1040, 1060, 1080, 1100, 1120, 1140, 1160, 1180]);
    expect(Array.from(m.bid)).toEqual(Array.from(f.a));
    expect(m.rows[0]).toMatchObject({ resampled: false, totalBidNotional: 850, totalAskNotional: 1200 });
  });

  it('sums source buckets into a coarser step instead of picking one', () => {
    const f = frame({ priceMin: 1000, bid: BID, ask: ASK });
    const m = latestMatrix(f, { step: 100 });
    // targets by nearest centre: 1000 ← 1000, 1020, 1040; 1100 ← 1060 … 1140; 1200 ← 1160, 1180
    expect(m.prices).toEqual([1000, 1100, 1200]);
    const row = m.rows[0]!;
    expect(row.resampled).toBe(true);
    const usd = (u: number) => notionalOfU8(u, row.scaleRef, row.saturatedMean);
    expect(usd(m.bid[0]!)).toBeCloseTo(800, -1); // 400 + 100 + 300 (the PoC would serve 400)
    expect(usd(m.bid[1]!)).toBeCloseTo(50, -1);
    expect(usd(m.ask[1]!)).toBeCloseTo(1000, -1); // 200 + 800 (800 saturated: its stored mean keeps it exact)
    expect(usd(m.ask[2]!)).toBeCloseTo(200, -1);
    // re-scaled with the frame's rule over the new buckets {800, 50, 1000, 200}
    const d = distributionOf([800, 50], 2, [1000, 200], 2);
    expect(row.p99).toBeCloseTo(d.p99, -1);
    expect(m.ask[1]).toBe(intensityU8(1000, row.scaleRef));
  });

  it('never serves a finer step than the frame was recorded at, and reports the step served', () => {
    const m = latestMatrix(frame({ priceMin: 1000, bid: BID, ask: ASK }), { step: 5 });
    expect(m.step).toBe(20);
    expect(m.prices[1]! - m.prices[0]!).toBe(20);
  });

  it('crops to ±range_pct around the frame src', () => {
    const f = frame({ priceMin: 1000, bid: BID, ask: ASK, src: 1100 });
    const m = latestMatrix(f, { rangePct: 0.05 }); // 1045 … 1155 → 1040 … 1160
    expect(m.prices).toEqual([1040, 1060, 1080, 1100, 1120, 1140, 1160]);
    expect(m.bid[0]).toBe(f.a[2]);
  });

  it('honours explicit bounds, with zeros outside the frame', () => {
    const f = frame({ priceMin: 1000, bid: BID, ask: ASK });
    const m = latestMatrix(f, { priceMin: 961, priceMax: 1025 });
    expect(m.prices).toEqual([960, 980, 1000, 1020]);
    expect(Array.from(m.bid)).toEqual([0, 0, f.a[0], f.a[1]]);
  });

  it('answers bad parameters with an error naming them', () => {
    const f = frame({ priceMin: 1000, bid: BID, ask: ASK });
    const param = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return (error as HeatmapRequestError).parameter;
      }
      return undefined;
    };
    expect(param(() => latestMatrix(f, { step: 0 }))).toBe('step');
    expect(param(() => latestMatrix(f, { rangePct: 1.5 }))).toBe('range_pct');
    expect(param(() => latestMatrix(f, { priceMin: 2000, priceMax: 1000 }))).toBe('price_max');
    expect(param(() => latestMatrix(f, { priceMin: 1, priceMax: 1_000_000 }))).toBe('step'); // 50 000 columns
  });

  it('selects the last minutes of frames with the stride anchored at the newest', () => {
    const frames = Array.from({ length: 12 }, (_, i) => frame({ ts: T + i * 30_000, priceMin: 1000, bid: BID, ask: ASK }));
    const five = selectHistoryFrames(frames, { minutes: 5 });
    expect(five.map((f) => (f.ts - T) / 30_000)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const strided = selectHistoryFrames(frames, { minutes: 5, stride: 2 });
    expect(strided.map((f) => (f.ts - T) / 30_000)).toEqual([3, 5, 7, 9, 11]); // the newest is kept
    // a gap in the data is not back-filled with older frames
    const gappy = [...frames.slice(0, 3), frame({ ts: T + 3_600_000, priceMin: 1000, bid: BID, ask: ASK })];
    expect(selectHistoryFrames(gappy, { minutes: 5 })).toHaveLength(1);
  });

  it('puts history frames on the union of their ranges, frame-major', () => {
    const f1 = frame({ ts: T, priceMin: 1000, bid: BID, ask: ASK });
    const f2 = frame({ ts: T + 30_000, priceMin: 1040, bid: BID, ask: ASK });
    const m = historyMatrix([f1, f2]);
    expect(m.prices[0]).toBe(1000);
    expect(m.prices.at(-1)).toBe(1220);
    const cols = m.prices.length;
    expect(cols).toBe(12);
    expect(m.bid[0]).toBe(f1.a[0]); // row 0, 1000
    expect(m.bid[cols + 2]).toBe(f2.a[0]); // row 1, 1040
    expect(m.bid[cols + 0]).toBe(0); // f2 does not cover 1000
  });

  it('keeps the PoC JSON fields in order and adds ours after them', () => {
    const m = latestMatrix(frame({ priceMin: 1000, bid: BID, ask: ASK }));
    const json = latestFrameJson(m, { symbol: 'BTC', serverRecvMs: T + 61_000, serverSendMs: T + 61_001 });
    const poc = [
      'symbol', 'frame_ts_ms', 'frame_interval_ms', 'valid_from_ts_ms', 'valid_to_ts_ms', 'server_recv_ts_ms',
      'server_send_ts_ms', 'data_is_stale', 'ts', 'src', 'step', 'price_min', 'price_max', 'prices', 'bid_u8', 'ask_u8',
      'norm_p50', 'norm_p90', 'norm_p95', 'norm_p99', 'norm_max', 'bid_p50', 'bid_p95', 'bid_max', 'ask_p50', 'ask_p95',
      'ask_max', 'total_bid_notional', 'total_ask_notional', 'scale', '_mode',
    ];
    expect(Object.keys(json).slice(0, poc.length)).toEqual(poc);
    expect(json).toMatchObject({ frame_ts_ms: T, valid_to_ts_ms: T + 30_000, ts: T / 1000, data_is_stale: true, scale: 255 });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json); // plain JSON, no NaN or typed arrays
  });

  it('answers an empty history with the PoC empty shape', () => {
    const json = historyJson(historyMatrix([], { step: 20 }), { symbol: 'BTC', serverRecvMs: T, serverSendMs: T });
    expect(json).toEqual({ t: [], prices: [], bid_u8: [], ask_u8: [], frame_interval_ms: 30_000, step: 20, scale: 255, norm_method: 'sqrt_p99', _mode: 'shared_buffer' });
  });

  it('encodes the binary format with the PoC header layout', () => {
    // the PoC's observed header carried p50 333 and max/p95 6069 (thousands of USD)
    const f = frame({ priceMin: 59_300, bid: [333_754.27, 0, 6_069_886.81], ask: [0, 1000, 0] });
    const m = latestMatrix(f);
    const bytes = encodeHeatmapBin(m, false);
    expect(bytes.length).toBe(WIRE_HEADER_SIZE + 2 * 3);
    const v = new DataView(bytes.buffer);
    expect(v.getUint8(0)).toBe(1);
    expect(Number(v.getBigUint64(4, true))).toBe(T);
    expect(v.getUint32(12, true)).toBe(30_000);
    expect(v.getUint16(16, true)).toBe(1);
    expect(v.getUint16(18, true)).toBe(3);
    expect(v.getFloat64(20, true)).toBe(59_300); // unaligned, as the PoC packs it
    expect(v.getFloat64(28, true)).toBe(59_340);
    expect(v.getFloat64(36, true)).toBe(20);
    expect(v.getUint16(52, true)).toBe(333); // p50 in thousands of USD
    expect(v.getUint16(60, true)).toBe(6069); // max
    const back = decodeHeatmapBin(bytes);
    expect(back.ts).toBeUndefined();
    expect(Array.from(back.bid)).toEqual(Array.from(m.bid));
  });

  it('encodes history with its timestamp trailer', () => {
    const frames = [0, 1, 2].map((i) => frame({ ts: T + i * 30_000, priceMin: 1000, bid: BID, ask: ASK }));
    const m = historyMatrix(frames);
    const bytes = encodeHeatmapBin(m, true);
    expect(bytes.length).toBe(64 + 2 * 3 * 10 + 3 * 8);
    const back = decodeHeatmapBin(bytes);
    expect(back.header).toMatchObject({ rows: 3, cols: 10, frameTsMs: T, priceMin: 1000, priceMax: 1180, step: 20 });
    expect(back.ts).toEqual([T, T + 30_000, T + 60_000]);
    expect(Array.from(back.ask)).toEqual(Array.from(m.ask));
  });
});
