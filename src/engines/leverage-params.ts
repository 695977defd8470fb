/**
 * The leverage parameters entry inference projects with: tier weights, the maintenance
 * buffer `m` and the per-side bias `b` (DESIGN.md section 4). They start from the
 * seed's prior and the heatmap's default buffer and are replaced by the calibrator
 * through `onWeightsUpdated` (validated here, so a bad update cannot corrupt the map).
 */

import type { LeverageConfig } from './leverage-config.js';

/** |b| ≤ 0.8 % (seed `BIAS_CAP`). */
export const BIAS_CAP = 0.008;
/** The buffer's bounds (PoC's tuning range [0.0005, 0.01], widened to 0 at the bottom). */
export const MIN_BUFFER = 0;
export const MAX_BUFFER = 0.01;

export interface LeverageParams {
  /** The symbol's ladder, ascending. */
  readonly tiers: readonly number[];
  /** Aligned with `tiers`: disabled tiers 0, enabled tiers summing to 1. */
  readonly weights: readonly number[];
  /** Maintenance buffer `m`. */
  readonly buffer: number;
  /** Percent bias of long levels, `b_long`. */
  readonly biasLong: number;
  /** Percent bias of short levels, `b_short`. */
  readonly biasShort: number;
}

/** What the calibrator hands over: tier → weight, the buffer and the per-side bias. */
export interface WeightsUpdate {
  readonly weights: Readonly<Record<number, number>>;
  readonly buffer: number;
  readonly bias: { readonly long: number; readonly short: number };
}

export function defaultLeverageParams(leverage: LeverageConfig, buffer: number): LeverageParams {
  return { tiers: leverage.tiers, weights: leverage.priorWeights, buffer, biasLong: 0, biasShort: 0 };
}

export type ParamsResult =
  | { readonly ok: true; readonly params: LeverageParams; readonly clamped: boolean }
  | { readonly ok: false; readonly reason: string };

/**
 * Validate an update against the ladder: every key a tier of the ladder, every weight
 * finite and ≥ 0, some enabled weight > 0; disabled tiers are zeroed and the rest
 * renormalized; buffer and bias must be finite and are clamped to their bounds.
 */
export function paramsFromUpdate(leverage: LeverageConfig, update: WeightsUpdate): ParamsResult {
  const index = new Map(leverage.tiers.map((t, i) => [t, i]));
  const raw = new Array<number>(leverage.tiers.length).fill(0);
  for (const [key, value] of Object.entries(update.weights)) {
    const i = index.get(Number(key));
    if (i === undefined) return { ok: false, reason: `tier ${key} is not on the ${leverage.symbol} ladder` };
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      return { ok: false, reason: `weight of tier ${key} is not a finite non-negative number` };
    }
    raw[i] = leverage.disabledTiers.has(leverage.tiers[i]!) ? 0 : value;
  }
  const sum = raw.reduce((a, b) => a + b, 0);
  if (!(sum > 0)) return { ok: false, reason: 'no enabled tier has a positive weight' };
  const { buffer, bias } = update;
  if (![buffer, bias.long, bias.short].every((v) => typeof v === 'number' && Number.isFinite(v))) {
    return { ok: false, reason: 'buffer or bias is not a finite number' };
  }
  const b = Math.min(MAX_BUFFER, Math.max(MIN_BUFFER, buffer));
  const bl = Math.min(BIAS_CAP, Math.max(-BIAS_CAP, bias.long));
  const bs = Math.min(BIAS_CAP, Math.max(-BIAS_CAP, bias.short));
  return {
    ok: true,
    clamped: b !== buffer || bl !== bias.long || bs !== bias.short,
    params: { tiers: leverage.tiers, weights: raw.map((w) => w / sum), buffer: b, biasLong: bl, biasShort: bs },
  };
}

/** Tier → weight, keys as strings (the JSON shape of `leverage_weights`). */
export function weightsByTier(params: LeverageParams, decimals = 6): Record<string, number> {
  const f = 10 ** decimals;
  const out: Record<string, number> = {};
  params.tiers.forEach((t, i) => (out[String(t)] = Math.round(params.weights[i]! * f) / f));
  return out;
}
