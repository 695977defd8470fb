import { describe, expect, it } from 'vitest';
import { readVenueFixture } from '../fixtures.js';
import { createNormalizers } from '../index.js';
import { restUrl } from '../types.js';
import {
  BYBIT_KEEPALIVE,
  BYBIT_WS_LINEAR,
  bybitChannelOf,
  bybitOpenInterestRequest,
  bybitPing,
  bybitRestProblem,
  bybitSubscribe,
  bybitTopic,
  bybitTopics,
  recognizeBybitControl,
} from './connection.js';

describe('bybit connection facts', () => {
  it('connects to the public linear endpoint and pings every 20 s', () => {
    expect(BYBIT_WS_LINEAR).toBe('wss://stream.bybit.com/v5/public/linear');
    expect(BYBIT_KEEPALIVE.pingIntervalMs).toBe(20_000);
    expect(JSON.stringify(bybitPing())).toBe('{"op":"ping"}');
    expect(JSON.stringify(bybitPing('100001'))).toBe('{"req_id":"100001","op":"ping"}');
  });

  it('names topics channel.SYMBOL and subscribes them in one request', () => {
    expect(bybitTopic('orderbook.50', 'BTC')).toBe('orderbook.50.BTCUSDT');
    const topics = bybitTopics(['BTC']);
    expect(topics).toEqual(['allLiquidation.BTCUSDT', 'orderbook.50.BTCUSDT', 'publicTrade.BTCUSDT', 'tickers.BTCUSDT']);
    expect(JSON.stringify(bybitSubscribe(topics.slice(0, 1), 'a1'))).toBe('{"req_id":"a1","op":"subscribe","args":["allLiquidation.BTCUSDT"]}');
  });

  it('maps every topic to an envelope channel the normalizer handles', () => {
    const registry = createNormalizers();
    for (const topic of bybitTopics(['BTC', 'ETH'])) registry.normalize({ t: 1, v: 'bybit', c: bybitChannelOf(topic).channel, d: {} }, []);
    expect(registry.snapshot().dropped['bybit.unknown_channel']).toBeUndefined();
    expect(bybitChannelOf('orderbook.50.BTCUSDT')).toEqual({ channel: 'orderbook.50', instrument: 'BTCUSDT' });
  });

  it('recognizes acks, both pong shapes and rejected subscriptions, and nothing else', () => {
    const frames = readVenueFixture('bybit/control.jsonl').envelopes.map((e) => recognizeBybitControl(e.d));
    expect(frames).toEqual([
      { kind: 'ack', text: 'subscribe accepted', id: undefined },
      { kind: 'pong', text: 'pong', id: undefined },
      { kind: 'pong', text: 'pong', id: undefined },
      { kind: 'error', text: 'error:handler not found,topic:liquidation.BTCUSDT', id: undefined },
    ]);
    for (const e of readVenueFixture('bybit/tickers.jsonl').envelopes) expect(recognizeBybitControl(e.d)).toBeUndefined();
  });

  it('describes the open-interest poll', () => {
    const request = bybitOpenInterestRequest('BTC');
    expect(restUrl(request)).toBe('https://api.bybit.com/v5/market/open-interest?category=linear&symbol=BTCUSDT&intervalTime=5min&limit=1');
    expect(request).toMatchObject({ venue: 'bybit', channel: 'rest.openInterest', query: { category: 'linear', symbol: 'BTCUSDT', intervalTime: '5min', limit: 1 } });
  });
});

describe('bybit REST bodies', () => {
  it('reads retCode 0 as success and anything else as a problem naming retCode and retMsg (the connector pauses on it)', () => {
    // the documented open-interest example's envelope (VENUES.md, /v5/market/open-interest)
    expect(bybitRestProblem({ retCode: 0, retMsg: 'OK', result: { symbol: 'BTCUSD', category: 'inverse', list: [] } })).toBeUndefined();
    expect(bybitRestProblem({ retCode: 10001, retMsg: 'params error' })).toBe('retCode 10001 params error');
    expect(bybitRestProblem({ retMsg: 'no code' })).toBe('retCode undefined no code');
    expect(bybitRestProblem('<html>')).toBe('not a JSON object');
  });
});
