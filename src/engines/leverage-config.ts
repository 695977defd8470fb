/**
 * Leverage ladders, prior weights, disabled tiers and zone tier weights
 * (seed "Leverage Configuration"; DESIGN.md section 4). Pure data plus lookups.
 *
 * Note (POC-FACTS.md section 0): the PoC's live code ran every symbol on a 7-tier
 * inference default instead of these ladders. We use the seed's ladders on purpose
 * (DESIGN.md), so SOL no longer gets 100x/125x tiers its venues do not offer.
 */

/** Tiers excluded from learning, bias, zones, hit rates and sweeps; still logged with `tier_disabled: true`. */
export const DISABLED_TIERS: ReadonlySet<number> = new Set([10]);

/** BTC ladder and its prior weights (unnormalized, as the seed lists them). */
const BTC_TIERS = [5, 10, 20, 25, 50, 75, 100, 125, 150, 200, 250] as const;
const BTC_PRIOR = [1.0, 1.0, 0.9, 0.7, 0.35, 0.14, 0.08, 0.05, 0.03, 0.015, 0.008] as const;

/** The BTC prior weight of a tier; the seed gives weights for BTC only, so other ladders reuse them. */
const PRIOR_BY_TIER: ReadonlyMap<number, number> = new Map(BTC_TIERS.map((tier, i) => [tier, BTC_PRIOR[i]!]));

export const LADDERS: Readonly<Record<string, readonly number[]>> = {
  BTC: BTC_TIERS,
  ETH: [5, 10, 20, 25, 50, 75, 100, 125],
  SOL: [5, 10, 20, 25, 50, 75],
};

export const DEFAULT_LADDER: readonly number[] = [5, 10, 20, 50, 75, 100];

/** V3 zone intensity per tier (seed "V3 Tier Weights"); any other tier gets 0.5. */
export const TIER_WEIGHTS: Readonly<Record<number, number>> = {
  5: 0.2,
  10: 0.0,
  20: 0.4,
  25: 0.5,
  50: 0.8,
  75: 0.9,
  100: 1.0,
  125: 1.0,
  150: 0.9,
  200: 0.8,
  250: 0.7,
};
export const DEFAULT_TIER_WEIGHT = 0.5;

export interface LeverageConfig {
  readonly symbol: string;
  /** Ascending tiers. */
  readonly tiers: readonly number[];
  /** Prior weights aligned with `tiers`: disabled tiers 0, enabled ones summing to 1. */
  readonly priorWeights: readonly number[];
  readonly disabledTiers: ReadonlySet<number>;
}

export function isTierEnabled(tier: number, disabled: ReadonlySet<number> = DISABLED_TIERS): boolean {
  return !disabled.has(tier);
}

export function tierWeight(tier: number | undefined): number {
  if (tier === undefined) return 1;
  return TIER_WEIGHTS[tier] ?? DEFAULT_TIER_WEIGHT;
}

/** The registry lookup: per-symbol ladder with defaults for unknown symbols. */
export function leverageConfigFor(symbol: string, disabledTiers: ReadonlySet<number> = DISABLED_TIERS): LeverageConfig {
  const tiers = LADDERS[symbol] ?? DEFAULT_LADDER;
  const raw = tiers.map((t) => (disabledTiers.has(t) ? 0 : (PRIOR_BY_TIER.get(t) ?? 0.05)));
  const sum = raw.reduce((a, b) => a + b, 0);
  return {
    symbol,
    tiers,
    priorWeights: raw.map((w) => (sum > 0 ? w / sum : 0)),
    disabledTiers,
  };
}
