import { describe, expect, it } from 'vitest';
import {
  ORDERBOOK_EXT_SIZE,
  decodeOrderBookExt,
  encodeOrderBookExt,
  venueMask,
  venuesOfMask,
  type OrderBookFrameExt,
} from './orderbook-ext.js';
import { EXTENSION_SIZE, decodeRecord, encodeRecord } from './ring-codec.js';

const EXT: OrderBookFrameExt = {
  scaling: 1,
  flags: 0,
  scaleRef: 6_069_886.81,
  p50: 333_754.27,
  p90: 2_000_000.5,
  p95: 4_000_000.25,
  p99: 6_069_886.81,
  max: 9_000_000,
  bidP50: 300_000,
  bidP95: 3_000_000,
  bidMax: 9_000_000,
  askP50: 350_000,
  askP95: 3_500_000,
  askMax: 8_000_000,
  totalBidNotional: 483_691_906.38,
  totalAskNotional: 369_022_302.29,
  intervalMs: 30_000,
  coverage: 0.75,
  midLast: 65_904.15,
  midMin: 65_800.05,
  midMax: 65_990.95,
  venues: ['binance', 'okx'],
  messages: 301,
  nonZeroBuckets: 1234,
  saturatedMean: 7_500_000,
};

describe('order-book ring extension block', () => {
  it('round-trips every field through a 4096-byte ring record', () => {
    const ext = encodeOrderBookExt(EXT);
    expect(ext.length).toBe(ORDERBOOK_EXT_SIZE);
    expect(ORDERBOOK_EXT_SIZE).toBeLessThanOrEqual(EXTENSION_SIZE);
    const record = { ts: 1, src: 2, priceMin: 3, priceMax: 4, step: 1, nBuckets: 0, a: new Uint8Array(0), b: new Uint8Array(0), ext };
    const back = decodeRecord(encodeRecord(record, 7), 7)!;
    expect(decodeOrderBookExt(back.ext)).toEqual(EXT);
  });

  it('puts the fields at their documented offsets', () => {
    const v = new DataView(encodeOrderBookExt(EXT).buffer);
    expect(String.fromCharCode(v.getUint8(0), v.getUint8(1), v.getUint8(2))).toBe('OBX');
    expect(v.getUint8(3)).toBe(1);
    expect(v.getFloat64(16, true)).toBe(EXT.p50);
    expect(v.getFloat64(40, true)).toBe(EXT.p99);
    expect(v.getFloat64(104, true)).toBe(EXT.totalBidNotional);
    expect(v.getFloat64(128, true)).toBe(0.75);
    expect(v.getUint32(160, true)).toBe(0b101);
    expect(v.getFloat64(172, true)).toBe(EXT.saturatedMean);
  });

  it('reports a block without the tag as absent', () => {
    expect(decodeOrderBookExt(new Uint8Array(EXTENSION_SIZE))).toBeUndefined();
  });

  it('maps venues to bits and back', () => {
    expect(venueMask(['okx', 'bybit'])).toBe(6);
    expect(venuesOfMask(7)).toEqual(['binance', 'bybit', 'okx']);
  });
});
