/**
 * The calibrator's M-step and tuning, as pure functions (DESIGN.md section 4):
 *
 * **Weights.** The target `s_L` is the mix estimator's MAP estimate of the opened mix
 * (mix-estimator.ts; DESIGN's "each tier's share of the window's responsibility"
 * estimates the LIQUIDATED mix and is kept as the `responsibility-share` option). The
 * step toward it is DESIGN's: "blended with the current weights by the learning rate 0.10", clamp
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
 * so six hours of 15-minute windows cover 92 % of the distance to a steady target. The
 * weight-free target makes the blend a smoother, not part of the estimate: the fixed
 * point is the target, whatever the path.
 *
 * **Buffer.** The buffer `m` is "tuned the same way" as the bias — η toward a measured
 * value, after MIN_BIAS_SAMPLES samples, within [BUFFER_MIN, BUFFER_MAX] — but measured
 * where the data carry it: every venue publishes a liquidation at its order's price,
 * the bankruptcy price `E·(1 ∓ 1/L)`, while the mark that triggered it stood at
 * `E·(1 ∓ 1/L ± m)`. Their gap is the maintenance margin, whatever the entry:
 *
 *   long   m = (trigger/price − 1)·(1 − 1/L)      short   m = (1 − trigger/price)·(1 + 1/L)
 *
 * with 1/L the responsibility-weighted mean over the tiers (the factor moves m by ≤ 5 %
 * above 20x). The target is the upper median of the window's samples (robust to a stale
 * or foreign-venue mark), `m ← m + η·(median − m)`, unless the samples disagree (a
 * cascade measured against stale marks, see `bufferStep`). The signed miss between
 * trigger and the attributed level cannot carry the buffer: the inventory holds a level
 * every price step (one entry bucket per minute of positive ΔOI, per tier), so the
 * nearest level is always within a step or two of any trigger, whatever `m` is — the
 * miss shrinks to noise (on a simulated day it moved `m` by 0.00003 where the truth was
 * 0.0005–0.003 away).
 *
 * **Bias.** Each side's bias moves by η toward the mean signed miss of its mark-triggered
 * hits (trigger minus level, fraction of the level), after MIN_BIAS_SAMPLES of them,
 * |b| ≤ BIAS_CAP: what is left of the offset once the buffer is right. The PoC's bias
 * converged to the raw miss of the nearest tier and never reached the projections; ours
 * reaches them from the next minute.
 */

import { clamp } from '../num.js';
import {
  BIAS_CAP,
  BIAS_ETA,
  BUFFER_MAX,
  BUFFER_MAX_SPREAD,
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

export interface BiasState {
  readonly biasLong: number;
  readonly biasShort: number;
}

export interface OffsetOptions {
  readonly eta?: number;
  readonly minSamples?: number;
  readonly bufferMin?: number;
  readonly bufferMax?: number;
  readonly biasCap?: number;
}

export interface BiasStep extends BiasState {
  /** Sides whose samples were used (and are to be reset). */
  readonly usedLong: boolean;
  readonly usedShort: boolean;
  /** A bias hit the cap. */
  readonly biasCapped: boolean;
  readonly meanLong: number | undefined;
  readonly meanShort: number | undefined;
}

/** Each side with ≥ `minSamples` hits: `b ← clamp(b + η·mean miss, ±BIAS_CAP)`. */
export function biasStep(state: BiasState, long: SideSamples, short: SideSamples, options: OffsetOptions = {}): BiasStep {
  const eta = options.eta ?? BIAS_ETA;
  const min = options.minSamples ?? MIN_BIAS_SAMPLES;
  const cap = options.biasCap ?? BIAS_CAP;
  const readyLong = long.n >= min;
  const readyShort = short.n >= min;
  const eLong = long.n > 0 ? long.sum / long.n : undefined;
  const eShort = short.n > 0 ? short.sum / short.n : undefined;
  let biasLong = state.biasLong;
  let biasShort = state.biasShort;
  let biasCapped = false;
  if (readyLong) {
    const raw = state.biasLong + eta * eLong!;
    biasLong = clamp(raw, -cap, cap);
    biasCapped ||= biasLong !== raw;
  }
  if (readyShort) {
    const raw = state.biasShort + eta * eShort!;
    biasShort = clamp(raw, -cap, cap);
    biasCapped ||= biasShort !== raw;
  }
  return { biasLong, biasShort, usedLong: readyLong, usedShort: readyShort, biasCapped, meanLong: eLong, meanShort: eShort };
}

/**
 * The maintenance margin implied by one liquidation: the gap between the mark that
 * triggered it and its published order price (the bankruptcy price), see the module
 * comment. `inverseLeverage` is the (responsibility-weighted) 1/L. Undefined when a
 * price is not positive and finite.
 */
export function impliedMargin(side: 'long' | 'short', trigger: number, orderPrice: number, inverseLeverage: number): number | undefined {
  if (!(trigger > 0 && orderPrice > 0) || !Number.isFinite(trigger) || !Number.isFinite(orderPrice)) return undefined;
  const ratio = trigger / orderPrice;
  return side === 'long' ? (ratio - 1) * (1 - inverseLeverage) : (1 - ratio) * (1 + inverseLeverage);
}

export interface BufferStep {
  readonly buffer: number;
  /** The upper median of the samples (undefined with fewer than the minimum). */
  readonly target: number | undefined;
  /** Their interquartile range (undefined with fewer than the minimum). */
  readonly iqr: number | undefined;
  /** The samples were judged (and are to be reset): enough of them, whether or not they moved the buffer. */
  readonly used: boolean;
  /** The buffer changed. */
  readonly moved: boolean;
  /** The bounds limited the step. */
  readonly bounded: boolean;
  readonly reason: string;
}

export interface BufferStepOptions extends Pick<OffsetOptions, 'eta' | 'minSamples' | 'bufferMin' | 'bufferMax'> {
  /** Largest interquartile range, as a share of the median, of samples that measure a margin (default BUFFER_MAX_SPREAD). */
  readonly maxSpread?: number;
}

/**
 * `m ← clamp(m + η·(median − m))` once `samples` holds at least `minSamples` implied
 * margins that agree. In a cascade hundreds of liquidations are measured against a mark
 * that was published before (or long after) their trigger: their implied margins spread
 * over percent and cluster on the stale mark, so neither the median nor the mode is the
 * margin. A window whose interquartile range exceeds `maxSpread`·median (or whose median
 * is not positive) is judged and dropped without moving the buffer; calm windows agree
 * to a basis point.
 */
export function bufferStep(buffer: number, samples: readonly number[], options: BufferStepOptions = {}): BufferStep {
  const min = options.minSamples ?? MIN_BIAS_SAMPLES;
  if (samples.length < Math.max(1, min)) return { buffer, target: undefined, iqr: undefined, used: false, moved: false, bounded: false, reason: `${samples.length} < ${min} samples` };
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const target = at(0.5);
  const iqr = at(0.75) - at(0.25);
  const maxSpread = options.maxSpread ?? BUFFER_MAX_SPREAD;
  if (!(target > 0) || iqr > maxSpread * target) {
    return { buffer, target, iqr, used: true, moved: false, bounded: false, reason: `implied margins disagree (median ${target.toPrecision(3)}, IQR ${iqr.toPrecision(3)}): marks not at the trigger` };
  }
  const raw = buffer + (options.eta ?? BIAS_ETA) * (target - buffer);
  const next = clamp(raw, options.bufferMin ?? BUFFER_MIN, options.bufferMax ?? BUFFER_MAX);
  return { buffer: next, target, iqr, used: true, moved: next !== buffer, bounded: next !== raw, reason: 'η toward the median implied margin' };
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
