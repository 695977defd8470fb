/**
 * Binance USDⓈ-M futures frames → normalized events (../shared/VENUES.md section 1,
 * DESIGN.md section 3). Accepts the combined-stream wrapper `{"stream","data"}` and the
 * bare event alike.
 *
 * Event time (`ts`) per channel, as tardis-node does:
 * - trades (`aggTrade`, `trade`) and liquidations (`forceOrder`): the trade time `T`
 *   (`o.T`), falling back to the event time `E`;
 * - depth, bookTicker, markPrice: the event time `E` (markPrice's `T` is the NEXT
 *   funding time, never an event time);
 * - REST: depth `E` (else `T`), open interest `time`, ratios `timestamp`; the envelope's
 *   receive time `t` when the body has none.
 */

import { ChannelNormalizer, type ChannelHandler } from '../channel-normalizer.js';
import type { DepthDiff, DepthSnapshot, NormalizedEvent, TraderRatio, TraderRatioKind } from '../../events.js';
import { toSymbol } from '../../events.js';
import { liquidatedPosition } from '../liquidation-side.js';
import { finite, flatLevels, isObject, optionalNumber, positive, sequenceId, timestamp } from '../parse.js';
import { REST_CHANNEL } from '../rest-channels.js';
import { CONTROL_CHANNEL, type EnvelopeMeta, type NormalizerCounters } from '../types.js';
import { recognizeBinanceControl } from './connection.js';

type Handler = ChannelHandler;

/** `{"stream":…,"data":…}` → data; a bare event as is. */
function unwrap(payload: unknown): unknown {
  if (isObject(payload) && payload.data !== undefined && typeof payload.stream === 'string') return payload.data;
  return payload;
}

/** `depth`, `depth@100ms`, `depth@0ms` → diff (0); `depth5`, `depth20@100ms` → partial top N. */
function depthLevelsOf(channel: string): number | undefined {
  const match = /^depth(\d*)(@\w+)?$/.exec(channel);
  if (match === null) return undefined;
  return match[1] === '' ? 0 : Number(match[1]);
}

/** COIN-M instruments (`BTCUSD_PERP`, `BTCUSD_250926`): sized in contracts of USD. */
function isCoinM(instrument: string): boolean {
  return instrument.toUpperCase().includes('USD_');
}

export class BinanceNormalizer extends ChannelNormalizer {
  readonly venue = 'binance' as const;

  constructor(counters: NormalizerCounters) {
    super(counters);
  }

  protected handlerFor(channel: string): Handler | undefined {
    switch (channel) {
      case 'aggTrade':
        return (payload, _meta, out) => this.trade(payload, 'aggTrade', out);
      case 'trade':
        return (payload, _meta, out) => this.trade(payload, 'trade', out);
      case 'forceOrder':
      case 'forceOrder@arr':
      case '!forceOrder@arr':
        return this.forceOrder;
      case 'markPrice':
      case 'markPrice@1s':
        return this.markPrice;
      case 'bookTicker':
        return this.bookTicker;
      case REST_CHANNEL.depthSnapshot:
        return this.restDepth;
      case REST_CHANNEL.openInterest:
        return this.restOpenInterest;
      case REST_CHANNEL.topAccountRatio:
        return (payload, meta, out) => this.restRatio('topAccount', payload, meta, out);
      case REST_CHANNEL.topPositionRatio:
        return (payload, meta, out) => this.restRatio('topPosition', payload, meta, out);
      case REST_CHANNEL.globalAccountRatio:
        return (payload, meta, out) => this.restRatio('globalAccount', payload, meta, out);
      default: {
        const top = depthLevelsOf(channel);
        if (top === undefined) return undefined;
        return top === 0 ? this.depthDiff : (payload, _meta, out) => this.partialDepth(payload, top, out);
      }
    }
  }

  private readonly depthDiff: Handler = (payload, _meta, out) => {
    const d = unwrap(payload);
    if (!isObject(d) || d.e !== 'depthUpdate') return this.unexpected(d);
    const symbol = this.symbolOf(d.s);
    if (symbol === undefined) return;
    const firstId = sequenceId(d.U);
    const lastId = sequenceId(d.u);
    const prevLastId = d.pu === undefined ? undefined : sequenceId(d.pu);
    const ts = timestamp(d.E);
    const bids = flatLevels(d.b);
    const asks = flatLevels(d.a);
    if (firstId !== firstId || lastId !== lastId || prevLastId !== prevLastId || ts !== ts || bids === undefined || asks === undefined) {
      return this.drop('malformed_payload');
    }
    const event: DepthDiff = { type: 'depthDiff', venue: 'binance', symbol, ts, firstId, lastId, prevLastId, bids, asks };
    out.push(event);
  };

  /** `<symbol>@depth<N>`: the top N levels each time, same payload as a diff. */
  private partialDepth(payload: unknown, top: number, out: NormalizedEvent[]): void {
    const d = unwrap(payload);
    if (!isObject(d) || d.e !== 'depthUpdate') return this.unexpected(d);
    const symbol = this.symbolOf(d.s);
    if (symbol === undefined) return;
    const lastUpdateId = sequenceId(d.u);
    const ts = timestamp(d.E);
    const bids = flatLevels(d.b);
    const asks = flatLevels(d.a);
    if (lastUpdateId !== lastUpdateId || ts !== ts || bids === undefined || asks === undefined) return this.drop('malformed_payload');
    const event: DepthSnapshot = { type: 'depthSnapshot', venue: 'binance', symbol, ts, lastUpdateId, bids, asks, top };
    out.push(event);
  }

  /** aggTrade and raw trade: `m` is "is the buyer the market maker?", so `m: true` means the taker sold. */
  private trade(payload: unknown, e: 'aggTrade' | 'trade', out: NormalizedEvent[]): void {
    const d = unwrap(payload);
    if (!isObject(d) || d.e !== e) return this.unexpected(d);
    const symbol = this.symbolOf(d.s);
    if (symbol === undefined) return;
    const price = finite(d.p);
    const qty = finite(d.q);
    const ts = timestamp(d.T) || timestamp(d.E);
    if (price !== price || qty !== qty || ts !== ts || typeof d.m !== 'boolean') return this.drop('malformed_payload');
    if (price <= 0 || qty <= 0) return this.drop('non_positive_value');
    out.push({ type: 'trade', venue: 'binance', symbol, ts, price, qty, takerSide: d.m ? 'sell' : 'buy' });
  }

  private readonly forceOrder: Handler = (payload, _meta, out) => {
    const d = unwrap(payload);
    if (!isObject(d) || d.e !== 'forceOrder' || !isObject(d.o)) return this.unexpected(d);
    const o = d.o;
    // Since the 2026 CM merge `!forceOrder@arr` also carries COIN-M rows (`st` 2).
    if (d.st === 2 || o.st === 2) return this.drop('coin_m_instrument');
    const symbol = this.symbolOf(o.s);
    if (symbol === undefined) return;
    const side = liquidatedPosition('binance.o.S', o.S); // order side: BUY → short liquidated, SELL → long
    if (side === undefined) return this.drop('unknown_side');
    const price = finite(o.p); // the order's price, comparable with Bybit `p` and OKX `bkPx`
    const filled = finite(o.z);
    const qty = filled > 0 ? filled : finite(o.q); // accumulated fill, else the order's quantity
    const ts = timestamp(o.T) || timestamp(d.E);
    if (price !== price || qty !== qty || ts !== ts) return this.drop('malformed_payload');
    if (price <= 0 || qty <= 0) return this.drop('non_positive_value');
    const avgPrice = positive(o.ap);
    out.push({
      type: 'liquidation',
      venue: 'binance',
      symbol,
      ts,
      side,
      price,
      qty,
      notional: price * qty,
      avgPrice: avgPrice === avgPrice ? avgPrice : undefined,
    });
  };

  private readonly markPrice: Handler = (payload, _meta, out) => {
    const d = unwrap(payload);
    if (!isObject(d) || d.e !== 'markPriceUpdate') return this.unexpected(d);
    const symbol = this.symbolOf(d.s);
    if (symbol === undefined) return;
    const mark = positive(d.p);
    const ts = timestamp(d.E);
    if (mark !== mark || ts !== ts) return this.drop('malformed_payload');
    const next = timestamp(d.T); // the NEXT funding time
    out.push({
      type: 'markPrice',
      venue: 'binance',
      symbol,
      ts,
      mark,
      index: optionalNumber(d.i),
      funding: optionalNumber(d.r),
      nextFundingTs: next === next ? next : undefined,
    });
  };

  private readonly bookTicker: Handler = (payload, _meta, out) => {
    const d = unwrap(payload);
    if (!isObject(d) || d.e !== 'bookTicker') return this.unexpected(d);
    const symbol = this.symbolOf(d.s);
    if (symbol === undefined) return;
    const bidPrice = positive(d.b);
    const bidQty = finite(d.B);
    const askPrice = positive(d.a);
    const askQty = finite(d.A);
    const ts = timestamp(d.E) || timestamp(d.T);
    const updateId = sequenceId(d.u);
    if (bidPrice !== bidPrice || askPrice !== askPrice || !(bidQty >= 0) || !(askQty >= 0) || ts !== ts) {
      return this.drop('malformed_payload');
    }
    out.push({
      type: 'bookTicker',
      venue: 'binance',
      symbol,
      ts,
      updateId: updateId === updateId ? updateId : undefined,
      bidPrice,
      bidQty,
      askPrice,
      askQty,
    });
  };

  /** `GET /fapi/v1/depth`: the body has no symbol; the request's `q.symbol` names it. */
  private readonly restDepth: Handler = (payload, meta, out) => {
    if (!isObject(payload) || payload.lastUpdateId === undefined) return this.restProblem(payload);
    const symbol = this.restSymbolOf(payload.symbol, meta);
    if (symbol === undefined) return;
    const lastUpdateId = sequenceId(payload.lastUpdateId);
    const bids = flatLevels(payload.bids);
    const asks = flatLevels(payload.asks);
    if (lastUpdateId !== lastUpdateId || bids === undefined || asks === undefined) return this.drop('malformed_payload');
    const ts = timestamp(payload.E) || timestamp(payload.T) || meta.t;
    const event: DepthSnapshot = { type: 'depthSnapshot', venue: 'binance', symbol, ts, lastUpdateId, bids, asks };
    out.push(event);
  };

  /** `GET /fapi/v1/openInterest`: `openInterest` is in base asset. */
  private readonly restOpenInterest: Handler = (payload, meta, out) => {
    if (!isObject(payload) || payload.openInterest === undefined) return this.restProblem(payload);
    const symbol = this.restSymbolOf(payload.symbol, meta);
    if (symbol === undefined) return;
    const oiBase = finite(payload.openInterest);
    if (!(oiBase >= 0)) return this.drop('malformed_payload');
    const ts = timestamp(payload.time) || meta.t;
    out.push({ type: 'openInterest', venue: 'binance', symbol, ts, oiBase, source: 'rest' });
  };

  /**
   * The ratio endpoints answer an array of rows, oldest first; each row becomes one event
   * (a poller asking `limit: 1` gets the latest). The docs send `timestamp` as a string,
   * SDKs as a number: both are accepted.
   */
  private restRatio(kind: TraderRatioKind, payload: unknown, meta: EnvelopeMeta, out: NormalizedEvent[]): void {
    if (!Array.isArray(payload)) return this.restProblem(payload);
    const events: TraderRatio[] = [];
    for (const row of payload as unknown[]) {
      if (!isObject(row)) {
        this.drop('malformed_payload');
        continue;
      }
      const symbol = this.restSymbolOf(row.symbol, meta);
      if (symbol === undefined) continue;
      const longShortRatio = finite(row.longShortRatio);
      if (!(longShortRatio >= 0)) {
        this.drop('malformed_payload');
        continue;
      }
      events.push({
        type: 'traderRatio',
        venue: 'binance',
        symbol,
        ts: timestamp(row.timestamp) || meta.t,
        kind,
        longShortRatio,
        longShare: optionalNumber(row.longAccount),
        shortShare: optionalNumber(row.shortAccount),
      });
    }
    if (events.length > 1) events.sort((a, b) => a.ts - b.ts);
    for (const event of events) out.push(event);
  }

  /** A short symbol for a stream's instrument, counting the instruments we do not map. */
  private symbolOf(instrument: unknown): string | undefined {
    if (typeof instrument !== 'string') {
      this.drop('malformed_payload');
      return undefined;
    }
    const symbol = toSymbol(instrument);
    if (symbol === undefined) this.drop(isCoinM(instrument) ? 'coin_m_instrument' : 'unsupported_instrument');
    return symbol;
  }

  /** REST: the body's symbol when it has one, else the request's `q.symbol`. */
  private restSymbolOf(bodySymbol: unknown, meta: EnvelopeMeta): string | undefined {
    const instrument = typeof bodySymbol === 'string' ? bodySymbol : meta.q?.symbol;
    if (typeof instrument !== 'string' || instrument === '') {
      this.drop('missing_symbol');
      return undefined;
    }
    return this.symbolOf(instrument);
  }

  /** A REST body that is not the expected shape: Binance's `{"code":-1121,"msg":…}` is an error frame. */
  private restProblem(payload: unknown): void {
    if (isObject(payload) && typeof payload.code === 'number' && typeof payload.msg === 'string') return this.drop('error_frame');
    this.drop('malformed_payload');
  }

  /** A frame whose `e` is not the channel's: a control frame, or malformed. */
  private unexpected(frame: unknown): void {
    const control = recognizeBinanceControl(frame);
    if (control === undefined) this.drop('malformed_payload');
    else if (control.kind === 'error') this.drop('error_frame');
    else this.counters.control('binance', control.kind);
  }

  /** Control frames are recognised on any channel; anything else on an unknown channel is counted. */
  protected unknownChannel(channel: string, payload: unknown): void {
    const control = recognizeBinanceControl(unwrap(payload));
    if (control === undefined) this.drop(channel === CONTROL_CHANNEL ? 'malformed_payload' : 'unknown_channel');
    else if (control.kind === 'error') this.drop('error_frame');
    else this.counters.control('binance', control.kind);
  }

}
