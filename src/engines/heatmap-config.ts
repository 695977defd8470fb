/**
 * Heatmap V2 constants (seed "Engine Instantiation Parameters": `HeatmapConfig`),
 * named as the seed names them. DESIGN.md section 4 uses the defaults below; the PoC's
 * snapshot path passed `min_notional_usd=1000` (POC-FACTS 0), we keep the seed's 10 000.
 */

export interface HeatmapConfig {
  /** Per-minute multiplier of the tape and the projections (`decay`, 0.995). */
  readonly decay: number;
  /** Default maintenance buffer `m` of the implied price until the calibrator tunes it (`buffer`, 0.002). */
  readonly buffer: number;
  /** Share of real liquidations in the combined map (`tape_weight`, 0.35). */
  readonly tapeWeight: number;
  /** Share of inferred positions in the combined map (`projection_weight`, 0.65). */
  readonly projectionWeight: number;
  /** Pool radius around its peak bucket, fraction of price (`cluster_radius_pct`, 0.005). */
  readonly clusterRadiusPct: number;
  /** A pool is kept when its combined notional reaches this (`min_notional_usd`, 10 000). */
  readonly minNotionalUsd: number;
  /** Pools kept per side, largest first (`max_pools_per_side`, 20). */
  readonly maxPoolsPerSide: number;
  /** V2 grid and pool search band around OHLC4 (`range_pct`, 0.10). */
  readonly rangePct: number;
  /** V1 grid band around the minute's close (0.08, POC-FACTS 1.4). */
  readonly v1BandPct: number;
}

export const DEFAULT_HEATMAP_CONFIG: HeatmapConfig = {
  decay: 0.995,
  buffer: 0.002,
  tapeWeight: 0.35,
  projectionWeight: 0.65,
  clusterRadiusPct: 0.005,
  minNotionalUsd: 10_000,
  maxPoolsPerSide: 20,
  rangePct: 0.1,
  v1BandPct: 0.08,
};

/** Tape and projection buckets below this (USD) are dropped after decay (PoC's bucket floor). */
export const BUCKET_FLOOR_USD = 100;
/** Buckets below this combined USD take no part in pool clustering (PoC `_cluster_zones`). */
export const POOL_BUCKET_FLOOR_USD = 100;
/** Bucket grids hold at most this many points (the ring record's 1000 u8 slots). */
export const MAX_GRID_POINTS = 1000;
