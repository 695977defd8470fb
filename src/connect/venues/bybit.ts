/**
 * Bybit v5 public linear as the connection layer sees it (src/venues/bybit/connection.ts,
 * VENUES.md 2.1 and 2.7):
 *
 * - one socket `bybit.public`: allLiquidation, orderbook.50, publicTrade and tickers per
 *   symbol, one subscribe request per topic so a rejected topic is named exactly
 *   (Bybit answers `success:false` with `ret_msg` naming it);
 * - keepalive `{"op":"ping"}` every 20 s; the linear pong comes back as `op:"ping"`
 *   with `ret_msg:"pong"` (the recognizer accepts both shapes); no reply in 10 s
 *   reconnects;
 * - watchdog on orderbook.50 and tickers (pushed every 20/100 ms while anything
 *   changes) and, more leniently, publicTrade; never on allLiquidation;
 * - no planned rotation (Bybit documents no forced disconnect), so no ordering keys;
 * - a book resync resubscribes `orderbook.50.<SYM>` (unsubscribe, subscribe: the first
 *   push is a snapshot);
 * - REST: `retCode` ≠ 0 in a 200 body is a failure; 403 ("access too frequent") pauses
 *   every request for 10 minutes, as Bybit asks.
 */

import type { PollSpec, RestVenueSpec } from '../rest.js';
import type { FrameInfo, SocketSpec, SubscribeRequest } from '../socket-spec.js';
import {
  BYBIT_CHANNEL,
  BYBIT_DEFAULT_CHANNELS,
  BYBIT_KEEPALIVE,
  bybitChannelOf,
  bybitOpenInterestRequest,
  bybitPing,
  bybitRestProblem,
  bybitSubscribe,
  bybitTopic,
  bybitUnsubscribe,
  recognizeBybitControl,
} from '../../venues/bybit/connection.js';
import { parseFrameObject, POLL_EVERY, toConnectRequest, type PollIntervals } from './common.js';

export interface BybitSocketOptions {
  readonly symbols: readonly string[];
  /** `wss://stream.bybit.com/v5/public/linear` (or an override). */
  readonly url: string;
}

export const BYBIT_WATCHDOG = {
  orderbook: 30_000,
  tickers: 30_000,
  publicTrade: 120_000,
} as const;

export function bybitSocketSpec(options: BybitSocketOptions): SocketSpec {
  const topics: string[] = [];
  for (const symbol of options.symbols) for (const channel of BYBIT_DEFAULT_CHANNELS) topics.push(bybitTopic(channel, symbol));
  return {
    venue: 'bybit',
    name: 'bybit.public',
    url: options.url,
    symbols: options.symbols,
    subscribe: () => topics.map((topic) => bybitRequest('subscribe', topic, `sub.${topic}`)),
    classify: bybitClassifier(),
    keepalive: { kind: 'interval', everyMs: BYBIT_KEEPALIVE.pingIntervalMs, message: JSON.stringify(bybitPing()), replyTimeoutMs: 10_000 },
    watchdog: {
      [BYBIT_CHANNEL.orderbook]: BYBIT_WATCHDOG.orderbook,
      [BYBIT_CHANNEL.tickers]: BYBIT_WATCHDOG.tickers,
      [BYBIT_CHANNEL.publicTrade]: BYBIT_WATCHDOG.publicTrade,
    },
    // Bybit documents no client message limit on public sockets; stay modest anyway.
    maxClientMessagesPerSecond: 10,
  };
}

function bybitRequest(op: 'subscribe' | 'unsubscribe', topic: string, id: string): SubscribeRequest {
  const request = op === 'subscribe' ? bybitSubscribe([topic], id) : bybitUnsubscribe([topic], id);
  return { id, message: JSON.stringify(request), streams: [topic] };
}

/** Unsubscribe, then subscribe the symbol's book topic: Bybit's first push after a subscribe is a snapshot. */
export function bybitBookResubscribe(symbol: string, sequence: number): SubscribeRequest[] {
  const topic = bybitTopic(BYBIT_CHANNEL.orderbook, symbol);
  return [bybitRequest('unsubscribe', topic, `unsub${sequence}.${topic}`), bybitRequest('subscribe', topic, `resub${sequence}.${topic}`)];
}

/** Data frames carry `topic` (channel = the topic without its symbol); acks, pongs and errors carry `op`. */
export function bybitClassifier(): (text: string, info: FrameInfo) => void {
  const channels = new Map<string, string>();
  return (text, info) => {
    const value = parseFrameObject(text, info);
    if (value === undefined) return;
    info.parsed = value;
    const topic = value.topic;
    if (typeof topic === 'string') {
      let channel = channels.get(topic);
      if (channel === undefined) {
        channel = bybitChannelOf(topic).channel;
        if (channels.size < 4096) channels.set(topic, channel);
      }
      info.kind = 'data';
      info.channel = channel;
      return;
    }
    const control = recognizeBybitControl(value);
    if (control === undefined) {
      info.text = 'unexpected frame shape';
      return;
    }
    info.id = control.id === undefined ? '' : String(control.id);
    info.text = control.text;
    info.kind = control.kind === 'notice' ? 'control' : control.kind;
  };
}

/** 403 means "access too frequent: wait at least 10 minutes". */
export function bybitRestSpec(baseUrl: string): RestVenueSpec {
  return {
    venue: 'bybit',
    baseUrl,
    pauseOnStatus: { 429: 60_000, 403: 10 * 60_000 },
    bodyProblem: bybitRestProblem,
  };
}

/** Open interest every 15 s per symbol (`/v5/market/open-interest`, single side read by the normalizer). */
export function bybitPolls(symbols: readonly string[], every: PollIntervals = POLL_EVERY): PollSpec[] {
  return symbols.map((symbol) => ({ venue: 'bybit', request: toConnectRequest(bybitOpenInterestRequest(symbol)), everyMs: every.openInterestMs }));
}
