import { describe, expect, it } from 'vitest';
import { readVenueFixture } from '../fixtures.js';
import { createNormalizers } from '../index.js';
import { restUrl } from '../types.js';
import {
  OKX_KEEPALIVE,
  OKX_WS_PUBLIC,
  okxArgs,
  okxChannelOf,
  okxInstrumentsRequest,
  okxOpenInterestRequest,
  okxSubscribe,
  recognizeOkxControl,
} from './connection.js';

describe('okx connection facts', () => {
  it('connects to the public endpoint and pings with the text "ping" when idle 25 s', () => {
    expect(OKX_WS_PUBLIC).toBe('wss://ws.okx.com:8443/ws/v5/public');
    expect(OKX_KEEPALIVE.ping).toBe('ping');
    expect(OKX_KEEPALIVE.idlePingMs).toBe(25_000);
    expect(OKX_KEEPALIVE.idlePingMs).toBeLessThan(OKX_KEEPALIVE.serverIdleCutoffMs);
  });

  it('subscribes liquidations per instType and the rest per instrument', () => {
    const args = okxArgs(['BTC']);
    expect(args).toEqual([
      { channel: 'liquidation-orders', instType: 'SWAP' },
      { channel: 'books', instId: 'BTC-USDT-SWAP' },
      { channel: 'trades', instId: 'BTC-USDT-SWAP' },
      { channel: 'funding-rate', instId: 'BTC-USDT-SWAP' },
      { channel: 'open-interest', instId: 'BTC-USDT-SWAP' },
      { channel: 'mark-price', instId: 'BTC-USDT-SWAP' },
    ]);
    expect(JSON.stringify(okxSubscribe(args.slice(0, 2), '1512'))).toBe(
      '{"id":"1512","op":"subscribe","args":[{"channel":"liquidation-orders","instType":"SWAP"},{"channel":"books","instId":"BTC-USDT-SWAP"}]}',
    );
  });

  it('maps every subscribed channel to an envelope channel the normalizer handles', () => {
    const registry = createNormalizers();
    for (const arg of okxArgs(['BTC'], ['books', 'books5', 'trades', 'funding-rate', 'open-interest', 'mark-price'])) {
      registry.normalize({ t: 1, v: 'okx', c: arg.channel, d: {} }, []);
    }
    expect(registry.snapshot().dropped['okx.unknown_channel']).toBeUndefined();
    const trade = readVenueFixture('okx/trades.jsonl').envelopes[0]!.d;
    expect(okxChannelOf(trade)).toEqual({ channel: 'trades', instrument: 'BTC-USDT-SWAP' });
    expect(okxChannelOf(readVenueFixture('okx/liquidation-orders.jsonl').envelopes[1]!.d)).toEqual({ channel: 'liquidation-orders' });
    expect(okxChannelOf('pong')).toBeUndefined();
  });

  it('recognizes the text pong, acks, errors and notices, and nothing else', () => {
    const frames = readVenueFixture('okx/control.jsonl').envelopes.map((e) => recognizeOkxControl(e.d));
    expect(frames).toMatchObject([
      { kind: 'pong', text: 'pong' },
      { kind: 'ack', text: 'subscribe liquidation-orders:SWAP', id: '1512' },
      { kind: 'error', id: '1512' },
      { kind: 'notice', text: '64008 The connection will soon be closed for a service upgrade. Please reconnect.' },
    ]);
    expect(frames[2]!.text.startsWith('60012 Invalid request:')).toBe(true);
    for (const e of readVenueFixture('okx/books.jsonl').envelopes) expect(recognizeOkxControl(e.d)).toBeUndefined();
    expect(recognizeOkxControl('ping')).toBeUndefined();
  });

  it('describes the open-interest and instruments requests', () => {
    expect(restUrl(okxOpenInterestRequest('BTC'))).toBe('https://www.okx.com/api/v5/public/open-interest?instType=SWAP&instId=BTC-USDT-SWAP');
    expect(okxOpenInterestRequest('ETH')).toMatchObject({ venue: 'okx', channel: 'rest.openInterest', query: { instType: 'SWAP', instId: 'ETH-USDT-SWAP' } });
    expect(restUrl(okxInstrumentsRequest())).toBe('https://www.okx.com/api/v5/public/instruments?instType=SWAP');
    expect(okxInstrumentsRequest().channel).toBe('rest.instruments');
  });
});
