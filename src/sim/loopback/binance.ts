/**
 * Binance USDⓈ-M futures on loopback (VENUES.md 1.1, 1.7), serving a `SimMarket`:
 *
 * WebSocket, after the 2026 split:
 * - `/public/stream[?streams=a/b]` and `/market/stream[...]`: combined streams, frames
 *   wrapped `{"stream","data"}`; `/public/ws[/a/b]`, `/market/ws[/a/b]`: raw streams,
 *   the wrapper stripped. `/public` carries depth and bookTicker only, `/market` the
 *   rest; a stream on the wrong one is refused (400 in the URL, an error reply to
 *   SUBSCRIBE). The retired root paths `/ws…` and `/stream…` complete the handshake and
 *   then send nothing, ever — exactly what Binance does since 2026-04-23.
 * - `{"method":"SUBSCRIBE"|"UNSUBSCRIBE"|"LIST_SUBSCRIPTIONS","params":[…],"id":n}` →
 *   `{"result":null,"id":n}` or `{"error":{"code":2,"msg":"Invalid request: …"},"id":n}`;
 *   an id that is not an unsigned integer gets `{"code":2,"msg":…,"id":null}`.
 * - More than 10 client messages in a second: disconnected. A ping frame every
 *   3 minutes; no pong within 10 minutes: disconnected. Connections close at 24 hours.
 *
 * REST: `/fapi/v1/depth` (limits 5…1000, weights 2/5/10/20), `/fapi/v1/openInterest`,
 * the three `/futures/data/*LongShort*Ratio` endpoints; request weight counted per UTC
 * minute of the clock and reported in `X-MBX-USED-WEIGHT-1M`; over 2400: 429 with
 * Retry-After until the next minute. Errors are `{"code":-1121,"msg":"Invalid symbol."}`.
 */

import type { SimFrame } from '../market.js';
import type { TraderRatioKind } from '../market.js';
import { instrumentSpec } from '../params.js';
import { LoopbackVenueServer, queryOf, type Accept, type LoopbackConnection, type LoopbackServerOptions, type RestAnswer } from './server.js';

const DEPTH_WEIGHTS: Readonly<Record<number, number>> = { 5: 2, 10: 2, 20: 2, 50: 2, 100: 5, 500: 10, 1000: 20 };
const RATIO_PATHS: Readonly<Record<string, TraderRatioKind>> = {
  '/futures/data/topLongShortAccountRatio': 'topAccount',
  '/futures/data/topLongShortPositionRatio': 'topPosition',
  '/futures/data/globalLongShortAccountRatio': 'globalAccount',
};

export interface BinanceLoopbackOptions extends LoopbackServerOptions {
  /** Server ping period, ms (default 180 000). */
  readonly pingEveryMs?: number;
  /** No pong for this long: disconnected (default 600 000). */
  readonly pongTimeoutMs?: number;
  /** REQUEST_WEIGHT per UTC minute (default 2400). */
  readonly weightLimit?: number;
}

export class BinanceLoopback extends LoopbackVenueServer {
  readonly venue = 'binance' as const;
  private readonly pingEveryMs: number;
  private readonly pongTimeoutMs: number;
  private readonly weightLimit: number;
  private readonly streams: ReadonlyMap<string, 'public' | 'market'>;
  private readonly instruments: ReadonlyMap<string, string>;
  private weightMinute = Number.NaN;
  private weightUsed = 0;

  constructor(options: BinanceLoopbackOptions) {
    super({ maxConnectionAgeMs: 24 * 3600_000, ...options });
    this.pingEveryMs = options.pingEveryMs ?? 180_000;
    this.pongTimeoutMs = options.pongTimeoutMs ?? 600_000;
    this.weightLimit = options.weightLimit ?? 2400;
    const streams = new Map<string, 'public' | 'market'>([['!forceOrder@arr', 'market']]);
    const instruments = new Map<string, string>();
    for (const symbol of this.market.symbols) {
      const instrument = instrumentSpec('binance', symbol).instrument;
      instruments.set(instrument, symbol);
      const s = instrument.toLowerCase();
      streams.set(`${s}@depth@100ms`, 'public');
      streams.set(`${s}@bookTicker`, 'public');
      streams.set(`${s}@aggTrade`, 'market');
      streams.set(`${s}@markPrice@1s`, 'market');
    }
    this.streams = streams;
    this.instruments = instruments;
  }

  /** Weight used in the current UTC minute of the clock. */
  get usedWeight(): number {
    return Math.floor(this.clock.now() / 60_000) === this.weightMinute ? this.weightUsed : 0;
  }

  protected accept(url: URL): Accept {
    const match = /^\/(public|market)\/(stream|ws)(?:\/(.*))?$/.exec(url.pathname.replace(/\/+$/, ''));
    if (match === null) {
      // the retired /ws and /stream paths: the handshake completes, nothing ever comes
      if (/^\/(ws|stream)(\/|$)/.test(url.pathname)) return { ok: true, silent: true };
      return { ok: false, status: 404, reason: `no stream path ${url.pathname}` };
    }
    const category = match[1] as 'public' | 'market';
    const raw = match[2] === 'ws';
    const listed = raw ? (match[3] ?? '') : (url.searchParams.get('streams') ?? '');
    const routes = listed.split('/').filter((s) => s !== '');
    for (const stream of routes) {
      const problem = this.streamProblem(stream, category);
      if (problem !== undefined) return { ok: false, status: 400, reason: problem };
    }
    return { ok: true, routes, raw };
  }

  protected onText(c: LoopbackConnection, text: string, now: number): void {
    if (this.overRate(c, now, 10)) {
      this.counters.rateLimitDisconnects++;
      c.ws.close(1008, 'too many requests');
      return;
    }
    if (c.state.legacy === true) return;
    let message: { method?: unknown; params?: unknown; id?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      this.reply(c, { code: 3, msg: 'Invalid JSON: expected value at line 1 column 1', id: null });
      return;
    }
    const id = message.id;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      this.reply(c, { code: 2, msg: 'Invalid request: request ID must be an unsigned integer', id: null });
      return;
    }
    const category = c.url.startsWith('/public') ? 'public' : 'market';
    const params = Array.isArray(message.params) ? message.params.filter((p): p is string => typeof p === 'string') : [];
    switch (message.method) {
      case 'SUBSCRIBE': {
        for (const stream of params) {
          const problem = this.streamProblem(stream, category);
          if (problem !== undefined) {
            this.counters.subscriptionsRejected++;
            this.reply(c, { error: { code: 2, msg: `Invalid request: ${problem}` }, id });
            return;
          }
        }
        for (const stream of params) this.subscribe(c, stream);
        this.reply(c, { result: null, id });
        return;
      }
      case 'UNSUBSCRIBE':
        for (const stream of params) this.unsubscribe(c, stream);
        this.reply(c, { result: null, id });
        return;
      case 'LIST_SUBSCRIPTIONS':
        this.reply(c, { result: [...c.routes], id });
        return;
      default:
        this.reply(c, { error: { code: 2, msg: `Invalid request: unknown variant ${String(message.method)}` }, id });
    }
  }

  protected override format(c: LoopbackConnection, frame: SimFrame): string {
    if (!c.raw) return frame.json;
    // `{"stream":"<route>","data":<event>}` → `<event>`
    return frame.json.slice(frame.json.indexOf(',"data":') + 8, -1);
  }

  protected override check(c: LoopbackConnection, now: number): void {
    if (now - c.lastPongAt >= this.pongTimeoutMs) {
      this.counters.pingTimeouts++;
      c.terminate();
      return;
    }
    const lastPing = (c.state.lastPingAt as number | undefined) ?? c.openedAt;
    if (now - lastPing >= this.pingEveryMs) {
      c.state.lastPingAt = now;
      if (!c.closed) c.ws.ping();
    }
  }

  protected rest(url: URL, now: number): RestAnswer {
    const q = queryOf(url);
    const path = url.pathname;
    const instrument = q.symbol ?? '';
    const symbol = this.instruments.get(instrument);
    let weight: number;
    if (path === '/fapi/v1/depth') {
      const limit = q.limit === undefined ? 500 : Number(q.limit);
      const w = DEPTH_WEIGHTS[limit];
      if (w === undefined) return this.json(400, { code: -1130, msg: "Data sent for parameter 'limit' is not valid." });
      weight = q.limit === undefined ? 1 : w;
    } else if (path === '/fapi/v1/openInterest') weight = 1;
    else if (RATIO_PATHS[path] !== undefined) weight = 0;
    else return this.json(404, { code: -5000, msg: `Path ${path}, Method GET is invalid` });
    const minute = Math.floor(now / 60_000);
    if (minute !== this.weightMinute) {
      this.weightMinute = minute;
      this.weightUsed = 0;
    }
    if (this.weightUsed + weight > this.weightLimit) {
      const retry = Math.max(1, Math.ceil(((minute + 1) * 60_000 - now) / 1000));
      return this.json(429, { code: -1003, msg: 'Too many requests; current limit of IP is 2400 requests per minute.' }, this.weightHeaders({ 'Retry-After': String(retry) }));
    }
    this.weightUsed += weight;
    const headers = this.weightHeaders();
    if (symbol === undefined) return this.json(400, { code: -1121, msg: 'Invalid symbol.' }, headers);
    const serverTime = this.market.now;
    if (path === '/fapi/v1/depth') {
      return { status: 200, body: this.market.restDepth(symbol, q.limit === undefined ? 500 : Number(q.limit), serverTime).json, headers };
    }
    if (path === '/fapi/v1/openInterest') return { status: 200, body: this.market.restOpenInterest('binance', symbol, serverTime), headers };
    return { status: 200, body: this.market.restTraderRatio(RATIO_PATHS[path]!, symbol, serverTime), headers };
  }

  private weightHeaders(extra: Record<string, string> = {}): Record<string, string> {
    return { 'X-MBX-USED-WEIGHT-1M': String(this.weightUsed), ...extra };
  }

  private streamProblem(stream: string, category: 'public' | 'market'): string | undefined {
    const home = this.streams.get(stream);
    if (home === undefined) return `unknown stream ${stream}`;
    if (home !== category) return `stream ${stream} is served on /${home}, not /${category}`;
    return undefined;
  }
}
