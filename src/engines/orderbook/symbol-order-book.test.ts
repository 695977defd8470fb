import { describe, expect, it } from 'vitest';
import type { DepthDiff, DepthSnapshot, Venue } from '../../events.js';
import type { ResyncRequest } from './reconstructor.js';
import { SymbolOrderBook } from './symbol-order-book.js';

const T = 1_700_000_010_000;

function snap(venue: Venue, lastUpdateId: number, bids: number[], asks: number[], symbol = 'BTC'): DepthSnapshot {
  return { type: 'depthSnapshot', venue, symbol, ts: T, lastUpdateId, bids, asks };
}

function binanceDiff(U: number, u: number, pu: number, bids: number[] = [], asks: number[] = []): DepthDiff {
  return { type: 'depthDiff', venue: 'binance', symbol: 'BTC', ts: T + 100, firstId: U, lastId: u, prevLastId: pu, bids, asks };
}

describe('SymbolOrderBook', () => {
  it('keeps one book per venue and a merged mid', () => {
    const ob = new SymbolOrderBook({ symbol: 'BTC' });
    ob.onEvent(snap('binance', 100, [64_000, 1], [64_002, 1]));
    ob.onEvent(snap('okx', 7, [64_010, 1], [64_012, 1]));
    expect(ob.book('binance')!.bestBid()).toBe(64_000);
    expect(ob.book('okx')!.bestAsk()).toBe(64_012);
    expect(ob.book('bybit')).toBeUndefined();
    expect(ob.mid()).toBe(64_006);
  });

  it('uses the symbol gap tolerance (BTC 1000) for Binance', () => {
    const requests: ResyncRequest[] = [];
    const ob = new SymbolOrderBook({ symbol: 'BTC', onResync: (r) => requests.push(r) });
    ob.onEvent(snap('binance', 100, [64_000, 1], [64_002, 1]));
    ob.onEvent(binanceDiff(90, 110, 89));
    ob.onEvent(binanceDiff(200, 300, 150)); // gap 40: tolerated
    ob.onEvent(binanceDiff(2000, 2100, 1500)); // gap 1200: resync
    expect(ob.stats().books.binance).toMatchObject({ gapTolerance: 1000, gapsTolerated: 1, resyncs: 1 });
    expect(requests).toEqual([expect.objectContaining({ venue: 'binance', symbol: 'BTC', action: 'snapshot', reason: 'gap' })]);
  });

  it("resets only the disconnected venue's book and asks for its resync", () => {
    const requests: ResyncRequest[] = [];
    const ob = new SymbolOrderBook({ symbol: 'BTC', onResync: (r) => requests.push(r) });
    ob.onEvent(snap('binance', 100, [64_000, 1], [64_002, 1]));
    ob.onEvent(snap('bybit', 5, [64_001, 1], [64_003, 1]));
    ob.onEvent({ type: 'disconnect', venue: 'bybit', ts: T + 1000, reason: 'stale' });
    expect(ob.isSynced('bybit')).toBe(false);
    expect(ob.book('bybit')!.bids.size).toBe(0);
    expect(ob.isSynced('binance')).toBe(true);
    expect(requests).toEqual([expect.objectContaining({ venue: 'bybit', action: 'resubscribe', reason: 'disconnect' })]);
    // a disconnect for other symbols only leaves this one alone
    ob.onEvent({ type: 'disconnect', venue: 'binance', ts: T + 2000, reason: 'x', symbols: ['ETH'] });
    expect(ob.isSynced('binance')).toBe(true);
  });

  it('counts depth of another symbol or an unconfigured venue instead of applying it', () => {
    const ob = new SymbolOrderBook({ symbol: 'BTC', venues: ['binance'] });
    ob.onEvent(snap('binance', 1, [3000, 1], [3001, 1], 'ETH'));
    ob.onEvent(snap('okx', 1, [64_000, 1], [64_001, 1]));
    expect(ob.stats().ignoredEvents).toBe(2);
    expect(ob.book('okx')).toBeUndefined();
  });

  it("writes the PoC's ob_recon_stats.json fields for the Binance book, then every venue", () => {
    const ob = new SymbolOrderBook({ symbol: 'BTC' });
    ob.onEvent(snap('bybit', 5, [64_001, 1], [64_003, 1]));
    ob.onEvent(snap('binance', 100, [64_000, 1, 63_990, 2], [64_002, 1]));
    ob.onEvent(binanceDiff(96, 104, 95, [64_000, 3]));
    const json = ob.statsJson();
    const poc = [
      'state', 'synced', 'snapshot_last_update_id', 'last_applied_u', 'first_diff_applied_U', 'first_diff_applied_u',
      'levels_bid', 'levels_ask', 'best_bid', 'best_ask', 'resyncs', 'diffs_buffered', 'diffs_applied', 'diffs_discarded',
      'last_update_ts', 'gap_tolerance', 'last_gap_type', 'last_gap_pu', 'last_gap_expected', 'pu_gap_count', 'u_gap_count',
      'max_sync_duration_s', 'diffs_in_current_sync',
    ];
    for (const key of poc) expect(json).toHaveProperty(key);
    expect(json).toMatchObject({
      symbol: 'BTC',
      state: 'synced',
      synced: true,
      snapshot_last_update_id: 100,
      last_applied_u: 104,
      first_diff_applied_U: 96,
      first_diff_applied_u: 104,
      levels_bid: 2,
      levels_ask: 1,
      best_bid: 64_000,
      best_ask: 64_002,
      diffs_applied: 1,
      gap_tolerance: 1000,
      last_update_ts: (T + 100) / 1000,
      venue: 'binance',
    });
    expect(Object.keys(json.venues).sort()).toEqual(['binance', 'bybit']);
    expect(json.venues.bybit).toMatchObject({ venue: 'bybit', snapshots: 1, synced: true });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});
