import { describe, expect, it } from 'vitest';
import type { DepthDiff, DepthSnapshot } from '../../events.js';
import { okxChecksum, okxChecksumString, plainDecimal } from './okx-checksum.js';
import { OkxReconstructor } from './okx-book.js';
import type { ResyncRequest } from './reconstructor.js';

const T0 = 1_597_026_383_085;
/** BTC-USDT-SWAP: 0.01 BTC per contract; the normalizer hands us base quantities. */
const CT_VAL = 0.01;

function snapshot(seqId: number, bids: number[], asks: number[], extra: Partial<DepthSnapshot> = {}): DepthSnapshot {
  return { type: 'depthSnapshot', venue: 'okx', symbol: 'BTC', ts: T0, lastUpdateId: seqId, bids, asks, ...extra };
}

function update(prevSeqId: number, seqId: number, bids: number[] = [], asks: number[] = [], checksum?: number): DepthDiff {
  return {
    type: 'depthDiff',
    venue: 'okx',
    symbol: 'BTC',
    ts: T0 + 100,
    firstId: seqId,
    lastId: seqId,
    prevLastId: prevSeqId,
    bids,
    asks,
    ...(checksum !== undefined ? { checksum } : {}),
  };
}

/** Contracts → base quantity, as the normalizer converts them. */
const base = (levels: number[]) => levels.map((x, i) => (i % 2 === 1 ? x * CT_VAL : x));

function setup() {
  const requests: ResyncRequest[] = [];
  const rec = new OkxReconstructor({ symbol: 'BTC', okxContractValue: CT_VAL, onResync: (r) => requests.push(r) });
  return { rec, requests };
}

// The official books snapshot of VENUES.md 3.3 (sizes in contracts).
const DOC_ASKS = [8476.98, 415, 8477, 7, 8477.34, 85, 8477.56, 1, 8505.84, 8, 8506.37, 85, 8506.49, 2, 8506.96, 100];
const DOC_BIDS = [8476.97, 256, 8475.55, 101, 8475.54, 100, 8475.3, 1, 8447.32, 6, 8447.02, 246, 8446.83, 24, 8446, 95];

describe('OKX books reconstruction', () => {
  it('applies an update whose prevSeqId is the previous seqId (the official example)', () => {
    const { rec, requests } = setup();
    rec.onSnapshot(snapshot(123456, base(DOC_BIDS), base(DOC_ASKS), { checksum: 0 }));
    rec.onDiff(update(123456, 123457, base([8476.97, 300]), base([8476.98, 0])));
    expect(rec.stats).toMatchObject({ applied: 1, lastUpdateId: 123457, gaps: 0, checksumsChecked: 0 });
    expect(rec.book.bids.qtyOf(8476.97)).toBeCloseTo(3, 12);
    expect(rec.book.bestAsk()).toBe(8477);
    expect(requests).toHaveLength(0);
  });

  it('accepts the keep-alive update (seqId = prevSeqId, no levels) as a heartbeat', () => {
    const { rec } = setup();
    rec.onSnapshot(snapshot(15, [100, 1], [101, 1]));
    rec.onDiff(update(15, 15));
    expect(rec.stats).toMatchObject({ heartbeats: 1, gaps: 0, lastUpdateId: 15, state: 'synced' });
  });

  it('keeps the book across a sequence reset (seqId < prevSeqId) and follows the new sequence', () => {
    const { rec, requests } = setup();
    rec.onSnapshot(snapshot(5000, [100, 1], [101, 1]));
    rec.onDiff(update(5000, 12, [100, 2]));
    rec.onDiff(update(12, 13, [100, 3]));
    expect(rec.stats).toMatchObject({ sequenceResets: 1, gaps: 0, applied: 2, lastUpdateId: 13, state: 'synced' });
    expect(rec.book.bids.qtyOf(100)).toBe(3);
    expect(requests).toHaveLength(0);
  });

  it('treats a prevSeqId that breaks the chain as a gap: drops the book and asks to resubscribe', () => {
    const { rec, requests } = setup();
    rec.onSnapshot(snapshot(10, [100, 1], [101, 1]));
    rec.onDiff(update(10, 11));
    rec.onDiff(update(12, 13));
    expect(rec.stats).toMatchObject({ seqGaps: 1, gaps: 1, lastGapType: 'seq_gap', lastGapPrev: 12, lastGapExpected: 11 });
    expect(rec.state).toBe('syncing');
    expect(rec.book.bids.size).toBe(0);
    expect(requests).toEqual([expect.objectContaining({ action: 'resubscribe', reason: 'gap' })]);
    // the resubscription's snapshot restores it
    rec.onSnapshot(snapshot(40, [200, 1], [201, 1]));
    rec.onDiff(update(40, 41));
    expect(rec.state).toBe('synced');
    expect(rec.stats.resyncs).toBe(1);
  });

  it('verifies a non-zero checksum on OKX published examples', () => {
    // OKX v3 docs, "futures_ws-checksum" (quoted in a public gist by Michael-J-Ward):
    // bids [3366.1, 7], [3366, 6]; asks [3366.8, 9], [3368, 8] → checksum −1881014294.
    // Rule (VENUES.md 3.3): bid then ask per level over the top 25, "price:size" joined by
    // ":", CRC-32 as a signed integer. Computed independently: Python
    // zlib.crc32(b"3366.1:7:3366.8:9:3366:6:3368:8") = 2413953002 = −1881014294 as int32.
    const { rec, requests } = setup();
    rec.onSnapshot(snapshot(1, base([3366.1, 7, 3366, 6]), base([3366.8, 9, 3368, 8]), { checksum: -1881014294 }));
    expect(okxChecksumString(rec.book, CT_VAL)).toBe('3366.1:7:3366.8:9:3366:6:3368:8');
    expect(rec.stats).toMatchObject({ checksumsChecked: 1, checksumFailures: 0, state: 'synced' });
    // The "odd" example: one bid, three asks → 831078360; the shorter side runs out and
    // the longer continues: zlib.crc32(b"3366.1:7:3366.8:9:3368:8:3372:8") = 831078360.
    rec.onDiff(update(1, 2, [3366, 0], base([3372, 8]), 831078360));
    expect(okxChecksumString(rec.book, CT_VAL)).toBe('3366.1:7:3366.8:9:3368:8:3372:8');
    expect(rec.stats).toMatchObject({ checksumsChecked: 2, checksumFailures: 0, state: 'synced' });
    expect(requests).toHaveLength(0);
  });

  it('drops the book and asks to resubscribe when a non-zero checksum does not match', () => {
    const { rec, requests } = setup();
    rec.onSnapshot(snapshot(1, base([3366.1, 7, 3366, 6]), base([3366.8, 9, 3368, 8]), { checksum: -1881014294 }));
    rec.onDiff(update(1, 2, base([3366, 5]), [], -1881014294)); // the book changed, the checksum did not
    expect(rec.stats).toMatchObject({ checksumsChecked: 2, checksumFailures: 1, state: 'syncing' });
    expect(requests).toEqual([expect.objectContaining({ reason: 'checksum', action: 'resubscribe' })]);
  });

  it('does not verify the deprecated checksum when it is 0, and never fails without a contract value', () => {
    const rec = new OkxReconstructor({ symbol: 'BTC' });
    rec.onSnapshot(snapshot(1, [100, 1], [101, 1], { checksum: 0 }));
    rec.onDiff(update(1, 2, [100, 2], [], 12345));
    expect(rec.stats).toMatchObject({ checksumsChecked: 0, checksumsUnverifiable: 1, checksumFailures: 0, state: 'synced' });
  });

  it('replaces the books5 view on every push and ignores it while a full book is kept', () => {
    const { rec } = setup();
    rec.onSnapshot(snapshot(363996337, [111.05, 5, 111.04, 5], [111.06, 5], { top: 5 }));
    rec.onSnapshot(snapshot(363996338, [111.02, 1], [111.03, 1], { top: 5 }));
    expect(rec.book.bids.size).toBe(1);
    expect(rec.book.bestBid()).toBe(111.02);
    expect(rec.stats.topSnapshots).toBe(2);
    rec.onSnapshot(snapshot(10, [100, 1], [101, 1]));
    rec.onSnapshot(snapshot(363996339, [111.02, 1], [111.03, 1], { top: 5 }));
    expect(rec.book.bestBid()).toBe(100);
    expect(rec.stats.snapshotsIgnored).toBe(1);
  });

  it('counts updates that arrive before any snapshot', () => {
    const { rec, requests } = setup();
    rec.onDiff(update(1, 2));
    expect(rec.stats.noBook).toBe(1);
    expect(requests).toHaveLength(1);
  });
});

describe('OKX checksum formatting', () => {
  it('prints numbers as OKX does, without float noise or exponents', () => {
    expect(plainDecimal(0.0032 / 0.01)).toBe('0.32');
    expect(plainDecimal(8477)).toBe('8477');
    expect(plainDecimal(8475.3)).toBe('8475.3');
    expect(plainDecimal(1e-7)).toBe('0.0000001');
  });

  it('is a signed 32-bit integer', () => {
    const rec = new OkxReconstructor({ symbol: 'BTC' });
    rec.onSnapshot(snapshot(1, [3366.1, 7, 3366, 6], [3366.8, 9, 3368, 8]));
    expect(okxChecksum(rec.book, 1)).toBe(-1881014294);
  });
});
