/**
 * Binance USDⓈ-M futures as the connection layer sees it: the venue's facts
 * (src/venues/binance/connection.ts, VENUES.md 1.1 and 1.7) turned into `SocketSpec`s and a
 * `RestVenueSpec`.
 *
 * - Two sockets since the 2026 split: `binance.public` (depth@100ms, optionally
 *   bookTicker) and `binance.market` (aggTrade, markPrice@1s, !forceOrder@arr), each on
 *   the combined-stream path `<base>/stream`, subscribed with SUBSCRIBE messages whose
 *   `{"result":null,"id":…}` acks are checked (a rejected stream is an error naming it),
 *   at most 5 client messages a second (Binance allows 10).
 * - Keepalive is Binance's: server pings every 3 minutes, answered by `ws`.
 * - Watchdog on depth, markPrice (1/s, the best liveness signal) and aggTrade; never on
 *   !forceOrder@arr, which is silent in quiet markets.
 * - Rotation every 23.5 h, before Binance's 24-hour disconnect, lossless by the order keys
 *   depth `u`, aggTrade `a`, markPrice `E`, bookTicker `u`, and per symbol forceOrder `E`.
 * - REST: a weight budget of 2000 per UTC minute (below Binance's 2400, so other tools on
 *   the same IP keep room), synchronised with `X-MBX-USED-WEIGHT-1M`; 429 and 418 pause.
 *
 * A base ending in `/ws` (raw streams) is accepted too: frames then arrive without the
 * `{"stream","data"}` wrapper and are recognised by their event type `e`.
 */

import type { PollSpec, RestRequest as ConnectRequest, RestVenueSpec } from '../rest.js';
import type { FrameInfo, SocketSpec, SubscribeRequest } from '../socket-spec.js';
import { BINANCE_CHANNEL, binanceChannelOf, binanceDepthRequest, binanceSubscribe, binanceOpenInterestRequest, binanceRatioRequest, binanceStreamPlan, recognizeBinanceControl } from '../../venues/binance/connection.js';
import { isObject } from '../../venues/parse.js';
import type { TraderRatioKind } from '../../events.js';
import { parseFrameObject, POLL_EVERY, toConnectRequest, type PollIntervals } from './common.js';

/** Binance closes every connection at 24 h: hand over half an hour before. */
export const BINANCE_ROTATE_EVERY_MS = 23.5 * 60 * 60 * 1000;
/** Our share of Binance's 2400 request weight per UTC minute. */
export const BINANCE_WEIGHT_BUDGET = 2000;
/** Streams per SUBSCRIBE message (Binance allows 1024 streams per connection). */
const STREAMS_PER_SUBSCRIBE = 100;

export interface BinanceSocketOptions {
  readonly symbols: readonly string[];
  /** `wss://fstream.binance.com/public` (or an override). */
  readonly publicUrl: string;
  /** `wss://fstream.binance.com/market` (or an override). */
  readonly marketUrl: string;
  /** Also subscribe bookTicker (default false: ~200 msg/s per symbol). */
  readonly bookTicker?: boolean;
  /** Planned rotation (default 23.5 h). */
  readonly rotateEveryMs?: number;
}

export const BINANCE_WATCHDOG = {
  depth: 30_000,
  markPrice: 30_000,
  aggTrade: 120_000,
} as const;

const RAW_EVENT_CHANNELS: Readonly<Record<string, string>> = {
  depthUpdate: BINANCE_CHANNEL.depth,
  aggTrade: BINANCE_CHANNEL.aggTrade,
  trade: BINANCE_CHANNEL.trade,
  markPriceUpdate: BINANCE_CHANNEL.markPrice,
  forceOrder: BINANCE_CHANNEL.forceOrder,
  bookTicker: BINANCE_CHANNEL.bookTicker,
};

/** The two Binance sockets for `symbols`. */
export function binanceSocketSpecs(options: BinanceSocketOptions): SocketSpec[] {
  const plan = binanceStreamPlan(options.symbols, { bookTicker: options.bookTicker ?? false });
  const rotateEveryMs = options.rotateEveryMs ?? BINANCE_ROTATE_EVERY_MS;
  const classify = binanceClassifier();
  return [
    {
      venue: 'binance',
      name: 'binance.public',
      url: streamUrl(options.publicUrl),
      symbols: options.symbols,
      subscribe: () => subscribeRequests(plan.public),
      classify,
      orderKey: binanceOrderKey,
      watchdog: { [BINANCE_CHANNEL.depth]: BINANCE_WATCHDOG.depth },
      maxClientMessagesPerSecond: 5,
      rotateEveryMs,
    },
    {
      venue: 'binance',
      name: 'binance.market',
      url: streamUrl(options.marketUrl),
      // no books on this socket: its drop must not resync any
      symbols: [],
      subscribe: () => subscribeRequests(plan.market),
      classify,
      orderKey: binanceOrderKey,
      watchdog: { [BINANCE_CHANNEL.markPrice]: BINANCE_WATCHDOG.markPrice, [BINANCE_CHANNEL.aggTrade]: BINANCE_WATCHDOG.aggTrade },
      maxClientMessagesPerSecond: 5,
      rotateEveryMs,
    },
  ];
}

/** `<base>/stream` (combined streams, subscribed by message); a base already naming `/stream` or `/ws` is kept. */
function streamUrl(base: string): string {
  const url = new URL(base);
  const path = url.pathname.replace(/\/+$/, '');
  if (path.endsWith('/stream') || path.endsWith('/ws')) return base;
  url.pathname = `${path}/stream`;
  return url.toString();
}

function subscribeRequests(streams: readonly string[]): SubscribeRequest[] {
  const requests: SubscribeRequest[] = [];
  for (let i = 0; i < streams.length; i += STREAMS_PER_SUBSCRIBE) {
    const chunk = streams.slice(i, i + STREAMS_PER_SUBSCRIBE);
    const id = requests.length + 1;
    requests.push({ id: String(id), message: JSON.stringify(binanceSubscribe(chunk, id)), streams: chunk });
  }
  return requests;
}

/**
 * Classifies Binance frames: combined-stream data (channel = the stream name after the
 * symbol, cached per stream), raw events by `e`, SUBSCRIBE acks and error replies.
 */
export function binanceClassifier(): (text: string, info: FrameInfo) => void {
  const channels = new Map<string, string>();
  return (text, info) => {
    const value = parseFrameObject(text, info);
    if (value === undefined) return;
    const stream = value.stream;
    if (typeof stream === 'string' && isObject(value.data)) {
      let channel = channels.get(stream);
      if (channel === undefined) {
        channel = binanceChannelOf(stream).channel;
        if (channels.size < 4096) channels.set(stream, channel);
      }
      info.kind = 'data';
      info.channel = channel;
      info.parsed = value;
      return;
    }
    if (typeof value.e === 'string') {
      const channel = RAW_EVENT_CHANNELS[value.e];
      if (channel !== undefined) {
        info.kind = 'data';
        info.channel = channel;
        info.parsed = value;
        return;
      }
    }
    const control = recognizeBinanceControl(value);
    info.parsed = value;
    if (control === undefined) {
      info.text = 'unexpected frame shape';
      return;
    }
    info.id = control.id === undefined ? '' : String(control.id);
    info.text = control.text;
    info.kind = control.kind === 'ack' ? 'ack' : control.kind === 'error' ? 'error' : 'control';
  };
}

/** Ordering keys for a lossless rotation: depth and bookTicker `u`, aggTrade `a`, markPrice `E`, per-symbol forceOrder `E`. */
export function binanceOrderKey(_text: string, info: FrameInfo): boolean {
  const frame = info.parsed as Record<string, unknown>;
  const wrapped = typeof frame.stream === 'string';
  const data = (wrapped ? frame.data : frame) as Record<string, unknown>;
  let key: unknown;
  let stream = wrapped ? (frame.stream as string) : `${String(data.s).toLowerCase()}@${info.channel}`;
  switch (info.channel) {
    case BINANCE_CHANNEL.aggTrade:
      key = data.a;
      break;
    case BINANCE_CHANNEL.markPrice:
      key = data.E;
      break;
    case BINANCE_CHANNEL.forceOrder: {
      const order = data.o;
      if (!isObject(order) || typeof order.s !== 'string') return false;
      // one frame per symbol per second on !forceOrder@arr: two symbols can share an E
      stream = `forceOrder:${order.s}`;
      key = data.E;
      break;
    }
    default:
      if (!info.channel.startsWith('depth') && info.channel !== BINANCE_CHANNEL.bookTicker) return false;
      key = data.u;
  }
  if (typeof key !== 'number' || !Number.isFinite(key)) return false;
  info.stream = stream;
  info.key = key;
  return true;
}

/** Binance REST: weight budget, the used-weight header, 429/418 pauses, `{"code","msg"}` bodies. */
export function binanceRestSpec(baseUrl: string): RestVenueSpec {
  return {
    venue: 'binance',
    baseUrl,
    weightBudget: { limit: BINANCE_WEIGHT_BUDGET, windowMs: 60_000 },
    usedWeightHeader: 'x-mbx-used-weight-1m',
    pauseOnStatus: { 429: 60_000, 418: 120_000 },
    bodyProblem: (body) =>
      isObject(body) && !Array.isArray(body) && typeof body.code === 'number' && typeof body.msg === 'string'
        ? `${body.code} ${body.msg}`
        : undefined,
  };
}

const RATIO_KINDS: readonly TraderRatioKind[] = ['topAccount', 'topPosition', 'globalAccount'];

/** Open interest every 15 s per symbol, the three trader ratios every 60 s per symbol. */
export function binancePolls(symbols: readonly string[], every: PollIntervals = POLL_EVERY): PollSpec[] {
  const polls: PollSpec[] = [];
  for (const symbol of symbols) polls.push({ venue: 'binance', request: toConnectRequest(binanceOpenInterestRequest(symbol)), everyMs: every.openInterestMs });
  for (const symbol of symbols) {
    for (const kind of RATIO_KINDS) polls.push({ venue: 'binance', request: toConnectRequest(binanceRatioRequest(kind, symbol)), everyMs: every.ratiosMs });
  }
  return polls;
}

/** The REST depth snapshot a Binance book resyncs from (limit 1000, weight 20). */
export function binanceDepthSnapshot(symbol: string): ConnectRequest {
  return toConnectRequest(binanceDepthRequest(symbol, 1000));
}
