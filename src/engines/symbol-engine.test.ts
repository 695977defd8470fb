import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../events.js';
import type { LeverageConfig } from './leverage-config.js';
import type { WeightsUpdate } from './leverage-params.js';
import { MemorySink } from './memory-sink.js';
import { NULL_SINK, type BookEvent, type CalibratorInit, type CalibratorPort, type LiquidationContext, type MinuteSnapshot, type OrderBookPort } from './ports.js';
import { SymbolEngine, type SymbolEngineOptions } from './symbol-engine.js';
import { orderBookFactory } from './orderbook/port.js';
import { MIN, T0, depthDiff, liquidation, mark, openInterest, tick, trade } from './testing/factories.js';

const LADDER: LeverageConfig = { symbol: 'BTC', tiers: [10, 20, 50], priorWeights: [0, 0.75, 0.25], disabledTiers: new Set([10]) };

function engine(over: Partial<SymbolEngineOptions> = {}): { engine: SymbolEngine; sink: MemorySink } {
  const sink = new MemorySink();
  return { engine: new SymbolEngine({ symbol: 'BTC', leverage: LADDER, sink, ...over }), sink };
}

function feed(e: SymbolEngine, events: NormalizedEvent[]): void {
  for (const event of events) e.apply(event);
}

/** A minute of marks drawing open/high/low/close, with OI readings at +10 s and +40 s. */
function minute(start: number, ohlc: [number, number, number, number], oi?: number): NormalizedEvent[] {
  const [o, h, l, c] = ohlc;
  const events: NormalizedEvent[] = [mark(start + 1_000, o), mark(start + 15_000, h), mark(start + 30_000, l), mark(start + 45_000, c)];
  if (oi !== undefined) events.push(openInterest(start + 10_000, oi), openInterest(start + 40_000, oi));
  return events.sort((a, b) => a.ts - b.ts);
}

class FakeCalibrator implements CalibratorPort {
  readonly calls: string[] = [];
  readonly snapshots: MinuteSnapshot[] = [];
  readonly liquidations: { ts: number; context: LiquidationContext }[] = [];
  constructor(
    readonly init: CalibratorInit,
    private readonly onSnapshot?: (snapshot: MinuteSnapshot, init: CalibratorInit) => void,
  ) {}
  onLiquidation(event: { ts: number }, context: LiquidationContext): void {
    this.calls.push(`liquidation ${event.ts - T0}`);
    this.liquidations.push({ ts: event.ts, context });
  }
  onMinuteSnapshot(snapshot: MinuteSnapshot): void {
    this.calls.push(`snapshot ${snapshot.minuteStart - T0}`);
    this.snapshots.push(snapshot);
    this.onSnapshot?.(snapshot, this.init);
  }
  weights(): WeightsUpdate {
    return { weights: { 10: 0, 20: 0.75, 50: 0.25 }, buffer: 0.002, bias: { long: 0, short: 0 } };
  }
  counters() {
    return { liquidations: this.liquidations.length, snapshots: this.snapshots.length };
  }
}

describe('SymbolEngine event clock', () => {
  it('rolls over once per crossed minute, across a gap, and writes JSON snapshots once per burst', () => {
    const { engine: e, sink } = engine();
    feed(e, [mark(T0 + 1_000, 65_000), mark(T0 + MIN + 1_000, 65_010)]);
    expect(e.counters().minutesRolled).toBe(1);
    feed(e, [mark(T0 + 5 * MIN + 1_000, 65_020)]); // closes minutes 1, 2, 3 and 4
    expect(e.counters().minutesRolled).toBe(5);
    expect(sink.history.filter((h) => h.kind === 'v2').map((h) => (h.record.ts - T0) / MIN)).toEqual([1, 2, 3, 4, 5]);
    expect(sink.v2.map((s) => s.snapshot.minute_start_ms)).toEqual([T0, T0 + 4 * MIN]);
    expect(e.counters()).toMatchObject({ minutesFromMark: 2, minutesPriceCarried: 3 });
  });

  it('fast-forwards a gap longer than a day in one step, decaying everything and forgetting OI baselines', () => {
    const { engine: e, sink } = engine();
    feed(e, [openInterest(T0 + 500, 1000), mark(T0 + 1_000, 65_000), liquidation(T0 + 2_000, 'long', 64_000, 10)]);
    feed(e, [openInterest(T0 + 2 * 1440 * MIN + 500, 1300), mark(T0 + 2 * 1440 * MIN + 1_000, 65_000)]);
    expect(e.counters()).toMatchObject({ minutesRolled: 1, minutesFastForwarded: 2 * 1440 - 1 });
    expect(e.minuteStart).toBe(T0 + 2 * 1440 * MIN);
    expect(e.tape.bucketCount('long')).toBe(0); // 640 000·0.995^2879 < 100 USD
    feed(e, [mark(T0 + (2 * 1440 + 1) * MIN + 1_000, 65_000)]);
    expect(sink.v2.at(-1)!.snapshot.stats.minute.oi_delta_base).toBeNull(); // no fake 300 BTC opening
  });

  it('lets a tick close a minute only 2 s after its end and never start the clock', () => {
    const { engine: e } = engine();
    e.apply(tick(T0 + 5_000));
    expect(Number.isNaN(e.minuteStart)).toBe(true);
    e.apply(mark(T0 + 1_000, 65_000));
    e.apply(tick(T0 + MIN + 1_999));
    expect(e.counters().minutesRolled).toBe(0);
    e.apply(tick(T0 + MIN + 2_000));
    expect(e.counters().minutesRolled).toBe(1);
    // a venue event 1.5 s after the boundary that the tick-closed minute no longer covers: not late
    e.apply(mark(T0 + MIN + 500, 65_000));
    expect(e.counters().lateEvents).toBe(0);
  });

  it('applies a late event to the open minute and counts it', () => {
    const { engine: e, sink } = engine();
    feed(e, [mark(T0 + 1_000, 65_000), mark(T0 + MIN + 1_000, 65_000), trade(T0 + 59_000, 65_000, 2, 'buy'), mark(T0 + 2 * MIN + 1_000, 65_000)]);
    expect(e.counters().lateEvents).toBe(1);
    expect(sink.v2.at(-1)!.snapshot.stats.minute.trades).toBe(1); // counted in minute 1
  });

  it('counts non-positive prices and quantities instead of applying them', () => {
    const { engine: e } = engine();
    feed(e, [mark(T0, 0), trade(T0, -1, 1, 'buy'), trade(T0, 1, 0, 'sell'), liquidation(T0, 'long', 0, 1), openInterest(T0, Number.NaN)]);
    expect(e.counters()).toMatchObject({ markPricesRejected: 1, tradesRejected: 2, liquidationsRejected: 1, openInterestRejected: 1, markPrices: 0 });
  });

  it('counts minutes without any price and writes no snapshot for them', () => {
    const { engine: e, sink } = engine();
    feed(e, [openInterest(T0 + 1_000, 1000), openInterest(T0 + MIN + 1_000, 1000)]);
    expect(e.counters().minutesWithoutPrice).toBe(1);
    expect(sink.v1).toHaveLength(0);
  });
});

describe('SymbolEngine prices', () => {
  class FakeBook implements OrderBookPort {
    midPrice: number | undefined;
    applied: BookEvent[] = [];
    advancedTo = 0;
    apply(event: BookEvent) {
      this.applied.push(event);
    }
    mid() {
      return this.midPrice;
    }
    advance(ts: number) {
      this.advancedTo = ts;
    }
    stats() {
      return {};
    }
  }

  it('takes OHLC from a synced book mid, else mark price, else trades, else carries the close', () => {
    const book = new FakeBook();
    const { engine: e, sink } = engine({ orderBook: () => book });
    // minute 0: book synced, mids 100 → 110 → 90 → 105, marks ignored
    book.midPrice = 100;
    feed(e, [depthDiff(T0 + 1_000), mark(T0 + 2_000, 500)]);
    book.midPrice = 110;
    e.apply(depthDiff(T0 + 3_000));
    book.midPrice = 90;
    e.apply(depthDiff(T0 + 4_000));
    book.midPrice = 105;
    e.apply(depthDiff(T0 + 5_000));
    // minute 1: book not synced → marks
    book.midPrice = undefined;
    feed(e, [depthDiff(T0 + MIN + 1_000), mark(T0 + MIN + 2_000, 104), mark(T0 + MIN + 3_000, 106)]);
    // minute 2: trades only
    feed(e, [trade(T0 + 2 * MIN + 1_000, 103, 1, 'buy'), trade(T0 + 2 * MIN + 2_000, 101, 1, 'sell')]);
    // minute 3: nothing, closed by minute 4's event
    e.apply(mark(T0 + 4 * MIN + 1_000, 100));
    const minutes = sink.linesOf('minute').map((l) => [l.price_source, l.open, l.high, l.low, l.close]);
    expect(minutes).toEqual([
      ['book', 100, 110, 90, 105],
      ['mark', 104, 106, 104, 106],
      ['trade', 103, 103, 101, 101],
      ['carried', 101, 101, 101, 101],
    ]);
    // minutes 2 and 3 closed in one burst: one JSON snapshot (the last), a ring record each
    expect(sink.v2.map((s) => s.snapshot.price)).toEqual([101.25, 105, 101]);
    expect(sink.history.filter((h) => h.kind === 'v2').map((h) => h.record.src)).toEqual([101.25, 105, 102, 101]);
    expect(e.counters()).toMatchObject({ minutesFromBook: 1, minutesFromMark: 1, minutesFromTrades: 1, minutesPriceCarried: 1 });
    expect(book.applied).toHaveLength(5);
    expect(book.advancedTo).toBe(T0 + 4 * MIN);
  });
});

describe('SymbolEngine inference and snapshots', () => {
  /** OI 1000 → 1010 with taker buys 6 BTC and sells 4 BTC at 65 000 in minute 1. */
  function opening(): NormalizedEvent[] {
    return [
      ...minute(T0, [65_000, 65_000, 65_000, 65_000], 1000),
      ...minute(T0 + MIN, [65_000, 65_000, 65_000, 65_000], 1010),
      trade(T0 + MIN + 20_000, 65_000, 6, 'buy'),
      trade(T0 + MIN + 21_000, 65_000, 4, 'sell'),
      mark(T0 + 2 * MIN + 1_000, 65_000),
    ].sort((a, b) => a.ts - b.ts);
  }

  it('projects a ΔOI split by this minute\'s taker share: long pools below price, short pools above', () => {
    const { engine: e, sink } = engine();
    feed(e, opening());
    const v2 = sink.v2.at(-1)!.snapshot;
    expect(v2.stats.minute).toMatchObject({ oi_delta_base: 10, taker_buy_usd: 390_000, taker_sell_usd: 260_000, added_long_usd: 390_000, added_short_usd: 260_000 });
    expect(v2.long_levels.map((p) => [p.price, p.tier_notional_usd])).toEqual([
      [61_880, { 20: 292_500 }],
      [63_840, { 50: 97_500 }],
    ]);
    expect(v2.short_levels.map((p) => [p.price, p.tier_notional_usd])).toEqual([
      [68_120, { 20: 195_000 }],
      [66_180, { 50: 65_000 }],
    ]);
    for (const p of v2.long_levels) expect(p.price).toBeLessThan(v2.price);
    for (const p of v2.short_levels) expect(p.price).toBeGreaterThan(v2.price);
    expect(v2.stats.inference.total_inferred_long_usd).toBe(390_000);
    expect(v2.meta).toMatchObject({ force_orders_total: 0, inferences_total: 4, long_pools_count: 2, short_pools_count: 2, min_notional_usd: 10_000 });
  });

  it('logs the levels each minute created (projection parts by side and tier, tape buckets) on its minute line', () => {
    const { engine: e, sink } = engine();
    feed(e, [...opening(), liquidation(T0 + MIN + 30_000, 'short', 65_008, 2), liquidation(T0 + MIN + 31_000, 'short', 65_009, 1)].sort((a, b) => a.ts - b.ts));
    const lines = sink.linesOf('minute');
    expect(lines.map((l) => [l.minute_key, l.proj_added, l.tape_added])).toEqual([
      [(T0 + MIN) / MIN, [], []],
      [
        (T0 + 2 * MIN) / MIN,
        [
          // the implied levels themselves, 65 000·(1 ∓ 1/L ± 0.002), not their buckets
          ['long', 20, 61_880, 292_500],
          ['long', 50, 63_830, 97_500],
          ['short', 20, 68_120, 195_000],
          ['short', 50, 66_170, 65_000],
        ],
        [['short', 65_000, 195_025]], // 2·65 008 + 65 009, both in bucket 65 000 (step 20)
      ],
    ]);
  });

  it('builds a minute\'s snapshots only when asked, with that minute\'s values however late', () => {
    const events = [
      ...opening(),
      liquidation(T0 + 2 * MIN + 5_000, 'short', 65_900, 3),
      ...minute(T0 + 3 * MIN, [65_000, 66_000, 64_000, 65_500], 1030),
      trade(T0 + 3 * MIN + 50_000, 65_500, 2, 'sell'),
      mark(T0 + 5 * MIN + 1_000, 65_400),
    ].sort((a, b) => a.ts - b.ts);
    // reference: every snapshot built the moment the engine hands it over
    const eager: string[] = [];
    const reference = new SymbolEngine({
      symbol: 'BTC',
      leverage: LADDER,
      sink: { ...NULL_SINK, snapshotV1: (_s, v1) => eager.push(JSON.stringify(v1())), snapshotV2: (_s, v2) => eager.push(JSON.stringify(v2())) },
    });
    feed(reference, events);
    // lazy: nothing built until read, after every event (counters, zones and the inventory have moved on)
    const { engine: e, sink } = engine();
    feed(e, events);
    expect(sink.v2.length).toBeGreaterThanOrEqual(3);
    const late = sink.v1.flatMap((v1, i) => [JSON.stringify(v1.snapshot), JSON.stringify(sink.v2[i]!.snapshot)]);
    expect(late).toEqual(eager);
    expect(e.snapshotV2()).toBe(e.snapshotV2()); // built once
    expect(e.snapshotV2()!.stats.counters.liquidations).toBe(1);
  });

  it('writes the PoC keys of V1 and V2 in the PoC order, then ours', () => {
    const { engine: e, sink } = engine();
    feed(e, opening());
    const v1 = sink.v1.at(-1)!.snapshot;
    const v2 = sink.v2.at(-1)!.snapshot;
    expect(Object.keys(v1).slice(0, 17)).toEqual([
      'schema_version', 'symbol', 'ts', 'src', 'step', 'price_min', 'price_max', 'prices', 'long_intensity', 'short_intensity',
      'long_notional_usd', 'short_notional_usd', 'long_size_btc', 'short_size_btc', 'top_long_zones', 'top_short_zones', 'norm',
    ]);
    expect(Object.keys(v2).slice(0, 19)).toEqual([
      'symbol', 'ts', 'price', 'range_pct', 'long_levels', 'short_levels', 'meta', 'stats', 'src', 'step', 'price_min', 'price_max', 'prices',
      'long_intensity', 'short_intensity', 'long_notional_usd', 'short_notional_usd', 'long_size_btc', 'short_size_btc',
    ]);
    expect(Object.keys(v2.meta)).toEqual([
      'tape_weight', 'projection_weight', 'force_orders_total', 'inferences_total', 'cluster_radius_pct', 'min_notional_usd',
      'long_pools_count', 'short_pools_count', 'raw_long_buckets', 'raw_short_buckets',
    ]);
    expect(Object.keys(v2.stats).slice(0, 9)).toEqual(['symbol', 'current_minute', 'current_price', 'total_force_orders', 'total_inferences', 'tape', 'inference', 'config', 'zone_manager']);
    expect(v2.ts).toBe((T0 + 2 * MIN) / 1000); // seconds, event time
    expect(v2.stats.current_minute).toBe((T0 + 2 * MIN) / MIN);
    expect(v1.prices).toHaveLength(v1.long_intensity.length);
    expect(v1.price_min).toBe(59_800); // 65 000·0.92
    expect(v2.price_min).toBe(58_500); // 65 000·0.9
    expect(v1.top_long_zones.length).toBeGreaterThan(0);
    const n = v2.prices.length;
    for (const key of ['long_intensity', 'short_intensity', 'long_notional_usd', 'short_notional_usd', 'long_size_btc', 'short_size_btc', 'long_usd', 'short_usd'] as const) {
      expect(v2[key]).toHaveLength(n);
    }
  });

  it('keeps a liquidation on the tape and as a zone after the minute it happened in', () => {
    const { engine: e, sink } = engine();
    feed(e, [
      ...minute(T0, [65_000, 65_100, 63_900, 64_500]),
      liquidation(T0 + 31_000, 'long', 64_000, 2), // 128 000 USD, inside minute 0's range
      mark(T0 + MIN + 1_000, 64_500),
    ].sort((a, b) => a.ts - b.ts));
    const v2 = sink.v2.at(-1)!.snapshot;
    expect(v2.stats.tape).toMatchObject({ total_events: 1, long_buckets: 1 });
    expect(e.zones.query()).toMatchObject([{ price: 64_000, source: 'tape', weight: 1.28 }]);
    // minute 1 trades back down through 64 000: now it is swept
    feed(e, [mark(T0 + MIN + 20_000, 63_950), mark(T0 + 2 * MIN + 1_000, 64_500)]);
    expect(e.tape.bucketCount('long')).toBe(0);
    expect(e.zones.query()).toEqual([]);
    expect(sink.linesOf('sweep').map((l) => [l.layer, l.bucket])).toEqual([['tape', 64_000]]);
    expect(sink.linesOf('zone_swept').map((l) => l.price)).toEqual([64_000]);
  });

  it('keeps a venue that drops out and comes back from faking an opening', () => {
    const { engine: e } = engine();
    const events: NormalizedEvent[] = [];
    for (let m = 0; m < 5; m++) {
      events.push(...minute(T0 + m * MIN, [65_000, 65_000, 65_000, 65_000], 1000));
      if (m !== 2) events.push(openInterest(T0 + m * MIN + 10_000, 400, 'okx')); // OKX misses minute 2
    }
    events.push(mark(T0 + 5 * MIN + 1_000, 65_000));
    feed(e, events.sort((a, b) => a.ts - b.ts));
    expect(e.inference.totalUsd('long') + e.inference.totalUsd('short')).toBe(0);
    // both venues establish a baseline in minute 0 (2), then OKX's missed minute and its return (2)
    expect(e.counters()).toMatchObject({ oiVenueMinutesLeftOut: 4, minutesWithoutOi: 1 });
  });

  it('writes zones every minute of event time and restores them into a new engine', () => {
    const first = engine();
    feed(first.engine, opening());
    expect(first.sink.zoneFiles.length).toBe(2);
    const saved = JSON.parse(JSON.stringify(first.sink.zoneFiles.at(-1)!.file));
    expect(saved.zone_count).toBe(first.engine.zones.query().length);
    const second = engine({ restore: { zones: saved } });
    second.engine.apply(mark(T0 + 2 * MIN + 5_000, 65_000)); // the next minute: no downtime
    expect(second.engine.zones.query()).toEqual(first.engine.zones.query());
    // 100 minutes later: the downtime's decay is caught up
    const third = engine({ restore: { zones: saved } });
    third.engine.apply(mark(T0 + 102 * MIN + 5_000, 65_000));
    const w = (zs: { weight: number }[]) => zs.map((z) => z.weight);
    expect(w(third.engine.zones.query())[0]).toBeCloseTo(w(first.engine.zones.query())[0]! * 0.995 ** 100, 3);
  });

  it('discards restored zones that are newer than the first event of the run', () => {
    const first = engine();
    feed(first.engine, opening());
    const warnings: string[] = [];
    const again = engine({ restore: { zones: first.sink.zoneFiles.at(-1)!.file }, onWarning: (m) => warnings.push(m) });
    again.engine.apply(mark(T0 - 10 * MIN, 65_000));
    expect(again.engine.zones.query()).toEqual([]);
    expect(again.engine.counters().zonesRestoreDiscarded).toBe(1);
    expect(warnings[0]).toContain('newer than the first event');
  });
});

describe('SymbolEngine grid trimming', () => {
  it('counts the minutes, buckets and combined USD left outside the 1000-point grid with BTC at 125 000', () => {
    const { engine: e } = engine();
    e.apply(mark(T0 + 1_000, 125_000));
    e.apply(liquidation(T0 + 2_000, 'long', 113_000, 1)); // 9.6 % below: on the tape, outside the grid
    e.apply(mark(T0 + MIN + 1_000, 125_000));
    const counters = e.counters();
    expect(counters).toMatchObject({ heatmapMinutesGridTrimmed: 1, heatmapBucketsOutsideGrid: 251 });
    expect(counters.heatmapOutsideGridUsd).toBeCloseTo(0.35 * e.tape.get('long', 5650), 2);
    expect(counters.heatmapOutsideGridUsd).toBeGreaterThan(0.35 * 113_000 * 0.9);
    expect(e.snapshotV2()!.stats.counters.heatmapBucketsOutsideGrid).toBe(251);
  });
});

describe('SymbolEngine flush (shutdown)', () => {
  it('writes the order-book stats at flush, so the file does not lag the last 30 s slot', () => {
    const { engine: e, sink } = engine({ orderBook: orderBookFactory });
    e.apply({ type: 'depthSnapshot', venue: 'binance', symbol: 'BTC', ts: T0 + 1_000, lastUpdateId: 100, bids: [65_000, 1], asks: [65_020, 1] });
    e.apply(depthDiff(T0 + 2_000, { firstId: 96, lastId: 104, prevLastId: 95, bids: [65_000, 2], asks: [] }));
    e.apply(depthDiff(T0 + 3_000, { firstId: 105, lastId: 110, prevLastId: 104, bids: [65_000, 3], asks: [] }));
    expect(sink.orderbookStatsList).toHaveLength(0); // no slot closed yet
    e.flush();
    expect(sink.orderbookStatsList).toHaveLength(1);
    expect(sink.orderbookStatsList[0]!.stats).toMatchObject({ symbol: 'BTC', diffs_applied: 2, written_at: (T0 + 3_000) / 1000 });
  });
});

describe('SymbolEngine calibrator slot', () => {
  it('holds liquidations until the first minute snapshot, then calls onLiquidation for every one', () => {
    let calibrator: FakeCalibrator | undefined;
    const { engine: e } = engine({ calibrator: (init) => (calibrator = new FakeCalibrator(init)) });
    feed(e, [
      mark(T0 + 1_000, 65_000),
      liquidation(T0 + 2_000, 'long', 64_000, 1),
      liquidation(T0 + 3_500, 'short', 66_000, 1),
      mark(T0 + MIN + 1_000, 65_000),
      liquidation(T0 + MIN + 2_000, 'long', 64_100, 1),
    ]);
    expect(calibrator!.calls).toEqual(['snapshot 0', 'liquidation 2000', 'liquidation 3500', 'liquidation 62000']);
    expect(e.counters()).toMatchObject({ calibratorLiquidations: 3, calibratorMinuteSnapshots: 1, calibratorHeld: 0 });
    // the mark price at the event's time: 1 s old for the first, 2.5 s old (too old) for the second
    expect(calibrator!.liquidations.map((l) => l.context.mark?.price)).toEqual([65_000, undefined, 65_000]);
  });

  it('hands the calibrator the minute: OHLC, OHLC4, taker volumes, ΔOI, predicted levels and the inventory', () => {
    let calibrator: FakeCalibrator | undefined;
    const { engine: e } = engine({ calibrator: (init) => (calibrator = new FakeCalibrator(init)) });
    feed(e, [
      ...minute(T0, [65_000, 65_000, 65_000, 65_000], 1000),
      ...minute(T0 + MIN, [65_000, 65_200, 64_800, 65_100], 1010),
      trade(T0 + MIN + 20_000, 65_000, 6, 'buy'),
      trade(T0 + MIN + 21_000, 65_000, 4, 'sell'),
      mark(T0 + 2 * MIN + 1_000, 65_100),
    ].sort((a, b) => a.ts - b.ts));
    const s = calibrator!.snapshots.at(-1)!;
    expect(s).toMatchObject({ minuteStart: T0 + MIN, validFrom: T0 + 2 * MIN, open: 65_000, high: 65_200, low: 64_800, close: 65_100, ohlc4: 65_025 });
    expect(s).toMatchObject({ takerBuyBase: 6, takerSellBase: 4, takerBuyUsd: 390_000, takerSellUsd: 260_000, oiDeltaBase: 10, oiPreviousBase: 1000 });
    expect(s.pools.long.length).toBe(2);
    expect(s.levels.count).toBe(s.levels.long.length);
    // entry = OHLC4 65 025 in its bucket 65 020; the 20x long level is 65 020·0.952 = 61 899.04 → bucket 61 900,
    // holding 0.65 × (10 BTC·65 025 USD · 0.6 long · 0.75 for 20x) in the combined map
    const i = (61_900 - s.levels.priceMin) / s.levels.step;
    expect(s.levels.long[i]).toBeCloseTo(0.65 * 650_250 * 0.6 * 0.75, 6);
    const f = new Float64Array(3);
    expect(s.inventory.tierDensity('long', 61_899.04, 0.0012, f)).toBeCloseTo(650_250 * 0.6 * 0.75, 3);
    expect(f[1]).toBeCloseTo(650_250 * 0.6 * 0.75, 3);
  });

  it('applies weights, buffer and bias from onWeightsUpdated from the next minute on', () => {
    let calibrator: FakeCalibrator | undefined;
    const update = (s: MinuteSnapshot, init: CalibratorInit) => {
      if (s.minuteStart === T0) init.output.onWeightsUpdated({ 20: 0, 50: 1 }, 0.003, { long: 0.001, short: -0.001 });
    };
    const { engine: e, sink } = engine({ calibrator: (init) => (calibrator = new FakeCalibrator(init, update)) });
    feed(e, [
      ...minute(T0, [65_000, 65_000, 65_000, 65_000], 1000),
      ...minute(T0 + MIN, [65_000, 65_000, 65_000, 65_000], 1010),
      mark(T0 + 2 * MIN + 1_000, 65_000),
    ].sort((a, b) => a.ts - b.ts));
    const [s0, s1] = calibrator!.snapshots;
    expect(s0!.params.weights).toEqual([0, 0.75, 0.25]);
    expect(s1!.params).toEqual({ tiers: [10, 20, 50], weights: [0, 0, 1], buffer: 0.003, biasLong: 0.001, biasShort: -0.001 });
    // the minute-1 opening went to 50x only, at 65 000·(1 − 0.02 + 0.003)·1.001 = 63 958.96
    const v2 = sink.v2.at(-1)!.snapshot;
    expect(v2.long_levels.map((p) => [p.price, p.tier_notional_usd])).toEqual([[63_960, { 50: 325_000 }]]);
    expect(v2.stats.params).toEqual({ buffer: 0.003, bias_long: 0.001, bias_short: -0.001 });
    expect(e.counters().weightsUpdates).toBe(1);
  });

  it('rejects invalid weights with a counter and a log line and keeps the old ones', () => {
    const update = (_s: MinuteSnapshot, init: CalibratorInit) => init.output.onWeightsUpdated({ 33: 1 }, 0.002, { long: 0, short: 0 });
    const { engine: e, sink } = engine({ calibrator: (init) => new FakeCalibrator(init, update) });
    feed(e, [mark(T0 + 1_000, 65_000), mark(T0 + MIN + 1_000, 65_000)]);
    expect(e.counters().weightsRejected).toBe(1);
    expect(sink.linesOf('weights_rejected')[0]!.reason).toContain('tier 33');
    expect(e.inference.params().weights).toEqual([0, 0.75, 0.25]);
  });

  it('routes the calibrator\'s weight files and log lines to the sink under its symbol', () => {
    const write = (s: MinuteSnapshot, init: CalibratorInit) => {
      init.output.saveWeights({ version: 1, symbol: init.symbol });
      init.output.log({ type: 'calibration', minute_key: s.minuteKey }, s.validFrom);
    };
    const { engine: e, sink } = engine({ calibrator: (init) => new FakeCalibrator(init, write) });
    feed(e, [mark(T0 + 1_000, 65_000), mark(T0 + MIN + 1_000, 65_000)]);
    expect(sink.weightFiles).toEqual([{ symbol: 'BTC', file: { version: 1, symbol: 'BTC' } }]);
    expect(sink.linesOf('calibration', 'BTC')).toEqual([{ type: 'calibration', minute_key: (T0 + MIN) / MIN }]);
  });

  it('hands the saved weights file to the calibrator factory and starts from its weights', () => {
    let seen: unknown;
    const { engine: e } = engine({
      restore: { weights: { version: 1, anything: true } },
      calibrator: (init) => {
        seen = init.saved;
        const c = new FakeCalibrator(init);
        c.weights = () => ({ weights: { 20: 0.5, 50: 0.5 }, buffer: 0.0025, bias: { long: 0, short: 0 } });
        return c;
      },
    });
    expect(seen).toEqual({ version: 1, anything: true });
    expect(e.inference.params()).toMatchObject({ weights: [0, 0.5, 0.5], buffer: 0.0025 });
  });
});
