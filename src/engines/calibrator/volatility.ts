/**
 * The calibrator's volatility (DESIGN.md section 4): an EWMA of the per-minute
 * |ln(close_t / close_{t−1})| (the PoC used simple returns per liquidation event,
 * POC-FACTS 5.2), starting at VOL_BASELINE so the scale starts at 1. It scales the
 * attribution temperature τ and the hit-credit decay δ.
 */

import { clamp } from '../num.js';
import { DELTA_PCT_BASE, TAU_PCT_BASE, VOL_BASELINE, VOL_EWMA_ALPHA, VOL_SCALE_MAX, VOL_SCALE_MIN } from './constants.js';

export interface VolatilityState {
  readonly ewma: number;
  /** The last close folded in; undefined before the first. */
  readonly lastClose: number | undefined;
}

export const INITIAL_VOLATILITY: VolatilityState = { ewma: VOL_BASELINE, lastClose: undefined };

/** Fold one minute close in (the first close only sets the reference). */
export function nextVolatility(state: VolatilityState, close: number, alpha = VOL_EWMA_ALPHA): VolatilityState {
  if (!(close > 0) || !Number.isFinite(close)) return state;
  if (state.lastClose === undefined) return { ewma: state.ewma, lastClose: close };
  const r = Math.abs(Math.log(close / state.lastClose));
  return { ewma: (1 - alpha) * state.ewma + alpha * r, lastClose: close };
}

/** scale = clamp(vol / VOL_BASELINE, 0.7, 1.6). */
export function volScale(ewma: number): number {
  return clamp(ewma / VOL_BASELINE, VOL_SCALE_MIN, VOL_SCALE_MAX);
}

/** τ and δ at a volatility: TAU_PCT_BASE·scale and DELTA_PCT_BASE·scale. */
export function temperatures(ewma: number): { readonly scale: number; readonly tau: number; readonly delta: number } {
  const scale = volScale(ewma);
  return { scale, tau: TAU_PCT_BASE * scale, delta: DELTA_PCT_BASE * scale };
}
