/**
 * The normalized event model: the pipeline's lingua franca (DESIGN.md section 3).
 *
 * Venue normalizers (src/venues/*) turn raw frames into these events; engines
 * (src/engines/*) consume them. Nothing past the normalizers knows a venue's raw
 * field names. Every timestamp is epoch milliseconds as a number: `ts` is the
 * venue's event time; the envelope's `t` (src/capture/) is the local receive time.
 */

export type Venue = 'binance' | 'bybit' | 'okx';
export const VENUES: readonly Venue[] = ['binance', 'bybit', 'okx'];

export function isVenue(value: unknown): value is Venue {
  return value === 'binance' || value === 'bybit' || value === 'okx';
}

/** The liquidated (or opened) position's side. */
export type Side = 'long' | 'short';
/** The aggressor's side of a trade. */
export type TakerSide = 'buy' | 'sell';

/**
 * Price levels as one flat array per book side: `[price0, qty0, price1, qty1, …]`.
 * Flat rather than one tuple per level because depth is the hot path. Quantities are
 * in base asset (OKX contracts already converted); a quantity of 0 deletes the level.
 */
export type Levels = number[];

interface VenueEvent {
  readonly venue: Venue;
  /** Short symbol (`BTC`), see {@link toSymbol}. */
  readonly symbol: string;
  /** Venue event time, epoch ms. */
  readonly ts: number;
}

/** A forced liquidation. Counts are lower bounds on Binance and OKX (snapshot feeds). */
export interface Liquidation extends VenueEvent {
  readonly type: 'liquidation';
  /** The position that was liquidated (not the liquidation order's side). */
  readonly side: Side;
  /** The liquidation order's price, near the bankruptcy price, on every venue. */
  readonly price: number;
  /** Base-asset quantity. */
  readonly qty: number;
  /** price × qty, USD(T). */
  readonly notional: number;
  /** Binance only: the order's average fill price (`o.ap`). */
  readonly avgPrice?: number;
}

export interface Trade extends VenueEvent {
  readonly type: 'trade';
  readonly price: number;
  /** Base-asset quantity. */
  readonly qty: number;
  readonly takerSide: TakerSide;
}

/**
 * An incremental book update. Id semantics per venue:
 * Binance `U`/`u`/`pu`; Bybit `u` in both ids, no `prevLastId`;
 * OKX `seqId` in both ids and `prevSeqId` as `prevLastId`.
 */
export interface DepthDiff extends VenueEvent {
  readonly type: 'depthDiff';
  readonly firstId: number;
  readonly lastId: number;
  readonly prevLastId?: number;
  readonly bids: Levels;
  readonly asks: Levels;
  /** OKX CRC32 checksum as published (deprecated, 0 today: only verify when non-zero). */
  readonly checksum?: number;
}

/** A full book (or, with `top`, a top-N view that replaces the previous top-N view). */
export interface DepthSnapshot extends VenueEvent {
  readonly type: 'depthSnapshot';
  /** Binance `lastUpdateId`, Bybit `u`, OKX `seqId`. */
  readonly lastUpdateId: number;
  readonly bids: Levels;
  readonly asks: Levels;
  /** Set for partial views such as OKX `books5` (5): not a full book. */
  readonly top?: number;
  readonly checksum?: number;
}

/** Best bid and ask (Binance `bookTicker`). */
export interface BookTicker extends VenueEvent {
  readonly type: 'bookTicker';
  /** Binance book update id `u`, comparable with depth `u`. */
  readonly updateId?: number;
  readonly bidPrice: number;
  readonly bidQty: number;
  readonly askPrice: number;
  readonly askQty: number;
}

export interface MarkPrice extends VenueEvent {
  readonly type: 'markPrice';
  readonly mark: number;
  readonly index?: number;
  readonly funding?: number;
  readonly nextFundingTs?: number;
}

/** A funding-rate update that carries no mark price (OKX `funding-rate`). */
export interface Funding extends VenueEvent {
  readonly type: 'funding';
  readonly rate: number;
  readonly nextFundingTs?: number;
}

/** One venue's open interest, one side only, in base asset. */
export interface OpenInterest extends VenueEvent {
  readonly type: 'openInterest';
  readonly oiBase: number;
  /** REST poll or a stream (Bybit tickers, OKX open-interest). */
  readonly source: 'rest' | 'stream';
}

export type TraderRatioKind = 'topAccount' | 'topPosition' | 'globalAccount';

export interface TraderRatio extends VenueEvent {
  readonly type: 'traderRatio';
  readonly kind: TraderRatioKind;
  readonly longShortRatio: number;
  readonly longShare?: number;
  readonly shortShare?: number;
}

/** Time passes with no market event: live injects one per second so quiet minutes roll over. */
export interface Tick {
  readonly type: 'tick';
  readonly ts: number;
}

/** A venue connection dropped: that venue's books for `symbols` (all when absent) must resync. */
export interface Disconnect {
  readonly type: 'disconnect';
  readonly venue: Venue;
  readonly ts: number;
  readonly symbols?: readonly string[];
  readonly reason: string;
}

export type MarketEvent =
  | Liquidation
  | Trade
  | DepthDiff
  | DepthSnapshot
  | BookTicker
  | MarkPrice
  | Funding
  | OpenInterest
  | TraderRatio;

export type NormalizedEvent = MarketEvent | Tick | Disconnect;
export type EventType = NormalizedEvent['type'];

export const EVENT_TYPES: readonly EventType[] = [
  'liquidation',
  'trade',
  'depthDiff',
  'depthSnapshot',
  'bookTicker',
  'markPrice',
  'funding',
  'openInterest',
  'traderRatio',
  'tick',
  'disconnect',
];

export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}

/**
 * Venue instrument → short symbol. USDT-margined perpetuals only:
 * `BTCUSDT`, `btcusdt`, `BTC-USDT-SWAP` → `BTC`; any other USDT perpetual passes
 * through as its base asset (`XRPUSDT` → `XRP`, `1000PEPEUSDT` → `1000PEPE`).
 * Anything else (COIN-M `BTCUSD_PERP`, dated `BTCUSDT_250926`, OKX inverse
 * `BTC-USD-SWAP`, USDC-margined, spot `BTC-USDT`) is not ours: `undefined`,
 * so a normalizer can count it instead of mis-sizing it.
 */
export function toSymbol(instrument: string): string | undefined {
  const cached = symbolCache.get(instrument);
  if (cached !== undefined) return cached === '' ? undefined : cached;
  const mapped = mapInstrument(instrument);
  if (symbolCache.size < 10_000) symbolCache.set(instrument, mapped ?? '');
  return mapped;
}

const symbolCache = new Map<string, string>();

function mapInstrument(instrument: string): string | undefined {
  const upper = instrument.trim().toUpperCase();
  let base: string | undefined;
  if (upper.endsWith('-USDT-SWAP')) base = upper.slice(0, -'-USDT-SWAP'.length);
  else if (upper.endsWith('USDT') && !upper.includes('-') && !upper.includes('_')) base = upper.slice(0, -4);
  if (!base || !/^[A-Z0-9]+$/.test(base)) return undefined;
  return base;
}

/** Short symbol → each venue's perpetual instrument name. */
export function instrumentOf(venue: Venue, symbol: string): string {
  switch (venue) {
    case 'binance':
    case 'bybit':
      return `${symbol}USDT`;
    case 'okx':
      return `${symbol}-USDT-SWAP`;
    default:
      return assertNever(venue, 'venue');
  }
}
