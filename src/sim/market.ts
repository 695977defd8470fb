/**
 * The simulated market: an incremental, seeded, deterministic model that advances in
 * event time and hands every venue frame, in receive-time order, to a consumer.
 *
 *   const market = new SimMarket({ seed: 7 }, (frame) => writer.writeRaw(frame.t, frame.v, frame.c, frame.json, frame.q));
 *   market.start();                       // subscription snapshots (Bybit, OKX books/tickers)
 *   market.advanceTo(t);                  // run the model up to t, emitting frames received by then
 *   market.restDepth('BTC', 1000, t);     // answer REST from the current state, any time
 *   market.finish(end);                   // last publishes, flush
 *   market.truth();
 *
 * Per symbol there is one reference price (log random walk with calm/volatile regimes,
 * correlated across symbols, market-wide jumps, and the impact of every taker order,
 * half permanent and half decaying), and per venue a mark (reference × a tiny basis),
 * a book, open positions and open interest. Traders open positions at the venue's
 * current price with a known leverage mix (a taker order on the opening side that
 * raises that venue's open interest), close some voluntarily, and are liquidated when
 * the venue's mark crosses `E·(1 − 1/L + m)` (long) or `E·(1 + 1/L − m)` (short): a
 * market order that fills against the book and moves the price, so cascades happen.
 *
 * The same model serves batch capture writing (src/sim/run.ts) and, later, loopback
 * venues in real time: REST answers come from the current state, and subscription
 * snapshots (`subscriptionFrames`) from what the streams last published.
 */

import type { Venue } from '../events.js';
import { BinanceFrames } from './binance-frames.js';
import { ASK, BID, BookMaker, BookView, SimBook, defaultBookShape, type BookSide } from './book.js';
import { BYBIT_TICKER_FIELDS, BybitFrames, type BybitLiquidationEntry, type BybitTickerField, type BybitTradeEntry } from './bybit-frames.js';
import { formatFixed, formatUnits } from './format.js';
import { MinHeap } from './heap.js';
import { OkxFrames, okxLiquidationPush, type OkxLiquidationDetail } from './okx-frames.js';
import {
  DEFAULT_PROFILE,
  DEFAULT_START_MS,
  DEFAULT_VENUE_SHARES,
  EMISSION_PROFILES,
  MARKET_PARAMS,
  type MarketParams,
  SYMBOL_PARAMS,
  VENUE_DEPTH,
  VENUE_LATENCY,
  defaultLeverageMix,
  instrumentSpec,
  type EmissionProfile,
  type InstrumentSpec,
  type LeverageMix,
  type SymbolParams,
} from './params.js';
import { Rng } from './rng.js';
import { TRUTH_VERSION, type SimTruth, type TierStats, type TruthBook, type TruthLiquidation, type TruthSymbol } from './truth.js';
import { MoonstreamError } from '../errors.js';

/** One frame as a client of the venue receives it. */
export interface SimFrame {
  /** Local receive time (ms): event time plus a deterministic latency. */
  readonly t: number;
  /** Venue event time of the frame (push time; REST: the server's answer time). */
  readonly ts: number;
  /** `binance` | `bybit` | `okx`, or `moonstream` for ticks. */
  readonly v: string;
  /** Capture channel (DESIGN.md section 3). */
  readonly c: string;
  /** The frame exactly as sent (Binance: the combined-stream wrapper). */
  readonly json: string;
  /** REST query parameters. */
  readonly q?: Readonly<Record<string, string | number>>;
  /**
   * What it belongs to: the Binance stream name (`btcusdt@depth@100ms`, `!forceOrder@arr`),
   * the Bybit topic (`orderbook.50.BTCUSDT`), OKX `channel:instId` (`liquidation-orders:SWAP`),
   * `tick`, or the REST path (`/fapi/v1/depth`).
   */
  readonly route: string;
  /** Set on frames for one subscriber only: a loopback client's subscription snapshot ({@link SimMarket.queueSnapshots}). */
  readonly to?: number;
}

export type FrameConsumer = (frame: SimFrame) => void;

export interface SimOptions {
  /** Random seed (default 1). */
  readonly seed?: number;
  /** Symbols (default BTC, ETH, SOL). */
  readonly symbols?: readonly string[];
  /** Venues to run (default all three). Positions live only on these. */
  readonly venues?: readonly Venue[];
  /** Event time of the start, epoch ms, a whole second (default 2026-01-05T00:00Z). */
  readonly startMs?: number;
  /** True leverage mixes per symbol (default {@link defaultLeverageMix}). */
  readonly leverageMix?: Readonly<Record<string, LeverageMix>>;
  /** Emission profile or its name (default `standard`). */
  readonly profile?: EmissionProfile | string;
  /** Share of positions per venue (default 45/33/22 %), renormalized over `venues`. */
  readonly venueShares?: Partial<Record<Venue, number>>;
  /** Overrides of the market-wide parameters (tests, demos). */
  readonly market?: Partial<MarketParams>;
  /** Per-symbol overrides of the market parameters (tests). */
  readonly symbolParams?: Readonly<Record<string, Partial<SymbolParams>>>;
  /** Model step (ms, default 100): price updates and liquidation checks. */
  readonly stepMs?: number;
  /** Emit a `moonstream` tick every second of receive time (default true). */
  readonly ticks?: boolean;
  /** Keep the truth (liquidation list, per-minute series); off for endless live serving (default true). */
  readonly recordTruth?: boolean;
}

export type TraderRatioKind = 'topAccount' | 'topPosition' | 'globalAccount';

const YEAR_MS = 365 * 24 * 3600 * 1000;
const FUNDING_INTERVAL_MS = 8 * 3600 * 1000;

interface Position {
  readonly id: number;
  readonly vs: VenueState;
  readonly long: boolean;
  readonly leverage: number;
  readonly tierIndex: number;
  readonly entry: number;
  /** Size in the venue's size units (contracts × 100 on OKX). */
  readonly units: number;
  /** Base asset. */
  readonly qty: number;
  readonly liqPrice: number;
  readonly bkPrice: number;
  readonly openTs: number;
  readonly netMode: boolean;
  alive: boolean;
  /** Index in its venue's `open` list while alive. */
  slot: number;
}

interface PendingLiquidation {
  readonly ts: number;
  readonly p: Position;
  readonly fill: number;
  readonly truth: MutableLiquidation | undefined;
}

type MutableLiquidation = { -readonly [K in keyof TruthLiquidation]: TruthLiquidation[K] };

/** One venue's side of one symbol. */
class VenueState {
  readonly book: SimBook;
  readonly maker: BookMaker;
  readonly view: BookView | undefined;
  /** Base asset per size unit. */
  readonly baseUnit: number;
  /** 10^(decimals of base-asset amounts). */
  private readonly baseScale: number;
  /** Trader ratios cached for one answer time: [topAccount, topPosition, globalAccount] long shares. */
  ratioCache: { at: number; shares: [number, number, number] } | undefined;
  /** USD per price unit. */
  readonly priceUnit: number;
  readonly longs = new MinHeap<Position>();
  readonly shorts = new MinHeap<Position>();
  /** The open positions, unordered (swap-remove). */
  readonly open: Position[] = [];
  deadLongs = 0;
  deadShorts = 0;
  /** Open interest of the modelled positions, size units. */
  positionUnits = 0;
  readonly baselineUnits: number;
  basis = 0;
  mark = 0;
  pending: PendingLiquidation[] = [];
  // per-minute truth
  openedUnits = 0;
  closedUnits = 0;
  readonly oiSeries: number[] = [];
  readonly openedSeries: number[] = [];
  readonly closedSeries: number[] = [];
  // venue counters
  aggId = 0;
  tradeId = 0;
  bookU = 0;
  crossSeq = 0;
  tickersCs = 0;
  okxSeq = 0;
  okxBookSeq = 0;
  lastBookTs = 0;
  lastTradeUnits = 0;
  tickDirection = 'ZeroPlusTick';
  lastBest = '';
  lastMarkText = '';
  lastMarkTs = 0;
  lastOiText = '';
  volumeBase = 0;
  turnover = 0;
  high = 0;
  low = Infinity;
  tickerValues: Record<BybitTickerField, string> | undefined;
  readonly binance: BinanceFrames | undefined;
  readonly bybit: BybitFrames | undefined;
  readonly okx: OkxFrames | undefined;

  constructor(
    readonly venue: Venue,
    readonly spec: InstrumentSpec,
    readonly sym: SymbolState,
    bookRng: Rng,
    idRng: Rng,
  ) {
    this.baseUnit = 10 ** -spec.qtyDecimals * spec.contractSize;
    this.baseScale = 10 ** (spec.qtyDecimals + Math.round(-Math.log10(spec.contractSize)));
    this.priceUnit = 10 ** -spec.priceDecimals;
    const p = sym.params;
    const depth = VENUE_DEPTH[venue];
    const levelUnits = (p.levelQty * depth) / this.baseUnit;
    const wallUnits = (p.wallQty * depth) / this.baseUnit;
    const shape = defaultBookShape(spec.tickUnits, spec.lotUnits, levelUnits, wallUnits, Math.round(p.wallGrid / this.priceUnit));
    const startId = venue === 'binance' ? 4_000_000_000_000 + idRng.int(2_000_000_000_000) : 0;
    const idStep = venue === 'binance' ? () => 1 + idRng.int(40) : () => 1;
    this.book = new SimBook(startId, idStep);
    this.maker = new BookMaker(this.book, shape, bookRng);
    this.view = venue === 'bybit' ? new BookView(50) : venue === 'okx' ? new BookView(400) : undefined;
    this.baselineUnits = Math.round((p.baselineOiUsd * sym.venueShare(venue)) / sym.ref / this.baseUnit);
    this.aggId = 1_500_000_000 + idRng.int(1_000_000_000);
    this.tradeId = venue === 'okx' ? 2_000_000_000 + idRng.int(1_000_000_000) : 5_000_000_000 + idRng.int(1_000_000_000);
    this.bookU = 10_000_000 + idRng.int(90_000_000);
    this.crossSeq = 50_000_000_000 + idRng.int(2_000_000_000);
    this.tickersCs = 20_000_000_000 + idRng.int(2_000_000_000);
    this.okxSeq = 300_000_000_000 + idRng.int(50_000_000_000);
    this.okxBookSeq = this.okxSeq;
    this.binance = venue === 'binance' ? new BinanceFrames(spec) : undefined;
    this.bybit = venue === 'bybit' ? new BybitFrames(spec) : undefined;
    this.okx = venue === 'okx' ? new OkxFrames(spec) : undefined;
  }

  private readonly routes = new Map<string, string>();

  /** The subscription a channel's frames belong to (see {@link SimFrame.route}), built once. */
  route(channel: string): string {
    let route = this.routes.get(channel);
    if (route === undefined) {
      const instrument = this.spec.instrument;
      route =
        this.venue === 'binance' ? `${instrument.toLowerCase()}@${channel}` : this.venue === 'bybit' ? `${channel}.${instrument}` : `${channel}:${instrument}`;
      this.routes.set(channel, route);
    }
    return route;
  }

  /** Mid in price units. */
  midUnits(): number {
    return this.mark / this.priceUnit;
  }

  /** Base asset of `units` size units, rounded to the venue's precision. */
  base(units: number): number {
    return Math.round(units * this.baseUnit * this.baseScale) / this.baseScale;
  }

  oiUnits(): number {
    return this.baselineUnits + this.positionUnits;
  }
}

/** One symbol: its reference price, venues, positions and truth. */
class SymbolState {
  x: number;
  y = 0;
  ref: number;
  sentiment = 0.5;
  clock = 0;
  nextOpen = 0;
  nextNoise = 0;
  readonly closes = new MinHeap<Position>();
  deadCloses = 0;
  venues: VenueState[] = [];
  readonly venueWeights: number[] = [];
  fundingRate = 0.0001;
  nextOkxFunding = 0;
  // minute OHLC of the reference price
  o = 0;
  h = 0;
  l = 0;
  readonly ohlc: [number, number, number, number][] = [];
  readonly tiers: { initial: TierStats; opened: TierStats; closed: TierStats; liquidated: TierStats }[];
  readonly idio: Rng;
  readonly startPrice: number;
  hourPrice: number;

  constructor(
    readonly params: SymbolParams,
    readonly mix: LeverageMix,
    private readonly shares: Partial<Record<Venue, number>>,
    rng: Rng,
    seed: number,
    index: number,
  ) {
    this.ref = params.initialPrice * Math.exp(rng.between(-0.15, 0.15));
    this.x = Math.log(this.ref);
    this.o = this.h = this.l = this.ref;
    this.startPrice = this.ref;
    this.hourPrice = this.ref;
    this.tiers = mix.tiers.map(() => ({
      initial: { count: 0, notional: 0 },
      opened: { count: 0, notional: 0 },
      closed: { count: 0, notional: 0 },
      liquidated: { count: 0, notional: 0 },
    }));
    this.idio = new Rng(seed, 100 + index);
  }

  get symbol(): string {
    return this.params.symbol;
  }

  venueShare(venue: Venue): number {
    return this.shares[venue] ?? 0;
  }
}

/** Where frames of each connection are serialized: a socket delivers in order. */
type Connection = 'binance-public' | 'binance-market' | 'bybit' | 'okx';

export class SimMarket {
  readonly seed: number;
  readonly symbols: readonly string[];
  readonly venues: readonly Venue[];
  readonly startMs: number;
  readonly profile: EmissionProfile;
  readonly stepMs: number;
  private readonly onFrame: FrameConsumer;
  private readonly ticks: boolean;
  private readonly recordTruth: boolean;
  private readonly venueShares: Partial<Record<Venue, number>>;
  private readonly mp: MarketParams;
  private readonly states: SymbolState[] = [];
  private readonly out = new MinHeap<SimFrame>();
  private readonly lastOnConnection: Record<Connection, number> = { 'binance-public': 0, 'binance-market': 0, bybit: 0, okx: 0 };
  private readonly counts = new Map<string, Map<string, number>>();
  private readonly liquidationLog: MutableLiquidation[] = [];
  private readonly priceRng: Rng;
  private readonly flowRng: Rng;
  private readonly latencyRng: Rng;
  private readonly miscRng: Rng;
  private volatile = false;
  private jumpLeft = 0;
  private jumpSteps = 0;
  private nextPositionId = 1;
  private clockNow: number;
  private started = false;
  private finishedAt: number | undefined;
  private liquidationCount = 0;
  private framesOut = 0;

  constructor(options: SimOptions, onFrame: FrameConsumer) {
    this.seed = options.seed ?? 1;
    this.symbols = options.symbols ?? ['BTC', 'ETH', 'SOL'];
    this.venues = options.venues ?? ['binance', 'bybit', 'okx'];
    this.startMs = options.startMs ?? DEFAULT_START_MS;
    this.stepMs = options.stepMs ?? 100;
    this.onFrame = onFrame;
    this.ticks = options.ticks ?? true;
    this.recordTruth = options.recordTruth ?? true;
    this.mp = { ...MARKET_PARAMS, ...(options.market ?? {}) };
    const profile = typeof options.profile === 'string' || options.profile === undefined ? EMISSION_PROFILES[options.profile ?? DEFAULT_PROFILE] : options.profile;
    if (!profile) throw new MoonstreamError('USAGE', `unknown emission profile "${String(options.profile)}" (known: ${Object.keys(EMISSION_PROFILES).join(', ')})`);
    this.profile = profile;
    validateTiming(this.startMs, this.stepMs, profile);
    if (this.venues.length === 0) throw new MoonstreamError('USAGE', 'simulate needs at least one venue');
    if (this.symbols.length === 0) throw new MoonstreamError('USAGE', 'simulate needs at least one symbol');
    const rawShares = this.venues.map((v) => options.venueShares?.[v] ?? DEFAULT_VENUE_SHARES[v]);
    const shareSum = rawShares.reduce((a, b) => a + b, 0);
    if (!(shareSum > 0) || rawShares.some((s) => !(s >= 0))) throw new MoonstreamError('USAGE', 'venue shares must be ≥ 0 with a positive sum');
    this.venueShares = Object.fromEntries(this.venues.map((v, i) => [v, rawShares[i]! / shareSum]));
    this.priceRng = new Rng(this.seed, 1);
    this.flowRng = new Rng(this.seed, 2);
    this.latencyRng = new Rng(this.seed, 3);
    this.miscRng = new Rng(this.seed, 4);
    const bookRng = new Rng(this.seed, 5);
    const idRng = new Rng(this.seed, 6);
    const setupRng = new Rng(this.seed, 7);
    this.clockNow = this.startMs;
    this.symbols.forEach((symbol, index) => {
      const base = SYMBOL_PARAMS[symbol];
      if (!base) throw new MoonstreamError('USAGE', `simulate knows ${Object.keys(SYMBOL_PARAMS).join(', ')}, not ${symbol}`);
      const params: SymbolParams = { ...base, ...(options.symbolParams?.[symbol] ?? {}) };
      const mix = options.leverageMix?.[symbol] ?? defaultLeverageMix(symbol);
      if (mix.tiers.some((tier) => 1 / tier <= params.maintenanceMargin)) {
        throw new MoonstreamError('USAGE', `${symbol}: maintenance margin ${params.maintenanceMargin} must be below 1/L for every tier`);
      }
      const s = new SymbolState(params, mix, this.venueShares, setupRng, this.seed, index);
      s.clock = this.startMs;
      s.venues = this.venues.map((v) => new VenueState(v, instrumentSpec(v, symbol), s, bookRng, idRng));
      for (const vs of s.venues) s.venueWeights.push(this.venueShares[vs.venue]!);
      s.fundingRate = this.fundingFor(s);
      s.nextOpen = this.startMs + this.flowRng.exponential(1000 / params.openRate);
      s.nextNoise = this.startMs + this.flowRng.exponential(1000 / Math.max(1e-9, params.noiseRate * profile.noiseScale));
      s.nextOkxFunding = this.startMs + 5_000 + this.miscRng.int(25_000);
      this.states.push(s);
      this.updateMarks(s);
      for (const vs of s.venues) {
        vs.high = vs.low = vs.mark;
        // a full book before anyone looks at it
        for (let k = 0; k < 8; k++) vs.maker.refresh(vs.midUnits(), 2_000);
        vs.lastTradeUnits = vs.book.best(BID)!;
        vs.view?.snapshot(vs.book);
        vs.book.takeDiff();
        vs.lastBookTs = this.startMs;
      }
      this.seedInventory(s, setupRng);
      for (const vs of s.venues) vs.oiSeries.push(vs.base(vs.oiUnits()));
    });
  }

  /** Start of the next unprocessed step: every event before it has happened. */
  get now(): number {
    return this.clockNow;
  }

  get liquidations(): number {
    return this.liquidationCount;
  }

  /** Frames handed to the consumer, and counts by `venue/channel`. */
  get stats(): { readonly frames: number; readonly byChannel: ReadonlyMap<string, number> } {
    const byChannel = new Map<string, number>();
    for (const [v, channels] of this.counts) for (const [c, n] of channels) byChannel.set(`${v}/${c}`, n);
    return { frames: this.framesOut, byChannel };
  }

  /**
   * The frames a client receives on subscribing now, before any delta: Bybit
   * orderbook.50 and tickers snapshots, OKX books snapshots, built from what the
   * streams last published so the deltas that follow chain on. Binance has none (its
   * clients fetch REST: `restDepth`). Returned, not emitted: a loopback server sends
   * them to the one subscriber; `subscribe` emits them for a recording.
   */
  snapshotFrames(venues: readonly Venue[] = this.venues, symbols: readonly string[] = this.symbols): SimFrame[] {
    const ts = this.clockNow;
    const frames: SimFrame[] = [];
    const frame = (vs: VenueState, c: string, json: string): void => {
      frames.push({ t: ts, ts, v: vs.venue, c, json, route: vs.route(c) });
    };
    for (const s of this.states) {
      if (!symbols.includes(s.symbol)) continue;
      for (const vs of s.venues) {
        if (!venues.includes(vs.venue)) continue;
        if (vs.bybit) {
          const view = vs.view!;
          frame(vs, 'orderbook.50', vs.bybit.orderbook('snapshot', ts, view.current(BID), view.current(ASK), vs.bookU, vs.crossSeq, ts - 2));
          const values = this.tickerValues(vs);
          // later deltas stay relative to what the stream last pushed, so earlier subscribers stay consistent
          vs.tickerValues ??= values;
          frame(vs, 'tickers', vs.bybit.tickers('snapshot', values, BYBIT_TICKER_FIELDS, vs.tickersCs, ts));
        } else if (vs.okx) {
          const view = vs.view!;
          const asks = view.current(ASK);
          const bids = view.current(BID);
          frame(vs, 'books', vs.okx.books('snapshot', ts, asks, this.orderCounts(vs, asks), bids, this.orderCounts(vs, bids), -1, vs.okxBookSeq));
        }
      }
    }
    return frames;
  }

  /** Emit the subscription snapshots (`snapshotFrames`) now, as a recording sees them after connecting. */
  subscribe(venues: readonly Venue[] = this.venues): void {
    for (const f of this.snapshotFrames(venues)) this.emit(f.v as Venue, f.c, f.route, f.ts, f.json, f.v as Connection);
  }

  /**
   * Subscription snapshots for ONE subscriber (a loopback client that just subscribed
   * `routes`), queued into the ordered output behind every frame already sent on the
   * venue's connection, so the deltas that follow chain on them (a snapshot sent at once
   * would overtake deltas it already contains). They reach the consumer with
   * `to: subscriber`. Returns the number queued (Binance has none: its clients fetch REST).
   */
  queueSnapshots(venue: Venue, routes: ReadonlySet<string>, subscriber: number): number {
    let n = 0;
    for (const f of this.snapshotFrames([venue])) {
      if (!routes.has(f.route)) continue;
      this.emit(venue, f.c, f.route, f.ts, f.json, venue as Connection, subscriber);
      n++;
    }
    return n;
  }

  /** Begin a batch run: subscription snapshots at the start. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.subscribe();
  }

  /** Run the model up to `target` (ms): every step that ends by then; frames received by `now` go out. */
  advanceTo(target: number): void {
    if (this.finishedAt !== undefined) throw new Error('the simulated market has finished');
    if (!this.started) this.start();
    while (this.clockNow + this.stepMs <= target) {
      this.step(this.clockNow, true);
      this.clockNow += this.stepMs;
      this.flush(this.clockNow);
    }
  }

  /** End at `end` (a step boundary): the boundary's publishes, then every pending frame. */
  finish(end: number): void {
    this.advanceTo(end);
    if (this.finishedAt !== undefined) return;
    this.step(this.clockNow, false);
    this.finishedAt = this.clockNow;
    this.flush(Infinity);
  }

  /** Put a frame made outside the model (a REST answer) into the ordered output; `t` must be ≥ `now`. */
  inject(frame: SimFrame): void {
    if (frame.t < this.clockNow) throw new Error(`frame at ${frame.t} is before the market's now ${this.clockNow}`);
    this.out.push(frame.t, frame);
  }

  /** GET /fapi/v1/depth for `symbol` now: the body and its lastUpdateId. */
  restDepth(symbol: string, limit: number, serverTime: number): { readonly json: string; readonly lastUpdateId: number } {
    const vs = this.venueState('binance', symbol);
    vs.maker.recenter(vs.midUnits());
    const lastUpdateId = vs.book.updateId;
    const json = vs.binance!.depthSnapshot(lastUpdateId, serverTime, serverTime - 1 - this.miscRng.int(8), vs.book.levels(BID, limit), vs.book.levels(ASK, limit));
    return { json, lastUpdateId };
  }

  /** The venue's REST open-interest body for `symbol` now. */
  restOpenInterest(venue: Venue, symbol: string, serverTime: number): string {
    const vs = this.venueState(venue, symbol);
    const units = vs.oiUnits();
    switch (venue) {
      case 'binance':
        return vs.binance!.openInterest(units, serverTime);
      case 'bybit':
        return vs.bybit!.openInterest(units, Math.floor(serverTime / 300_000) * 300_000, serverTime);
      case 'okx':
        return vs.okx!.restOpenInterest(units, vs.mark, serverTime);
    }
  }

  /**
   * Binance /futures/data ratio body (period 5m, limit 1) from the Binance positions
   * open now: accounts (positions) long vs short, among all or among the top 20 % by
   * notional, or the top 20 %'s notional long vs short.
   */
  restTraderRatio(kind: TraderRatioKind, symbol: string, serverTime: number): string {
    const vs = this.venueState('binance', symbol);
    if (vs.ratioCache?.at !== serverTime) vs.ratioCache = { at: serverTime, shares: traderShares(vs) };
    const share = vs.ratioCache.shares[kind === 'topAccount' ? 0 : kind === 'topPosition' ? 1 : 2];
    return vs.binance!.ratio(share, Math.floor(serverTime / 300_000) * 300_000);
  }

  /** One-way latency venue → client (ms) for a REST answer or a frame. */
  restRoundTrip(venue: Venue): number {
    const l = VENUE_LATENCY[venue];
    return Math.max(2, Math.round(l.restBase + this.latencyRng.exponential(l.restMean)));
  }

  /** Open interest (base asset, one side) of a venue now. */
  openInterest(venue: Venue, symbol: string): number {
    const vs = this.venueState(venue, symbol);
    return vs.base(vs.oiUnits());
  }

  /** The reference price of a symbol now. */
  price(symbol: string): number {
    return this.symbolState(symbol).ref;
  }

  /**
   * An outside taker order (a demo's "whale", a test's shock) on a venue now: it fills
   * against the book, prints trades, moves the price and may set off liquidations.
   * Returns the average fill price.
   */
  marketOrder(venue: Venue, symbol: string, side: 'buy' | 'sell', notionalUsd: number): number {
    const vs = this.venueState(venue, symbol);
    const s = vs.sym;
    const ts = this.clock(s, this.clockNow);
    const fill = this.execute(vs, side === 'buy' ? BID : ASK, this.unitsFor(vs, notionalUsd / vs.mark), ts);
    this.checkLiquidations(s, ts);
    return fill;
  }

  /** The hidden truth so far (call after `finish` for a complete run). */
  truth(): SimTruth {
    const end = this.finishedAt ?? this.clockNow;
    const perSymbol: Record<string, TruthSymbol> = {};
    const books: Partial<Record<Venue, Record<string, TruthBook>>> = {};
    const leverageMix: Record<string, Record<string, number>> = {};
    const maintenanceMargin: Record<string, number> = {};
    const params: Record<string, unknown> = {};
    const contractSize: Record<string, number> = {};
    for (const s of this.states) {
      const p = s.params;
      leverageMix[s.symbol] = Object.fromEntries(s.mix.tiers.map((tier, i) => [String(tier), round(s.mix.weights[i]!, 6)]));
      maintenanceMargin[s.symbol] = p.maintenanceMargin;
      params[s.symbol] = {
        startPrice: round(s.startPrice, 4),
        calmVol: p.calmVol,
        beta: p.beta,
        impactPerMillion: p.impactPerMillion,
        openRate: p.openRate,
        noiseRate: p.noiseRate * this.profile.noiseScale,
        notionalMedian: p.notionalMedian,
        holdMeanMinutes: p.holdMeanMinutes,
        baselineOiUsd: p.baselineOiUsd,
      };
      contractSize[s.symbol] = instrumentSpec('okx', s.symbol).contractSize;
      const tiers: TruthSymbol['tiers'] = {};
      s.mix.tiers.forEach((tier, i) => {
        const t = s.tiers[i]!;
        const r = (x: TierStats): TierStats => ({ count: x.count, notional: Math.round(x.notional) });
        tiers[String(tier)] = { initial: r(t.initial), opened: r(t.opened), closed: r(t.closed), liquidated: r(t.liquidated) };
      });
      const entry: TruthSymbol = { tiers, ohlc: s.ohlc, oi: {}, oiBaseline: {}, opened: {}, closed: {} };
      for (const vs of s.venues) {
        entry.oi[vs.venue] = vs.oiSeries;
        entry.oiBaseline[vs.venue] = vs.base(vs.baselineUnits);
        entry.opened[vs.venue] = vs.openedSeries;
        entry.closed[vs.venue] = vs.closedSeries;
        const bySymbol = (books[vs.venue] ??= {});
        bySymbol[s.symbol] = this.truthBook(vs);
      }
      perSymbol[s.symbol] = entry;
    }
    return {
      moonstream: 'sim-truth',
      version: TRUTH_VERSION,
      seed: this.seed,
      minutes: Math.floor((end - this.startMs) / 60_000),
      start: this.startMs,
      end,
      symbols: this.symbols,
      venues: this.venues,
      profile: this.profile.name,
      maintenanceMargin,
      liqPriceFormula: 'long E*(1 - 1/L + m), short E*(1 + 1/L - m); published price = bankruptcy E*(1 -/+ 1/L)',
      leverageMix,
      venueShares: this.venueShares,
      contractSize,
      params: { market: this.mp, profile: this.profile, symbols: params },
      perSymbol,
      books,
      liquidations: this.liquidationLog,
    };
  }

  // ---------------------------------------------------------------------------
  // the step

  /** One model step at `t`: boundary work, then (when `flows`) liquidations and order flow in [t, t + step). */
  private step(t: number, flows: boolean): void {
    const minuteBoundary = t % 60_000 === 0;
    if (minuteBoundary && t > this.startMs) this.closeMinute();
    if (minuteBoundary) this.regimeStep();
    if (t % 1000 === 0) this.slowStep(t);
    this.priceStep();
    for (const s of this.states) this.updateMarks(s);
    // books follow the price lazily: before a trade, a publish or a REST snapshot
    this.boundaryEmissions(t);
    if (!flows) return;
    const end = t + this.stepMs;
    for (const s of this.states) {
      if (s.clock < t) s.clock = t;
      this.checkLiquidations(s, t);
      this.flows(s, end);
    }
  }

  private regimeStep(): void {
    const rng = this.priceRng;
    if (this.volatile ? rng.chance(this.mp.volatileToCalm) : rng.chance(this.mp.calmToVolatile)) this.volatile = !this.volatile;
  }

  /** Once a second: sentiment, venue basis, funding. */
  private slowStep(t: number): void {
    const rng = this.miscRng;
    for (const s of this.states) {
      s.sentiment += 0.02 * (0.5 - s.sentiment) + 0.012 * rng.normal();
      s.sentiment = Math.min(0.68, Math.max(0.32, s.sentiment));
      for (const vs of s.venues) vs.basis += -vs.basis / 120 + 0.000012 * rng.normal();
      s.fundingRate = this.fundingFor(s);
      if (t % 3_600_000 === 0) s.hourPrice = s.ref;
    }
  }

  private fundingFor(s: SymbolState): number {
    return Math.round((0.0001 + 0.0012 * (s.sentiment - 0.5)) * 1e8) / 1e8;
  }

  private priceStep(): void {
    const rng = this.priceRng;
    const dt = this.stepMs;
    const volMultiplier = this.volatile ? this.mp.volatileVolMultiplier : 1;
    const scale = Math.sqrt(dt / YEAR_MS) * volMultiplier;
    const common = rng.normal();
    const jumpRate = (this.mp.jumpsPerHour * (this.volatile ? 3 : 1) * dt) / 3_600_000;
    if (this.jumpSteps === 0 && rng.chance(jumpRate)) {
      const size = Math.exp(rng.between(Math.log(this.mp.jumpMin), Math.log(this.mp.jumpMax)));
      this.jumpSteps = 5 + rng.int(15);
      this.jumpLeft = (rng.chance(this.mp.jumpDownShare) ? -size : size) / this.jumpSteps;
    }
    let jump = 0;
    if (this.jumpSteps > 0) {
      jump = this.jumpLeft;
      this.jumpSteps--;
    }
    const decay = Math.pow(0.5, dt / this.mp.impactHalfLifeMs);
    for (const s of this.states) {
      const p = s.params;
      const z = Math.sqrt(1 - p.idioShare) * common + Math.sqrt(p.idioShare) * s.idio.normal();
      s.x += p.calmVol * scale * z + p.beta * jump;
      s.y *= decay;
      s.ref = Math.exp(s.x + s.y);
      if (s.ref > s.h) s.h = s.ref;
      if (s.ref < s.l) s.l = s.ref;
    }
  }

  private updateMarks(s: SymbolState): void {
    for (const vs of s.venues) vs.mark = s.ref * Math.exp(vs.basis);
  }

  private closeMinute(): void {
    for (const s of this.states) {
      if (this.recordTruth) s.ohlc.push([round(s.o, 6), round(s.h, 6), round(s.l, 6), round(s.ref, 6)]);
      s.o = s.h = s.l = s.ref;
      for (const vs of s.venues) {
        if (this.recordTruth) {
          vs.oiSeries.push(vs.base(vs.oiUnits()));
          vs.openedSeries.push(vs.base(vs.openedUnits));
          vs.closedSeries.push(vs.base(vs.closedUnits));
        }
        vs.openedUnits = 0;
        vs.closedUnits = 0;
      }
    }
  }

  // ---------------------------------------------------------------------------
  // order flow

  private flows(s: SymbolState, end: number): void {
    const rng = this.flowRng;
    const activity = this.volatile ? this.mp.volatileActivityMultiplier : 1;
    const p = s.params;
    for (let guard = 0; guard < 100_000; guard++) {
      const closeAt = s.closes.peekKey() ?? Infinity;
      const next = Math.min(s.nextOpen, s.nextNoise, closeAt);
      if (next >= end) return;
      const ts = this.clock(s, Math.floor(next));
      if (next === closeAt) {
        const position = s.closes.pop()!;
        if (position.alive) this.closePosition(position, ts);
        else s.deadCloses--;
      } else if (next === s.nextOpen) {
        s.nextOpen += rng.exponential(1000 / (p.openRate * activity));
        this.openPosition(s, ts);
      } else {
        s.nextNoise += rng.exponential(1000 / Math.max(1e-9, p.noiseRate * this.profile.noiseScale * activity));
        this.noiseOrder(s, ts);
      }
      this.checkLiquidations(s, ts);
    }
  }

  /** Per-symbol event clock: never runs backwards. */
  private clock(s: SymbolState, ts: number): number {
    if (ts > s.clock) s.clock = ts;
    return s.clock;
  }

  private pickVenue(s: SymbolState, rng: Rng): VenueState {
    return s.venues[rng.pick(s.venueWeights, 1)]!;
  }

  private openPosition(s: SymbolState, ts: number): void {
    const rng = this.flowRng;
    const vs = this.pickVenue(s, rng);
    const long = rng.chance(s.sentiment);
    const tierIndex = rng.pick(s.mix.weights, 1);
    const leverage = s.mix.tiers[tierIndex]!;
    const notional = Math.min(rng.logNormal(s.params.notionalMedian, 1.0), s.params.notionalMedian * 60);
    const units = this.unitsFor(vs, notional / vs.mark);
    const fill = this.execute(vs, long ? BID : ASK, units, ts);
    const m = s.params.maintenanceMargin;
    const position = this.makePosition(vs, long, leverage, tierIndex, fill, units, ts, m, rng);
    vs.positionUnits += units;
    vs.openedUnits += units;
    const stats = s.tiers[tierIndex]!.opened;
    stats.count++;
    stats.notional += position.qty * fill;
    this.track(s, position, ts + this.holdMs(s, leverage, rng));
  }

  private makePosition(vs: VenueState, long: boolean, leverage: number, tierIndex: number, entry: number, units: number, ts: number, m: number, rng: Rng): Position {
    return {
      id: this.nextPositionId++,
      vs,
      long,
      leverage,
      tierIndex,
      entry,
      units,
      qty: vs.base(units),
      liqPrice: long ? entry * (1 - 1 / leverage + m) : entry * (1 + 1 / leverage - m),
      bkPrice: long ? entry * (1 - 1 / leverage) : entry * (1 + 1 / leverage),
      openTs: ts,
      netMode: vs.venue === 'okx' && rng.chance(this.mp.okxNetModeShare),
      alive: true,
      slot: -1,
    };
  }

  private track(s: SymbolState, position: Position, closeAt: number): void {
    const vs = position.vs;
    position.slot = vs.open.length;
    vs.open.push(position);
    if (position.long) vs.longs.push(-position.liqPrice, position);
    else vs.shorts.push(position.liqPrice, position);
    s.closes.push(closeAt, position);
  }

  /** Voluntary holding time: exponential, shorter for higher leverage. */
  private holdMs(s: SymbolState, leverage: number, rng: Rng): number {
    return rng.exponential(s.params.holdMeanMinutes * 60_000 * Math.pow(20 / leverage, 0.35));
  }

  private closePosition(position: Position, ts: number): void {
    const vs = position.vs;
    this.kill(position);
    vs.positionUnits -= position.units;
    vs.closedUnits += position.units;
    const stats = vs.sym.tiers[position.tierIndex]!.closed;
    stats.count++;
    stats.notional += position.qty * position.entry;
    this.execute(vs, position.long ? ASK : BID, position.units, ts);
  }

  private noiseOrder(s: SymbolState, ts: number): void {
    const rng = this.flowRng;
    const vs = this.pickVenue(s, rng);
    const buy = rng.chance(0.5 + (s.sentiment - 0.5) * 0.3);
    const notional = Math.min(rng.logNormal(s.params.noiseNotionalMedian, 1.1), s.params.noiseNotionalMedian * 60);
    this.execute(vs, buy ? BID : ASK, this.unitsFor(vs, notional / vs.mark), ts);
  }

  /** A voluntary close: the position is still in its liquidation heap (dropped lazily). */
  private kill(position: Position): void {
    position.alive = false;
    const vs = position.vs;
    untrack(position);
    if (position.long) vs.deadLongs++;
    else vs.deadShorts++;
    this.compact(vs);
  }

  /** Rebuild heaps that are mostly dead entries, so a long live run stays flat in memory. */
  private compact(vs: VenueState): void {
    const s = vs.sym;
    const alive = (p: Position): boolean => p.alive;
    if (vs.deadLongs > 1024 && vs.deadLongs > vs.longs.size / 2) {
      vs.longs.retain(alive);
      vs.deadLongs = 0;
    }
    if (vs.deadShorts > 1024 && vs.deadShorts > vs.shorts.size / 2) {
      vs.shorts.retain(alive);
      vs.deadShorts = 0;
    }
    if (s.deadCloses > 4096 && s.deadCloses > s.closes.size / 2) {
      s.closes.retain(alive);
      s.deadCloses = 0;
    }
  }

  private unitsFor(vs: VenueState, qtyBase: number): number {
    const lot = vs.spec.lotUnits;
    return Math.max(lot, Math.round(qtyBase / vs.baseUnit / lot) * lot);
  }

  /**
   * A taker market order on a venue: fills against the book, prints trades, moves
   * the price. Returns the average fill price (USD).
   */
  private execute(vs: VenueState, takerSide: BookSide, units: number, ts: number): number {
    vs.maker.recenter(vs.midUnits());
    const fills = vs.maker.take(takerSide, units, vs.midUnits());
    let cost = 0;
    for (let i = 0; i < fills.length; i += 2) cost += fills[i]! * fills[i + 1]!;
    const avg = (cost / units) * vs.priceUnit;
    this.printTrades(vs, takerSide, fills, ts);
    const notional = vs.base(units) * avg;
    this.impact(vs.sym, takerSide === BID ? notional : -notional);
    // the traded venue re-quotes at once; the others follow at the next step
    vs.maker.recenter(vs.midUnits());
    return avg;
  }

  private impact(s: SymbolState, signedNotional: number): void {
    const d = (s.params.impactPerMillion * signedNotional) / 1e6;
    s.x += d * this.mp.permanentImpactShare;
    s.y += d * (1 - this.mp.permanentImpactShare);
    s.ref = Math.exp(s.x + s.y);
    if (s.ref > s.h) s.h = s.ref;
    if (s.ref < s.l) s.l = s.ref;
    this.updateMarks(s);
  }

  private checkLiquidations(s: SymbolState, ts: number): void {
    for (let guard = 0; guard < 1_000_000; guard++) {
      let victim: Position | undefined;
      for (const vs of s.venues) {
        victim = this.triggered(vs);
        if (victim) break;
      }
      if (!victim) return;
      this.liquidate(victim, this.clock(s, ts + 1 + this.flowRng.int(4)));
      ts = s.clock;
    }
  }

  /** The next position whose liquidation price the venue's mark has crossed, popped, or undefined. */
  private triggered(vs: VenueState): Position | undefined {
    while (vs.longs.size > 0) {
      const p = vs.longs.peek()!;
      if (!p.alive) {
        vs.longs.pop();
        vs.deadLongs--;
        continue;
      }
      if (vs.mark <= p.liqPrice) return vs.longs.pop();
      break;
    }
    while (vs.shorts.size > 0) {
      const p = vs.shorts.peek()!;
      if (!p.alive) {
        vs.shorts.pop();
        vs.deadShorts--;
        continue;
      }
      if (vs.mark >= p.liqPrice) return vs.shorts.pop();
      break;
    }
    return undefined;
  }

  private liquidate(p: Position, ts: number): void {
    const vs = p.vs;
    const s = vs.sym;
    const mark = vs.mark;
    p.alive = false;
    untrack(p);
    s.deadCloses++; // still in the close schedule (dropped lazily)
    this.compact(vs);
    vs.positionUnits -= p.units;
    const stats = s.tiers[p.tierIndex]!.liquidated;
    stats.count++;
    stats.notional += p.qty * p.entry;
    const fill = this.execute(vs, p.long ? ASK : BID, p.units, ts);
    this.liquidationCount++;
    let truth: MutableLiquidation | undefined;
    if (this.recordTruth) {
      truth = {
        id: p.id,
        ts,
        symbol: s.symbol,
        venue: vs.venue,
        side: p.long ? 'long' : 'short',
        entry: round(p.entry, 6),
        leverage: p.leverage,
        liqPrice: round(p.liqPrice, 6),
        qty: p.qty,
        price: Number(this.publishedPrice(vs, p.bkPrice)),
        fill: round(fill, 6),
        mark: round(mark, 6),
        openTs: p.openTs,
        published: vs.venue !== 'binance',
      };
      this.liquidationLog.push(truth);
    }
    vs.pending.push({ ts, p, fill, truth });
  }

  private publishedPrice(vs: VenueState, price: number): string {
    if (vs.binance) return vs.binance.priceFloat(price);
    if (vs.bybit) return vs.bybit.priceFloat(price);
    return vs.okx!.priceFloat(price);
  }

  // ---------------------------------------------------------------------------
  // the initial inventory

  /**
   * Positions opened before the start, so the capture begins in a market that already
   * has open interest and liquidation levels at many prices. Ages are exponential
   * (the stationary age of an exponential holding time); the entry is the price a
   * calm random walk had then; a position whose liquidation level the path would
   * have crossed is left out (Brownian-bridge crossing probability).
   */
  private seedInventory(s: SymbolState, rng: Rng): void {
    const p = s.params;
    const expected = p.openRate * p.holdMeanMinutes * 60;
    const sigmaPerMs = p.calmVol / Math.sqrt(YEAR_MS);
    const now = s.ref;
    for (let i = 0; i < expected; i++) {
      const vs = s.venues[rng.pick(s.venueWeights, 1)]!;
      const long = rng.chance(0.5);
      const tierIndex = rng.pick(s.mix.weights, 1);
      const leverage = s.mix.tiers[tierIndex]!;
      const hold = p.holdMeanMinutes * 60_000 * Math.pow(20 / leverage, 0.35);
      const age = rng.exponential(hold);
      const sd = sigmaPerMs * Math.sqrt(age);
      const entry = now * Math.exp(sd * rng.normal());
      const liq = long ? entry * (1 - 1 / leverage + p.maintenanceMargin) : entry * (1 + 1 / leverage - p.maintenanceMargin);
      const a = Math.abs(Math.log(entry / liq));
      const b = long ? Math.log(now / liq) : Math.log(liq / now);
      if (b <= 0.0005) continue;
      if (rng.uniform() < Math.exp((-2 * a * b) / (sd * sd))) continue;
      const notional = Math.min(rng.logNormal(p.notionalMedian, 1.0), p.notionalMedian * 60);
      const units = this.unitsFor(vs, notional / entry);
      const position = this.makePosition(vs, long, leverage, tierIndex, roundTick(vs, entry), units, this.startMs - Math.round(age), p.maintenanceMargin, rng);
      vs.positionUnits += units;
      const stats = s.tiers[tierIndex]!.initial;
      stats.count++;
      stats.notional += position.qty * position.entry;
      this.track(s, position, this.startMs + rng.exponential(hold));
    }
  }

  // ---------------------------------------------------------------------------
  // emission

  private boundaryEmissions(t: number): void {
    const profile = this.profile;
    const second = t % 1000 === 0;
    const half = t % 500 === 0;
    const bookStep = t % profile.bookMs === 0;
    for (const s of this.states) {
      for (const vs of s.venues) {
        if (bookStep) {
          vs.maker.refresh(vs.midUnits(), profile.bookMs);
          this.publishBook(vs, t);
        }
        switch (vs.venue) {
          case 'binance':
            if (second) {
              this.emitBinanceMark(vs, t);
              this.emitBinanceLiquidation(vs, t);
            }
            break;
          case 'bybit':
            if (half) this.emitBybitLiquidations(vs, t);
            if (t % profile.tickersMs === 0) this.emitBybitTickers(vs, t);
            break;
          case 'okx':
            if (t % profile.okxMarkMs === 0) this.emitOkxMark(vs, t);
            if (t % profile.okxOpenInterestMs === 0) this.emitOkxOpenInterest(vs, t);
            if (t >= s.nextOkxFunding) {
              this.emitOkxFunding(vs, t);
              s.nextOkxFunding = t + 30_000 + this.miscRng.int(60_000);
            }
            break;
        }
      }
    }
    if (second) this.emitOkxLiquidations(t);
    if (second && this.ticks && t > this.startMs) {
      this.out.push(t, { t, ts: t, v: 'moonstream', c: 'tick', json: '{}', route: 'tick' });
    }
  }

  private publishBook(vs: VenueState, t: number): void {
    if (vs.binance) {
      const diff = vs.book.takeDiff();
      if (diff) this.emit('binance', 'depth@100ms', vs.route('depth@100ms'), t, vs.binance.depthUpdate(t, t - 1 - this.miscRng.int(3), diff), 'binance-public');
      if (this.profile.bookTicker) {
        const b = vs.book.best(BID)!;
        const a = vs.book.best(ASK)!;
        const key = `${b}/${vs.book.bestQty(BID)}/${a}/${vs.book.bestQty(ASK)}`;
        if (key !== vs.lastBest) {
          vs.lastBest = key;
          this.emit('binance', 'bookTicker', vs.route('bookTicker'), t, vs.binance.bookTicker(t, t - 1, vs.book.updateId, b, vs.book.bestQty(BID), a, vs.book.bestQty(ASK)), 'binance-public');
        }
      }
      return;
    }
    const delta = vs.view!.delta(vs.book, vs.book.takeDiff());
    if (vs.bybit) {
      if (!delta) return;
      vs.bookU++;
      vs.crossSeq += 1 + this.miscRng.int(30);
      this.emit('bybit', 'orderbook.50', vs.route('orderbook.50'), t, vs.bybit.orderbook('delta', t, delta.bids, delta.asks, vs.bookU, vs.crossSeq, t - 2), 'bybit');
      return;
    }
    const okx = vs.okx!;
    if (delta) {
      const prev = vs.okxBookSeq;
      vs.okxSeq += 1 + this.miscRng.int(40);
      vs.okxBookSeq = vs.okxSeq;
      vs.lastBookTs = t;
      this.emit('okx', 'books', vs.route('books'), t, okx.books('update', t, delta.asks, this.orderCounts(vs, delta.asks), delta.bids, this.orderCounts(vs, delta.bids), prev, vs.okxBookSeq), 'okx');
    } else if (t - vs.lastBookTs >= 60_000) {
      // OKX: ~60 s without depth changes → an empty update with seqId == prevSeqId
      vs.lastBookTs = t;
      this.emit('okx', 'books', vs.route('books'), t, okx.books('update', t, [], [], [], [], vs.okxBookSeq, vs.okxBookSeq), 'okx');
    }
  }

  /** OKX's order-count column: a deterministic function of size (0 for a removed level). */
  private orderCounts(vs: VenueState, flat: readonly number[]): number[] {
    const out: number[] = [];
    const unit = vs.maker.shape.levelQty;
    for (let i = 1; i < flat.length; i += 2) {
      const q = flat[i]!;
      out.push(q === 0 ? 0 : 1 + Math.floor(Math.sqrt(q / unit) * 2));
    }
    return out;
  }

  private printTrades(vs: VenueState, takerSide: BookSide, fills: readonly number[], ts: number): void {
    const buy = takerSide === BID;
    if (vs.binance) {
      for (let i = 0; i < fills.length; i += 2) {
        const f = vs.tradeId + 1;
        const n = 1 + this.miscRng.int(3);
        vs.tradeId += n;
        vs.aggId++;
        this.emit('binance', 'aggTrade', vs.route('aggTrade'), ts, vs.binance.aggTrade(ts + this.miscRng.int(2), vs.aggId, fills[i]!, fills[i + 1]!, f, vs.tradeId, ts, !buy), 'binance-market');
      }
    } else if (vs.bybit) {
      const trades: BybitTradeEntry[] = [];
      for (let i = 0; i < fills.length; i += 2) {
        const price = fills[i]!;
        vs.tickDirection = tickDirection(price, vs.lastTradeUnits, vs.tickDirection);
        vs.lastTradeUnits = price;
        vs.crossSeq += 1 + this.miscRng.int(5);
        trades.push({ T: ts, S: buy ? 'Buy' : 'Sell', qtyUnits: fills[i + 1]!, priceUnits: price, L: vs.tickDirection, i: this.uuid(), seq: vs.crossSeq });
      }
      this.emit('bybit', 'publicTrade', vs.route('publicTrade'), ts, vs.bybit.publicTrade(ts + 1 + this.miscRng.int(3), trades), 'bybit');
    } else {
      const okx = vs.okx!;
      for (let i = 0; i < fills.length; i += 2) {
        vs.tradeId += 1 + this.miscRng.int(3);
        vs.okxSeq += 1 + this.miscRng.int(5);
        this.emit('okx', 'trades', vs.route('trades'), ts, okx.trade(vs.tradeId, fills[i]!, fills[i + 1]!, buy ? 'buy' : 'sell', ts, 1 + this.miscRng.int(4), vs.okxSeq), 'okx');
      }
    }
    let volume = 0;
    for (let i = 0; i < fills.length; i += 2) {
      volume += fills[i + 1]!;
      vs.turnover += vs.base(fills[i + 1]!) * fills[i]! * vs.priceUnit;
    }
    vs.volumeBase += vs.base(volume);
    vs.lastTradeUnits = fills[fills.length - 2]!;
    const price = vs.lastTradeUnits * vs.priceUnit;
    if (price > vs.high) vs.high = price;
    if (price < vs.low) vs.low = price;
  }

  private uuid(): string {
    const h = this.miscRng.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-9${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  private emitBinanceMark(vs: VenueState, t: number): void {
    const s = vs.sym;
    const index = vs.mark * (1 - 0.0003 * (s.sentiment - 0.5));
    const nextFunding = Math.floor(t / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS + FUNDING_INTERVAL_MS;
    // P, the estimated settle price, only departs from the index in the last hour before settlement
    this.emit('binance', 'markPrice@1s', vs.route('markPrice@1s'), t, vs.binance!.markPrice(t, vs.mark, index, index, s.fundingRate, nextFunding), 'binance-market');
  }

  /** Binance `!forceOrder@arr`: per symbol, only the latest liquidation of the last 1000 ms. */
  private emitBinanceLiquidation(vs: VenueState, t: number): void {
    if (vs.pending.length === 0) return;
    const due = vs.pending.filter((x) => x.ts < t);
    if (due.length === 0) return;
    vs.pending = vs.pending.filter((x) => x.ts >= t);
    const last = due[due.length - 1]!;
    if (last.truth) last.truth.published = true;
    const p = last.p;
    this.emit('binance', 'forceOrder', '!forceOrder@arr', t, vs.binance!.forceOrder(t, p.long ? 'SELL' : 'BUY', p.units, p.bkPrice, last.fill, last.ts), 'binance-market');
  }

  /** Bybit `allLiquidation.{symbol}`: every liquidation, batched per 500 ms. */
  private emitBybitLiquidations(vs: VenueState, t: number): void {
    if (vs.pending.length === 0) return;
    const due = vs.pending.filter((x) => x.ts < t);
    if (due.length === 0) return;
    vs.pending = vs.pending.filter((x) => x.ts >= t);
    // S is the POSITION side: Buy = a long was liquidated
    const entries: BybitLiquidationEntry[] = due.map((x) => ({ T: x.ts, S: x.p.long ? 'Buy' : 'Sell', qtyUnits: x.p.units, price: x.p.bkPrice }));
    this.emit('bybit', 'allLiquidation', vs.route('allLiquidation'), t, vs.bybit!.allLiquidation(t, entries), 'bybit');
  }

  /** OKX `liquidation-orders`: one push a second over all instruments, newest details first. */
  private emitOkxLiquidations(t: number): void {
    const items: string[] = [];
    for (const s of this.states) {
      for (const vs of s.venues) {
        if (!vs.okx || vs.pending.length === 0) continue;
        const due = vs.pending.filter((x) => x.ts < t);
        if (due.length === 0) continue;
        vs.pending = vs.pending.filter((x) => x.ts >= t);
        const details: OkxLiquidationDetail[] = due.reverse().map((x) => {
          const p = x.p;
          const loss = Math.max(0, (p.long ? p.bkPrice - x.fill : x.fill - p.bkPrice) * p.qty);
          return { posSide: p.netMode ? 'net' : p.long ? 'long' : 'short', side: p.long ? 'sell' : 'buy', qtyUnits: p.units, bkPx: p.bkPrice, bkLoss: loss, ts: x.ts };
        });
        items.push(vs.okx.liquidationItem(details));
      }
    }
    if (items.length > 0) this.emit('okx', 'liquidation-orders', 'liquidation-orders:SWAP', t, okxLiquidationPush(items), 'okx');
  }

  private tickerValues(vs: VenueState): Record<BybitTickerField, string> {
    const s = vs.sym;
    const f = vs.bybit!;
    const last = vs.lastTradeUnits * vs.priceUnit;
    const single = vs.oiUnits();
    const singleBase = vs.base(single);
    const bothBase = vs.base(2 * single);
    const nextFunding = Math.floor(this.clockNow / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS + FUNDING_INTERVAL_MS;
    return {
      symbol: f.symbol,
      tickDirection: vs.tickDirection,
      price24hPcnt: formatFixed((last - s.startPrice) / s.startPrice, 6),
      lastPrice: f.price(vs.lastTradeUnits),
      prevPrice24h: f.priceFloat(s.startPrice),
      highPrice24h: f.priceFloat(vs.high),
      lowPrice24h: f.priceFloat(vs.low),
      prevPrice1h: f.priceFloat(s.hourPrice),
      markPrice: f.priceFloat(vs.mark),
      indexPrice: f.priceFloat(vs.mark * (1 - 0.0003 * (s.sentiment - 0.5))),
      openInterest: formatUnits(2 * single, vs.spec.qtyDecimals),
      openInterestValue: formatFixed(bothBase * vs.mark, 2),
      singleOpenInterest: formatUnits(single, vs.spec.qtyDecimals),
      singleOpenInterestValue: formatFixed(singleBase * vs.mark, 2),
      turnover24h: formatFixed(vs.turnover, 4),
      volume24h: formatFixed(vs.volumeBase, vs.spec.qtyDecimals),
      nextFundingTime: String(nextFunding),
      fundingRate: formatFixed(s.fundingRate, 6),
      bid1Price: f.price(vs.book.best(BID)!),
      bid1Size: f.qty(vs.book.bestQty(BID)),
      ask1Price: f.price(vs.book.best(ASK)!),
      ask1Size: f.qty(vs.book.bestQty(ASK)),
    };
  }

  /** Bybit tickers: a delta with the fields that changed since the last push. */
  private emitBybitTickers(vs: VenueState, t: number): void {
    const values = this.tickerValues(vs);
    const previous = vs.tickerValues;
    vs.tickerValues = values;
    if (!previous) return;
    const changed = BYBIT_TICKER_FIELDS.filter((f) => f !== 'symbol' && values[f] !== previous[f]);
    if (changed.length === 0) return;
    vs.tickersCs += 1 + this.miscRng.int(50);
    this.emit('bybit', 'tickers', vs.route('tickers'), t, vs.bybit!.tickers('delta', values, changed, vs.tickersCs, t), 'bybit');
  }

  private emitOkxMark(vs: VenueState, t: number): void {
    const okx = vs.okx!;
    const text = okx.priceFloat(vs.mark);
    if (text === vs.lastMarkText && t - vs.lastMarkTs < 10_000) return;
    vs.lastMarkText = text;
    vs.lastMarkTs = t;
    this.emit('okx', 'mark-price', vs.route('mark-price'), t, okx.markPrice(vs.mark, t), 'okx');
  }

  private emitOkxOpenInterest(vs: VenueState, t: number): void {
    const okx = vs.okx!;
    const units = vs.oiUnits();
    const text = String(units);
    if (text === vs.lastOiText) return;
    vs.lastOiText = text;
    this.emit('okx', 'open-interest', vs.route('open-interest'), t, okx.openInterest(units, vs.mark, t), 'okx');
  }

  private emitOkxFunding(vs: VenueState, t: number): void {
    const s = vs.sym;
    const fundingTime = Math.floor(t / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS + FUNDING_INTERVAL_MS;
    const premium = Math.round((s.fundingRate - 0.0001) * 0.8 * 1e10) / 1e10;
    this.emit('okx', 'funding-rate', vs.route('funding-rate'), t, vs.okx!.fundingRate(s.fundingRate, fundingTime, fundingTime + FUNDING_INTERVAL_MS, premium, 0.0001, t), 'okx');
  }

  /** Queue a frame sent at `ts` on a connection; it is received after the connection's latency, in order. */
  private emit(venue: Venue, channel: string, route: string, ts: number, json: string, connection: Connection, to?: number): void {
    const l = VENUE_LATENCY[venue];
    let t = ts + Math.max(1, Math.round(l.base + this.latencyRng.exponential(l.mean)));
    const last = this.lastOnConnection[connection];
    if (t < last) t = last;
    this.lastOnConnection[connection] = t;
    this.out.push(t, to === undefined ? { t, ts, v: venue, c: channel, json, route } : { t, ts, v: venue, c: channel, json, route, to });
  }

  private flush(upTo: number): void {
    const out = this.out;
    while (out.size > 0 && out.peekKey()! <= upTo) {
      const frame = out.pop()!;
      let channels = this.counts.get(frame.v);
      if (!channels) this.counts.set(frame.v, (channels = new Map()));
      channels.set(frame.c, (channels.get(frame.c) ?? 0) + 1);
      this.framesOut++;
      this.onFrame(frame);
    }
  }

  private truthBook(vs: VenueState): TruthBook {
    const toPairs = (flat: readonly number[]): [number, number][] => {
      const out: [number, number][] = [];
      for (let i = 0; i < flat.length; i += 2) out.push([round(flat[i]! * vs.priceUnit, vs.spec.priceDecimals), vs.base(flat[i + 1]!)]);
      return out;
    };
    if (vs.venue === 'binance') {
      return { lastUpdateId: vs.book.lastDiffId, bids: toPairs(vs.book.levels(BID)), asks: toPairs(vs.book.levels(ASK)) };
    }
    return {
      lastUpdateId: vs.venue === 'bybit' ? vs.bookU : vs.okxBookSeq,
      bids: toPairs(vs.view!.current(BID)),
      asks: toPairs(vs.view!.current(ASK)),
    };
  }

  private symbolState(symbol: string): SymbolState {
    const s = this.states.find((x) => x.symbol === symbol);
    if (!s) throw new MoonstreamError('USAGE', `${symbol} is not simulated (symbols: ${this.symbols.join(', ')})`);
    return s;
  }

  private venueState(venue: Venue, symbol: string): VenueState {
    const vs = this.symbolState(symbol).venues.find((x) => x.venue === venue);
    if (!vs) throw new MoonstreamError('USAGE', `${venue} is not simulated (venues: ${this.venues.join(', ')})`);
    return vs;
  }
}

/** The k-th smallest value (0-based) of `values`, which it reorders (quickselect, deterministic pivots). */
function nthSmallest(values: Float64Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k]!;
  }
  return values[k]!;
}

/** Remove a position from its venue's open list (swap with the last). */
function untrack(p: Position): void {
  const open = p.vs.open;
  const last = open.pop()!;
  if (last !== p) {
    open[p.slot] = last;
    last.slot = p.slot;
  }
  p.slot = -1;
}

/** Long shares of the open positions of a venue: [top 20 % by notional: accounts, notional; all accounts]. */
function traderShares(vs: VenueState): [number, number, number] {
  const open = vs.open;
  const n = open.length;
  if (n === 0) return [0.5, 0.5, 0.5];
  const sizes = new Float64Array(n);
  let longs = 0;
  for (let i = 0; i < n; i++) {
    const p = open[i]!;
    sizes[i] = p.qty * p.entry;
    if (p.long) longs++;
  }
  const threshold = nthSmallest(sizes.slice(), Math.floor(n * 0.8));
  let topLong = 0;
  let topCount = 0;
  let topLongNotional = 0;
  let topNotional = 0;
  for (let i = 0; i < n; i++) {
    const size = sizes[i]!;
    if (size < threshold) continue;
    topCount++;
    topNotional += size;
    if (open[i]!.long) {
      topLong++;
      topLongNotional += size;
    }
  }
  return [topLong / topCount, topLongNotional / topNotional, longs / n];
}

function tickDirection(price: number, previous: number, before: string): string {
  if (price > previous) return 'PlusTick';
  if (price < previous) return 'MinusTick';
  return before === 'PlusTick' || before === 'ZeroPlusTick' ? 'ZeroPlusTick' : 'ZeroMinusTick';
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

function roundTick(vs: VenueState, price: number): number {
  const tick = vs.spec.tickUnits * vs.priceUnit;
  return round(Math.round(price / tick) * tick, vs.spec.priceDecimals);
}

function validateTiming(startMs: number, stepMs: number, profile: EmissionProfile): void {
  if (!Number.isInteger(stepMs) || stepMs <= 0 || 1000 % stepMs !== 0) throw new MoonstreamError('USAGE', `step ${stepMs} ms must divide 1000`);
  if (startMs % 1000 !== 0) throw new MoonstreamError('USAGE', `start ${startMs} must be a whole second`);
  for (const [name, ms] of [
    ['bookMs', profile.bookMs],
    ['tickersMs', profile.tickersMs],
    ['okxMarkMs', profile.okxMarkMs],
    ['okxOpenInterestMs', profile.okxOpenInterestMs],
  ] as const) {
    if (!Number.isInteger(ms) || ms <= 0 || ms % stepMs !== 0) throw new MoonstreamError('USAGE', `profile ${profile.name}: ${name} ${ms} must be a positive multiple of the ${stepMs} ms step`);
  }
}
