/**
 * Per-symbol configuration (seed "SYMBOL_CONFIGS", DESIGN.md section 4).
 * Pure data: engines and the order book read it, nothing here touches I/O.
 */

export interface SymbolConfig {
  readonly symbol: string;
  /** Heatmap bucket size in USD. */
  readonly step: number;
  /** Order-book heatmap bucket size in USD. */
  readonly obStep: number;
  /** Order-book band around mid: ±10 %. */
  readonly obRangePct: number;
  /** Binance depth chain: tolerated `pu` mismatch, in update ids (not messages). */
  readonly obGapTolerance: number;
}

export const SYMBOL_CONFIGS: Readonly<Record<string, SymbolConfig>> = {
  BTC: { symbol: 'BTC', step: 20, obStep: 20, obRangePct: 0.1, obGapTolerance: 1000 },
  ETH: { symbol: 'ETH', step: 1, obStep: 1, obRangePct: 0.1, obGapTolerance: 50 },
  SOL: { symbol: 'SOL', step: 0.1, obStep: 0.1, obRangePct: 0.1, obGapTolerance: 5 },
};

export const DEFAULT_SYMBOLS: readonly string[] = ['BTC', 'ETH', 'SOL'];

/**
 * A step for a symbol we have no table row for, from its first seen price: one of
 * 1, 2 or 5 × 10^k, close to 0.03 % of price (BTC at 65 000 would get 20, as the seed's).
 */
export function defaultStepForPrice(price: number): number {
  if (!(price > 0) || !Number.isFinite(price)) throw new RangeError(`price must be positive, got ${price}`);
  const target = price * 0.0003;
  const exponent = Math.floor(Math.log10(target));
  const base = 10 ** exponent;
  const mantissa = target / base;
  const nice = mantissa < 1.5 ? 1 : mantissa < 3.5 ? 2 : mantissa < 7.5 ? 5 : 10;
  return roundToDecimals(nice * base, Math.max(0, -exponent));
}

/** Config for `symbol`, or one derived from `price` when the symbol has no row. */
export function symbolConfigFor(symbol: string, price?: number): SymbolConfig | undefined {
  const known = SYMBOL_CONFIGS[symbol];
  if (known) return known;
  if (price === undefined) return undefined;
  const step = defaultStepForPrice(price);
  return { symbol, step, obStep: step, obRangePct: 0.1, obGapTolerance: 0 };
}

function roundToDecimals(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
