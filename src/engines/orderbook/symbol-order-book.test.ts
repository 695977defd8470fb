import { describe, expect, it } from 'vitest';
import type { BookTicker, DepthDiff, DepthSnapshot, Disconnect, Venue } from '../../events.js';
import { SYMBOL_CONFIGS } from '../symbol-config.js';
import type { ResyncRequest } from './reconstructor.js';
import type { OrderBookStatsJson } from './stats-json.js';
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
    ob.apply(snap('binance', 100, [64_000, 1], [64_002, 1]));
    ob.apply(snap('okx', 7, [64_010, 1], [64_012, 1]));
    expect(ob.book('binance')!.bestBid()).toBe(64_000);
    expect(ob.book('okx')!.bestAsk()).toBe(64_012);
    expect(ob.book('bybit')).toBeUndefined();
    expect(ob.mid()).toBe(64_006);
    expect(new SymbolOrderBook({ symbol: "BTC" }).mid()).toBeUndefined();
  });

  it('uses the symbol gap tolerance (BTC 1000) for Binance', () => {
    const requests: ResyncRequest[] = [];
    const ob = new SymbolOrderBook({ symbol: 'BTC', onResync: (r) => requests.push(r) });
    ob.apply(snap('binance', 100, [64_000, 1], [64_002, 1]));
    ob.apply(binanceDiff(90, 110, 89));
    ob.apply(binanceDiff(200, 300, 150)); // gap 40: tolerated
    ob.apply(binanceDiff(2000, 2100, 1500)); // gap 1200: resync
    expect(ob.stats().books.binance).toMatchObject({ gapTolerance: 1000, gapsTolerated: 1, resyncs: 1 });
    expect(requests).toEqual([expect.objectContaining({ venue: 'binance', symbol: 'BTC', action: 'snapshot', reason: 'gap' })]);
  });

  it("resets only the disconnected venue's book and asks for its resync", () => {
    const requests: ResyncRequest[] = [];
    const ob = new SymbolOrderBook({ symbol: 'BTC', onResync: (r) => requests.push(r) });
    ob.apply(snap('binance', 100, [64_000, 1], [64_002, 1]));
    ob.apply(snap('bybit', 5, [64_001, 1], [64_003, 1]));
    ob.apply({ type: 'disconnect', venue: 'bybit', ts: T + 1000, reason: 'stale' });
    expect(ob.isSynced('bybit')).toBe(false);
    expect(ob.book('bybit')!.bids.size).toBe(0);
    expect(ob.isSynced('binance')).toBe(true);
    expect(requests).toEqual([expect.objectContaining({ venue: 'bybit', action: 'resubscribe', reason: 'disconnect' })]);
    // a disconnect for other symbols only leaves this one alone
    ob.apply({ type: 'disconnect', venue: 'binance', ts: T + 2000, reason: 'x', symbols: ['ETH'] });
    expect(ob.isSynced('binance')).toBe(true);
  });

  it('counts depth of another symbol or an unconfigured venue instead of applying it', () => {
    const ob = new SymbolOrderBook({ symbol: 'BTC', venues: ['binance'] });
    ob.apply(snap('binance', 1, [3000, 1], [3001, 1], 'ETH'));
    ob.apply(snap('okx', 1, [64_000, 1], [64_001, 1]));
    expect(ob.stats().ignoredEvents).toBe(2);
    expect(ob.book('okx')).toBeUndefined();
  });

  it("writes the PoC's ob_recon_stats.json fields for the Binance book, then every venue", () => {
    const ob = new SymbolOrderBook({ symbol: 'BTC' });
    ob.apply(snap('bybit', 5, [64_001, 1], [64_003, 1]));
    ob.apply(snap('binance', 100, [64_000, 1, 63_990, 2], [64_002, 1]));
    ob.apply(binanceDiff(96, 104, 95, [64_000, 3]));
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

  it('stamps the stats with written_at in event time (epoch seconds, as the PoC) and writes them at flush, not only when a slot closes', () => {
    const stats: OrderBookStatsJson[] = [];
    const ob = new SymbolOrderBook({ symbol: 'BTC', onStats: (s) => stats.push(s) });
    expect(ob.statsJson().written_at).toBe(0);
    ob.apply(snap('binance', 100, [64_000, 1], [64_002, 1]));
    ob.apply(binanceDiff(96, 104, 95, [64_000, 3]));
    ob.apply({ ...binanceDiff(105, 110, 104, [64_000, 2]), ts: T + 700 });
    expect(stats).toHaveLength(0); // still inside the first 30 s slot
    ob.flush();
    expect(stats).toHaveLength(1);
    expect(stats[0]).toMatchObject({ diffs_applied: 2, last_applied_u: 110, written_at: (T + 700) / 1000 });
  });
});

describe('SymbolOrderBook as the SymbolEngine order-book slot', () => {
  /** The engines branch's OrderBookPort (src/engines/ports.ts there), restated to pin that it plugs in as is. */
  interface OrderBookPortShape {
    apply(event: DepthDiff | DepthSnapshot | BookTicker | Disconnect): void;
    mid(): number | undefined;
    advance(ts: number): void;
    stats(): Readonly<Record<string, unknown>>;
  }

  it('fits the port directly and reports frames, resyncs and stats through callbacks', () => {
    const frames: number[] = [];
    const resyncs: string[] = [];
    const stats: OrderBookStatsJson[] = [];
    const ob = new SymbolOrderBook({
      symbol: 'BTC',
      config: SYMBOL_CONFIGS.BTC!,
      onFrame: (f) => frames.push(f.record.ts),
      onResync: (r) => resyncs.push(`${r.venue}:${r.reason}`),
      onStats: (s) => stats.push(s),
    });
    const port: OrderBookPortShape = ob;
    port.apply(binanceDiff(1, 2, 0));
    port.apply(snap('binance', 2, [64_000, 1], [64_002, 1]));
    port.advance(T + 60_000);
    expect(port.mid()).toBe(64_001);
    expect(resyncs).toEqual(['binance:initial']);
    expect(frames).toEqual([T - (T % 30_000), T - (T % 30_000) + 30_000]);
    expect(stats).toHaveLength(1); // one write per advance that closed slots
    expect(stats[0]).toMatchObject({ symbol: 'BTC', state: 'synced', snapshot_last_update_id: 2 });
    expect(port.stats()).toMatchObject({ symbol: 'BTC' });
  });
});
