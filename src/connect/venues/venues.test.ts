import { describe, expect, it } from 'vitest';
import { readVenueFixture } from '../../venues/fixtures.js';
import { newFrameInfo, type FrameInfo, type SocketSpec } from '../socket-spec.js';
import { binanceOrderKey } from './binance.js';
import { defaultEndpoints, parseEndpointOverride, withOverrides } from './endpoints.js';
import { okxOrderKey } from './okx.js';
import { venueConnections } from './index.js';

const SYMBOLS = ['BTC', 'ETH'];

function specsOf(venue: 'binance' | 'bybit' | 'okx') {
  return venueConnections(venue, { symbols: SYMBOLS, endpoints: defaultEndpoints() });
}

function classify(spec: SocketSpec, text: string): FrameInfo {
  const info = newFrameInfo();
  spec.classify(text, info);
  return info;
}

/** Every envelope of a fixture file as the text a socket would have received. */
function frames(name: string): { c: string; text: string }[] {
  return readVenueFixture(name).envelopes.map((e) => ({ c: e.c, text: typeof e.d === 'string' ? e.d : JSON.stringify(e.d) }));
}

describe('Binance sockets', () => {
  it('splits the streams over /public and /market and subscribes them with acknowledged SUBSCRIBE messages', () => {
    const [pub, market] = specsOf('binance').sockets;
    expect(pub!.url).toBe('wss://fstream.binance.com/public/stream');
    expect(market!.url).toBe('wss://fstream.binance.com/market/stream');
    expect(pub!.subscribe!().map((r) => JSON.parse(r.message))).toEqual([
      { method: 'SUBSCRIBE', params: ['btcusdt@depth@100ms', 'ethusdt@depth@100ms'], id: 1 },
    ]);
    expect(market!.subscribe!().map((r) => JSON.parse(r.message))).toEqual([
      {
        method: 'SUBSCRIBE',
        params: ['!forceOrder@arr', 'btcusdt@aggTrade', 'btcusdt@markPrice@1s', 'ethusdt@aggTrade', 'ethusdt@markPrice@1s'],
        id: 1,
      },
    ]);
    expect(pub!.maxClientMessagesPerSecond).toBeLessThanOrEqual(10);
    expect(pub!.rotateEveryMs).toBe(23.5 * 3600_000);
    // the watchdog never watches liquidations
    expect(Object.keys(pub!.watchdog!)).toEqual(['depth@100ms']);
    expect(Object.keys(market!.watchdog!).sort()).toEqual(['aggTrade', 'markPrice@1s']);
    expect(pub!.symbols).toEqual(SYMBOLS);
    expect(market!.symbols).toEqual([]);
  });

  it('classifies every sample frame by the channel it is recorded under', () => {
    const [pub] = specsOf('binance').sockets;
    for (const name of ['depth', 'trade', 'mark-price', 'force-order', 'book-ticker']) {
      for (const { c, text } of frames(`binance/${name}.jsonl`)) {
        const info = classify(pub!, text);
        if (c === 'control' || info.kind !== 'data') continue;
        const expected = c === '!forceOrder@arr' || c === 'forceOrder@arr' ? 'forceOrder' : c;
        // raw (unwrapped) depth events do not say their speed: they count as the subscribed depth@100ms
        if (expected.startsWith('depth') && !text.startsWith('{"stream"')) expect(info.channel).toBe('depth@100ms');
        else expect(info.channel, text.slice(0, 80)).toBe(expected);
      }
    }
  });

  it('recognises acks and error replies, and names garbage', () => {
    const [pub] = specsOf('binance').sockets;
    expect(classify(pub!, '{"result":null,"id":7}')).toMatchObject({ kind: 'ack', id: '7' });
    expect(classify(pub!, '{"error":{"code":2,"msg":"Invalid request: unknown variant SUBSCRIB"},"id":4}')).toMatchObject({
      kind: 'error',
      id: '4',
      text: '2 Invalid request: unknown variant SUBSCRIB',
    });
    expect(classify(pub!, '{"stream":"btcusdt@depth@100ms","da')).toMatchObject({ kind: 'garbage', text: 'not JSON (truncated?)' });
    expect(classify(pub!, '{"hello":1}')).toMatchObject({ kind: 'garbage', text: 'unexpected frame shape' });
  });

  it('reads raw /ws events by their type', () => {
    const [, market] = specsOf('binance').sockets;
    const info = classify(market!, '{"e":"aggTrade","E":1,"s":"BTCUSDT","a":5,"p":"1","q":"1","T":1,"m":true}');
    expect(info).toMatchObject({ kind: 'data', channel: 'aggTrade' });
    expect(binanceOrderKey('', info)).toBe(true);
    expect([info.stream, info.key]).toEqual(['btcusdt@aggTrade', 5]);
  });

  it('keys depth by u, aggTrade by a, markPrice by E and liquidations per symbol by E', () => {
    const [pub] = specsOf('binance').sockets;
    const key = (text: string): [string, number] | false => {
      const info = classify(pub!, text);
      return binanceOrderKey(text, info) ? [info.stream, info.key] : false;
    };
    expect(key('{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":10,"u":12,"pu":9,"b":[],"a":[]}}')).toEqual([
      'btcusdt@depth@100ms',
      12,
    ]);
    expect(key('{"stream":"ethusdt@aggTrade","data":{"e":"aggTrade","E":5,"a":77,"s":"ETHUSDT"}}')).toEqual(['ethusdt@aggTrade', 77]);
    expect(key('{"stream":"ethusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":9000,"s":"ETHUSDT"}}')).toEqual(['ethusdt@markPrice@1s', 9000]);
    expect(key('{"stream":"!forceOrder@arr","data":{"e":"forceOrder","E":42,"o":{"s":"SOLUSDT"}}}')).toEqual(['forceOrder:SOLUSDT', 42]);
  });
});

describe('Bybit socket', () => {
  it('subscribes each topic in its own request, pings every 20 s and watches the busy channels only', () => {
    const [spec] = specsOf('bybit').sockets;
    expect(spec!.url).toBe('wss://stream.bybit.com/v5/public/linear');
    const requests = spec!.subscribe!();
    expect(requests.map((r) => r.streams[0])).toEqual([
      'allLiquidation.BTCUSDT',
      'orderbook.50.BTCUSDT',
      'publicTrade.BTCUSDT',
      'tickers.BTCUSDT',
      'allLiquidation.ETHUSDT',
      'orderbook.50.ETHUSDT',
      'publicTrade.ETHUSDT',
      'tickers.ETHUSDT',
    ]);
    expect(JSON.parse(requests[1]!.message)).toEqual({ req_id: 'sub.orderbook.50.BTCUSDT', op: 'subscribe', args: ['orderbook.50.BTCUSDT'] });
    expect(spec!.keepalive).toEqual({ kind: 'interval', everyMs: 20_000, message: '{"op":"ping"}', replyTimeoutMs: 10_000 });
    expect(Object.keys(spec!.watchdog!).sort()).toEqual(['orderbook.50', 'publicTrade', 'tickers']);
  });

  it('classifies data by topic and the control frames of the docs (the linear pong comes back as op "ping")', () => {
    const [spec] = specsOf('bybit').sockets;
    for (const name of ['all-liquidation', 'orderbook', 'public-trade', 'tickers']) {
      for (const { c, text } of frames(`bybit/${name}.jsonl`)) {
        const info = classify(spec!, text);
        if (info.kind === 'data') expect(info.channel).toBe(c);
      }
    }
    const kinds = frames('bybit/control.jsonl').map(({ text }) => classify(spec!, text));
    expect(kinds.map((k) => k.kind)).toEqual(['ack', 'pong', 'pong', 'error']);
    expect(kinds[3]!.text).toBe('error:handler not found,topic:liquidation.BTCUSDT');
    expect(classify(spec!, '{"success":true,"ret_msg":"","req_id":"sub.tickers.BTCUSDT","op":"subscribe"}')).toMatchObject({
      kind: 'ack',
      id: 'sub.tickers.BTCUSDT',
    });
  });

  it('treats a non-zero retCode as a failed REST answer and pauses ten minutes on 403', () => {
    const rest = specsOf('bybit').rest;
    expect(rest.bodyProblem!({ retCode: 0, result: {} })).toBeUndefined();
    expect(rest.bodyProblem!({ retCode: 10001, retMsg: 'params error' })).toBe('retCode 10001 params error');
    expect(rest.pauseOnStatus![403]).toBe(600_000);
  });
});

describe('OKX socket', () => {
  it('subscribes liquidation-orders once and the five channels per instrument, pinging after 25 s idle', () => {
    const [spec] = specsOf('okx').sockets;
    const messages = spec!.subscribe!().map((r) => JSON.parse(r.message));
    expect(messages[0]).toEqual({ id: 'subliq', op: 'subscribe', args: [{ channel: 'liquidation-orders', instType: 'SWAP' }] });
    expect(messages[1]).toEqual({
      id: 'subBTC',
      op: 'subscribe',
      args: ['books', 'trades', 'funding-rate', 'open-interest', 'mark-price'].map((channel) => ({ channel, instId: 'BTC-USDT-SWAP' })),
    });
    expect(spec!.keepalive).toEqual({ kind: 'idle', idleMs: 25_000, message: 'ping', replyTimeoutMs: 5_000 });
  });

  it('classifies the text pong, acks, errors, and rotates on the 64008 service-upgrade notice', () => {
    const [spec] = specsOf('okx').sockets;
    expect(frames('okx/control.jsonl').map(({ text }) => classify(spec!, text).kind)).toEqual(['pong', 'ack', 'error', 'rotate']);
    expect(classify(spec!, 'pong')).toMatchObject({ kind: 'pong', parsed: 'pong' });
    expect(classify(spec!, '{"event":"channel-conn-count","channel":"books","connCount":"2","connId":"x"}').kind).toBe('control');
  });

  it('keys books by seqId, trades by tradeId and marks by ts, per instrument; liquidations not at all', () => {
    const [spec] = specsOf('okx').sockets;
    for (const name of ['books', 'trades', 'mark-price', 'open-interest', 'funding-rate', 'liquidation-orders']) {
      for (const { c, text } of frames(`okx/${name}.jsonl`)) {
        const info = classify(spec!, text);
        if (info.kind !== 'data') continue;
        expect(info.channel).toBe(c);
        const keyed = okxOrderKey(text, info);
        if (['books', 'trades', 'mark-price', 'open-interest', 'funding-rate'].includes(c)) expect(keyed, text.slice(0, 100)).toBe(true);
        else expect(keyed).toBe(false); // liquidation-orders, books5: no ordering key
      }
    }
    const books = classify(spec!, '{"arg":{"channel":"books","instId":"BTC-USDT-SWAP"},"action":"update","data":[{"asks":[],"bids":[],"ts":"1","prevSeqId":5,"seqId":9}]}');
    expect(okxOrderKey('', books)).toBe(true);
    expect([books.stream, books.key]).toEqual(['books:BTC-USDT-SWAP', 9]);
  });
});

describe('REST polls', () => {
  it('polls OI every 15 s per symbol on every venue, Binance ratios every 60 s, OKX instruments hourly', () => {
    const binance = specsOf('binance').polls.map((p) => [p.request.name, p.request.query.symbol, p.everyMs]);
    expect(binance).toEqual([
      ['openInterest', 'BTCUSDT', 15_000],
      ['openInterest', 'ETHUSDT', 15_000],
      ...['BTCUSDT', 'ETHUSDT'].flatMap((s) => ['ratio.topAccount', 'ratio.topPosition', 'ratio.globalAccount'].map((n) => [n, s, 60_000])),
    ]);
    expect(specsOf('bybit').polls.map((p) => p.request)).toEqual([
      { name: 'openInterest', path: '/v5/market/open-interest', query: { category: 'linear', symbol: 'BTCUSDT', intervalTime: '5min', limit: 1 } },
      { name: 'openInterest', path: '/v5/market/open-interest', query: { category: 'linear', symbol: 'ETHUSDT', intervalTime: '5min', limit: 1 } },
    ]);
    expect(specsOf('okx').polls.map((p) => [p.request.name, p.everyMs])).toEqual([
      ['instruments', 3600_000],
      ['openInterest', 15_000],
      ['openInterest', 15_000],
    ]);
  });

  it('keeps Binance below 2400 weight a minute, synchronised by the used-weight header', () => {
    const rest = specsOf('binance').rest;
    expect(rest.weightBudget!.limit).toBeLessThan(2400);
    expect(rest.weightBudget!.windowMs).toBe(60_000);
    expect(rest.usedWeightHeader).toBe('x-mbx-used-weight-1m');
    const plan = specsOf('binance').bookResync;
    expect(plan.kind).toBe('snapshot');
    if (plan.kind === 'snapshot') expect(plan.request('BTC')).toEqual({ name: 'depthSnapshot', path: '/fapi/v1/depth', query: { symbol: 'BTCUSDT', limit: 1000 }, weight: 20 });
  });

  it('resyncs Bybit and OKX books by unsubscribing and subscribing the book topic', () => {
    const bybit = specsOf('bybit').bookResync;
    const okx = specsOf('okx').bookResync;
    if (bybit.kind !== 'resubscribe' || okx.kind !== 'resubscribe') throw new Error('expected resubscribe plans');
    expect(bybit.requests('ETH', 3).map((r) => JSON.parse(r.message))).toEqual([
      { req_id: 'unsub3.orderbook.50.ETHUSDT', op: 'unsubscribe', args: ['orderbook.50.ETHUSDT'] },
      { req_id: 'resub3.orderbook.50.ETHUSDT', op: 'subscribe', args: ['orderbook.50.ETHUSDT'] },
    ]);
    expect(okx.requests('SOL', 4).map((r) => JSON.parse(r.message))).toEqual([
      { id: 'unsub4', op: 'unsubscribe', args: [{ channel: 'books', instId: 'SOL-USDT-SWAP' }] },
      { id: 'resub4', op: 'subscribe', args: [{ channel: 'books', instId: 'SOL-USDT-SWAP' }] },
    ]);
  });
});

describe('endpoints', () => {
  it('overrides one endpoint and keeps the others', () => {
    const e = withOverrides(defaultEndpoints(), [parseEndpointOverride('binance.market=ws://127.0.0.1:9000/market'), parseEndpointOverride('OKX.rest=http://127.0.0.1:9001')]);
    expect(e.binance).toEqual({ public: 'wss://fstream.binance.com/public', market: 'ws://127.0.0.1:9000/market', rest: 'https://fapi.binance.com' });
    expect(e.okx.rest).toBe('http://127.0.0.1:9001');
  });

  it.each([
    ['binance.market', /expected venue.channel=URL/],
    ['kraken.public=wss://x', /unknown endpoint "kraken.public" \(known: binance.public, /],
    ['bybit.public=https://stream.bybit.com', /must be a ws:\/\/ or wss:\/\/ URL/],
    ['okx.rest=wss://www.okx.com', /must be a http:\/\/ or https:\/\/ URL/],
    ['binance.public=not a url', /is not a URL/],
    ['binance.public=wss://fstream.binance.com/ws', /retired stream path/],
  ])('rejects %s as a usage error', (text, message) => {
    expect(() => parseEndpointOverride(text)).toThrow(message);
    try {
      parseEndpointOverride(text);
    } catch (error) {
      expect((error as { exitCode: number }).exitCode).toBe(2);
    }
  });
});
