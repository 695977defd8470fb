/**
 * OKX v5 public (swap) as the connection layer sees it (src/venues/okx/connection.ts,
 * VENUES.md 3.1 and 3.6):
 *
 * - one socket `okx.public`: `liquidation-orders` for instType SWAP, and books, trades,
 *   funding-rate, open-interest and mark-price per instrument, one subscribe request per
 *   symbol (OKX allows 480 subscribe requests per connection and hour) — OKX acks each
 *   argument separately, echoing the request id;
 * - keepalive: the text `ping` after 25 s without any frame, expecting the text `pong`
 *   within 5 s (OKX cuts a connection silent for 30 s);
 * - the service-upgrade notice 64008 rotates to a new connection before OKX closes the
 *   old one, lossless by the ordering keys books `seqId`, trades `tradeId` and the `ts`
 *   of mark-price, open-interest and funding-rate (liquidations are de-duplicated by
 *   the normalizer, so they need none);
 * - watchdog on books, mark-price (pushed at least every 10 s) and, leniently, trades;
 * - a book resync resubscribes `books` of the instrument (the first push is a snapshot);
 * - REST: `code` ≠ "0" in a 200 body is a failure.
 */

import type { PollSpec, RestVenueSpec } from '../rest.js';
import type { FrameInfo, SocketSpec, SubscribeRequest } from '../socket-spec.js';
import {
  OKX_CHANNEL,
  OKX_DEFAULT_CHANNELS,
  OKX_KEEPALIVE,
  OKX_LIMITS,
  OKX_LIQUIDATIONS_ARG,
  okxArg,
  okxInstrumentsRequest,
  okxOpenInterestRequest,
  okxSubscribe,
  okxUnsubscribe,
  recognizeOkxControl,
  type OkxSubscriptionArg,
} from '../../venues/okx/connection.js';
import { isObject } from '../../venues/parse.js';
import { parseFrameObject, POLL_EVERY, toConnectRequest, type PollIntervals } from './common.js';

export interface OkxSocketOptions {
  readonly symbols: readonly string[];
  /** `wss://ws.okx.com:8443/ws/v5/public` (or an override). */
  readonly url: string;
}

export const OKX_WATCHDOG = {
  books: 60_000,
  markPrice: 30_000,
  trades: 120_000,
} as const;

export function okxSocketSpec(options: OkxSocketOptions): SocketSpec {
  const requests: SubscribeRequest[] = [okxRequest('subscribe', [OKX_LIQUIDATIONS_ARG], 'subliq')];
  for (const symbol of options.symbols) {
    requests.push(okxRequest('subscribe', OKX_DEFAULT_CHANNELS.map((channel) => okxArg(channel, symbol)), `sub${symbol}`));
  }
  return {
    venue: 'okx',
    name: 'okx.public',
    url: options.url,
    symbols: options.symbols,
    subscribe: () => requests,
    classify: okxClassifier(),
    orderKey: okxOrderKey,
    keepalive: { kind: 'idle', idleMs: OKX_KEEPALIVE.idlePingMs, message: OKX_KEEPALIVE.ping, replyTimeoutMs: 5_000 },
    watchdog: {
      [OKX_CHANNEL.books]: OKX_WATCHDOG.books,
      [OKX_CHANNEL.markPrice]: OKX_WATCHDOG.markPrice,
      [OKX_CHANNEL.trades]: OKX_WATCHDOG.trades,
    },
    maxClientMessagesPerSecond: 3,
  };
}

function argName(arg: OkxSubscriptionArg): string {
  return 'instId' in arg ? `${arg.channel}:${arg.instId}` : `${arg.channel}:${arg.instType}`;
}

function okxRequest(op: 'subscribe' | 'unsubscribe', args: readonly OkxSubscriptionArg[], id: string): SubscribeRequest {
  const request = op === 'subscribe' ? okxSubscribe(args, id) : okxUnsubscribe(args, id);
  return { id, message: JSON.stringify(request), streams: args.map(argName) };
}

/** Unsubscribe, then subscribe the instrument's `books`: OKX's first push after a subscribe is a snapshot. */
export function okxBookResubscribe(symbol: string, sequence: number): SubscribeRequest[] {
  const arg = okxArg(OKX_CHANNEL.books, symbol);
  return [okxRequest('unsubscribe', [arg], `unsub${sequence}`), okxRequest('subscribe', [arg], `resub${sequence}`)];
}

/**
 * The text `pong` before any parsing; data frames carry `arg` and `data` (channel =
 * `arg.channel`); `event` frames are acks, errors and notices, the 64008 notice a rotation.
 */
export function okxClassifier(): (text: string, info: FrameInfo) => void {
  return (text, info) => {
    if (text === OKX_KEEPALIVE.pong) {
      info.kind = 'pong';
      info.parsed = OKX_KEEPALIVE.pong;
      return;
    }
    const value = parseFrameObject(text, info);
    if (value === undefined) return;
    info.parsed = value;
    const arg = value.arg;
    if (value.event === undefined && isObject(arg) && typeof arg.channel === 'string' && Array.isArray(value.data)) {
      info.kind = 'data';
      info.channel = arg.channel;
      return;
    }
    const control = recognizeOkxControl(value);
    if (control === undefined) {
      info.text = 'unexpected frame shape';
      return;
    }
    info.id = control.id === undefined ? '' : String(control.id);
    info.text = control.text;
    if (control.kind === 'notice') info.kind = String(value.code) === OKX_LIMITS.serviceRestartNoticeCode ? 'rotate' : 'control';
    else info.kind = control.kind;
  };
}

/** books `seqId`, trades `tradeId` (of the last row), mark-price / open-interest / funding-rate `ts`; per channel and instrument. */
export function okxOrderKey(_text: string, info: FrameInfo): boolean {
  const frame = info.parsed as { arg: Record<string, unknown>; data: unknown[] };
  const rows = frame.data;
  const row = rows[info.channel === OKX_CHANNEL.trades ? rows.length - 1 : 0];
  if (!isObject(row)) return false;
  let key: number;
  switch (info.channel) {
    case OKX_CHANNEL.books:
      key = typeof row.seqId === 'number' ? row.seqId : Number.NaN;
      break;
    case OKX_CHANNEL.trades:
      key = typeof row.tradeId === 'string' && row.tradeId !== '' ? Number(row.tradeId) : Number.NaN;
      break;
    case OKX_CHANNEL.markPrice:
    case OKX_CHANNEL.openInterest:
    case OKX_CHANNEL.fundingRate:
      key = typeof row.ts === 'string' && row.ts !== '' ? Number(row.ts) : Number.NaN;
      break;
    default:
      return false;
  }
  if (!Number.isFinite(key) || typeof frame.arg.instId !== 'string') return false;
  info.stream = `${info.channel}:${frame.arg.instId}`;
  info.key = key;
  return true;
}

export function okxRestSpec(baseUrl: string): RestVenueSpec {
  return {
    venue: 'okx',
    baseUrl,
    pauseOnStatus: { 429: 10_000 },
    bodyProblem: (body) => {
      if (!isObject(body)) return 'not a JSON object';
      return body.code === '0' || body.code === 0 ? undefined : `code ${String(body.code)} ${String(body.msg ?? '')}`.trim();
    },
  };
}

/** Open interest every 15 s per instrument (`oiCcy` read by the normalizer), contract values hourly (first at start). */
export function okxPolls(symbols: readonly string[], every: PollIntervals = POLL_EVERY): PollSpec[] {
  const polls: PollSpec[] = [{ venue: 'okx', request: toConnectRequest(okxInstrumentsRequest()), everyMs: every.instrumentsMs }];
  for (const symbol of symbols) polls.push({ venue: 'okx', request: toConnectRequest(okxOpenInterestRequest(symbol)), everyMs: every.openInterestMs });
  return polls;
}
