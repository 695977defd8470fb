import { describe, expect, it } from 'vitest';
import type { BookTicker, DepthDiff, DepthSnapshot } from '../../events.js';
import { BinanceReconstructor } from './binance-book.js';
import type { ResyncRequest } from './reconstructor.js';

const T0 = 1_721_347_022_000;

function snapshot(lastUpdateId: number, bids: number[] = [100, 1, 99, 2], asks: number[] = [101, 1, 102, 2], ts = T0): DepthSnapshot {
  return { type: 'depthSnapshot', venue: 'binance', symbol: 'BTC', ts, lastUpdateId, bids, asks };
}

function diff(o: { U: number; u: number; pu?: number; bids?: number[]; asks?: number[]; ts?: number }): DepthDiff {
  return {
    type: 'depthDiff',
    venue: 'binance',
    symbol: 'BTC',
    ts: o.ts ?? T0 + o.u,
    firstId: o.U,
    lastId: o.u,
    ...(o.pu !== undefined ? { prevLastId: o.pu } : {}),
    bids: o.bids ?? [],
    asks: o.asks ?? [],
  };
}

function setup(gapTolerance = 0, maxBufferedDiffs?: number) {
  const requests: ResyncRequest[] = [];
  const rec = new BinanceReconstructor({
    symbol: 'BTC',
    gapTolerance,
    onResync: (r) => requests.push(r),
    ...(maxBufferedDiffs !== undefined ? { maxBufferedDiffs } : {}),
  });
  return { rec, requests };
}

describe('Binance futures book reconstruction', () => {
  it('requests one snapshot on the first diff and buffers diffs until it comes', () => {
    const { rec, requests } = setup();
    rec.onDiff(diff({ U: 90, u: 95, pu: 89 }));
    rec.onDiff(diff({ U: 96, u: 99, pu: 95 }));
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ venue: 'binance', symbol: 'BTC', action: 'snapshot', reason: 'initial' });
    expect(rec.state).toBe('syncing');
    expect(rec.stats.buffered).toBe(2);
    expect(rec.stats.applied).toBe(0);
  });

  it('drops diffs older than the snapshot update id', () => {
    const { rec } = setup();
    rec.onDiff(diff({ U: 90, u: 95, pu: 89, bids: [100, 9] }));
    rec.onDiff(diff({ U: 96, u: 99, pu: 95, bids: [100, 8] }));
    rec.onSnapshot(snapshot(100));
    expect(rec.stats.stale).toBe(2);
    expect(rec.stats.applied).toBe(0);
    expect(rec.book.bids.qtyOf(100)).toBe(1); // the snapshot's, not the stale diffs'
    // and live: a diff whose u is below lastUpdateId is dropped too
    rec.onDiff(diff({ U: 97, u: 99, pu: 96 }));
    expect(rec.stats.stale).toBe(3);
  });

  it('applies the first diff that spans the snapshot (U ≤ lastUpdateId ≤ u)', () => {
    const { rec } = setup();
    rec.onSnapshot(snapshot(100));
    rec.onDiff(diff({ U: 96, u: 104, pu: 95, bids: [100, 5], asks: [101, 0] }));
    expect(rec.stats.applied).toBe(1);
    expect(rec.stats.firstDiffFirstId).toBe(96);
    expect(rec.stats.firstDiffLastId).toBe(104);
    expect(rec.stats.lastUpdateId).toBe(104);
    expect(rec.book.bids.qtyOf(100)).toBe(5);
    expect(rec.book.bestAsk()).toBe(102); // 101 deleted by qty 0
  });

  it('accepts a first diff ending exactly at lastUpdateId', () => {
    const { rec } = setup();
    rec.onSnapshot(snapshot(100));
    rec.onDiff(diff({ U: 98, u: 100, pu: 97 }));
    expect(rec.stats.applied).toBe(1);
    expect(rec.stats.gaps).toBe(0);
  });

  it('requests a new snapshot when the first diff starts after it (the snapshot is too old)', () => {
    const { rec, requests } = setup(1000); // tolerance applies to the pu chain, not to the bridge
    rec.onSnapshot(snapshot(100));
    rec.onDiff(diff({ U: 102, u: 110, pu: 101 }));
    expect(rec.stats.applied).toBe(0);
    expect(rec.stats.bridgeFailures).toBe(1);
    expect(rec.stats.lastGapType).toBe('bridge');
    expect(rec.state).toBe('syncing');
    expect(rec.book.bids.size).toBe(0);
    expect(requests.map((r) => r.reason)).toEqual(['gap']);
    expect(rec.stats.buffered).toBe(1); // kept for the next snapshot
    rec.onSnapshot(snapshot(105));
    expect(rec.state).toBe('synced');
    expect(rec.stats.applied).toBe(1); // U 102 ≤ 105 ≤ u 110
  });

  it('applies diffs whose pu equals the previous u, and checks pu across buffered diffs too', () => {
    const { rec, requests } = setup();
    rec.onDiff(diff({ U: 96, u: 104, pu: 95 }));
    rec.onDiff(diff({ U: 105, u: 110, pu: 104, bids: [100, 3] }));
    rec.onDiff(diff({ U: 111, u: 120, pu: 999 })); // broken inside the buffer
    rec.onSnapshot(snapshot(100));
    expect(rec.stats.applied).toBe(2);
    expect(rec.stats.puGaps).toBe(1);
    expect(rec.state).toBe('syncing');
    expect(requests.map((r) => r.reason)).toEqual(['initial', 'gap']);
  });

  it('keeps the book and counts the gap when pu is off by no more than the tolerance', () => {
    const { rec, requests } = setup(1000);
    rec.onSnapshot(snapshot(100));
    rec.onDiff(diff({ U: 96, u: 104, pu: 95 }));
    rec.onDiff(diff({ U: 900, u: 1200, pu: 1104, bids: [100, 7] })); // pu − previous u = 1000
    expect(rec.state).toBe('synced');
    expect(rec.stats.applied).toBe(2);
    expect(rec.stats.gaps).toBe(1);
    expect(rec.stats.gapsTolerated).toBe(1);
    expect(rec.stats).toMatchObject({ lastGapType: 'pu_mismatch', lastGapPrev: 1104, lastGapExpected: 104 });
    expect(rec.book.bids.qtyOf(100)).toBe(7);
    expect(requests).toHaveLength(0);
  });

  it('marks the book out of sync and requests a resync when the gap exceeds the tolerance', () => {
    const { rec, requests } = setup(1000);
    rec.onSnapshot(snapshot(100));
    rec.onDiff(diff({ U: 96, u: 104, pu: 95 }));
    rec.onDiff(diff({ U: 1106, u: 1200, pu: 1105 })); // gap 1001
    expect(rec.state).toBe('syncing');
    expect(rec.stats.resyncs).toBe(1);
    expect(rec.book.bids.size + rec.book.asks.size).toBe(0);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ action: 'snapshot', reason: 'gap' });
    expect(requests[0]!.detail).toContain('gap 1001 > tolerance 1000');
    // the engine never fetches: it waits, buffering, until a snapshot event arrives
    rec.onDiff(diff({ U: 1201, u: 1300, pu: 1200 }));
    expect(requests).toHaveLength(1);
    rec.onSnapshot(snapshot(1250, [200, 1], [201, 1]));
    expect(rec.state).toBe('synced');
    expect(rec.stats.applied).toBe(2); // 104, then 1300 (1106..1200 is older than 1250: dropped)
    expect(rec.book.bestBid()).toBe(200);
  });

  it('is strict with the default tolerance of 0', () => {
    const { rec, requests } = setup(0);
    rec.onSnapshot(snapshot(100));
    rec.onDiff(diff({ U: 96, u: 104, pu: 95 }));
    rec.onDiff(diff({ U: 106, u: 110, pu: 105 }));
    expect(rec.state).toBe('syncing');
    expect(requests).toHaveLength(1);
  });

  it('drops a duplicate diff after sync without breaking the chain', () => {
    const { rec } = setup();
    rec.onSnapshot(snapshot(100));
    rec.onDiff(diff({ U: 96, u: 104, pu: 95 }));
    rec.onDiff(diff({ U: 96, u: 104, pu: 95 }));
    rec.onDiff(diff({ U: 105, u: 110, pu: 104 }));
    expect(rec.stats).toMatchObject({ applied: 2, stale: 1, gaps: 0, state: 'synced' });
  });

  it('bounds the wait buffer, dropping the oldest and counting them', () => {
    const { rec } = setup(0, 3);
    for (let i = 0; i < 5; i++) rec.onDiff(diff({ U: 10 * i + 1, u: 10 * i + 10, pu: 10 * i }));
    expect(rec.stats.buffered).toBe(3);
    expect(rec.stats.bufferOverflow).toBe(2);
    expect(rec.stats.bufferedTotal).toBe(5);
    // the snapshot at 25 is bridged by the oldest kept diff (21..30)
    rec.onSnapshot(snapshot(25));
    expect(rec.stats.applied).toBe(3);
    expect(rec.stats.lastUpdateId).toBe(50);
  });

  it('re-requests a snapshot that has not arrived after resyncRetryMs of event time', () => {
    const requests: ResyncRequest[] = [];
    const rec = new BinanceReconstructor({ symbol: 'BTC', resyncRetryMs: 10_000, onResync: (r) => requests.push(r) });
    rec.onDiff(diff({ U: 1, u: 2, pu: 0, ts: T0 }));
    rec.advance(T0 + 9_999);
    expect(requests).toHaveLength(1);
    rec.advance(T0 + 10_000);
    expect(requests.map((r) => r.reason)).toEqual(['initial', 'stalled']);
  });

  it('falls back to the U chain when pu is absent', () => {
    const { rec } = setup(0);
    rec.onSnapshot(snapshot(100));
    rec.onDiff(diff({ U: 99, u: 104 }));
    rec.onDiff(diff({ U: 105, u: 110 }));
    rec.onDiff(diff({ U: 112, u: 120 }));
    expect(rec.stats.applied).toBe(2);
    expect(rec.stats.uGaps).toBe(1);
    expect(rec.state).toBe('syncing');
  });

  it('ignores a snapshot while the chain is intact', () => {
    const { rec } = setup();
    rec.onSnapshot(snapshot(100));
    rec.onDiff(diff({ U: 96, u: 104, pu: 95, bids: [100, 5] }));
    rec.onSnapshot(snapshot(200, [50, 1], [60, 1]));
    expect(rec.stats.snapshotsIgnored).toBe(1);
    expect(rec.book.bids.qtyOf(100)).toBe(5);
  });

  it('resets the book and requests a snapshot on disconnect', () => {
    const { rec, requests } = setup();
    rec.onSnapshot(snapshot(100));
    rec.onDiff(diff({ U: 96, u: 104, pu: 95 }));
    rec.disconnect(T0 + 5000, 'socket closed');
    expect(rec.state).toBe('syncing');
    expect(rec.book.bids.size).toBe(0);
    expect(rec.stats).toMatchObject({ disconnects: 1, resyncs: 1 });
    expect(requests.at(-1)).toMatchObject({ reason: 'disconnect', action: 'snapshot', ts: T0 + 5000 });
  });

  it('cross-checks bookTicker best bid and ask at the same update id', () => {
    const { rec } = setup();
    const ticker = (u: number, bid: number, bidQty: number, ask: number, askQty: number): BookTicker => ({
      type: 'bookTicker', venue: 'binance', symbol: 'BTC', ts: T0, updateId: u, bidPrice: bid, bidQty, askPrice: ask, askQty,
    });
    rec.onSnapshot(snapshot(100));
    rec.onTicker(ticker(104, 100, 5, 101, 1)); // before the diff with u 104: waits
    rec.onDiff(diff({ U: 96, u: 104, pu: 95, bids: [100, 5] }));
    rec.onTicker(ticker(104, 100, 5, 101, 1)); // after it
    rec.onTicker(ticker(104, 100, 4, 101, 1)); // wrong quantity
    rec.onTicker(ticker(103, 100, 5, 101, 1)); // no book state at 103: cannot be checked
    expect(rec.stats.tickerChecks).toBe(3);
    expect(rec.stats.tickerMismatches).toBe(1);
    expect(rec.stats.tickersUnmatched).toBe(1);
    expect(rec.stats.lastTickerMismatch).toContain('u 104');
  });
});
