/**
 * The loopback venues of `moonstream live --demo` and of the live tests: one `SimMarket`
 * driven by the wall clock (in real time, or `speed`× faster) and served as Binance, Bybit
 * and OKX WebSocket and REST servers on 127.0.0.1, each on its own port, each speaking
 * its venue's protocol (binance.ts, bybit.ts, okx.ts).
 *
 *   const venues = await LoopbackVenues.start({ clock, symbols: ['BTC'] });
 *   const endpoints = venues.endpoints();   // → live's --endpoint table
 *   …
 *   await venues.close();
 *
 * The market's event time starts at the clock's current whole second and advances by
 * `speed` ms per clock ms: a driver timer (every `driveEveryMs`) runs the model up to the
 * clock's sim time and hands every frame to the servers, which send it to the clients
 * subscribed to its route. With a `ManualClock`, tests move the whole venue forward
 * explicitly and deterministically.
 */

import type { Venue } from '../../events.js';
import { VENUES } from '../../events.js';
import type { WallClock, TimerHandle } from '../../wall-clock.js';
import { defaultEndpoints, type Endpoints } from '../../connect/venues/endpoints.js';
import { SimMarket, type SimFrame, type SimOptions } from '../market.js';
import { BinanceLoopback, type BinanceLoopbackOptions } from './binance.js';
import { BybitLoopback } from './bybit.js';
import { OkxLoopback } from './okx.js';
import type { LoopbackCounters, LoopbackServerOptions, LoopbackVenueServer } from './server.js';

/** Channels whose subscription snapshots the market emits at its start (Bybit book and tickers, OKX books). */
const SNAPSHOT_CHANNELS = new Set(['orderbook.50', 'tickers', 'books']);

export interface LoopbackOptions {
  readonly clock: WallClock;
  /** Symbols (default BTC, ETH, SOL). */
  readonly symbols?: readonly string[];
  /** Venues to serve (default all three). */
  readonly venues?: readonly Venue[];
  /** Market seed (default 1). */
  readonly seed?: number;
  /** Emission profile (default `full`: the venues' own cadences). */
  readonly profile?: string;
  /** Market ms per clock ms (default 1). */
  readonly speed?: number;
  /** How often the market is advanced, clock ms (default 50). */
  readonly driveEveryMs?: number;
  /** Further market options (leverage mix, parameters). */
  readonly market?: Omit<SimOptions, 'seed' | 'symbols' | 'venues' | 'profile' | 'startMs' | 'ticks' | 'recordTruth'> & { readonly recordTruth?: boolean };
  /** Binance server options (ping period, connection age, weight limit). */
  readonly binance?: Omit<BinanceLoopbackOptions, 'clock' | 'market'>;
  /** Other servers' options (connection age). */
  readonly bybit?: Omit<LoopbackServerOptions, 'clock' | 'market'>;
  readonly okx?: Omit<LoopbackServerOptions, 'clock' | 'market'>;
}

export interface LoopbackStats {
  /** Market event time reached, epoch ms. */
  readonly marketTime: number;
  readonly liquidations: number;
  readonly framesGenerated: number;
  readonly venues: Readonly<Partial<Record<Venue, Readonly<LoopbackCounters> & { readonly open: number; readonly port: number }>>>;
}

export class LoopbackVenues {
  readonly market: SimMarket;
  readonly binance: BinanceLoopback | undefined;
  readonly bybit: BybitLoopback | undefined;
  readonly okx: OkxLoopback | undefined;
  readonly speed: number;
  private readonly clock: WallClock;
  private readonly wallStart: number;
  private readonly servers: LoopbackVenueServer[];
  private readonly byVenue: Partial<Record<string, LoopbackVenueServer>>;
  private driveTimer: TimerHandle | undefined;
  private closed = false;

  private constructor(options: LoopbackOptions) {
    this.clock = options.clock;
    this.speed = options.speed ?? 1;
    if (!(this.speed > 0)) throw new RangeError(`loopback speed must be > 0, got ${this.speed}`);
    const venues = options.venues ?? VENUES;
    this.wallStart = options.clock.now();
    this.market = new SimMarket(
      {
        recordTruth: false,
        ...options.market,
        seed: options.seed ?? 1,
        symbols: options.symbols ?? ['BTC', 'ETH', 'SOL'],
        venues,
        profile: options.profile ?? 'full',
        startMs: Math.floor(this.wallStart / 1000) * 1000,
        ticks: false,
      },
      (frame) => this.route(frame),
    );
    const base = { clock: options.clock, market: this.market };
    this.binance = venues.includes('binance') ? new BinanceLoopback({ ...base, ...options.binance }) : undefined;
    this.bybit = venues.includes('bybit') ? new BybitLoopback({ ...base, ...options.bybit }) : undefined;
    this.okx = venues.includes('okx') ? new OkxLoopback({ ...base, ...options.okx }) : undefined;
    this.servers = [this.binance, this.bybit, this.okx].filter((s): s is NonNullable<typeof s> => s !== undefined);
    this.byVenue = Object.fromEntries(this.servers.map((s) => [s.venue, s]));
  }

  /** Build the market, listen on free ports and start driving the market from the clock. */
  static async start(options: LoopbackOptions): Promise<LoopbackVenues> {
    const venues = new LoopbackVenues(options);
    try {
      await Promise.all(venues.servers.map((s) => s.listen()));
    } catch (error) {
      await venues.close();
      throw error;
    }
    venues.market.start();
    venues.driveTimer = options.clock.setInterval(() => venues.drive(), options.driveEveryMs ?? 50);
    return venues;
  }

  /** The market event time for the clock's now. */
  simTime(): number {
    return this.market.startMs + (this.clock.now() - this.wallStart) * this.speed;
  }

  /** Run the market up to the clock's sim time now (the driver does this on its timer). */
  drive(): void {
    if (this.closed) return;
    this.market.advanceTo(this.simTime());
  }

  /** Freeze the market (the servers stay up and answer): nothing more is sent unless asked. */
  stopDriving(): void {
    this.clock.clearInterval(this.driveTimer);
    this.driveTimer = undefined;
  }

  /** Every endpoint pointing at these servers (venues not served keep the real ones, unused). */
  endpoints(): Endpoints {
    const e = defaultEndpoints();
    const b = this.binance;
    const y = this.bybit;
    const o = this.okx;
    return {
      binance: b ? { public: `${b.wsBase}/public`, market: `${b.wsBase}/market`, rest: b.httpBase } : e.binance,
      bybit: y ? { public: `${y.wsBase}/v5/public/linear`, rest: y.httpBase } : e.bybit,
      okx: o ? { public: `${o.wsBase}/ws/v5/public`, rest: o.httpBase } : e.okx,
    };
  }

  server(venue: Venue): LoopbackVenueServer | undefined {
    return this.byVenue[venue];
  }

  /** Frames sent to clients by every server so far (data, control and garbage). */
  get framesSent(): number {
    let n = 0;
    for (const s of this.servers) n += s.framesSent;
    return n;
  }

  stats(): LoopbackStats {
    const venues: Partial<Record<Venue, Readonly<LoopbackCounters> & { open: number; port: number }>> = {};
    for (const s of this.servers) venues[s.venue] = { ...s.counters, open: s.open().length, port: s.port };
    return { marketTime: this.market.now, liquidations: this.market.liquidations, framesGenerated: this.market.stats.frames, venues };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clock.clearInterval(this.driveTimer);
    await Promise.all(this.servers.map((s) => s.close()));
  }

  private route(frame: SimFrame): void {
    // The market's start() emits subscription snapshots for a batch recording; on loopback
    // every client gets its own when it subscribes (queueSnapshots), so these go nowhere.
    if (frame.to === undefined && SNAPSHOT_CHANNELS.has(frame.c)) {
      const at = frame.json.indexOf('"snapshot"');
      if (at >= 0 && at < 80) return;
    }
    this.byVenue[frame.v]?.deliver(frame);
  }
}
