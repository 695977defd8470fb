/**
 * The calibrator's constants, named as the seed names them ("Calibrator Constants &
 * Tuning Parameters" and the per-symbol `LiquidationCalibrator` block), in one module so
 * the seed's tables can be checked against the code at a glance. Constants the seed
 * leaves unnamed (the ratio clamp, the bounds of the tuning) are named here and their
 * values stated beside them.
 */

import { BIAS_CAP, MAX_BUFFER, MIN_BUFFER } from '../leverage-params.js';

// ─── soft attribution (percent space) ────────────────────────────────────────

/** Responsibility temperature: τ = TAU_PCT_BASE·scale (12 bps). */
export const TAU_PCT_BASE = 0.0012;
/** Hit-credit decay: δ = DELTA_PCT_BASE·scale (8 bps). */
export const DELTA_PCT_BASE = 0.0008;
/** Max bucket distance of a hit; the start value of the tuned tolerance (a PoC file loads as 4, as the seed says). */
export const HIT_BUCKET_TOLERANCE = 4;

// ─── volatility scaling ──────────────────────────────────────────────────────

/** Neutral volatility: scale = vol_ewma / VOL_BASELINE (15 bps per minute). */
export const VOL_BASELINE = 0.0015;
export const VOL_SCALE_MIN = 0.7;
export const VOL_SCALE_MAX = 1.6;
/** EWMA weight of a new per-minute |ln(close_t / close_{t−1})|. */
export const VOL_EWMA_ALPHA = 0.1;

// ─── weight update stabilization ─────────────────────────────────────────────

/** Weight anchoring `w_new = 0.9·w_old + 0.1·w_update` (the same λ as `learning_rate`, applied once: see update.ts). */
export const ANCHOR_LAMBDA = 0.1;
/** Per-update ratio clamp: `new_w/old_w` stays in [0.85, 1.20]. */
export const WEIGHT_RATIO_MIN = 0.85;
export const WEIGHT_RATIO_MAX = 1.2;
/** No single tier above 35 %. */
export const MAX_WEIGHT = 0.35;

// ─── bias correction (percent based) ─────────────────────────────────────────

/** Learning rate of the bias (and of the buffer, tuned the same way). */
export const BIAS_ETA = 0.1;
/** |bias| ≤ 0.8 % (defined with the projection parameters, which enforce it too). */
export { BIAS_CAP };
/** Hits needed on a side before its bias moves (they accumulate across windows until then). */
export const MIN_BIAS_SAMPLES = 10;

// ─── offset limits (legacy USD, deprecated but active: logged and saved only) ─

export const MAX_OFFSET_PCT = 0.005;
export const MAX_OFFSET_USD = 2000;

// ─── approach ────────────────────────────────────────────────────────────────

/** A predicted level is "approached" when price comes within 0.75 % of it. */
export const APPROACH_PCT = 0.0075;
/** Minute snapshots kept for the fallback attribution. */
export const MINUTE_CACHE_SIZE = 60;

// ─── log rotation (applied by the data-dir sink's JsonlLog; same values) ──────

export const LOG_ROTATION_MAX_MB = 200;
export const LOG_ROTATION_MAX_AGE_HOURS = 24;

// ─── per-instance parameters (seed "LiquidationCalibrator (per-symbol)") ──────

/** Calibration window in event time (the viewer's 15, not the class default 30). */
export const WINDOW_MINUTES = 15;
/** Step of the weight update toward the window's target (= ANCHOR_LAMBDA). */
export const LEARNING_RATE = 0.1;
/** Kept for parity with the seed's constructor; the PoC never used it and neither do we. */
export const CLOSER_LEVEL_GAMMA = 0.35;
export const ENABLE_BUFFER_TUNING = true;
export const ENABLE_TOLERANCE_TUNING = true;

// ─── bounds of the tuning (not in the seed's tables; stated here) ────────────

/** The buffer `m` stays in [0, 0.01] (the projection parameters' bounds; the PoC's range was [0.0005, 0.01]). */
export const BUFFER_MIN = MIN_BUFFER;
export const BUFFER_MAX = MAX_BUFFER;
/**
 * The hit tolerance stays in [2, 20] buckets. The PoC allowed 50, which is 1.2 % of
 * price for BTC and 3 % for SOL: wider than APPROACH_PCT, where "hit" means nothing.
 */
export const HIT_TOLERANCE_MIN = 2;
export const HIT_TOLERANCE_MAX = 20;
/** Miss distances needed in a window before the tolerance is tuned (PoC: 5). */
export const MIN_TOLERANCE_SAMPLES = 5;
/** Tolerance widens when the window's p75 miss distance is above 1.5·tol; narrows below 0.5·tol with a hit rate above 0.5 (PoC). */
export const TOLERANCE_WIDEN_P75 = 1.5;
export const TOLERANCE_NARROW_P75 = 0.5;
export const TOLERANCE_NARROW_HIT_RATE = 0.5;
/** Widen by ×1.2, narrow by ×0.9, but always by at least one bucket (the PoC's ⌊1.2·4⌋ = 4 could never widen). */
export const TOLERANCE_WIDEN_FACTOR = 1.2;
export const TOLERANCE_NARROW_FACTOR = 0.9;

// ─── E-step and M-step details ───────────────────────────────────────────────

/**
 * Σ f_L below this (USD of kernel-weighted inventory) is "nothing near P": the nearest
 * inventory position is then more than ~4.6 τ away (positions under 100 USD are dropped
 * by the inference), and the event falls back to the cached minutes' implied levels.
 */
export const NEGLIGIBLE_DENSITY_USD = 1;
/** A weight update needs this many attributed events; fewer carry over to the next window. */
export const MIN_WINDOW_EVENTS = 5;
/** Tolerance samples kept at most (a quiet market carries them over many windows). */
export const MAX_TOLERANCE_SAMPLES = 2000;
/** Implied-margin samples kept at most for the buffer update (likewise). */
export const MAX_BUFFER_SAMPLES = 2000;
/**
 * A window's implied margins move the buffer only when their interquartile range is at
 * most this share of their median: calm windows agree within ~0.1 of it (one basis point
 * at m = 0.25 %), cascades measured against stale marks spread 2–3× the margin.
 */
export const BUFFER_MAX_SPREAD = 0.5;
/**
 * The mix estimator (mix-estimator.ts): evidence counts half after a day of event time,
 * is dropped after three days or beyond 5000 liquidations (a day of a busy simulated
 * BTC), and each tier's prior share weighs as much as 30 liquidations of mean size.
 * EM runs a fixed number of iterations per calibration (deterministic; converged to
 * < 1e-4 relative change on the simulated days).
 */
export const EVIDENCE_HALF_LIFE_MINUTES = 1440;
export const EVIDENCE_HORIZON_MINUTES = 4320;
export const MAX_EVIDENCE_EVENTS = 5000;
export const PRIOR_PSEUDO_EVENTS = 30;
export const MAP_EM_ITERATIONS = 50;
/** The safety guard skips (never latches) an update that leaves fewer enabled tiers than this above MIN_GUARD_WEIGHT. */
export const MIN_LIVE_TIERS = 2;
export const MIN_GUARD_WEIGHT = 1e-4;

// ─── weights file ────────────────────────────────────────────────────────────

/** Ours; the PoC wrote 2 (and 1 before). Older versions are migrated on load. */
export const WEIGHTS_SCHEMA_VERSION = 3;
