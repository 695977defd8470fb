import { describe, expect, it } from 'vitest';
import { decodeOrderBookExt, EXT_FLAG_FROM_POC } from '../../store/orderbook-ext.js';
import type { PocObFrame } from '../../store/poc-ob-frame.js';
import { latestMatrix } from './heatmap-view.js';
import { notionalOfU8 } from './intensity.js';
import { pocFrameToRecord } from './poc-import.js';

const FRAME: PocObFrame = {
  ts: 1_772_245_200_000,
  src: 65_897.65,
  step: 20,
  priceMin: 59_300,
  priceMax: 59_360,
  nPrices: 4,
  normP50: 1000,
  normP95: 3550,
  totalBidNotional: 10_000,
  totalAskNotional: 20_000,
  bid: Uint8Array.from([0, 0, 255, 0]),
  ask: Uint8Array.from([0, 51, 0, 0]),
};

describe('PoC order-book frames as moonstream ring records', () => {
  it("undoes the PoC's p50–p95 scale and re-encodes with ours", () => {
    const { record, ext } = pocFrameToRecord(FRAME);
    // PoC reload rule: x = p50 + (u/255)(p95 − p50): 255 → 3550, 51 → 1000 + 0.2·2550 = 1510
    expect(record).toMatchObject({ ts: FRAME.ts, src: FRAME.src, priceMin: 59_300, priceMax: 59_360, step: 20, nBuckets: 4 });
    expect(ext.flags & EXT_FLAG_FROM_POC).toBe(EXT_FLAG_FROM_POC);
    expect(ext).toMatchObject({ p50: 1000, p95: 3550, totalBidNotional: 10_000, totalAskNotional: 20_000, max: 3550 });
    expect(record.a[0]).toBe(0);
    expect(record.a[2]).toBe(255);
    expect(Math.abs(notionalOfU8(record.b[1]!, ext.scaleRef) / 1510 - 1)).toBeLessThan(0.01); // within u8 quantization
    expect(decodeOrderBookExt(record.ext)).toEqual(ext);
  });

  it('serves converted frames through the same views', () => {
    const { record } = pocFrameToRecord(FRAME);
    const m = latestMatrix(record);
    expect(m.prices).toEqual([59_300, 59_320, 59_340, 59_360]);
    expect(Array.from(m.bid)).toEqual(Array.from(record.a));
  });
});
