/**
 * The JSON shapes of `snapshots/{SYM}.v1.json` and `.v2.json` (POC-FACTS 1.3, 1.5, 1.6,
 * 2.3): an existing frontend parses them through the API, so every PoC field is here,
 * in the PoC's key order, with the PoC's units; our additions come after them.
 *
 * Units: every `ts` is epoch **seconds** (the PoC's unit; the snapshot's event time, the
 * start of the minute that follows the closed one, never the wall clock); fields ending
 * in `_ms` are epoch milliseconds.
 */

import type { Pool } from './heatmap.js';
import type { ZoneSummary } from './zones.js';

export type { Pool } from './heatmap.js';

export interface TopZone {
  readonly price: number;
  /** Zone weight / MAX_ZONE_WEIGHT, 4 dp (the PoC's ZoneTracker gave pool intensity in [0, 1]). */
  readonly strength: number;
  /** Minutes since the zone was created. */
  readonly age_min: number;
}

export interface SnapshotV1 {
  readonly schema_version: 2;
  readonly symbol: string;
  /** Epoch seconds. */
  readonly ts: number;
  /** The closed minute's close, 2 dp (not OHLC4). */
  readonly src: number;
  readonly step: number;
  readonly price_min: number;
  readonly price_max: number;
  readonly prices: number[];
  readonly long_intensity: number[];
  readonly short_intensity: number[];
  /** PoC name, NOT USD: the raw unsmoothed display intensity (combined map / its max), 2 dp. Honest: `long_usd`. */
  readonly long_notional_usd: number[];
  /** PoC name, NOT USD: see `long_notional_usd`. Honest: `short_usd`. */
  readonly short_notional_usd: number[];
  /** PoC name, NOT BTC: raw display intensity / price, 6 dp, for every symbol. Honest: `long_size_base`. */
  readonly long_size_btc: number[];
  /** PoC name, NOT BTC: see `long_size_btc`. Honest: `short_size_base`. */
  readonly short_size_btc: number[];
  /** Up to 5 strongest V3 zones per side inside the grid (the PoC had these for BTC only). */
  readonly top_long_zones: TopZone[];
  readonly top_short_zones: TopZone[];
  readonly norm: { readonly method: 'p50_p95'; readonly p50: number; readonly p95: number };
  // additions
  /** Combined map `0.35·tape + 0.65·projection` per bucket, USD, 2 dp. */
  readonly long_usd: number[];
  readonly short_usd: number[];
  /** `long_usd / price`: base-asset quantity per bucket, 6 significant decimals. */
  readonly long_size_base: number[];
  readonly short_size_base: number[];
  /** Start of the closed minute, epoch ms. */
  readonly minute_start_ms: number;
}

export interface SnapshotV2Meta {
  readonly tape_weight: number;
  readonly projection_weight: number;
  readonly force_orders_total: number;
  readonly inferences_total: number;
  readonly cluster_radius_pct: number;
  readonly min_notional_usd: number;
  readonly long_pools_count: number;
  readonly short_pools_count: number;
  readonly raw_long_buckets: number;
  readonly raw_short_buckets: number;
}

export interface TapeStats {
  readonly symbol: string;
  readonly total_events: number;
  readonly total_long_notional: number;
  readonly total_short_notional: number;
  readonly long_buckets: number;
  readonly short_buckets: number;
  /** Liquidations in the last 60 minutes. */
  readonly events_in_window: number;
  /** PoC tape-learning samples: that hidden learner is not re-created (the calibrator learns), always `{}`. */
  readonly offset_samples_by_lev: Record<string, number>;
}

export interface InferenceStats {
  readonly symbol: string;
  readonly current_minute: number;
  readonly current_price: number;
  /** Inferred open long positions, USD (the inventory). */
  readonly total_inferred_long_usd: number;
  readonly total_inferred_short_usd: number;
  /** Distinct level buckets holding long positions (within the grid window). */
  readonly projected_long_buckets: number;
  readonly projected_short_buckets: number;
  /** Position parts added in the last 60 minutes. */
  readonly inferences_in_window: number;
  /** Tier (string) → weight, 6 dp. */
  readonly leverage_weights: Record<string, number>;
}

/** The `stats` object (POC-FACTS 1.6), also served by `/liq_stats`. */
export interface SnapshotV2Stats {
  readonly symbol: string;
  /** Minute key (`floor(epoch_s/60)`) of the minute that follows the closed one. */
  readonly current_minute: number;
  readonly current_price: number;
  readonly total_force_orders: number;
  readonly total_inferences: number;
  readonly tape: TapeStats;
  readonly inference: InferenceStats;
  readonly config: { readonly steps: number; readonly decay: number; readonly buffer: number; readonly tape_weight: number; readonly projection_weight: number };
  readonly zone_manager: ZoneSummary;
  // additions
  /** Calibrated parameters in force: buffer `m`, bias per side. */
  readonly params: { readonly buffer: number; readonly bias_long: number; readonly bias_short: number };
  readonly minute: MinuteStats;
  /** Every named counter of the engine (skips, late events, …). */
  readonly counters: Readonly<Record<string, number>>;
}

export interface MinuteStats {
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  /** Where the closed minute's prices came from; `carried` = no price this minute (flat at the last close). */
  readonly price_source: PriceSource;
  readonly taker_buy_usd: number;
  readonly taker_sell_usd: number;
  readonly trades: number;
  /** Aggregated OI (Σ venues' latest), base asset; null before any reading. */
  readonly oi_base: number | null;
  /** ΔOI over the venues in both minutes, base asset; null when unknown. */
  readonly oi_delta_base: number | null;
  readonly oi_venues_used: readonly string[];
  readonly oi_venues_left_out: readonly string[];
  readonly added_long_usd: number;
  readonly added_short_usd: number;
  readonly shrink: number;
  readonly swept_long_usd: number;
  readonly swept_short_usd: number;
}

/** The closed minute's price source: synced book mid, mark price, trades, or none (`carried`: flat at the last close). */
export type PriceSource = 'book' | 'mark' | 'trade' | 'carried';

export interface SnapshotV2 {
  readonly symbol: string;
  /** Epoch seconds. */
  readonly ts: number;
  /** OHLC4 of the closed minute. */
  readonly price: number;
  readonly range_pct: number;
  readonly long_levels: Pool[];
  readonly short_levels: Pool[];
  readonly meta: SnapshotV2Meta;
  readonly stats: SnapshotV2Stats;
  /** OHLC4, unrounded. */
  readonly src: number;
  readonly step: number;
  readonly price_min: number;
  readonly price_max: number;
  readonly prices: number[];
  /** Combined map / its maximum over this grid, 6 dp. */
  readonly long_intensity: number[];
  readonly short_intensity: number[];
  /** PoC name, NOT USD: the intensities rounded to 2 dp. Honest: `long_usd`. */
  readonly long_notional_usd: number[];
  /** PoC name, NOT USD. Honest: `short_usd`. */
  readonly short_notional_usd: number[];
  /** PoC name, NOT BTC: intensity / price for every symbol. Honest: `long_size_base`. */
  readonly long_size_btc: number[];
  readonly short_size_btc: number[];
  // additions
  readonly long_usd: number[];
  readonly short_usd: number[];
  readonly long_size_base: number[];
  readonly short_size_base: number[];
  readonly minute_start_ms: number;
}
