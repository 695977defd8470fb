/**
 * Binance USDⓈ-M futures: connection facts as pure data and functions, for the live
 * connectors and pollers (../shared/VENUES.md section 1). No sockets here.
 */

import { instrumentOf, type TraderRatioKind } from '../../events.js';
import { isObject } from '../parse.js';
import { REST_CHANNEL } from '../rest-channels.js';
import type { ControlFrame, RestRequest } from '../types.js';

/**
 * WebSocket bases since the 2026 split ("Important WebSocket Change Notice", announced
 * 2026-03-06; the legacy `wss://fstream.binance.com/ws` and `/stream` were retired
 * 2026-04-23 and still complete the handshake but send nothing: a connector must treat
 * "connected but silent" as a fault). One connection carries one category only.
 */
export const BINANCE_WS_PUBLIC = 'wss://fstream.binance.com/public';
export const BINANCE_WS_MARKET = 'wss://fstream.binance.com/market';
/** Retired: kept so that a check can refuse it, never to connect to. */
export const BINANCE_WS_LEGACY = 'wss://fstream.binance.com/ws';
export const BINANCE_REST_BASE = 'https://fapi.binance.com';

export type BinanceWsCategory = 'public' | 'market';

export const BINANCE_WS_BASES: Readonly<Record<BinanceWsCategory, string>> = {
  public: BINANCE_WS_PUBLIC,
  market: BINANCE_WS_MARKET,
};

/** Envelope channel names (the stream name after `<symbol>@`) moonstream subscribes to. */
export const BINANCE_CHANNEL = {
  depth: 'depth@100ms',
  bookTicker: 'bookTicker',
  aggTrade: 'aggTrade',
  trade: 'trade',
  markPrice: 'markPrice@1s',
  /** Per-symbol liquidations and `!forceOrder@arr` both record under this name. */
  forceOrder: 'forceOrder',
} as const;

/** Every symbol's liquidations, USDⓈ-M and (since the 2026 CM merge) COIN-M. */
export const BINANCE_ALL_FORCE_ORDERS_STREAM = '!forceOrder@arr';

/** Connection limits from the Connect and Live-Subscribing pages. */
export const BINANCE_WS_LIMITS = {
  /** "A single connection is only valid for 24 hours": open the replacement first. */
  connectionLifetimeMs: 24 * 60 * 60 * 1000,
  /** The server sends a ping frame every 3 minutes… */
  serverPingIntervalMs: 3 * 60 * 1000,
  /** …and disconnects when no pong arrives within 10 minutes (`ws` answers pings itself). */
  pongDeadlineMs: 10 * 60 * 1000,
  /** Incoming client messages (SUBSCRIBE included) per second per connection. */
  maxClientMessagesPerSecond: 10,
  maxStreamsPerConnection: 1024,
  /** Per IP, third-party figure (nautilus_trader BINANCE_WS_CONNECTION_QUOTA). */
  maxConnectionsPer5MinPerIp: 300,
} as const;

/** `BTC`, `depth@100ms` → `btcusdt@depth@100ms` (stream names are lowercase). */
export function binanceStream(symbol: string, channel: string): string {
  return `${instrumentOf('binance', symbol).toLowerCase()}@${channel}`;
}

/**
 * Which base a stream lives on. Depth (any speed, partial or diff) and bookTicker are
 * "public"; the undocumented raw `trade` stream is routed to public by ccxt and
 * tardis-node (one ccxt PR says market). Everything else (aggTrade, markPrice,
 * forceOrder, `!forceOrder@arr`, klines, tickers) is "market".
 */
export function binanceCategoryOf(stream: string): BinanceWsCategory {
  const channel = binanceChannelOf(stream).channel;
  if (channel.startsWith('depth') || channel === 'bookTicker' || channel === 'trade') return 'public';
  return 'market';
}

export interface BinanceStreamPlanOptions {
  /** Also subscribe `<symbol>@bookTicker` (default false: ~200 msg/s per symbol). */
  readonly bookTicker?: boolean;
  /** Depth stream speed suffix (default `depth@100ms`). */
  readonly depthChannel?: string;
}

/** The streams moonstream subscribes for `symbols`, split by socket category. */
export function binanceStreamPlan(
  symbols: readonly string[],
  options: BinanceStreamPlanOptions = {},
): Readonly<Record<BinanceWsCategory, string[]>> {
  const plan: Record<BinanceWsCategory, string[]> = { public: [], market: [BINANCE_ALL_FORCE_ORDERS_STREAM] };
  for (const symbol of symbols) {
    plan.public.push(binanceStream(symbol, options.depthChannel ?? BINANCE_CHANNEL.depth));
    if (options.bookTicker) plan.public.push(binanceStream(symbol, BINANCE_CHANNEL.bookTicker));
    plan.market.push(binanceStream(symbol, BINANCE_CHANNEL.aggTrade), binanceStream(symbol, BINANCE_CHANNEL.markPrice));
  }
  return plan;
}

/** Combined-stream URL: frames arrive wrapped as `{"stream":…,"data":…}`. */
export function binanceCombinedUrl(category: BinanceWsCategory, streams: readonly string[], base = BINANCE_WS_BASES[category]): string {
  return `${base}/stream?streams=${streams.join('/')}`;
}

/** Raw-stream URL: frames arrive bare (only unambiguous with one stream per socket). */
export function binanceRawUrl(category: BinanceWsCategory, streams: readonly string[], base = BINANCE_WS_BASES[category]): string {
  return `${base}/ws/${streams.join('/')}`;
}

export interface BinanceRequest {
  readonly method: 'SUBSCRIBE' | 'UNSUBSCRIBE' | 'LIST_SUBSCRIPTIONS';
  readonly params?: readonly string[];
  readonly id: number;
}

/** `{"method":"SUBSCRIBE","params":[…],"id":1}`; the reply is `{"result":null,"id":1}`. */
export function binanceSubscribe(streams: readonly string[], id: number): BinanceRequest {
  return { method: 'SUBSCRIBE', params: [...streams], id };
}

export function binanceUnsubscribe(streams: readonly string[], id: number): BinanceRequest {
  return { method: 'UNSUBSCRIBE', params: [...streams], id };
}

/**
 * A stream name → its instrument and its envelope channel:
 * `btcusdt@depth@100ms` → `{instrument:'BTCUSDT', channel:'depth@100ms'}`,
 * `!forceOrder@arr` → `{channel:'forceOrder'}`.
 */
export function binanceChannelOf(stream: string): { readonly instrument?: string; readonly channel: string } {
  if (stream === BINANCE_ALL_FORCE_ORDERS_STREAM) return { channel: BINANCE_CHANNEL.forceOrder };
  const at = stream.indexOf('@');
  if (at < 0) return { channel: stream };
  return { instrument: stream.slice(0, at).toUpperCase(), channel: stream.slice(at + 1) };
}

/**
 * Control frames on a Binance socket (Binance's keepalive is WebSocket ping/pong control
 * frames, never JSON, so there is no JSON pong):
 * - `{"result":null,"id":1}` (and LIST_SUBSCRIPTIONS' `{"result":[…],"id":1}`): ack;
 * - `{"error":{"code":2,"msg":"Invalid request…"},"id":1}` or `{"code":0,"msg":"Unknown property","id":1}`: error.
 * Undefined for anything else (data frames).
 */
export function recognizeBinanceControl(frame: unknown): ControlFrame | undefined {
  if (!isObject(frame) || frame.e !== undefined || frame.stream !== undefined) return undefined;
  const id = typeof frame.id === 'number' || typeof frame.id === 'string' ? frame.id : undefined;
  if (isObject(frame.error)) {
    return { kind: 'error', text: `${String(frame.error.code)} ${String(frame.error.msg)}`, id };
  }
  if (typeof frame.code === 'number' && typeof frame.msg === 'string') {
    return { kind: 'error', text: `${frame.code} ${frame.msg}`, id };
  }
  if ('result' in frame && id !== undefined) {
    return { kind: 'ack', text: frame.result === null ? `request ${id} accepted` : JSON.stringify(frame.result), id };
  }
  return undefined;
}

// ---- REST (https://fapi.binance.com) ----

export const BINANCE_REST_PATH = {
  depth: '/fapi/v1/depth',
  openInterest: '/fapi/v1/openInterest',
  topAccountRatio: '/futures/data/topLongShortAccountRatio',
  topPositionRatio: '/futures/data/topLongShortPositionRatio',
  globalAccountRatio: '/futures/data/globalLongShortAccountRatio',
} as const;

/** REQUEST_WEIGHT per minute per IP; the window is the UTC clock minute (measured). */
export const BINANCE_REQUEST_WEIGHT_PER_MINUTE = 2400;

/** Depth limits the endpoint accepts. */
export const BINANCE_DEPTH_LIMITS = [5, 10, 20, 50, 100, 500, 1000] as const;

/** Request weight of `/fapi/v1/depth` by limit: 5–50 → 2, 100 → 5, 500 → 10, 1000 → 20. */
export function binanceDepthWeight(limit: number): number {
  if (limit <= 50) return 2;
  if (limit <= 100) return 5;
  if (limit <= 500) return 10;
  return 20;
}

/** The depth snapshot a Binance book resyncs from (step 3 of "How to manage a local order book"). */
export function binanceDepthRequest(symbol: string, limit = 1000): RestRequest {
  return {
    venue: 'binance',
    channel: REST_CHANNEL.depthSnapshot,
    baseUrl: BINANCE_REST_BASE,
    path: BINANCE_REST_PATH.depth,
    query: { symbol: instrumentOf('binance', symbol), limit },
    weight: binanceDepthWeight(limit),
  };
}

/** `openInterest` in the reply is in base asset (BTC for BTCUSDT). Weight 1. */
export function binanceOpenInterestRequest(symbol: string): RestRequest {
  return {
    venue: 'binance',
    channel: REST_CHANNEL.openInterest,
    baseUrl: BINANCE_REST_BASE,
    path: BINANCE_REST_PATH.openInterest,
    query: { symbol: instrumentOf('binance', symbol) },
    weight: 1,
  };
}

const RATIO_PATHS: Readonly<Record<TraderRatioKind, { readonly path: string; readonly channel: string }>> = {
  topAccount: { path: BINANCE_REST_PATH.topAccountRatio, channel: REST_CHANNEL.topAccountRatio },
  topPosition: { path: BINANCE_REST_PATH.topPositionRatio, channel: REST_CHANNEL.topPositionRatio },
  globalAccount: { path: BINANCE_REST_PATH.globalAccountRatio, channel: REST_CHANNEL.globalAccountRatio },
};

export type BinanceRatioPeriod = '5m' | '15m' | '30m' | '1h' | '2h' | '4h' | '6h' | '12h' | '1d';

export interface BinanceRatioOptions {
  /** Aggregation period (default `5m`). */
  readonly period?: BinanceRatioPeriod;
  /** Rows, newest last (default 1: a poller wants the latest; max 500). */
  readonly limit?: number;
}

/**
 * One of the three long/short ratio endpoints (public, "IP rate limit 1000
 * requests/5min"; the docs give weight 0 for two of them and none for the third).
 */
export function binanceRatioRequest(kind: TraderRatioKind, symbol: string, options: BinanceRatioOptions = {}): RestRequest {
  const { path, channel } = RATIO_PATHS[kind];
  return {
    venue: 'binance',
    channel,
    baseUrl: BINANCE_REST_BASE,
    path,
    query: { symbol: instrumentOf('binance', symbol), period: options.period ?? '5m', limit: options.limit ?? 1 },
    weight: 0,
  };
}
