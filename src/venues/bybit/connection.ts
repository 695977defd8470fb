/**
 * Bybit v5 public linear: connection facts as pure data and functions, for the live
 * connectors and pollers (../shared/VENUES.md section 2). No sockets here.
 */

import { instrumentOf } from '../../events.js';
import { isObject } from '../parse.js';
import { REST_CHANNEL } from '../rest-channels.js';
import type { ControlFrame, RestRequest } from '../types.js';

export const BYBIT_WS_LINEAR = 'wss://stream.bybit.com/v5/public/linear';
export const BYBIT_WS_LINEAR_TESTNET = 'wss://stream-testnet.bybit.com/v5/public/linear';
export const BYBIT_REST_BASE = 'https://api.bybit.com';

/** Envelope channel names: the topic without its `.SYMBOL` suffix. */
export const BYBIT_CHANNEL = {
  /** Every liquidation, batched every 500 ms (added 2025-02-20). */
  allLiquidation: 'allLiquidation',
  /**
   * The old one-per-second topic: deprecated 2025-02-20, rejected by the server since
   * 2026 ("handler not found"). Normalized for old captures; never subscribe to it.
   */
  liquidation: 'liquidation',
  orderbook: 'orderbook.50',
  publicTrade: 'publicTrade',
  tickers: 'tickers',
} as const;

/** What moonstream subscribes per symbol. */
export const BYBIT_DEFAULT_CHANNELS: readonly string[] = [
  BYBIT_CHANNEL.allLiquidation,
  BYBIT_CHANNEL.orderbook,
  BYBIT_CHANNEL.publicTrade,
  BYBIT_CHANNEL.tickers,
];

export const BYBIT_KEEPALIVE = {
  /** Bybit recommends a `{"op":"ping"}` every 20 seconds. */
  pingIntervalMs: 20_000,
  /** "if there is no ping-pong and no stream data … the connection will be cut off after 10 minutes". */
  serverIdleCutoffMs: 10 * 60 * 1000,
} as const;

export const BYBIT_LIMITS = {
  /** Characters of one subscribe request's `args` array on a public connection. */
  maxArgsChars: 21_000,
  maxConnectionsPer5MinPerDomain: 500,
  /** REST requests per 5 s per IP ("403, access too frequent": wait ≥ 10 minutes). */
  maxRestRequestsPer5sPerIp: 600,
} as const;

/** `orderbook.50`, `BTC` → `orderbook.50.BTCUSDT`. */
export function bybitTopic(channel: string, symbol: string): string {
  return `${channel}.${instrumentOf('bybit', symbol)}`;
}

/** Every topic for `symbols` × `channels` (default: allLiquidation, orderbook.50, publicTrade, tickers). */
export function bybitTopics(symbols: readonly string[], channels: readonly string[] = BYBIT_DEFAULT_CHANNELS): string[] {
  const topics: string[] = [];
  for (const symbol of symbols) for (const channel of channels) topics.push(bybitTopic(channel, symbol));
  return topics;
}

/** `orderbook.50.BTCUSDT` → `{channel:'orderbook.50', instrument:'BTCUSDT'}` (the envelope's `c`). */
export function bybitChannelOf(topic: string): { readonly channel: string; readonly instrument?: string } {
  const dot = topic.lastIndexOf('.');
  if (dot < 0) return { channel: topic };
  return { channel: topic.slice(0, dot), instrument: topic.slice(dot + 1) };
}

export interface BybitRequest {
  readonly req_id?: string;
  readonly op: 'subscribe' | 'unsubscribe' | 'ping';
  readonly args?: readonly string[];
}

/** `{"req_id":"…","op":"subscribe","args":["orderbook.50.BTCUSDT",…]}` (`req_id` optional). */
export function bybitSubscribe(topics: readonly string[], reqId?: string): BybitRequest {
  return reqId === undefined ? { op: 'subscribe', args: [...topics] } : { req_id: reqId, op: 'subscribe', args: [...topics] };
}

export function bybitUnsubscribe(topics: readonly string[], reqId?: string): BybitRequest {
  return reqId === undefined ? { op: 'unsubscribe', args: [...topics] } : { req_id: reqId, op: 'unsubscribe', args: [...topics] };
}

/** The application-level keepalive, sent every {@link BYBIT_KEEPALIVE}.pingIntervalMs. */
export function bybitPing(reqId?: string): BybitRequest {
  return reqId === undefined ? { op: 'ping' } : { req_id: reqId, op: 'ping' };
}

/**
 * Control frames on a Bybit socket:
 * - pong: linear/inverse echo `{"success":true,"ret_msg":"pong","op":"ping",…}`; option
 *   and private sockets answer `{"op":"pong",…}`;
 * - ack: `{"success":true,"ret_msg":"","op":"subscribe",…}`;
 * - error: `"success":false`, e.g. `ret_msg: "error:handler not found,topic:liquidation.BTCUSDT"`.
 * Undefined for data frames (they carry `topic`).
 */
export function recognizeBybitControl(frame: unknown): ControlFrame | undefined {
  if (!isObject(frame) || frame.topic !== undefined || typeof frame.op !== 'string') return undefined;
  const text = typeof frame.ret_msg === 'string' ? frame.ret_msg : '';
  const id = typeof frame.req_id === 'string' && frame.req_id !== '' ? frame.req_id : undefined;
  if (frame.success === false) return { kind: 'error', text: text || `${frame.op} failed`, id };
  if (frame.op === 'pong' || (frame.op === 'ping' && text === 'pong')) return { kind: 'pong', text: 'pong', id };
  if (frame.op === 'subscribe' || frame.op === 'unsubscribe') return { kind: 'ack', text: `${frame.op} accepted`, id };
  return undefined;
}

// ---- REST (https://api.bybit.com) ----

/**
 * What is wrong with a v5 REST body, undefined when nothing: every body carries
 * `retCode` (0 = OK) and `retMsg` (`{"retCode":0,"retMsg":"OK","result":{…}}`, VENUES.md).
 */
export function bybitRestProblem(body: unknown): string | undefined {
  if (!isObject(body)) return 'not a JSON object';
  return body.retCode === 0 ? undefined : `retCode ${String(body.retCode)} ${String(body.retMsg ?? '')}`.trim();
}

export const BYBIT_REST_PATH = {
  openInterest: '/v5/market/open-interest',
} as const;

export type BybitOpenInterestInterval = '5min' | '15min' | '30min' | '1h' | '4h' | '1d';

export interface BybitOpenInterestOptions {
  /** Default `5min`. */
  readonly intervalTime?: BybitOpenInterestInterval;
  /** Rows, newest first (default 1; 1–200). */
  readonly limit?: number;
}

/**
 * `GET /v5/market/open-interest?category=linear&symbol=BTCUSDT&intervalTime=5min&limit=1`.
 * `openInterest` is "the sum of both sides" (base asset for linear); the normalizer uses
 * `singleOpenInterest`, or half of `openInterest` where it is absent.
 */
export function bybitOpenInterestRequest(symbol: string, options: BybitOpenInterestOptions = {}): RestRequest {
  return {
    venue: 'bybit',
    channel: REST_CHANNEL.openInterest,
    baseUrl: BYBIT_REST_BASE,
    path: BYBIT_REST_PATH.openInterest,
    query: {
      category: 'linear',
      symbol: instrumentOf('bybit', symbol),
      intervalTime: options.intervalTime ?? '5min',
      limit: options.limit ?? 1,
    },
  };
}
