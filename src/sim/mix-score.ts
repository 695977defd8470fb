/**
 * Scoring learned leverage weights against a simulation's truth (the calibrator's
 * learning test and `npm run eval:calibrator` share these): the true opened mix on a
 * symbol's ladder, the tiers liquidations can reveal, and L1 distances over all tiers
 * and over those.
 */

import type { LeverageConfig } from '../engines/leverage-config.js';
import type { SimTruth } from './truth.js';

/** A tier is "reached" when it holds at least this share of the published liquidated notional. */
export const REACHED_LIQUIDATED_SHARE = 0.005;

export interface MixTruth {
  /** The opened mix on the ladder: disabled tiers 0, the rest renormalized. */
  readonly mix: number[];
  /** Share of the published liquidated notional per tier (what a "who got liquidated" estimate converges to). */
  readonly liquidated: number[];
  /** Tiers with at least REACHED_LIQUIDATED_SHARE of it: the part of the mix liquidations can reveal. */
  readonly reached: boolean[];
  /** The simulator's maintenance margin `m`. */
  readonly maintenanceMargin: number;
}

export function mixTruth(truth: SimTruth, symbol: string, leverage: LeverageConfig): MixTruth {
  const table = truth.leverageMix[symbol];
  if (!table) throw new Error(`the truth has no leverage mix for ${symbol}`);
  const raw = leverage.tiers.map((t) => (leverage.disabledTiers.has(t) ? 0 : (table[String(t)] ?? 0)));
  const total = raw.reduce((a, b) => a + b, 0);
  const usd = leverage.tiers.map(() => 0);
  for (const l of truth.liquidations) {
    if (l.symbol !== symbol || !l.published) continue;
    const i = leverage.tiers.indexOf(l.leverage);
    if (i >= 0) usd[i]! += l.qty * l.price;
  }
  const liquidatedTotal = usd.reduce((a, b) => a + b, 0);
  const liquidated = usd.map((u) => (liquidatedTotal > 0 ? u / liquidatedTotal : 0));
  return {
    mix: raw.map((w) => (total > 0 ? w / total : 0)),
    liquidated,
    reached: liquidated.map((x) => x >= REACHED_LIQUIDATED_SHARE),
    maintenanceMargin: truth.maintenanceMargin[symbol] ?? Number.NaN,
  };
}

export function l1(a: readonly number[], b: readonly number[]): number {
  return a.reduce((s, x, i) => s + Math.abs(x - b[i]!), 0);
}

/** `w` restricted to `among` and renormalized (zeros when it has no mass there). */
export function restrictTo(w: readonly number[], among: readonly boolean[]): number[] {
  const sum = w.reduce((a, x, i) => a + (among[i] ? x : 0), 0);
  return w.map((x, i) => (among[i] && sum > 0 ? x / sum : 0));
}

/** L1 between `w` and the true mix over all tiers, and over the reached tiers (both renormalized there). */
export function mixDistances(w: readonly number[], truth: MixTruth): { readonly all: number; readonly reached: number } {
  return { all: l1(w, truth.mix), reached: l1(restrictTo(w, truth.reached), restrictTo(truth.mix, truth.reached)) };
}
