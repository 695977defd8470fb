/**
 * The simulator's parameters: instruments as each venue lists them, the market's
 * per-symbol behaviour, the true leverage mixes and maintenance margins, and the
 * emission profiles. Pure data plus validation; every number is documented here so
 * the truth file and the report can state what the hidden market was.
 */

import { MoonstreamError } from '../errors.js';
import { LADDERS, leverageConfigFor } from '../engines/leverage-config.js';
import { VENUES, isVenue, type Venue } from '../events.js';
import { OKX_CONTRACT_SIZES } from '../venues/okx/contract-sizes.js';

/** How a venue lists one instrument (tick, lot, how it prints numbers). */
export interface InstrumentSpec {
  readonly venue: Venue;
  readonly symbol: string;
  /** `BTCUSDT`, `BTC-USDT-SWAP`. */
  readonly instrument: string;
  /** Prices are kept as integers of 10^-priceDecimals. */
  readonly priceDecimals: number;
  /** The tick in price units. */
  readonly tickUnits: number;
  /** Decimals the venue prints for prices; -1 = shortest form (OKX). */
  readonly priceDisplay: number;
  /** Sizes are kept as integers of 10^-qtyDecimals of the venue's size unit (contracts on OKX). */
  readonly qtyDecimals: number;
  /** Smallest order size, in size units. */
  readonly lotUnits: number;
  /** Decimals the venue prints for sizes; -1 = shortest form. */
  readonly qtyDisplay: number;
  /** Base asset per size unit: OKX `ctVal` (BTC 0.01, ETH 0.1, SOL 1), 1 elsewhere. */
  readonly contractSize: number;
}

type SpecRow = Omit<InstrumentSpec, 'venue' | 'symbol' | 'instrument'>;

/** Binance USDⓈ-M: BTCUSDT tick 0.10 printed "63943.90", qty 0.001; SOLUSDT tick 0.0100 printed with 4 decimals, qty 1. */
const BINANCE_SPECS: Record<string, SpecRow> = {
  BTC: { priceDecimals: 1, tickUnits: 1, priceDisplay: 2, qtyDecimals: 3, lotUnits: 1, qtyDisplay: 3, contractSize: 1 },
  ETH: { priceDecimals: 2, tickUnits: 1, priceDisplay: 2, qtyDecimals: 3, lotUnits: 1, qtyDisplay: 3, contractSize: 1 },
  SOL: { priceDecimals: 2, tickUnits: 1, priceDisplay: 4, qtyDecimals: 0, lotUnits: 1, qtyDisplay: 0, contractSize: 1 },
};
/** Bybit linear: BTCUSDT tick 0.10 "30247.20", qty 0.001; ETH qty 0.01; SOL tick 0.010, qty 0.1. */
const BYBIT_SPECS: Record<string, SpecRow> = {
  BTC: { priceDecimals: 1, tickUnits: 1, priceDisplay: 2, qtyDecimals: 3, lotUnits: 1, qtyDisplay: 3, contractSize: 1 },
  ETH: { priceDecimals: 2, tickUnits: 1, priceDisplay: 2, qtyDecimals: 2, lotUnits: 1, qtyDisplay: 2, contractSize: 1 },
  SOL: { priceDecimals: 2, tickUnits: 1, priceDisplay: 3, qtyDecimals: 1, lotUnits: 1, qtyDisplay: 1, contractSize: 1 },
};
/** OKX swaps: sizes in contracts (lot 0.01 contract), ctVal from the normalizer's table (BTC 0.01, ETH 0.1, SOL 1); shortest-form numbers. */
const OKX_SPECS: Record<string, SpecRow> = {
  BTC: { priceDecimals: 1, tickUnits: 1, priceDisplay: -1, qtyDecimals: 2, lotUnits: 1, qtyDisplay: -1, contractSize: okxContractSize('BTC') },
  ETH: { priceDecimals: 2, tickUnits: 1, priceDisplay: -1, qtyDecimals: 2, lotUnits: 1, qtyDisplay: -1, contractSize: okxContractSize('ETH') },
  SOL: { priceDecimals: 2, tickUnits: 1, priceDisplay: -1, qtyDecimals: 2, lotUnits: 1, qtyDisplay: -1, contractSize: okxContractSize('SOL') },
};

/** The simulated OKX contracts are the ones the normalizer sizes with: one table, no copy. */
function okxContractSize(symbol: string): number {
  const size = OKX_CONTRACT_SIZES[symbol];
  if (size === undefined) throw new Error(`no OKX contract size for ${symbol} in src/venues/okx/contract-sizes.ts`);
  return size;
}

export function instrumentSpec(venue: Venue, symbol: string): InstrumentSpec {
  const table = venue === 'binance' ? BINANCE_SPECS : venue === 'bybit' ? BYBIT_SPECS : OKX_SPECS;
  const row = table[symbol];
  if (!row) throw new MoonstreamError('USAGE', `simulate has no ${venue} instrument for ${symbol} (known: ${SIM_SYMBOLS.join(', ')})`);
  const instrument = venue === 'okx' ? `${symbol}-USDT-SWAP` : `${symbol}USDT`;
  return { venue, symbol, instrument, ...row };
}

/** How one symbol's market behaves. */
export interface SymbolParams {
  readonly symbol: string;
  /** Centre of the starting price; the seed moves it by up to ±15 %. */
  readonly initialPrice: number;
  /** Annualized volatility in the calm regime. */
  readonly calmVol: number;
  /** Loading on the market-wide factor (shocks and jumps). */
  readonly beta: number;
  /** Share of the diffusion variance that is the symbol's own. */
  readonly idioShare: number;
  /** Log-price move per 1 M USD of taker notional (half permanent, half decaying). */
  readonly impactPerMillion: number;
  /** Positions opened per second over all venues, calm regime. */
  readonly openRate: number;
  /** Background taker orders per second (no open-interest change), calm regime. */
  readonly noiseRate: number;
  /** Median opened notional (USD), log-normal. */
  readonly notionalMedian: number;
  /** Median background order notional (USD). */
  readonly noiseNotionalMedian: number;
  /** Mean holding time before a voluntary close (minutes, exponential). */
  readonly holdMeanMinutes: number;
  /** The true maintenance margin rate `m` of the liquidation formula. */
  readonly maintenanceMargin: number;
  /** Open interest (USD) not modelled as positions (hedged market-maker inventory): constant per venue share. */
  readonly baselineOiUsd: number;
  /** Median size of a near-touch book level (base asset) on Binance; other venues scale it. */
  readonly levelQty: number;
  /** Median size of a far "wall" (base asset). */
  readonly wallQty: number;
  /** Walls sit on multiples of this price (USD). */
  readonly wallGrid: number;
}

export const SYMBOL_PARAMS: Readonly<Record<string, SymbolParams>> = {
  BTC: {
    symbol: 'BTC',
    initialPrice: 82_000,
    calmVol: 0.4,
    beta: 1,
    idioShare: 0.15,
    impactPerMillion: 0.00025,
    openRate: 0.25,
    noiseRate: 1.2,
    notionalMedian: 15_000,
    noiseNotionalMedian: 8_000,
    holdMeanMinutes: 240,
    maintenanceMargin: 0.0025,
    baselineOiUsd: 400e6,
    levelQty: 0.35,
    wallQty: 15,
    wallGrid: 250,
  },
  ETH: {
    symbol: 'ETH',
    initialPrice: 3_000,
    calmVol: 0.55,
    beta: 1.15,
    idioShare: 0.25,
    impactPerMillion: 0.0004,
    openRate: 0.2,
    noiseRate: 1.0,
    notionalMedian: 9_000,
    noiseNotionalMedian: 5_000,
    holdMeanMinutes: 240,
    maintenanceMargin: 0.004,
    baselineOiUsd: 200e6,
    levelQty: 5,
    wallQty: 250,
    wallGrid: 10,
  },
  SOL: {
    symbol: 'SOL',
    initialPrice: 170,
    calmVol: 0.75,
    beta: 1.4,
    idioShare: 0.35,
    impactPerMillion: 0.001,
    openRate: 0.15,
    noiseRate: 0.8,
    notionalMedian: 5_000,
    noiseNotionalMedian: 3_000,
    holdMeanMinutes: 240,
    maintenanceMargin: 0.005,
    baselineOiUsd: 80e6,
    levelQty: 60,
    wallQty: 2_500,
    wallGrid: 0.5,
  },
};

export const SIM_SYMBOLS: readonly string[] = Object.keys(SYMBOL_PARAMS);

/**
 * The default true leverage mixes: share of opened notional per tier (sizes are drawn
 * independently of the tier, so also the share of positions). Deliberately heavier in
 * 50x–100x than the seed's prior weights (which put ~80 % on 5x–25x), so that a
 * calibrator starting from the prior has something visible to learn. 10x is 0: it is a
 * disabled tier in the engines (DISABLED_TIERS), so mass there could not be recovered.
 */
export const DEFAULT_LEVERAGE_MIX: Readonly<Record<string, Readonly<Record<number, number>>>> = {
  BTC: { 5: 0.06, 10: 0, 20: 0.14, 25: 0.12, 50: 0.22, 75: 0.14, 100: 0.16, 125: 0.08, 150: 0.04, 200: 0.03, 250: 0.01 },
  ETH: { 5: 0.08, 10: 0, 20: 0.18, 25: 0.14, 50: 0.24, 75: 0.14, 100: 0.14, 125: 0.08 },
  SOL: { 5: 0.12, 10: 0, 20: 0.26, 25: 0.2, 50: 0.27, 75: 0.15 },
};

/** A symbol's mix aligned with its ladder. */
export interface LeverageMix {
  readonly tiers: readonly number[];
  readonly weights: readonly number[];
}

export function defaultLeverageMix(symbol: string): LeverageMix {
  const tiers = LADDERS[symbol] ?? leverageConfigFor(symbol).tiers;
  const table = DEFAULT_LEVERAGE_MIX[symbol] ?? {};
  const raw = tiers.map((t) => table[t] ?? 0);
  const sum = raw.reduce((a, b) => a + b, 0);
  return { tiers, weights: raw.map((w) => w / sum) };
}

/**
 * `--leverage-mix` JSON → per-symbol mixes (symbols not named keep the default).
 * Tiers must be in the symbol's ladder, values finite and ≥ 0 with a positive sum;
 * the result is renormalized. Anything else is a USAGE error naming the problem.
 */
export function parseLeverageMix(json: string, symbols: readonly string[]): Record<string, LeverageMix> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw usage(`--leverage-mix is not valid JSON (${(error as Error).message}); expected e.g. {"BTC":{"20":0.3,"50":0.7}}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw usage('--leverage-mix must be a JSON object of symbols, e.g. {"BTC":{"20":0.3,"50":0.7}}');
  }
  const out: Record<string, LeverageMix> = {};
  for (const symbol of symbols) out[symbol] = defaultLeverageMix(symbol);
  for (const [rawSymbol, mix] of Object.entries(value as Record<string, unknown>)) {
    const symbol = rawSymbol.toUpperCase();
    if (!symbols.includes(symbol)) throw usage(`--leverage-mix names ${rawSymbol}, which is not simulated (symbols: ${symbols.join(', ')})`);
    if (typeof mix !== 'object' || mix === null || Array.isArray(mix)) {
      throw usage(`--leverage-mix ${symbol} must be an object of tier → weight, e.g. {"20":0.3,"50":0.7}`);
    }
    const tiers = LADDERS[symbol] ?? leverageConfigFor(symbol).tiers;
    const weights = tiers.map(() => 0);
    for (const [key, w] of Object.entries(mix as Record<string, unknown>)) {
      const tier = Number(key.replace(/x$/i, ''));
      const index = tiers.indexOf(tier);
      if (!Number.isInteger(tier) || index < 0) {
        throw usage(`--leverage-mix ${symbol}: tier "${key}" is not in the ${symbol} ladder (${tiers.join(', ')})`);
      }
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
        throw usage(`--leverage-mix ${symbol}: weight of tier ${key} must be a number ≥ 0, got ${JSON.stringify(w)}`);
      }
      weights[index] = w;
    }
    const sum = weights.reduce((a, b) => a + b, 0);
    if (!(sum > 0)) throw usage(`--leverage-mix ${symbol}: weights sum to 0; give at least one tier a positive weight`);
    out[symbol] = { tiers, weights: weights.map((w) => w / sum) };
  }
  return out;
}

/**
 * `--venue-shares binance=0.5,bybit=0.3,okx=0.2` → the share of new positions per simulated
 * venue, rescaled to sum to 1. Venues it does not name get no positions (their books and
 * trades still run); it may name only venues in `venues`.
 */
export function parseVenueShares(text: string, venues: readonly Venue[]): Partial<Record<Venue, number>> {
  const given = new Map<Venue, number>();
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^([a-z]+)\s*[=:]\s*(\S+)$/i.exec(part);
    if (!match) throw usage(`--venue-shares: "${part}" is not venue=share (e.g. binance=0.5,bybit=0.3,okx=0.2)`);
    const venue = match[1]!.toLowerCase();
    if (!isVenue(venue)) throw usage(`--venue-shares: unknown venue "${match[1]}" (known: ${VENUES.join(', ')})`);
    if (!venues.includes(venue)) throw usage(`--venue-shares names ${venue}, which is not simulated (venues: ${venues.join(', ')})`);
    if (given.has(venue)) throw usage(`--venue-shares names ${venue} twice`);
    const share = Number(match[2]);
    if (!Number.isFinite(share) || share < 0) throw usage(`--venue-shares: share of ${venue} must be a number ≥ 0, got "${match[2]}"`);
    given.set(venue, share);
  }
  if (given.size === 0) throw usage('--venue-shares: expected venue=share pairs, e.g. binance=0.5,bybit=0.3,okx=0.2');
  const sum = [...given.values()].reduce((a, b) => a + b, 0);
  if (!(sum > 0)) throw usage('--venue-shares: shares sum to 0; give at least one venue a positive share');
  return Object.fromEntries(venues.map((v) => [v, (given.get(v) ?? 0) / sum]));
}

function usage(message: string): MoonstreamError {
  return new MoonstreamError('USAGE', message);
}

/** Share of positions (and background flow) living on each venue; renormalized over the simulated venues. */
export const DEFAULT_VENUE_SHARES: Readonly<Record<Venue, number>> = { binance: 0.45, bybit: 0.33, okx: 0.22 };

/** Book depth relative to Binance. */
export const VENUE_DEPTH: Readonly<Record<Venue, number>> = { binance: 1, bybit: 0.6, okx: 0.5 };

/** One-way latency venue → us: `base + exponential(mean)` ms; REST round trips likewise. */
export const VENUE_LATENCY: Readonly<Record<Venue, { readonly base: number; readonly mean: number; readonly restBase: number; readonly restMean: number }>> = {
  binance: { base: 4, mean: 3, restBase: 30, restMean: 15 },
  bybit: { base: 10, mean: 5, restBase: 60, restMean: 20 },
  okx: { base: 15, mean: 6, restBase: 70, restMean: 25 },
};

/** Market-wide regime and jump behaviour. */
export interface MarketParams {
  readonly calmToVolatile: number;
  readonly volatileToCalm: number;
  readonly volatileVolMultiplier: number;
  readonly volatileActivityMultiplier: number;
  readonly jumpsPerHour: number;
  readonly jumpMin: number;
  readonly jumpMax: number;
  readonly jumpDownShare: number;
  readonly impactHalfLifeMs: number;
  readonly permanentImpactShare: number;
  readonly okxNetModeShare: number;
}

export const MARKET_PARAMS: MarketParams = {
  /** Per-minute probability calm → volatile, and volatile → calm. */
  calmToVolatile: 1 / 240,
  volatileToCalm: 1 / 30,
  /** Volatility and trading-activity multipliers in the volatile regime. */
  volatileVolMultiplier: 2.5,
  volatileActivityMultiplier: 1.8,
  /** Market-wide jumps per hour (×3 when volatile); size log-uniform in [min, max], 60 % down. */
  jumpsPerHour: 0.25,
  jumpMin: 0.003,
  jumpMax: 0.025,
  jumpDownShare: 0.6,
  /** Half-life of the transient part of price impact (ms). */
  impactHalfLifeMs: 45_000,
  /** Share of impact that is permanent. */
  permanentImpactShare: 0.5,
  /** Share of OKX accounts in net position mode (`posSide: "net"`). */
  okxNetModeShare: 0.25,
} as const;

/**
 * How often the venues' streams are emitted. Liquidation feeds, Binance markPrice@1s,
 * REST polls and ticks have fixed venue-defined or pipeline-defined cadences; these
 * knobs trade realism for capture size.
 */
export interface EmissionProfile {
  readonly name: string;
  /** Book diff/delta interval for all venues (Binance depth@100ms, Bybit orderbook.50, OKX books), ms. */
  readonly bookMs: number;
  /** Bybit tickers delta interval, ms (venue: 100). */
  readonly tickersMs: number;
  /** OKX mark-price interval while the price changes, ms (venue: 200; 10 s when unchanged). */
  readonly okxMarkMs: number;
  /** OKX open-interest stream interval, ms (venue: 3000). */
  readonly okxOpenInterestMs: number;
  /** Emit Binance bookTicker on every book step whose best level changed. */
  readonly bookTicker: boolean;
  /** Multiplier on background (no open-interest change) taker flow. */
  readonly noiseScale: number;
}

export const EMISSION_PROFILES: Readonly<Record<string, EmissionProfile>> = {
  /** The venues' own cadences (large: ~100 messages/s for three symbols). */
  full: { name: 'full', bookMs: 100, tickersMs: 100, okxMarkMs: 200, okxOpenInterestMs: 3_000, bookTicker: true, noiseScale: 1 },
  /** Default: books, Bybit tickers and OKX marks every 2 s, so a day stays replayable. */
  standard: { name: 'standard', bookMs: 2_000, tickersMs: 2_000, okxMarkMs: 2_000, okxOpenInterestMs: 3_000, bookTicker: false, noiseScale: 1 },
  /** Small fixtures: books and Bybit tickers every 10 s, OKX marks every 5 s, OKX open interest every 15 s, a fifth of the background flow. */
  light: { name: 'light', bookMs: 10_000, tickersMs: 10_000, okxMarkMs: 5_000, okxOpenInterestMs: 15_000, bookTicker: false, noiseScale: 0.2 },
};

export const DEFAULT_PROFILE = 'standard';

/** REST polling of the batch driver (seed "REST Polling"). */
export const POLL_INTERVALS = {
  /** `MultiExchangeOIPoller`: every 15 s per venue and symbol. */
  openInterestMs: 15_000,
  /** `BinanceRESTPollerThread`: three ratio endpoints every 60 s per symbol. */
  ratiosMs: 60_000,
};

/** Default simulated start: a fixed instant, so the same flags write the same bytes. */
export const DEFAULT_START_MS = Date.UTC(2026, 0, 5, 0, 0, 0);
