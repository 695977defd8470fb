/**
 * The calibrator's M-step and tuning, as pure functions (DESIGN.md section 4):
 *
 * **Weights.** DESIGN reads: target `u_L` = each tier's share of the window's
 * responsibility, "blended with the current weights by the learning rate 0.10", clamp
 * `u_L/w_L` to [0.85, 1.20], "anchor `w ← 0.9·w + 0.1·u`", cap 0.35, renormalize.
 * Taken literally that blends twice — `u = 0.9·w + 0.1·s`, then `w ← 0.9·w + 0.1·u` —
 * i.e. `w ← w + 0.01·(s − w)`: 1 % of the way per 15-minute window, 21 % after six
 * hours, and with the ratio clamp applied to `u` before anchoring a tier can grow by at
 * most ×1.02 per window (×10 takes 29 hours). That is the PoC's "barely learned"
 * (POC-FACTS 3.10.5: ~1e-4 per window). The seed names one blend twice: the
 * per-instance `learning_rate = 0.10` and `ANCHOR_LAMBDA = 0.10` ("w_new = 0.9·w_old +
 * 0.1·w_update"), and its ratio clamp is on "new_w/old_w". So we apply the blend once
 * and clamp the step it produces:
 *
 *   w'_L = w_L + λ·(s_L − w_L)           λ = learning_rate = ANCHOR_LAMBDA = 0.10
 *   w'_L = w_L·clamp(w'_L / w_L, 0.85, 1.20)            (w_L > 0; else w'_L = λ·s_L)
 *   cap at 0.35 and renormalize over the enabled tiers (water-filling: the capped tiers
 *   stay at 0.35 and the rest share the remainder, so no weight ends above the cap —
 *   the PoC capped before normalizing and could end above it)
 *
 * Every constant is the seed's; a window moves 10 % of the way (×1.2 at most per tier),
 * so six hours of 15-minute windows cover 92 % of the distance to a steady target.
 *
 * **Offsets.** Bias per side moves by η toward the mean signed miss of hits; the buffer
 * `m` is "tuned the same way". A long level is `E·(1 − 1/L + m)·(1 + b_long)` and a
 * short one `E·(1 + 1/L − m)·(1 + b_short)`: raising `m` moves long levels up and short
 * levels down, a bias moves its side's levels both ways. With mean residuals `e_long`,
 * `e_short` (trigger minus level, fraction of the level), the buffer takes the part the
 * two sides disagree on and the biases the rest, so each side's levels move by exactly
 * η·e (the PoC's bias converged to the raw miss of the nearest tier and never reached
 * the projections):
 *
 *   Δm      = clamp(m + η·(e_long − e_short)/2, BUFFER_MIN, BUFFER_MAX) − m   (both sides ready)
 *   Δb_long = η·e_long − Δm,   Δb_short = η·e_short + Δm,   |b| ≤ BIAS_CAP
 *
 * A side is ready with MIN_BIAS_SAMPLES hits; with one side ready only its bias moves.
 */

import { clamp } from '../num.js';
import {
  BIAS_CAP,
  BIAS_ETA,
  BUFFER_MAX,
  BUFFER_MIN,
  HIT_TOLERANCE_MAX,
  HIT_TOLERANCE_MIN,
  LEARNING_RATE,
  MAX_WEIGHT,
  MIN_BIAS_SAMPLES,
  MIN_GUARD_WEIGHT,
  MIN_LIVE_TIERS,
  MIN_TOLERANCE_SAMPLES,
  TOLERANCE_NARROW_FACTOR,
  TOLERANCE_NARROW_HIT_RATE,
  TOLERANCE_NARROW_P75,
  TOLERANCE_WIDEN_FACTOR,
  TOLERANCE_WIDEN_P75,
  WEIGHT_RATIO_MAX,
  WEIGHT_RATIO_MIN,
} from './constants.js';

// ─── weights ─────────────────────────────────────────────────────────────────

export interface WeightStepOptions {
  /** Step toward the target (default LEARNING_RATE = ANCHOR_LAMBDA = 0.10). */
  readonly learningRate?: number;
  /** Per-update ratio clamp (default [0.85, 1.20]). */
  readonly ratioMin?: number;
  readonly ratioMax?: number;
  /** Cap per tier after renormalization (default 0.35). */
  readonly cap?: number;
}

export interface WeightStep {
  /** New weights aligned with the input; disabled tiers 0, enabled summing to 1. */
  readonly weights: number[];
  /** Tiers (indices) whose step the ratio clamp limited. */
  readonly ratioClamped: number[];
  /** Tiers (indices) held at the cap. */
  readonly capped: number[];
}

/**
 * One M-step: `weights` and `target` aligned, `enabled[i]` false for disabled tiers
 * (their weight is 0 whatever the input). `target` need not be normalized; it is
 * normalized over the enabled tiers (all zero → no change toward it).
 */
export function weightStep(weights: readonly number[], target: readonly number[], enabled: readonly boolean[], options: WeightStepOptions = {}): WeightStep {
  const lr = options.learningRate ?? LEARNING_RATE;
  const lo = options.ratioMin ?? WEIGHT_RATIO_MIN;
  const hi = options.ratioMax ?? WEIGHT_RATIO_MAX;
  const cap = options.cap ?? MAX_WEIGHT;
  const n = weights.length;
  let targetSum = 0;
  for (let i = 0; i < n; i++) if (enabled[i]) targetSum += Math.max(0, target[i]!);
  const next = new Array<number>(n).fill(0);
  const ratioClamped: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!enabled[i]) continue;
    const w = Math.max(0, weights[i]!);
    const s = targetSum > 0 ? Math.max(0, target[i]!) / targetSum : w;
    const stepped = w + lr * (s - w);
    if (w > 0) {
      const ratio = stepped / w;
      const clamped = clamp(ratio, lo, hi);
      if (clamped !== ratio) ratioClamped.push(i);
      next[i] = w * clamped;
    } else {
      next[i] = stepped;
    }
  }
  const capped = capAndNormalize(next, enabled, cap);
  return { weights: next, ratioClamped, capped };
}

/**
 * Normalize `w` (in place) over the enabled tiers with no weight above `cap`: tiers over
 * the cap are fixed at it and the others share the remainder in proportion, repeated
 * until none is over. Returns the capped tiers. With fewer than 1/cap enabled tiers the
 * cap cannot hold and is not applied.
 */
export function capAndNormalize(w: number[], enabled: readonly boolean[], cap: number): number[] {
  const n = w.length;
  let live = 0;
  for (let i = 0; i < n; i++) if (enabled[i]) live++;
  const fixed = new Array<boolean>(n).fill(false);
  const capped: number[] = [];
  const sum0 = sumWhere(w, enabled, fixed);
  if (!(sum0 > 0)) return capped;
  for (let i = 0; i < n; i++) w[i] = enabled[i] ? w[i]! / sum0 : 0;
  if (live * cap < 1) return capped;
  for (let round = 0; round < n; round++) {
    let over = false;
    for (let i = 0; i < n; i++) {
      if (enabled[i] && !fixed[i] && w[i]! > cap) {
        fixed[i] = true;
        capped.push(i);
        over = true;
      }
    }
    if (!over) break;
    const free = 1 - cap * capped.length;
    const freeSum = sumWhere(w, enabled, fixed);
    for (let i = 0; i < n; i++) {
      if (!enabled[i]) continue;
      w[i] = fixed[i] ? cap : freeSum > 0 ? (w[i]! * free) / freeSum : 0;
    }
  }
  return capped.sort((a, b) => a - b);
}

function sumWhere(w: readonly number[], enabled: readonly boolean[], fixed: readonly boolean[]): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) if (enabled[i] && !fixed[i]) s += w[i]!;
  return s;
}

/**
 * The safety guard: an update is skipped (this window only, it never latches — the PoC's
 * entropy switch tripped on its own prior, POC-FACTS 5.1 item 1) when a weight is not
 * finite or fewer than MIN_LIVE_TIERS enabled tiers keep a weight ≥ MIN_GUARD_WEIGHT.
 * Returns the reason, or undefined when the weights are healthy.
 */
export function guardWeights(weights: readonly number[], enabled: readonly boolean[]): string | undefined {
  let live = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (!Number.isFinite(w) || w < 0) return `weight ${i} is ${w}`;
    if (enabled[i] && w >= MIN_GUARD_WEIGHT) live++;
  }
  return live < MIN_LIVE_TIERS ? `only ${live} tier(s) above ${MIN_GUARD_WEIGHT}` : undefined;
}

// ─── bias and buffer ─────────────────────────────────────────────────────────

export interface SideSamples {
  /** Hits with a mark-price trigger. */
  readonly n: number;
  /** Σ (trigger − level) / level. */
  readonly sum: number;
}

export interface OffsetState {
  readonly buffer: number;
  readonly biasLong: number;
  readonly biasShort: number;
}

export interface OffsetOptions {
  readonly eta?: number;
  readonly minSamples?: number;
  readonly tuneBuffer?: boolean;
  readonly bufferMin?: number;
  readonly bufferMax?: number;
  readonly biasCap?: number;
}

export interface OffsetStep extends OffsetState {
  /** Sides whose samples were used (and are to be reset). */
  readonly usedLong: boolean;
  readonly usedShort: boolean;
  readonly bufferMoved: boolean;
  /** A bias hit the cap. */
  readonly biasCapped: boolean;
  readonly meanLong: number | undefined;
  readonly meanShort: number | undefined;
}

export function offsetStep(state: OffsetState, long: SideSamples, short: SideSamples, options: OffsetOptions = {}): OffsetStep {
  const eta = options.eta ?? BIAS_ETA;
  const min = options.minSamples ?? MIN_BIAS_SAMPLES;
  const cap = options.biasCap ?? BIAS_CAP;
  const readyLong = long.n >= min;
  const readyShort = short.n >= min;
  const eLong = long.n > 0 ? long.sum / long.n : undefined;
  const eShort = short.n > 0 ? short.sum / short.n : undefined;
  let buffer = state.buffer;
  let dm = 0;
  if (readyLong && readyShort && (options.tuneBuffer ?? true)) {
    buffer = clamp(state.buffer + (eta * (eLong! - eShort!)) / 2, options.bufferMin ?? BUFFER_MIN, options.bufferMax ?? BUFFER_MAX);
    dm = buffer - state.buffer;
  }
  let biasLong = state.biasLong;
  let biasShort = state.biasShort;
  let biasCapped = false;
  if (readyLong) {
    const raw = state.biasLong + eta * eLong! - dm;
    biasLong = clamp(raw, -cap, cap);
    biasCapped ||= biasLong !== raw;
  }
  if (readyShort) {
    const raw = state.biasShort + eta * eShort! + dm;
    biasShort = clamp(raw, -cap, cap);
    biasCapped ||= biasShort !== raw;
  }
  return { buffer, biasLong, biasShort, usedLong: readyLong, usedShort: readyShort, bufferMoved: dm !== 0, biasCapped, meanLong: eLong, meanShort: eShort };
}

// ─── tolerance ───────────────────────────────────────────────────────────────

export interface ToleranceStep {
  readonly tolerance: number;
  readonly p75: number | undefined;
  readonly applied: boolean;
  readonly reason: string;
}

/**
 * Tune the hit tolerance (buckets) from the window's miss distances (buckets): widen when
 * p75 > 1.5·tol, narrow when p75 < 0.5·tol with a hit rate above 0.5; by ×1.2 / ×0.9 but
 * at least one bucket (the PoC's integer floor kept 4 at 4 forever, POC-FACTS 5.1
 * item 20), within [HIT_TOLERANCE_MIN, HIT_TOLERANCE_MAX]. p75 is the sorted value at
 * ⌊0.75·n⌋ (the PoC's).
 */
export function toleranceStep(tolerance: number, distances: readonly number[], hitRate: number, minSamples = MIN_TOLERANCE_SAMPLES): ToleranceStep {
  if (distances.length < minSamples) return { tolerance, p75: undefined, applied: false, reason: `${distances.length} < ${minSamples} samples` };
  const sorted = [...distances].sort((a, b) => a - b);
  const p75 = sorted[Math.floor(0.75 * sorted.length)]!;
  let next = tolerance;
  let reason = 'within band';
  if (p75 > TOLERANCE_WIDEN_P75 * tolerance) {
    next = Math.max(tolerance + 1, Math.round(TOLERANCE_WIDEN_FACTOR * tolerance));
    reason = 'p75 above 1.5·tol: widen';
  } else if (p75 < TOLERANCE_NARROW_P75 * tolerance && hitRate > TOLERANCE_NARROW_HIT_RATE) {
    next = Math.min(tolerance - 1, Math.round(TOLERANCE_NARROW_FACTOR * tolerance));
    reason = 'p75 below 0.5·tol with hit rate > 0.5: narrow';
  }
  const bounded = clamp(next, HIT_TOLERANCE_MIN, HIT_TOLERANCE_MAX);
  if (bounded !== next) reason += ' (at bound)';
  return { tolerance: bounded, p75, applied: bounded !== tolerance, reason };
}
