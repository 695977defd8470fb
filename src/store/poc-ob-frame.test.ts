import { describe, expect, it } from 'vitest';
import { decodePocObFile, decodePocObRecord, isPocObFile, POC_OB_RECORD_SIZE } from './poc-ob-frame.js';
import { encodeFileHeader, FILE_HEADER_SIZE, RingKind } from './ring-codec.js';

/** A PoC record written field by field with the layout of POC-FACTS 2.7a (struct `<dddddIdddd`). */
function pocRecord(o: { ts: number; n: number; bid?: number[]; ask?: number[] }): Uint8Array {
  const bytes = new Uint8Array(POC_OB_RECORD_SIZE);
  const v = new DataView(bytes.buffer);
  v.setFloat64(0, o.ts, true);
  v.setFloat64(8, 65_897.65, true);
  v.setFloat64(16, 20, true);
  v.setFloat64(24, 59_300, true);
  v.setFloat64(32, 59_300 + (o.n - 1) * 20, true);
  v.setUint32(40, o.n, true);
  v.setFloat64(44, 333_754.27, true);
  v.setFloat64(52, 6_069_886.81, true);
  v.setFloat64(60, 483_691_906.38, true);
  v.setFloat64(68, 369_022_302.29, true);
  (o.bid ?? []).forEach((x, i) => (bytes[76 + i] = x));
  (o.ask ?? []).forEach((x, i) => (bytes[1076 + i] = x));
  return bytes;
}

describe("the PoC's ob_heatmap_30s.bin records", () => {
  it('decodes the 76-byte header and the intensity arrays', () => {
    const frame = decodePocObRecord(pocRecord({ ts: 1_772_245_200, n: 660, bid: [0, 7, 255], ask: [9] }))!;
    expect(frame).toMatchObject({
      ts: 1_772_245_200_000,
      src: 65_897.65,
      step: 20,
      priceMin: 59_300,
      priceMax: 72_480,
      nPrices: 660,
      normP50: 333_754.27,
      normP95: 6_069_886.81,
      totalBidNotional: 483_691_906.38,
      totalAskNotional: 369_022_302.29,
    });
    expect(frame.bid.length).toBe(660);
    expect(Array.from(frame.bid.subarray(0, 3))).toEqual([0, 7, 255]);
    expect(frame.ask[0]).toBe(9);
  });

  it('reads a whole file, skipping empty records and reporting a torn tail', () => {
    const file = new Uint8Array(3 * POC_OB_RECORD_SIZE + 100);
    file.set(pocRecord({ ts: 1_772_242_410, n: 658 }), 0);
    file.set(pocRecord({ ts: 0, n: 660 }), POC_OB_RECORD_SIZE); // empty slot
    file.set(pocRecord({ ts: 1_772_242_470, n: 660 }), 2 * POC_OB_RECORD_SIZE);
    const decoded = decodePocObFile(file);
    expect(decoded.frames.map((f) => f.ts)).toEqual([1_772_242_410_000, 1_772_242_470_000]);
    expect(decoded.skipped).toBe(1);
    expect(decoded.trailingBytes).toBe(100);
  });

  it('tells a PoC file from a moonstream ring', () => {
    expect(isPocObFile(pocRecord({ ts: 1_772_245_200, n: 660 }))).toBe(true);
    const ring = new Uint8Array(FILE_HEADER_SIZE + POC_OB_RECORD_SIZE);
    encodeFileHeader({ version: 1, recordSize: 4096, capacity: 1, kind: RingKind.orderbook, writeCount: 0 }, ring);
    expect(isPocObFile(ring)).toBe(false);
    expect(isPocObFile(new Uint8Array(POC_OB_RECORD_SIZE))).toBe(false);
  });
});
