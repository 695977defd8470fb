import { describe, expect, it } from 'vitest';
import type { DepthDiff, DepthSnapshot, Venue } from '../../events.js';
import { decodeOrderBookExt } from '../../store/orderbook-ext.js';
import { decodeRecord, encodeRecord } from '../../store/ring-codec.js';
import type { OrderBookFrame } from './accumulator.js';
import { SymbolOrderBook, type SymbolOrderBookOptions } from './symbol-order-book.js';

/** A slot boundary: 56 666 667 × 30 000 ms. */
const T = 1_700_000_010_000;

function snap(venue: Venue, ts: number, bids: number[], asks: number[], id = 100): DepthSnapshot {
  return { type: 'depthSnapshot', venue, symbol: 'BTC', ts, lastUpdateId: id, bids, asks };
}

function delta(ts: number, u: number, bids: number[], asks: number[]): DepthDiff {
  return { type: 'depthDiff', venue: 'bybit', symbol: 'BTC', ts, firstId: u, lastId: u, bids, asks };
}

function engine(options: Partial<SymbolOrderBookOptions> = {}) {
  const frames: OrderBookFrame[] = [];
  const ob = new SymbolOrderBook({ symbol: 'BTC', onFrame: (f) => frames.push(f), ...options });
  return { ob, frames };
}

const at = (frame: OrderBookFrame, price: number) => Math.round((price - frame.record.priceMin) / frame.record.step);

describe('order-book heatmap accumulator', () => {
  it('counts the band the 1000-bucket grid leaves out around a BTC mid of 125 000, and the book notional there', () => {
    const { ob, frames } = engine();
    // band ±10 % at step 20: 112 500 … 137 500, 1251 buckets; the frame keeps 1000 (115 020 … 135 000)
    ob.apply(snap('bybit', T, [124_990, 1, 113_000, 2, 120_000, 1], [125_010, 1, 136_000, 1]));
    ob.advance(T + 30_000);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.record).toMatchObject({ nBuckets: 1000, priceMin: 115_020, priceMax: 135_000 });
    expect(ob.stats().accumulators[0]).toMatchObject({ framesGridTrimmed: 1, bucketsOutsideGrid: 251, lastFrameOutsideGridUsd: 2 * 113_000 + 136_000 });
    expect(ob.statsJson().frames[0]).toMatchObject({ framesGridTrimmed: 1, bucketsOutsideGrid: 251 });
  });

  it('time-weights resting notional per bucket over the 30 s slot', () => {
    const { ob, frames } = engine();
    ob.apply(snap('bybit', T, [1000, 2], [1020, 1])); // mid 1010
    ob.apply(delta(T + 10_000, 101, [1000, 4], [])); // bid 2 → 4
    ob.apply(delta(T + 20_000, 102, [], [1020, 0, 1040, 3])); // ask 1020 gone, 1040 × 3: mid 1020
    ob.advance(T + 29_999);
    expect(frames).toHaveLength(0);
    ob.advance(T + 30_000);
    expect(frames).toHaveLength(1);
    const f = frames[0]!;
    // bid 1000: 2000 USD for 10 s, 4000 USD for 20 s → (2000·10 + 4000·20)/30 = 3333.33
    // ask 1020: 1020 USD for 20 s → 680;  ask 1040: 3120 USD for 10 s → 1040
    // mid: 1010 for 20 s, 1020 for 10 s → 1013.33 (src); grid ±10 %: 920 … 1120, 11 buckets
    expect(f.record).toMatchObject({ ts: T, src: 1013.33, priceMin: 920, priceMax: 1120, step: 20, nBuckets: 11 });
    expect(f.bidNotional[at(f, 1000)]).toBeCloseTo(3333.3333, 3);
    expect(f.askNotional[at(f, 1020)]).toBeCloseTo(680, 6);
    expect(f.askNotional[at(f, 1040)]).toBeCloseTo(1040, 6);
    expect(f.bidNotional.reduce((a, b) => a + b, 0)).toBeCloseTo(3333.3333, 3);
    // p50/p99 over the three non-zero buckets {680, 1040, 3333.33}, linear interpolation:
    // p99 = 1040 + 0.98·(3333.33 − 1040) = 3287.47
    expect(f.ext.p50).toBeCloseTo(1040, 6);
    expect(f.ext.p99).toBeCloseTo(3287.4667, 3);
    expect(f.ext.max).toBeCloseTo(3333.3333, 3);
    expect(f.ext.scaleRef).toBe(f.ext.p99);
    // u8 = 1 + ⌊254·√(x/p99)⌋: 680 → 116, 1040 → 143, 3333 ≥ p99 → 255
    expect(f.record.a[at(f, 1000)]).toBe(255);
    expect(f.record.b[at(f, 1020)]).toBe(116);
    expect(f.record.b[at(f, 1040)]).toBe(143);
    expect(f.record.a[at(f, 980)]).toBe(0);
    expect(f.ext).toMatchObject({ totalAskNotional: 1720, coverage: 1, messages: 3, venues: ['bybit'], intervalMs: 30_000 });
    expect(f.ext.totalBidNotional).toBeCloseTo(3333.3333, 3);
    expect(f.ext.midLast).toBe(1020);
    expect(f.ext.midMin).toBe(1010);
    expect(f.ext.midMax).toBe(1020);
  });

  it('emits a frame for every slot crossed, carrying the book through quiet slots', () => {
    const { ob, frames } = engine();
    ob.apply(snap('bybit', T + 5_000, [1000, 4], [1040, 3]));
    ob.apply({ type: 'tick', ts: T + 95_000 });
    expect(frames.map((f) => f.record.ts)).toEqual([T, T + 30_000, T + 60_000]);
    for (const f of frames.slice(1)) {
      expect(f.bidNotional[at(f, 1000)]).toBeCloseTo(4000, 9);
      expect(f.askNotional[at(f, 1040)]).toBeCloseTo(3120, 9);
      expect(f.ext.coverage).toBe(1);
      expect(f.ext.messages).toBe(0);
    }
  });

  it('averages a partly covered first slot over the time the book existed', () => {
    const { ob, frames } = engine();
    ob.apply(snap('bybit', T + 15_000, [1000, 1], [1020, 1]));
    ob.advance(T + 30_000);
    expect(frames[0]!.ext.coverage).toBe(0.5);
    expect(frames[0]!.bidNotional[at(frames[0]!, 1000)]).toBeCloseTo(1000, 9);
  });

  it('stops integrating a dropped book and counts slots with no book instead of emitting them', () => {
    const { ob, frames } = engine();
    ob.apply(snap('bybit', T, [1000, 3], [1020, 1], 100));
    ob.apply(delta(T + 20_000, 100, [], [])); // out of order: the book is dropped at +20 s
    ob.advance(T + 30_000);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.ext.coverage).toBeCloseTo(2 / 3, 12);
    expect(frames[0]!.bidNotional[at(frames[0]!, 1000)]).toBeCloseTo(3000, 9); // 20 s of 3000 over 20 s covered
    ob.advance(T + 60_000);
    expect(frames).toHaveLength(1);
    expect(ob.stats().accumulators[0]!.slotsWithoutBook).toBe(1);
  });

  it('sums the venues in merged frames and averages their mids', () => {
    const { ob, frames } = engine();
    ob.apply(snap('binance', T, [1000, 1], [1020, 1], 50));
    ob.apply(snap('bybit', T, [1000, 2], [1040, 1]));
    ob.advance(T + 30_000);
    const f = frames[0]!;
    expect(f.source).toBe('merged');
    expect(f.bidNotional[at(f, 1000)]).toBeCloseTo(3000, 9);
    expect(f.ext.venues).toEqual(['binance', 'bybit']);
    expect(f.record.src).toBe(1015); // (1010 + 1020) / 2
  });

  it('emits one frame per venue and slot when configured per venue', () => {
    const { ob, frames } = engine({ frames: 'perVenue' });
    ob.apply(snap('binance', T, [1000, 1], [1020, 1], 50));
    ob.apply(snap('bybit', T, [1000, 2], [1040, 1]));
    ob.advance(T + 30_000);
    expect(frames.map((f) => f.source).sort()).toEqual(['binance', 'bybit']);
    const bybit = frames.find((f) => f.source === 'bybit')!;
    expect(bybit.bidNotional[at(bybit, 1000)]).toBeCloseTo(2000, 9);
  });

  it('re-centres on a moving mid so frames keep their full ±10 % grid', () => {
    const { ob, frames } = engine();
    ob.apply(snap('bybit', T, [60_000, 1], [60_020, 1]));
    ob.apply(snap('bybit', T + 40_000, [78_000, 1, 72_000, 2], [78_020, 1])); // +30 %
    ob.advance(T + 90_000);
    const last = frames.at(-1)!;
    expect(last.record.src).toBe(78_010);
    expect(last.bidNotional[at(last, 72_000)]).toBeCloseTo(144_000, 6);
    expect(ob.stats().accumulators[0]!.clippedBuckets).toBe(0);
  });

  it('trims the grid to 1000 buckets around mid', () => {
    const { ob, frames } = engine({ step: 1 });
    ob.apply(snap('bybit', T, [99_990, 1], [100_010, 1])); // ±10 % at step 1 = 20 001 points
    ob.advance(T + 30_000);
    expect(frames[0]!.record.nBuckets).toBe(1000);
    expect(frames[0]!.record.priceMin).toBe(99_501);
    expect(frames[0]!.record.priceMax).toBe(100_500);
  });

  it('writes frames the ring codec round-trips, extension block included', () => {
    const { ob, frames } = engine();
    ob.apply(snap('bybit', T, [1000, 2], [1020, 1]));
    ob.advance(T + 30_000);
    const bytes = encodeRecord(frames[0]!.record, 0);
    const back = decodeRecord(bytes, 0)!;
    expect(back.ts).toBe(T);
    expect(Array.from(back.a)).toEqual(Array.from(frames[0]!.record.a));
    expect(decodeOrderBookExt(back.ext)).toEqual(frames[0]!.ext);
  });

  it('catches up a long silence with a bounded number of frames', () => {
    const frames: OrderBookFrame[] = [];
    const ob = new SymbolOrderBook({ symbol: 'BTC', onFrame: (f) => frames.push(f) });
    ob.apply(snap('bybit', T, [1000, 2], [1020, 1]));
    ob.advance(T + 3 * 86_400_000); // three days without a single event
    expect(frames).toHaveLength(2880);
    expect(ob.stats().accumulators[0]!.slotsSkipped).toBe(3 * 2880 - 2880);
  });
});
