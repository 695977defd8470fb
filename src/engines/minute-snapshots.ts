/**
 * The minute's V1 and V2 snapshots (POC-FACTS 1.3–1.6), built on demand.
 *
 * A rollover captures what the snapshots are made of — the minute's frame and pools
 * (fresh objects the engines never touch again), its prices, and copies of the
 * counters, totals and zones as they are at that moment — and hands out a memoized
 * thunk. Turning ~660-bucket grids into a dozen rounded number arrays costs more than
 * the rest of a quiet rollover, and most minutes nobody reads them: a replay's
 * coalescing writer writes a snapshot file about once a second of wall time, not once
 * per minute of market time. What the ring records need every minute (the V1 stretch,
 * the rounded V2 intensities) is computed eagerly and kept here.
 *
 * The values a thunk returns are those of its minute, whenever it is called.
 */

import type { Side } from '../events.js';
import type { HeatmapConfig } from './heatmap-config.js';
import { gridArrays, type GridArrays, type HeatmapFrame, type PoolResult, type V1Arrays } from './heatmap.js';
import type { LeverageParams } from './leverage-params.js';
import { weightsByTier } from './leverage-params.js';
import { MINUTE_MS } from './minute-clock.js';
import { round } from './num.js';
import type { Lazy } from './ports.js';
import type { MinuteStats, PriceSource, SnapshotV1, SnapshotV2, SnapshotV2Stats, TopZone } from './snapshot-types.js';
import type { ZoneSummary } from './zones.js';

/** The closed minute's prices. */
export interface MinutePrice {
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly ohlc4: number;
  readonly source: PriceSource;
}

/** Engine state the V2 `stats` object reports, copied at the rollover. */
export interface StatsCapture {
  readonly params: LeverageParams;
  readonly tapeEvents: number;
  readonly tapeLongNotionalTotal: number;
  readonly tapeShortNotionalTotal: number;
  readonly tapeLongBuckets: number;
  readonly tapeShortBuckets: number;
  readonly liquidationsInWindow: number;
  readonly inferencesTotal: number;
  readonly inferredLongUsd: number;
  readonly inferredShortUsd: number;
  readonly inferencesInWindow: number;
  readonly zoneSummary: ZoneSummary;
  /** Copies of the engine's, the zones' and the calibrator's counters. */
  readonly engineCounters: Readonly<Record<string, number>>;
  readonly zoneCounters: Readonly<Record<string, number>>;
  readonly calibratorCounters: Readonly<Record<string, number>>;
}

export interface MinuteCapture {
  readonly symbol: string;
  readonly step: number;
  readonly heatmap: HeatmapConfig;
  readonly minuteStart: number;
  readonly validFrom: number;
  readonly price: MinutePrice;
  readonly frame: HeatmapFrame;
  readonly pools: PoolResult;
  readonly minute: MinuteStats;
  /** V1 intensities (smoothed, stretched) and the stretch. */
  readonly v1: V1Arrays;
  /** V2 intensities over the V2 grid, 6 dp. */
  readonly v2Intensity: Readonly<Record<Side, Float64Array>>;
  readonly topLongZones: TopZone[];
  readonly topShortZones: TopZone[];
  readonly stats: StatsCapture;
}

/** A memoized thunk: `make` runs at most once. */
export function lazy<T>(make: () => T): Lazy<T> {
  let value: T | undefined;
  let made = false;
  return () => {
    if (!made) {
      value = make();
      made = true;
    }
    return value as T;
  };
}

const div = (values: readonly number[], prices: readonly number[], decimals: number): number[] => values.map((v, i) => round(v / prices[i]!, decimals));
const rounded = (values: readonly number[], decimals: number): number[] => values.map((v) => round(v, decimals));

export function snapshotV1Of(c: MinuteCapture): SnapshotV1 {
  const g: GridArrays = gridArrays(c.frame, c.frame.v1Grid);
  return {
    schema_version: 2,
    symbol: c.symbol,
    ts: c.validFrom / 1000,
    src: round(c.price.close, 2),
    step: c.step,
    price_min: g.grid.priceMin,
    price_max: g.grid.priceMax,
    prices: g.prices,
    long_intensity: c.v1.long,
    short_intensity: c.v1.short,
    long_notional_usd: rounded(g.intensity.long, 2),
    short_notional_usd: rounded(g.intensity.short, 2),
    long_size_btc: div(g.intensity.long, g.prices, 6),
    short_size_btc: div(g.intensity.short, g.prices, 6),
    top_long_zones: c.topLongZones,
    top_short_zones: c.topShortZones,
    norm: { method: 'p50_p95', p50: round(c.v1.p50, 6), p95: round(c.v1.p95, 6) },
    long_usd: rounded(g.usd.long, 2),
    short_usd: rounded(g.usd.short, 2),
    long_size_base: div(g.usd.long, g.prices, 6),
    short_size_base: div(g.usd.short, g.prices, 6),
    minute_start_ms: c.minuteStart,
  };
}

export function snapshotV2Of(c: MinuteCapture): SnapshotV2 {
  const g: GridArrays = gridArrays(c.frame, c.frame.v2Grid);
  const cfg = c.heatmap;
  const pools = c.pools;
  const ts = c.validFrom / 1000;
  return {
    symbol: c.symbol,
    ts,
    price: c.price.ohlc4,
    range_pct: cfg.rangePct,
    long_levels: pools.long,
    short_levels: pools.short,
    meta: {
      tape_weight: cfg.tapeWeight,
      projection_weight: cfg.projectionWeight,
      force_orders_total: c.stats.tapeEvents,
      inferences_total: c.stats.inferencesTotal,
      cluster_radius_pct: cfg.clusterRadiusPct,
      min_notional_usd: cfg.minNotionalUsd,
      long_pools_count: pools.long.length,
      short_pools_count: pools.short.length,
      raw_long_buckets: pools.rawLongBuckets,
      raw_short_buckets: pools.rawShortBuckets,
    },
    stats: statsOf(c),
    src: c.price.ohlc4,
    step: c.step,
    price_min: g.grid.priceMin,
    price_max: g.grid.priceMax,
    prices: g.prices,
    long_intensity: Array.from(c.v2Intensity.long),
    short_intensity: Array.from(c.v2Intensity.short),
    long_notional_usd: rounded(g.intensity.long, 2),
    short_notional_usd: rounded(g.intensity.short, 2),
    long_size_btc: div(g.intensity.long, g.prices, 10),
    short_size_btc: div(g.intensity.short, g.prices, 10),
    long_usd: rounded(g.usd.long, 2),
    short_usd: rounded(g.usd.short, 2),
    long_size_base: div(g.usd.long, g.prices, 6),
    short_size_base: div(g.usd.short, g.prices, 6),
    minute_start_ms: c.minuteStart,
  };
}

function nonZero(a: Float64Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i]! > 0) n++;
  return n;
}

function statsOf(c: MinuteCapture): SnapshotV2Stats {
  const s = c.stats;
  const params = s.params;
  const currentMinute = c.validFrom / MINUTE_MS;
  // built from entries: adding ~90 computed keys one by one to a spread object makes V8
  // fall back to a slow dictionary object (~200 µs a minute, and as much again to stringify)
  const entries = Object.entries(s.engineCounters);
  for (const [k, v] of Object.entries(s.zoneCounters)) entries.push([`zones.${k}`, v]);
  for (const [k, v] of Object.entries(s.calibratorCounters)) entries.push([`calibrator.${k}`, v]);
  const counters: Record<string, number> = Object.fromEntries(entries);
  return {
    symbol: c.symbol,
    current_minute: currentMinute,
    current_price: c.price.ohlc4,
    total_force_orders: s.tapeEvents,
    total_inferences: s.inferencesTotal,
    tape: {
      symbol: c.symbol,
      total_events: s.tapeEvents,
      total_long_notional: round(s.tapeLongNotionalTotal, 4),
      total_short_notional: round(s.tapeShortNotionalTotal, 4),
      long_buckets: s.tapeLongBuckets,
      short_buckets: s.tapeShortBuckets,
      events_in_window: s.liquidationsInWindow,
      offset_samples_by_lev: {},
    },
    inference: {
      symbol: c.symbol,
      current_minute: currentMinute,
      current_price: c.price.ohlc4,
      total_inferred_long_usd: round(s.inferredLongUsd, 2),
      total_inferred_short_usd: round(s.inferredShortUsd, 2),
      projected_long_buckets: nonZero(c.frame.projection.long),
      projected_short_buckets: nonZero(c.frame.projection.short),
      inferences_in_window: s.inferencesInWindow,
      leverage_weights: weightsByTier(params),
    },
    config: {
      steps: c.step,
      decay: c.heatmap.decay,
      buffer: params.buffer,
      tape_weight: c.heatmap.tapeWeight,
      projection_weight: c.heatmap.projectionWeight,
    },
    zone_manager: s.zoneSummary,
    params: { buffer: params.buffer, bias_long: params.biasLong, bias_short: params.biasShort },
    minute: c.minute,
    counters,
  };
}
