import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../capture/envelope.js';
import type { NormalizedEvent } from '../../events.js';
import { readVenueFixture } from '../fixtures.js';
import { createNormalizers } from '../index.js';

/** Normalize a fixture file through one registry: the events of each line, and the counters after. */
function normalizeFixture(name: string) {
  const registry = createNormalizers();
  const perLine = readVenueFixture(name).envelopes.map((envelope) => {
    const out: NormalizedEvent[] = [];
    registry.normalize(envelope, out);
    return out;
  });
  return { perLine, ...registry.snapshot() };
}

/** One raw Binance frame through a fresh registry. */
function normalizeOne(c: string, d: unknown, q?: Envelope['q']) {
  const registry = createNormalizers();
  const out: NormalizedEvent[] = [];
  registry.normalize({ t: 1721347022000, v: 'binance', c, d, q }, out);
  return { events: out, ...registry.snapshot() };
}

const forceOrder = (o: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  e: 'forceOrder',
  E: 1721347080020,
  o: { s: 'BTCUSDT', S: 'SELL', o: 'LIMIT', f: 'IOC', q: '0.100', p: '63000.0', ap: '63010.0', X: 'FILLED', l: '0.100', z: '0.100', T: 1721347080011, ...o },
  ...extra,
});

describe('binance forceOrder', () => {
  const { perLine, dropped } = normalizeFixture('binance/force-order.jsonl');

  it('normalizes the documented example: price o.p, avgPrice o.ap, qty o.z, ts o.T', () => {
    expect(perLine[0]).toEqual([
      {
        type: 'liquidation',
        venue: 'binance',
        symbol: 'BTC',
        ts: 1568014460893,
        // Binance docs (Liquidation Order Streams): o.S is the liquidation ORDER's side;
        // SELL sells a liquidated LONG (tardis-node: "sell = long position liquidated").
        side: 'long',
        price: 9910,
        qty: 0.014,
        notional: expect.closeTo(138.74, 9),
        avgPrice: 9910,
      },
    ]);
  });

  it('keeps the order price as price and the average fill as avgPrice (real bbgo frame)', () => {
    expect(perLine[1]).toEqual([
      {
        type: 'liquidation',
        venue: 'binance',
        symbol: 'BTC',
        ts: 1695714031881,
        side: 'long',
        price: 26142.12,
        qty: 0.115,
        notional: expect.closeTo(3006.3438, 9),
        avgPrice: 26245.1,
      },
    ]);
  });

  it('accepts the 2026 !forceOrder@arr payload (ps, st 1) inside the combined-stream wrapper', () => {
    expect(perLine[2]).toEqual(perLine[0]);
  });

  it('maps BUY to a short liquidation and falls back to o.q when nothing is filled', () => {
    // an unfilled order: z 0 and ap 0, so qty is the order quantity and there is no avgPrice
    expect(perLine[3]).toEqual([
      {
        type: 'liquidation',
        venue: 'binance',
        symbol: 'ETH',
        ts: 1721347080011,
        side: 'short',
        price: 3451.37,
        qty: 1.25,
        notional: expect.closeTo(4314.2125, 9),
        avgPrice: undefined,
      },
    ]);
  });

  it('never turns a COIN-M row (st 2, BTCUSD_PERP) into a BTC event, and counts it', () => {
    expect(perLine[4]).toEqual([]);
    expect(dropped['binance.coin_m_instrument']).toBe(1);
  });

  it('normalizes every USDT perpetual, not only BTC/ETH/SOL (no symbol filter)', () => {
    expect(perLine[5]).toEqual([
      {
        type: 'liquidation',
        venue: 'binance',
        symbol: '1000PEPE',
        ts: 1721347082009,
        side: 'long',
        price: 0.011502,
        qty: 52000,
        notional: expect.closeTo(598.104, 9),
        avgPrice: 0.01154,
      },
    ]);
    expect(Object.keys(dropped)).toEqual(['binance.coin_m_instrument']);
  });

  it('counts a COIN-M symbol without st as coin_m and a dated USDT future as unsupported', () => {
    const coinM = normalizeOne('forceOrder', forceOrder({ s: 'ETHUSD_250926' }));
    expect(coinM.events).toEqual([]);
    expect(coinM.dropped).toEqual({ 'binance.coin_m_instrument': 1 });
    const dated = normalizeOne('forceOrder', forceOrder({ s: 'BTCUSDT_250926' }));
    expect(dated.dropped).toEqual({ 'binance.unsupported_instrument': 1 });
  });

  it('uses the event time E when o.T is missing', () => {
    const { events } = normalizeOne('forceOrder', forceOrder({ T: undefined }));
    expect(events).toMatchObject([{ ts: 1721347080020 }]);
  });

  it('drops an unknown side, a zero price and a non-numeric quantity with their own reasons', () => {
    expect(normalizeOne('forceOrder', forceOrder({ S: 'HOLD' })).dropped).toEqual({ 'binance.unknown_side': 1 });
    expect(normalizeOne('forceOrder', forceOrder({ p: '0' })).dropped).toEqual({ 'binance.non_positive_value': 1 });
    expect(normalizeOne('forceOrder', forceOrder({ z: 'x', q: 'y' })).dropped).toEqual({ 'binance.malformed_payload': 1 });
    expect(normalizeOne('forceOrder', { e: 'forceOrder', E: 1 }).dropped).toEqual({ 'binance.malformed_payload': 1 });
  });
});

describe('binance depth', () => {
  const { perLine, dropped } = normalizeFixture('binance/depth.jsonl');

  it('maps U, u, pu to firstId, lastId, prevLastId with flat numeric levels (documented example)', () => {
    expect(perLine[0]).toEqual([
      {
        type: 'depthDiff',
        venue: 'binance',
        symbol: 'BTC',
        ts: 123456789,
        firstId: 157,
        lastId: 160,
        prevLastId: 149,
        bids: [0.0024, 10],
        asks: [0.0026, 100],
      },
    ]);
  });

  it('normalizes real depth@0ms frames whose pu chains to the previous u', () => {
    const [first] = perLine[1] as [Extract<NormalizedEvent, { type: 'depthDiff' }>];
    const [second] = perLine[2] as [Extract<NormalizedEvent, { type: 'depthDiff' }>];
    expect(first).toMatchObject({ firstId: 5123107961467, lastId: 5123107963925, prevLastId: 5123107961419, ts: 1723161257970 });
    expect(first.bids).toHaveLength(18);
    expect(first.bids.slice(0, 4)).toEqual([1000, 606.675, 5000, 2.321]);
    expect(first.asks).toHaveLength(24);
    expect(first.asks.slice(16, 18)).toEqual([62918.1, 0]); // qty 0 = remove the level
    expect(second.prevLastId).toBe(first.lastId);
    expect(second.firstId).not.toBe(first.lastId + 1); // futures chain on pu, not U
  });

  it('accepts a diff with empty sides on the suffix-less depth channel', () => {
    expect(perLine[3]).toMatchObject([{ type: 'depthDiff', bids: [], asks: [], lastId: 5123107967201 }]);
  });

  it('treats a partial depth stream (depth5) as a top-5 snapshot, not a diff', () => {
    expect(perLine[4]).toEqual([
      {
        type: 'depthSnapshot',
        venue: 'binance',
        symbol: 'ETH',
        ts: 1723161258190,
        lastUpdateId: 390497878,
        bids: [3400.1, 12.512, 3400, 3.1],
        asks: [3400.2, 7.005, 3400.3, 0.5],
        top: 5,
      },
    ]);
    expect(dropped).toEqual({});
  });

  it('accepts any speed suffix', () => {
    const frame = { e: 'depthUpdate', E: 5, s: 'BTCUSDT', U: 1, u: 2, pu: 0, b: [], a: [] };
    for (const c of ['depth', 'depth@0ms', 'depth@100ms', 'depth@250ms', 'depth@500ms']) {
      expect(normalizeOne(c, frame).events).toMatchObject([{ type: 'depthDiff', lastId: 2 }]);
    }
  });

  it('drops a whole diff when one level is not numeric: a book update cannot apply in part', () => {
    const frame = { e: 'depthUpdate', E: 5, s: 'BTCUSDT', U: 1, u: 2, pu: 0, b: [['100.0', '1'], ['abc', '2']], a: [] };
    const result = normalizeOne('depth@100ms', frame);
    expect(result.events).toEqual([]);
    expect(result.dropped).toEqual({ 'binance.malformed_payload': 1 });
    expect(normalizeOne('depth@100ms', { ...frame, b: [['100.0', '']] }).dropped).toEqual({ 'binance.malformed_payload': 1 });
    expect(normalizeOne('depth@100ms', { ...frame, b: [], u: '2' }).dropped).toEqual({ 'binance.malformed_payload': 1 });
  });
});

describe('binance trades', () => {
  const { perLine } = normalizeFixture('binance/trade.jsonl');

  it('reads aggTrade m: true (buyer is maker) as a taker sell, at trade time T', () => {
    expect(perLine[0]).toEqual([{ type: 'trade', venue: 'binance', symbol: 'BTC', ts: 123456785, price: 0.001, qty: 100, takerSide: 'sell' }]);
  });

  it('accepts the 2026 aggTrade payload (nq, st) in the combined wrapper', () => {
    expect(perLine[1]).toEqual([{ type: 'trade', venue: 'binance', symbol: 'BNB', ts: 123456785, price: 0.001, qty: 100, takerSide: 'sell' }]);
  });

  it('reads the raw trade stream, m: false as a taker buy', () => {
    expect(perLine[2]).toEqual([{ type: 'trade', venue: 'binance', symbol: 'BTC', ts: 1721347022955, price: 63944, qty: 0.25, takerSide: 'buy' }]);
  });

  it('drops a trade without m, and a trade frame on the wrong channel', () => {
    const trade = { e: 'aggTrade', E: 2, s: 'BTCUSDT', p: '1', q: '1', T: 1 };
    expect(normalizeOne('aggTrade', trade).dropped).toEqual({ 'binance.malformed_payload': 1 });
    expect(normalizeOne('trade', { ...trade, m: true }).dropped).toEqual({ 'binance.malformed_payload': 1 });
  });
});

describe('binance bookTicker', () => {
  const { perLine } = normalizeFixture('binance/book-ticker.jsonl');

  it('normalizes the documented example with its update id', () => {
    expect(perLine[0]).toEqual([
      {
        type: 'bookTicker',
        venue: 'binance',
        symbol: 'BNB',
        ts: 1568014460893,
        updateId: 400900217,
        bidPrice: 25.3519,
        bidQty: 31.21,
        askPrice: 25.3652,
        askQty: 40.66,
      },
    ]);
    expect(perLine[1]).toMatchObject([{ symbol: 'BTC', updateId: 4984028370881, bidPrice: 63943.9, askQty: 0.095 }]);
  });
});

describe('binance markPrice', () => {
  const { perLine } = normalizeFixture('binance/mark-price.jsonl');

  it('reads mark, index and funding, with T as the NEXT funding time and E as ts', () => {
    expect(perLine[0]).toEqual([
      {
        type: 'markPrice',
        venue: 'binance',
        symbol: 'BTC',
        ts: 1562305380000,
        mark: 11794.15,
        index: 11784.62659091,
        funding: 0.00038167,
        nextFundingTs: 1562306400000,
      },
    ]);
  });

  it('follows T rolling forward across a funding time (real frames)', () => {
    expect(perLine[1]).toMatchObject([{ ts: 1680652800010, mark: 28155.1, nextFundingTs: 1680652800000 }]);
    expect(perLine[2]).toMatchObject([{ ts: 1680652801000, mark: 28155.2, nextFundingTs: 1680681600000 }]);
  });

  it('leaves funding out when the rate is empty (delivery contracts)', () => {
    const { events } = normalizeOne('markPrice@1s', { e: 'markPriceUpdate', E: 9, s: 'BTCUSDT', p: '1.5', i: '1.4', r: '', T: 0 });
    expect(events).toEqual([{ type: 'markPrice', venue: 'binance', symbol: 'BTC', ts: 9, mark: 1.5, index: 1.4, funding: undefined, nextFundingTs: undefined }]);
  });
});

describe('binance REST', () => {
  const { perLine, dropped } = normalizeFixture('binance/rest.jsonl');

  it('takes the depth snapshot symbol from the request query, ts from E', () => {
    expect(perLine[0]).toEqual([
      { type: 'depthSnapshot', venue: 'binance', symbol: 'BTC', ts: 1589436922972, lastUpdateId: 1027024, bids: [4, 431], asks: [4.000002, 12] },
    ]);
  });

  it('reads open interest in base asset at its time', () => {
    expect(perLine[1]).toEqual([{ type: 'openInterest', venue: 'binance', symbol: 'BTC', ts: 1589437530011, oiBase: 10659.509, source: 'rest' }]);
  });

  it('turns each ratio row into a TraderRatio of the endpoint kind, string or number timestamps', () => {
    expect(perLine[2]).toEqual([
      { type: 'traderRatio', venue: 'binance', symbol: 'BTC', ts: 1583139600000, kind: 'topAccount', longShortRatio: 1.8105, longShare: 0.6442, shortShare: 0.3558 },
      { type: 'traderRatio', venue: 'binance', symbol: 'BTC', ts: 1583139900000, kind: 'topAccount', longShortRatio: 0.5576, longShare: 0.358, shortShare: 0.642 },
    ]);
    expect(perLine[3]).toMatchObject([
      { kind: 'topPosition', longShortRatio: 1.4342, ts: 1583139600000 },
      { kind: 'topPosition', longShortRatio: 1.4337, ts: 1583139900000 },
    ]);
    expect(perLine[4]).toMatchObject([
      { kind: 'globalAccount', longShortRatio: 0.196, ts: 1583139600000 },
      { kind: 'globalAccount', longShortRatio: 1.9559, ts: 1583139900000 },
    ]);
  });

  it('counts a REST error body as an error frame', () => {
    expect(perLine[5]).toEqual([]);
    expect(dropped).toEqual({ 'binance.error_frame': 1 });
  });

  it('counts a depth body with no symbol anywhere, and uses the receive time when the body has none', () => {
    const body = { lastUpdateId: 7, bids: [], asks: [] };
    expect(normalizeOne('rest.depthSnapshot', body).dropped).toEqual({ 'binance.missing_symbol': 1 });
    expect(normalizeOne('rest.depthSnapshot', body, { symbol: 'ETHUSDT', limit: 1000 }).events).toMatchObject([{ symbol: 'ETH', ts: 1721347022000, lastUpdateId: 7 }]);
  });
});

describe('binance control frames and bad input', () => {
  it('counts acks as control and error replies as error frames, on any channel', () => {
    const { perLine, dropped, control } = normalizeFixture('binance/control.jsonl');
    expect(perLine.flat()).toEqual([]);
    expect(control).toEqual({ 'binance.ack': 2 });
    expect(dropped).toEqual({ 'binance.error_frame': 2 });
  });

  it('counts an unknown channel', () => {
    expect(normalizeOne('kline_1m', { e: 'kline', E: 1, s: 'BTCUSDT', k: {} }).dropped).toEqual({ 'binance.unknown_channel': 1 });
  });

  it('never throws, whatever the payload', () => {
    for (const d of [null, undefined, 42, 'text', [], [1, 2], { data: null, stream: 'x' }, { stream: 'btcusdt@trade', data: 'no' }]) {
      for (const c of ['depth@100ms', 'aggTrade', 'forceOrder', 'markPrice@1s', 'bookTicker', 'rest.depthSnapshot', 'rest.ratio.topAccount', 'control']) {
        const result = normalizeOne(c, d);
        expect(result.events).toEqual([]);
        const counted = Object.values(result.dropped).reduce((a, b) => a + b, 0);
        // an empty ratio list is a valid answer with no rows; [1, 2] is two malformed rows
        const expected = c === 'rest.ratio.topAccount' && Array.isArray(d) ? d.length : 1;
        expect(counted).toBe(expected);
      }
    }
  });

  it('drops a frame whose reading throws without emitting half of it', () => {
    const registry = createNormalizers();
    const out: NormalizedEvent[] = [];
    const hostile = {
      get e(): string {
        throw new Error('boom');
      },
    };
    registry.normalize({ t: 1, v: 'binance', c: 'aggTrade', d: hostile }, out);
    expect(out).toEqual([]);
    expect(registry.snapshot().dropped).toEqual({ 'binance.internal_error': 1 });
  });
});
