import { describe, expect, it } from 'vitest';
import type { DepthDiff, DepthSnapshot } from '../../events.js';
import { BybitReconstructor } from './bybit-book.js';
import type { ResyncRequest } from './reconstructor.js';

// The tardis-node fixture pair of VENUES.md 2.4, one level a side.
const T0 = 1_680_673_821_591;

function snapshot(u: number, bids: number[], asks: number[], ts = T0): DepthSnapshot {
  return { type: 'depthSnapshot', venue: 'bybit', symbol: 'BTC', ts, lastUpdateId: u, bids, asks };
}

function delta(u: number, bids: number[], asks: number[], ts = T0 + 60): DepthDiff {
  return { type: 'depthDiff', venue: 'bybit', symbol: 'BTC', ts, firstId: u, lastId: u, bids, asks };
}

function setup() {
  const requests: ResyncRequest[] = [];
  const rec = new BybitReconstructor({ symbol: 'BTC', onResync: (r) => requests.push(r) });
  return { rec, requests };
}

describe('Bybit orderbook.50 reconstruction', () => {
  it('replaces the book on a snapshot and applies deltas', () => {
    const { rec } = setup();
    rec.onSnapshot(snapshot(20683568, [28555.2, 0.597], [28555.3, 0.225]));
    rec.onDiff(delta(20683569, [28555.2, 0.677], [28555.3, 0.029]));
    expect(rec.state).toBe('synced');
    expect(rec.book.bids.qtyOf(28555.2)).toBe(0.677);
    expect(rec.book.asks.qtyOf(28555.3)).toBe(0.029);
    expect(rec.stats).toMatchObject({ snapshots: 1, applied: 1, lastUpdateId: 20683569, gaps: 0 });
  });

  it('resets the book on a new snapshot', () => {
    const { rec } = setup();
    rec.onSnapshot(snapshot(10, [100, 1, 99, 1], [101, 1]));
    rec.onSnapshot(snapshot(500, [200, 2], [201, 2]));
    expect(rec.book.bids.size).toBe(1);
    expect(rec.book.bestBid()).toBe(200);
    expect(rec.stats.snapshots).toBe(2);
  });

  it('treats u = 1 as a fresh snapshot after a service restart, even as a delta', () => {
    const { rec, requests } = setup();
    rec.onSnapshot(snapshot(177400507, [30247.2, 30.028, 30245.4, 0.224], [30248.7, 1]));
    rec.onDiff(delta(1, [30000, 1], [30001, 2]));
    expect(rec.book.bids.size).toBe(1);
    expect(rec.book.bestBid()).toBe(30000);
    expect(rec.book.bestAsk()).toBe(30001);
    expect(rec.stats).toMatchObject({ serviceRestarts: 1, lastUpdateId: 1, gaps: 0 });
    rec.onDiff(delta(2, [30000, 3], []));
    expect(rec.book.bids.qtyOf(30000)).toBe(3);
    expect(requests).toHaveLength(0);
  });

  it('deletes a level on size 0 and inserts a new price', () => {
    const { rec } = setup();
    rec.onSnapshot(snapshot(1000, [30240, 1, 30242.1, 1], [30248.7, 1]));
    // part of the published delta (VENUES.md 2.4)
    rec.onDiff(delta(1001, [30247.2, 30.028, 30240, 0], [30248.7, 0, 30249.3, 0.892]));
    expect(rec.book.bestBid()).toBe(30247.2);
    expect(rec.book.bids.qtyOf(30240)).toBe(0);
    expect(rec.book.bestAsk()).toBe(30249.3);
  });

  it('counts an out-of-order u as a gap, drops the book and requests a resubscribe', () => {
    const { rec, requests } = setup();
    rec.onSnapshot(snapshot(100, [100, 1], [101, 1]));
    rec.onDiff(delta(101, [100, 2], []));
    rec.onDiff(delta(101, [100, 3], []));
    expect(rec.stats).toMatchObject({ gaps: 1, outOfOrder: 1, lastGapType: 'out_of_order', resyncs: 1, state: 'syncing' });
    expect(rec.book.bids.size).toBe(0);
    expect(requests).toEqual([expect.objectContaining({ action: 'resubscribe', reason: 'gap' })]);
  });

  it('applies a u that skips ahead and counts it (Bybit does not document +1 steps)', () => {
    const { rec } = setup();
    rec.onSnapshot(snapshot(100, [100, 1], [101, 1]));
    rec.onDiff(delta(105, [100, 2], []));
    expect(rec.stats).toMatchObject({ uSkips: 1, gaps: 0, applied: 1 });
    expect(rec.book.bids.qtyOf(100)).toBe(2);
  });

  it('counts deltas that arrive before any snapshot and asks for one once', () => {
    const { rec, requests } = setup();
    rec.onDiff(delta(7, [100, 1], []));
    rec.onDiff(delta(8, [100, 1], []));
    expect(rec.stats.noBook).toBe(2);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ action: 'resubscribe', reason: 'initial' });
  });
});
