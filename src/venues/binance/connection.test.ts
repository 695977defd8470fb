import { describe, expect, it } from 'vitest';
import { readVenueFixture } from '../fixtures.js';
import { createNormalizers } from '../index.js';
import { restUrl } from '../types.js';
import {
  BINANCE_WS_LEGACY,
  binanceCategoryOf,
  binanceChannelOf,
  binanceCombinedUrl,
  binanceDepthRequest,
  binanceDepthWeight,
  binanceOpenInterestRequest,
  binanceRatioRequest,
  binanceRawUrl,
  binanceStream,
  binanceStreamPlan,
  binanceSubscribe,
  recognizeBinanceControl,
} from './connection.js';

describe('binance connection facts', () => {
  it('names streams in lowercase after the instrument', () => {
    expect(binanceStream('BTC', 'depth@100ms')).toBe('btcusdt@depth@100ms');
    expect(binanceStream('ETH', 'markPrice@1s')).toBe('ethusdt@markPrice@1s');
  });

  it('splits the plan by the 2026 URL categories: depth on /public, the rest on /market', () => {
    const plan = binanceStreamPlan(['BTC', 'ETH']);
    expect(plan.public).toEqual(['btcusdt@depth@100ms', 'ethusdt@depth@100ms']);
    expect(plan.market).toEqual(['!forceOrder@arr', 'btcusdt@aggTrade', 'btcusdt@markPrice@1s', 'ethusdt@aggTrade', 'ethusdt@markPrice@1s']);
    for (const stream of plan.public) expect(binanceCategoryOf(stream)).toBe('public');
    for (const stream of plan.market) expect(binanceCategoryOf(stream)).toBe('market');
    expect(binanceStreamPlan(['SOL'], { bookTicker: true }).public).toEqual(['solusdt@depth@100ms', 'solusdt@bookTicker']);
    expect(binanceCategoryOf('btcusdt@trade')).toBe('public');
    expect(binanceCategoryOf('btcusdt@forceOrder')).toBe('market');
  });

  it('builds combined and raw URLs on the new bases, never the retired /ws', () => {
    const plan = binanceStreamPlan(['BTC']);
    const publicUrl = binanceCombinedUrl('public', plan.public);
    const marketUrl = binanceCombinedUrl('market', plan.market);
    expect(publicUrl).toBe('wss://fstream.binance.com/public/stream?streams=btcusdt@depth@100ms');
    expect(marketUrl).toBe('wss://fstream.binance.com/market/stream?streams=!forceOrder@arr/btcusdt@aggTrade/btcusdt@markPrice@1s');
    expect(binanceRawUrl('public', ['bnbusdt@depth', 'ethusdt@depth'])).toBe('wss://fstream.binance.com/public/ws/bnbusdt@depth/ethusdt@depth');
    expect(binanceCombinedUrl('public', ['x'], 'ws://127.0.0.1:9000/public')).toBe('ws://127.0.0.1:9000/public/stream?streams=x');
    for (const url of [publicUrl, marketUrl]) expect(url.startsWith(`${BINANCE_WS_LEGACY}/`)).toBe(false);
  });

  it('maps every planned stream to an envelope channel the normalizer handles', () => {
    const plan = binanceStreamPlan(['BTC'], { bookTicker: true });
    const registry = createNormalizers();
    for (const stream of [...plan.public, ...plan.market, 'btcusdt@trade', 'btcusdt@forceOrder']) {
      registry.normalize({ t: 1, v: 'binance', c: binanceChannelOf(stream).channel, d: {} }, []);
    }
    expect(registry.snapshot().dropped['binance.unknown_channel']).toBeUndefined();
    expect(binanceChannelOf('btcusdt@depth@100ms')).toEqual({ instrument: 'BTCUSDT', channel: 'depth@100ms' });
    expect(binanceChannelOf('!forceOrder@arr')).toEqual({ channel: 'forceOrder' });
  });

  it('builds SUBSCRIBE requests', () => {
    expect(JSON.stringify(binanceSubscribe(['btcusdt@aggTrade', 'btcusdt@markPrice@1s'], 1))).toBe(
      '{"method":"SUBSCRIBE","params":["btcusdt@aggTrade","btcusdt@markPrice@1s"],"id":1}',
    );
  });

  it('recognizes acks and error replies, and nothing else', () => {
    const frames = readVenueFixture('binance/control.jsonl').envelopes.map((e) => recognizeBinanceControl(e.d));
    expect(frames).toEqual([
      { kind: 'ack', text: 'request 1 accepted', id: 1 },
      { kind: 'ack', text: '["btcusdt@aggTrade","btcusdt@markPrice@1s"]', id: 3 },
      { kind: 'error', text: '2 Invalid request: request ID must be an unsigned integer', id: undefined },
      { kind: 'error', text: '2 Invalid request: unknown variant SUBSCRIB', id: 4 },
    ]);
    for (const e of readVenueFixture('binance/depth.jsonl').envelopes) expect(recognizeBinanceControl(e.d)).toBeUndefined();
    expect(recognizeBinanceControl('pong')).toBeUndefined();
  });

  it('describes the REST requests with their weights', () => {
    const depth = binanceDepthRequest('BTC');
    expect(restUrl(depth)).toBe('https://fapi.binance.com/fapi/v1/depth?symbol=BTCUSDT&limit=1000');
    expect(depth).toMatchObject({ venue: 'binance', channel: 'rest.depthSnapshot', weight: 20, query: { symbol: 'BTCUSDT', limit: 1000 } });
    expect([5, 50, 100, 500, 1000].map(binanceDepthWeight)).toEqual([2, 2, 5, 10, 20]);
    expect(restUrl(binanceOpenInterestRequest('ETH'))).toBe('https://fapi.binance.com/fapi/v1/openInterest?symbol=ETHUSDT');
    expect(binanceOpenInterestRequest('ETH').channel).toBe('rest.openInterest');
    expect(restUrl(binanceRatioRequest('topAccount', 'BTC'))).toBe('https://fapi.binance.com/futures/data/topLongShortAccountRatio?symbol=BTCUSDT&period=5m&limit=1');
    expect(binanceRatioRequest('topPosition', 'BTC', { period: '1h', limit: 30 })).toMatchObject({
      channel: 'rest.ratio.topPosition',
      path: '/futures/data/topLongShortPositionRatio',
      query: { symbol: 'BTCUSDT', period: '1h', limit: 30 },
    });
    expect(binanceRatioRequest('globalAccount', 'SOL')).toMatchObject({ channel: 'rest.ratio.globalAccount', path: '/futures/data/globalLongShortAccountRatio' });
    expect(restUrl(binanceOpenInterestRequest('BTC'), 'http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080/fapi/v1/openInterest?symbol=BTCUSDT');
  });
});
