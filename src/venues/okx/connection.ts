/**
 * OKX v5 public (swap): connection facts as pure data and functions, for the live
 * connectors and pollers (../shared/VENUES.md section 3). No sockets here.
 */

import { instrumentOf } from '../../events.js';
import { isObject } from '../parse.js';
import { REST_CHANNEL } from '../rest-channels.js';
import type { ControlFrame, RestRequest } from '../types.js';

export const OKX_WS_PUBLIC = 'wss://ws.okx.com:8443/ws/v5/public';
/** Candles (mark-price candles included) live here, not on /public. */
export const OKX_WS_BUSINESS = 'wss://ws.okx.com:8443/ws/v5/business';
export const OKX_WS_PUBLIC_DEMO = 'wss://wspap.okx.com:8443/ws/v5/public';
export const OKX_REST_BASE = 'https://www.okx.com';

/** Envelope channel names (OKX's own channel names). */
export const OKX_CHANNEL = {
  liquidationOrders: 'liquidation-orders',
  books: 'books',
  books5: 'books5',
  trades: 'trades',
  fundingRate: 'funding-rate',
  openInterest: 'open-interest',
  markPrice: 'mark-price',
} as const;

/** Per-instrument channels moonstream subscribes (liquidations are per instType, see below). */
export const OKX_DEFAULT_CHANNELS: readonly string[] = [
  OKX_CHANNEL.books,
  OKX_CHANNEL.trades,
  OKX_CHANNEL.fundingRate,
  OKX_CHANNEL.openInterest,
  OKX_CHANNEL.markPrice,
];

export const OKX_KEEPALIVE = {
  /** The text frame (not JSON) a client sends when idle; the answer is the text `pong`. */
  ping: 'ping',
  pong: 'pong',
  /** Send `ping` after this long without any frame (OKX: "N seconds … N less than 30"). */
  idlePingMs: 25_000,
  /** The server cuts a connection with no subscription or no data for 30 s. */
  serverIdleCutoffMs: 30_000,
} as const;

export const OKX_LIMITS = {
  connectionsPerSecondPerIp: 3,
  /** subscribe/unsubscribe/login requests per connection per hour. */
  subscribeRequestsPerHour: 480,
  /** Total length of one request's channels. */
  maxArgsBytes: 64 * 1024,
  /** OKX recommends fewer than 30 `books` (50/400-level) channels per connection. */
  recommendedMaxBookChannelsPerConnection: 30,
  /** OKX service-upgrade notice: the connection will be closed; reconnect. */
  serviceRestartNoticeCode: '64008',
} as const;

export type OkxSubscriptionArg =
  | { readonly channel: string; readonly instId: string }
  | { readonly channel: string; readonly instType: 'SWAP' | 'FUTURES' | 'MARGIN' | 'OPTION' };

/** `BTC`, `books` → `{channel:'books', instId:'BTC-USDT-SWAP'}`. */
export function okxArg(channel: string, symbol: string): OkxSubscriptionArg {
  return { channel, instId: instrumentOf('okx', symbol) };
}

/** Every swap's liquidations in one subscription. */
export const OKX_LIQUIDATIONS_ARG: OkxSubscriptionArg = { channel: OKX_CHANNEL.liquidationOrders, instType: 'SWAP' };

/** The subscription args for `symbols` × `channels`, plus the one `liquidation-orders` (SWAP). */
export function okxArgs(symbols: readonly string[], channels: readonly string[] = OKX_DEFAULT_CHANNELS): OkxSubscriptionArg[] {
  const args: OkxSubscriptionArg[] = [OKX_LIQUIDATIONS_ARG];
  for (const symbol of symbols) for (const channel of channels) args.push(okxArg(channel, symbol));
  return args;
}

export interface OkxRequest {
  readonly id?: string;
  readonly op: 'subscribe' | 'unsubscribe';
  readonly args: readonly OkxSubscriptionArg[];
}

/** `{"id":"1512","op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT-SWAP"}]}` (`id` optional). */
export function okxSubscribe(args: readonly OkxSubscriptionArg[], id?: string): OkxRequest {
  return id === undefined ? { op: 'subscribe', args: [...args] } : { id, op: 'subscribe', args: [...args] };
}

export function okxUnsubscribe(args: readonly OkxSubscriptionArg[], id?: string): OkxRequest {
  return id === undefined ? { op: 'unsubscribe', args: [...args] } : { id, op: 'unsubscribe', args: [...args] };
}

/**
 * A data frame's envelope channel and instrument: `{"arg":{"channel":"books","instId":…}}`
 * → `{channel:'books', instrument:'BTC-USDT-SWAP'}`; undefined for control frames.
 */
export function okxChannelOf(frame: unknown): { readonly channel: string; readonly instrument?: string } | undefined {
  if (!isObject(frame) || frame.event !== undefined || !isObject(frame.arg) || typeof frame.arg.channel !== 'string') return undefined;
  return typeof frame.arg.instId === 'string' ? { channel: frame.arg.channel, instrument: frame.arg.instId } : { channel: frame.arg.channel };
}

function argText(arg: unknown): string {
  if (!isObject(arg)) return '';
  const target = arg.instId ?? arg.instType ?? arg.instFamily;
  return target === undefined ? String(arg.channel) : `${String(arg.channel)}:${String(target)}`;
}

/**
 * Control frames on an OKX socket. Recognises the raw text `pong` (check it before
 * `JSON.parse`: it is not JSON) as well as the parsed string `"pong"`:
 * - `{"event":"subscribe"|"unsubscribe","arg":{…},"connId":…}`: ack;
 * - `{"event":"error","code":"60012","msg":"Invalid request: …"}`: error;
 * - `{"event":"notice","code":"64008",…}` (service restart coming) and
 *   `{"event":"channel-conn-count",…}`: notice.
 * Undefined for data frames.
 */
export function recognizeOkxControl(frame: unknown): ControlFrame | undefined {
  if (frame === OKX_KEEPALIVE.pong) return { kind: 'pong', text: 'pong' };
  if (!isObject(frame) || typeof frame.event !== 'string') return undefined;
  const id = typeof frame.id === 'string' && frame.id !== '' ? frame.id : undefined;
  const message = `${frame.code === undefined ? '' : `${String(frame.code)} `}${typeof frame.msg === 'string' ? frame.msg : ''}`.trim();
  switch (frame.event) {
    case 'subscribe':
    case 'unsubscribe':
    case 'login':
      return { kind: 'ack', text: `${frame.event} ${argText(frame.arg)}`.trim(), id };
    case 'error':
    case 'channel-conn-count-error':
      return { kind: 'error', text: message || frame.event, id };
    default:
      return { kind: 'notice', text: message || frame.event, id };
  }
}

// ---- REST (https://www.okx.com) ----

export const OKX_REST_PATH = {
  openInterest: '/api/v5/public/open-interest',
  instruments: '/api/v5/public/instruments',
} as const;

/** "20 requests per 2 seconds", per IP and instrument. */
export const OKX_OPEN_INTEREST_RATE_LIMIT = { requests: 20, perMs: 2000 } as const;

/** `GET /api/v5/public/open-interest?instType=SWAP&instId=BTC-USDT-SWAP`; the normalizer reads `oiCcy` (coins), never `oi` (contracts). */
export function okxOpenInterestRequest(symbol: string): RestRequest {
  return {
    venue: 'okx',
    channel: REST_CHANNEL.openInterest,
    baseUrl: OKX_REST_BASE,
    path: OKX_REST_PATH.openInterest,
    query: { instType: 'SWAP', instId: instrumentOf('okx', symbol) },
  };
}

/** `GET /api/v5/public/instruments?instType=SWAP`: every swap's `ctVal`; record it so replays size contracts the same way. */
export function okxInstrumentsRequest(): RestRequest {
  return {
    venue: 'okx',
    channel: REST_CHANNEL.instruments,
    baseUrl: OKX_REST_BASE,
    path: OKX_REST_PATH.instruments,
    query: { instType: 'SWAP' },
  };
}
