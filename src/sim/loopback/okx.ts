/**
 * OKX v5 public (swap) on loopback (VENUES.md 3.1, 3.6), serving a `SimMarket`:
 *
 * WebSocket `/ws/v5/public`:
 * - the text `ping` → the text `pong`;
 * - `{"id":…,"op":"subscribe","args":[{channel, instId|instType}]}` → one
 *   `{"id":…,"event":"subscribe","arg":{…},"connId":…}` per argument, or
 *   `{"id":…,"event":"error","code":"60018","msg":"Wrong URL or channel:…"}` for an
 *   argument that does not exist; `books` is followed by a snapshot for this subscriber
 *   (queued behind the updates already on their way), `liquidation-orders` by a backlog
 *   (the latest push again: OKX's first push after subscribing repeats recent orders);
 * - `unsubscribe` → `event:"unsubscribe"` acks; not JSON → `60012 Invalid request`;
 * - a connection with no subscription, or no data and no ping, for 30 s is closed;
 * - `notice()`: the service-upgrade notice 64008, then the connections close after
 *   `graceMs`.
 *
 * REST `/api/v5/public/open-interest?instType=SWAP&instId=…` (oi, oiCcy, oiUsd) and
 * `/api/v5/public/instruments?instType=SWAP` (ctVal per instrument), HTTP 200 with
 * `code` "51001" for an unknown instrument.
 */

import type { SimFrame } from '../market.js';
import { instrumentSpec } from '../params.js';
import { LoopbackVenueServer, queryOf, type Accept, type LoopbackConnection, type RestAnswer } from './server.js';

const INSTRUMENT_CHANNELS = new Set(['books', 'trades', 'funding-rate', 'open-interest', 'mark-price']);
const LIQUIDATIONS_ROUTE = 'liquidation-orders:SWAP';
/** OKX cuts a connection without subscription or data for this long. */
const IDLE_CUTOFF_MS = 30_000;

export class OkxLoopback extends LoopbackVenueServer {
  readonly venue = 'okx' as const;
  private instrumentsCache: ReadonlyMap<string, string> | undefined;
  private lastLiquidationPush: string | undefined;

  private get instruments(): ReadonlyMap<string, string> {
    this.instrumentsCache ??= new Map(this.market.symbols.map((s) => [instrumentSpec('okx', s).instrument, s]));
    return this.instrumentsCache;
  }

  /** Announce a service upgrade (64008) to every open connection and close them `graceMs` later. Returns how many were told. */
  notice(graceMs = 5_000): number {
    const open = this.open();
    for (const c of open) {
      this.reply(c, { event: 'notice', code: '64008', msg: 'The connection will soon be closed for a service upgrade. Please reconnect.', connId: connId(c) });
    }
    this.counters.notices += open.length;
    this.clock.setTimeout(() => {
      for (const c of open) if (!c.closed) c.ws.close(1012, 'service upgrade');
    }, graceMs);
    return open.length;
  }

  protected accept(url: URL): Accept {
    if (url.pathname.replace(/\/+$/, '') !== '/ws/v5/public') return { ok: false, status: 404, reason: `no stream path ${url.pathname}` };
    return { ok: true };
  }

  protected override observe(frame: SimFrame): void {
    if (frame.route === LIQUIDATIONS_ROUTE) this.lastLiquidationPush = frame.json;
  }

  protected onText(c: LoopbackConnection, text: string, now: number): void {
    if (text === 'ping') {
      c.state.lastPingAt = now;
      this.reply(c, 'pong');
      return;
    }
    let message: { id?: unknown; op?: unknown; args?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      this.reply(c, { event: 'error', code: '60012', msg: `Invalid request: ${text.slice(0, 100)}`, connId: connId(c) });
      return;
    }
    const id = typeof message.id === 'string' ? message.id : undefined;
    const withId = <T extends object>(body: T): T | (T & { id: string }) => (id === undefined ? body : { id, ...body });
    const op = message.op;
    if ((op !== 'subscribe' && op !== 'unsubscribe') || !Array.isArray(message.args)) {
      this.reply(c, withId({ event: 'error', code: '60012', msg: `Invalid request: ${text.slice(0, 100)}`, connId: connId(c) }));
      return;
    }
    const books = new Set<string>();
    let liquidations = false;
    for (const raw of message.args as unknown[]) {
      const arg = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
      const route = this.routeOf(arg);
      if (route === undefined) {
        this.counters.subscriptionsRejected++;
        const target = arg.instId !== undefined ? `instId:${String(arg.instId)}` : `instType:${String(arg.instType)}`;
        this.reply(
          c,
          withId({
            event: 'error',
            code: '60018',
            msg: `Wrong URL or channel:${String(arg.channel)},${target} doesn't exist. Please use the correct URL, channel and parameters referring to API document.`,
            connId: connId(c),
          }),
        );
        continue;
      }
      if (op === 'subscribe') {
        this.subscribe(c, route);
        if (arg.channel === 'books') books.add(route);
        if (route === LIQUIDATIONS_ROUTE) liquidations = true;
      } else {
        this.unsubscribe(c, route);
      }
      this.reply(c, withId({ event: op, arg, connId: connId(c) }));
    }
    if (books.size > 0) this.market.queueSnapshots('okx', books, c.id);
    // the first push after subscribing repeats recent liquidations (a backlog the client de-duplicates)
    if (liquidations && this.lastLiquidationPush !== undefined) c.sendData(this.lastLiquidationPush, now);
  }

  protected override check(c: LoopbackConnection, now: number): void {
    const lastPing = (c.state.lastPingAt as number | undefined) ?? c.openedAt;
    const alive = c.routes.size > 0 ? Math.max(c.lastDataAt, lastPing) : c.openedAt;
    if (now - alive > IDLE_CUTOFF_MS) {
      this.counters.idleDisconnects++;
      c.ws.close(4004, 'No data received in 30s.');
    }
  }

  protected override truncatedFrame(): string {
    return '{"arg":{"channel":"books","instId":"BTC-USDT-SWAP"},"action":"update","data":[{"asks":[["8476';
  }

  protected rest(url: URL): RestAnswer {
    const q = queryOf(url);
    const ts = this.market.now;
    if (url.pathname === '/api/v5/public/instruments') {
      if (q.instType !== 'SWAP') return this.json(200, { code: '51000', msg: 'Parameter instType error', data: [] });
      return this.json(200, { code: '0', msg: '', data: [...this.instruments.values()].map((symbol) => instrumentRow(symbol)) });
    }
    if (url.pathname === '/api/v5/public/open-interest') {
      const instId = q.instId;
      const symbol = instId === undefined ? undefined : this.instruments.get(instId);
      if (symbol === undefined) return this.json(200, { code: '51001', msg: "Instrument ID doesn't exist.", data: [] });
      return { status: 200, body: this.market.restOpenInterest('okx', symbol, ts) };
    }
    return this.json(404, { code: '50030', msg: 'Illegal request', data: [] });
  }

  private routeOf(arg: Record<string, unknown>): string | undefined {
    if (arg.channel === 'liquidation-orders') return arg.instType === 'SWAP' ? LIQUIDATIONS_ROUTE : undefined;
    if (typeof arg.channel !== 'string' || !INSTRUMENT_CHANNELS.has(arg.channel)) return undefined;
    if (typeof arg.instId !== 'string' || !this.instruments.has(arg.instId)) return undefined;
    return `${arg.channel}:${arg.instId}`;
  }
}

function connId(c: LoopbackConnection): string {
  return `lb${c.id.toString(16).padStart(6, '0')}`;
}

/** An `/api/v5/public/instruments` row, from the simulator's instrument table. */
function instrumentRow(symbol: string): Record<string, string> {
  const spec = instrumentSpec('okx', symbol);
  const family = spec.instrument.replace(/-SWAP$/, '');
  return {
    instType: 'SWAP',
    instId: spec.instrument,
    uly: family,
    instFamily: family,
    settleCcy: 'USDT',
    ctVal: String(spec.contractSize),
    ctMult: '1',
    ctValCcy: symbol,
    ctType: 'linear',
    tickSz: String(10 ** -spec.priceDecimals * spec.tickUnits),
    lotSz: String(10 ** -spec.qtyDecimals * spec.lotUnits),
    minSz: String(10 ** -spec.qtyDecimals * spec.lotUnits),
    state: 'live',
  };
}
