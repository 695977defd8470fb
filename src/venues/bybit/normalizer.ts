/**
 * Bybit v5 public linear frames → normalized events (../shared/VENUES.md section 2,
 * DESIGN.md section 3). Frames are `{topic, type, ts, data}`.
 *
 * Event time (`ts`): liquidations and trades their row's `T` (`updatedTime` on the old
 * liquidation topic); order book and tickers the frame's `ts`; REST open interest its
 * row's `timestamp`.
 *
 * State (per instance): the last ticker of every instrument, because `tickers` pushes a
 * snapshot and then deltas that carry only the changed fields.
 */

import { ChannelNormalizer, type ChannelHandler } from '../channel-normalizer.js';
import type { DepthDiff, DepthSnapshot, NormalizedEvent, OpenInterest } from '../../events.js';
import { toSymbol } from '../../events.js';
import { liquidatedPosition } from '../liquidation-side.js';
import { finite, flatLevels, isObject, num, positive, sequenceId, timestamp, type RawObject } from '../parse.js';
import { REST_CHANNEL } from '../rest-channels.js';
import { CONTROL_CHANNEL, type DropReason, type NormalizerCounters } from '../types.js';
import { recognizeBybitControl } from './connection.js';

type Handler = ChannelHandler;

/** The merged ticker of one instrument; NaN = not known yet. */
interface TickerState {
  mark: number;
  index: number;
  funding: number;
  nextFundingTs: number;
  /** Both sides. */
  openInterest: number;
  /** One side (since 2026-06). */
  singleOpenInterest: number;
}

function emptyTicker(): TickerState {
  return { mark: NaN, index: NaN, funding: NaN, nextFundingTs: NaN, openInterest: NaN, singleOpenInterest: NaN };
}

/** One side of the open interest: `singleOpenInterest`, else half of the both-sides `openInterest`. */
function oneSide(single: number, both: number): number {
  return single === single ? single : both / 2;
}

function defined(n: number): number | undefined {
  return n === n ? n : undefined;
}

export class BybitNormalizer extends ChannelNormalizer {
  readonly venue = 'bybit' as const;
  private readonly tickers = new Map<string, TickerState>();

  constructor(counters: NormalizerCounters) {
    super(counters);
  }

  protected handlerFor(channel: string): Handler | undefined {
    switch (channel) {
      case 'allLiquidation':
        return this.allLiquidation;
      case 'liquidation':
        return this.oldLiquidation;
      case 'publicTrade':
        return this.publicTrade;
      case 'tickers':
        return this.ticker;
      case REST_CHANNEL.openInterest:
        return this.restOpenInterest;
      default:
        // any depth: orderbook.1, .50, .200, .500, .1000
        return channel.startsWith('orderbook.') ? this.orderbook : undefined;
    }
  }

  /** `allLiquidation.{symbol}`: `data` is a batch; `S` is the POSITION side (Buy → long liquidated). */
  private readonly allLiquidation: Handler = (payload, _meta, out) => {
    const frame = this.dataFrame(payload);
    if (frame === undefined) return;
    const rows = frame.data;
    if (!Array.isArray(rows)) return this.drop('malformed_payload');
    const frameTs = timestamp(frame.ts);
    for (const row of rows as unknown[]) {
      if (!isObject(row)) {
        this.drop('malformed_payload');
        continue;
      }
      this.liquidation(row.s, row.S, row.p, row.v, timestamp(row.T) || frameTs, out);
    }
  };

  /** The old `liquidation.{symbol}` topic: `data` is one object; `side` has the same position meaning. */
  private readonly oldLiquidation: Handler = (payload, _meta, out) => {
    const frame = this.dataFrame(payload);
    if (frame === undefined) return;
    const d = frame.data;
    if (!isObject(d)) return this.drop('malformed_payload');
    this.liquidation(d.symbol, d.side, d.price, d.size, timestamp(d.updatedTime) || timestamp(frame.ts), out);
  };

  private liquidation(instrument: unknown, rawSide: unknown, rawPrice: unknown, rawQty: unknown, ts: number, out: NormalizedEvent[]): void {
    const symbol = this.symbolOf(instrument);
    if (symbol === undefined) return;
    const side = liquidatedPosition('bybit.S', rawSide); // POSITION side: Buy → long liquidated
    if (side === undefined) return this.drop('unknown_side');
    const price = finite(rawPrice); // bankruptcy price
    const qty = finite(rawQty); // base units on linear contracts
    if (price !== price || qty !== qty || ts !== ts) return this.drop('malformed_payload');
    if (price <= 0 || qty <= 0) return this.drop('non_positive_value');
    out.push({ type: 'liquidation', venue: 'bybit', symbol, ts, side, price, qty, notional: price * qty });
  }

  /**
   * `orderbook.{depth}.{symbol}`: a `snapshot` (or a delta with `u` = 1, which Bybit sends
   * after a service restart: "please overwrite your local orderbook") replaces the book;
   * a `delta` updates it. Bybit publishes no previous id: both ids are `u`.
   */
  private readonly orderbook: Handler = (payload, _meta, out) => {
    const frame = this.dataFrame(payload);
    if (frame === undefined) return;
    const d = frame.data;
    if (!isObject(d)) return this.drop('malformed_payload');
    const symbol = this.symbolOf(d.s);
    if (symbol === undefined) return;
    const u = sequenceId(d.u);
    const ts = timestamp(frame.ts) || timestamp(frame.cts);
    const bids = flatLevels(d.b);
    const asks = flatLevels(d.a);
    const type = frame.type;
    if (u !== u || ts !== ts || bids === undefined || asks === undefined || (type !== 'snapshot' && type !== 'delta')) {
      return this.drop('malformed_payload');
    }
    if (type === 'snapshot' || u === 1) {
      const event: DepthSnapshot = { type: 'depthSnapshot', venue: 'bybit', symbol, ts, lastUpdateId: u, bids, asks };
      out.push(event);
    } else {
      const event: DepthDiff = { type: 'depthDiff', venue: 'bybit', symbol, ts, firstId: u, lastId: u, bids, asks };
      out.push(event);
    }
  };

  /** `publicTrade.{symbol}`: up to 1024 trades per frame; `S` is the taker side. */
  private readonly publicTrade: Handler = (payload, _meta, out) => {
    const frame = this.dataFrame(payload);
    if (frame === undefined) return;
    const rows = frame.data;
    if (!Array.isArray(rows)) return this.drop('malformed_payload');
    for (const row of rows as unknown[]) {
      if (!isObject(row)) {
        this.drop('malformed_payload');
        continue;
      }
      const symbol = this.symbolOf(row.s);
      if (symbol === undefined) continue;
      const price = finite(row.p);
      const qty = finite(row.v);
      const ts = timestamp(row.T);
      const taker = row.S;
      if (price !== price || qty !== qty || ts !== ts || (taker !== 'Buy' && taker !== 'Sell')) {
        this.drop('malformed_payload');
        continue;
      }
      if (price <= 0 || qty <= 0) {
        this.drop('non_positive_value');
        continue;
      }
      out.push({ type: 'trade', venue: 'bybit', symbol, ts, price, qty, takerSide: taker === 'Buy' ? 'buy' : 'sell' });
    }
  };

  /**
   * `tickers.{symbol}`: a snapshot, then deltas where "if a response param is not found in
   * the message, then its value has not changed". Emits a MarkPrice when the frame is a
   * snapshot or changes mark, index, funding or next funding time, and an OpenInterest
   * (one side) when it is a snapshot or changes the open interest. A delta that arrives
   * before any snapshot is merged into an empty ticker.
   */
  private readonly ticker: Handler = (payload, _meta, out) => {
    const frame = this.dataFrame(payload);
    if (frame === undefined) return;
    const d = frame.data;
    const type = frame.type;
    const ts = timestamp(frame.ts);
    if (!isObject(d) || typeof d.symbol !== 'string' || ts !== ts || (type !== 'snapshot' && type !== 'delta')) {
      return this.drop('malformed_payload');
    }
    const symbol = this.symbolOf(d.symbol);
    if (symbol === undefined) return;
    const snapshot = type === 'snapshot';
    // read every present field first: a frame with an invalid value changes nothing
    const mark = d.markPrice === undefined ? undefined : positive(d.markPrice);
    const both = d.openInterest === undefined ? undefined : finite(d.openInterest);
    const single = d.singleOpenInterest === undefined ? undefined : finite(d.singleOpenInterest);
    if (mark !== mark || (both !== undefined && !(both >= 0)) || (single !== undefined && !(single >= 0))) {
      return this.drop('malformed_payload');
    }
    if (snapshot && mark === undefined) return this.drop('malformed_payload');
    let state = this.tickers.get(d.symbol);
    if (state === undefined || snapshot) {
      state = emptyTicker();
      this.tickers.set(d.symbol, state);
    }
    let markChanged = snapshot;
    if (mark !== undefined) {
      state.mark = mark;
      markChanged = true;
    }
    if (d.indexPrice !== undefined) {
      state.index = num(d.indexPrice);
      markChanged = true;
    }
    if (d.fundingRate !== undefined) {
      state.funding = num(d.fundingRate);
      markChanged = true;
    }
    if (d.nextFundingTime !== undefined) {
      state.nextFundingTs = timestamp(d.nextFundingTime);
      markChanged = true;
    }
    let oiChanged = snapshot;
    if (both !== undefined) {
      state.openInterest = both;
      // a new both-sides figure without its single side makes the old single side stale
      if (single === undefined) state.singleOpenInterest = NaN;
      oiChanged = true;
    }
    if (single !== undefined) {
      state.singleOpenInterest = single;
      oiChanged = true;
    }
    if (markChanged) {
      if (state.mark === state.mark) {
        out.push({
          type: 'markPrice',
          venue: 'bybit',
          symbol,
          ts,
          mark: state.mark,
          index: defined(state.index),
          funding: defined(state.funding),
          nextFundingTs: defined(state.nextFundingTs),
        });
      } else {
        this.drop('ticker_incomplete');
      }
    }
    if (oiChanged) {
      const oiBase = oneSide(state.singleOpenInterest, state.openInterest);
      if (oiBase === oiBase) out.push({ type: 'openInterest', venue: 'bybit', symbol, ts, oiBase, source: 'stream' });
    }
  };

  /**
   * `GET /v5/market/open-interest`: `result.list[]` newest first; every row becomes one
   * event, oldest first. The body names the symbol in `result.symbol`; `q.symbol` backs it up.
   */
  private readonly restOpenInterest: Handler = (payload, meta, out) => {
    if (!isObject(payload)) return this.drop('malformed_payload');
    if (payload.retCode !== 0) return this.drop(payload.retCode === undefined ? 'malformed_payload' : 'error_frame');
    const result = payload.result;
    if (!isObject(result) || !Array.isArray(result.list)) return this.drop('malformed_payload');
    const instrument = typeof result.symbol === 'string' && result.symbol !== '' ? result.symbol : meta.q?.symbol;
    if (typeof instrument !== 'string' || instrument === '') return this.drop('missing_symbol');
    const category = result.category ?? meta.q?.category;
    if (category !== undefined && category !== 'linear') return this.drop('unsupported_instrument'); // inverse: USD contracts
    const symbol = this.symbolOf(instrument);
    if (symbol === undefined) return;
    const events: OpenInterest[] = [];
    for (const row of result.list as unknown[]) {
      if (!isObject(row)) {
        this.drop('malformed_payload');
        continue;
      }
      const both = finite(row.openInterest);
      const single = row.singleOpenInterest === undefined ? NaN : finite(row.singleOpenInterest);
      const oiBase = oneSide(single, both);
      if (!(oiBase >= 0)) {
        this.drop('malformed_payload');
        continue;
      }
      events.push({ type: 'openInterest', venue: 'bybit', symbol, ts: timestamp(row.timestamp) || meta.t, oiBase, source: 'rest' });
    }
    if (events.length > 1) events.sort((a, b) => a.ts - b.ts);
    for (const event of events) out.push(event);
  };

  /** The frame as a topic frame, or undefined after counting it (control, error or malformed). */
  private dataFrame(payload: unknown): RawObject | undefined {
    if (isObject(payload) && typeof payload.topic === 'string') return payload;
    this.notData(payload, 'malformed_payload');
    return undefined;
  }

  private notData(payload: unknown, otherwise: DropReason): void {
    const control = recognizeBybitControl(payload);
    if (control === undefined) this.drop(otherwise);
    else if (control.kind === 'error') this.drop('error_frame');
    else this.counters.control('bybit', control.kind);
  }

  protected unknownChannel(channel: string, payload: unknown): void {
    this.notData(payload, channel === CONTROL_CHANNEL ? 'malformed_payload' : 'unknown_channel');
  }

  private symbolOf(instrument: unknown): string | undefined {
    if (typeof instrument !== 'string') {
      this.drop('malformed_payload');
      return undefined;
    }
    const symbol = toSymbol(instrument);
    if (symbol === undefined) this.drop('unsupported_instrument');
    return symbol;
  }

}
