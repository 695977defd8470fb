import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../capture/envelope.js';
import type { NormalizedEvent } from '../../events.js';
import { readVenueFixture } from '../fixtures.js';
import { createNormalizers, type Normalizers } from '../index.js';

function normalizeFixture(name: string, registry: Normalizers = createNormalizers()) {
  const perLine = readVenueFixture(name).envelopes.map((envelope) => {
    const out: NormalizedEvent[] = [];
    registry.normalize(envelope, out);
    return out;
  });
  return { perLine, ...registry.snapshot() };
}

/** Feed raw Bybit frames on one channel through one registry; the events of each. */
function feed(registry: Normalizers, c: string, ...frames: unknown[]): NormalizedEvent[][] {
  return frames.map((d) => {
    const out: NormalizedEvent[] = [];
    registry.normalize({ t: 1721347022000, v: 'bybit', c, d }, out);
    return out;
  });
}

function normalizeOne(c: string, d: unknown, q?: Envelope['q']) {
  const registry = createNormalizers();
  const out: NormalizedEvent[] = [];
  registry.normalize({ t: 1721347022000, v: 'bybit', c, d, q }, out);
  return { events: out, ...registry.snapshot() };
}

describe('bybit allLiquidation', () => {
  const { perLine, dropped } = normalizeFixture('bybit/all-liquidation.jsonl');

  it('reads S as the POSITION side: Sell = a short liquidated (documented example)', () => {
    // bybit-exchange/docs all-liquidation.mdx: "S: Position side. Buy,Sell. When you receive
    // a Buy update, this means that a long position has been liquidated."
    expect(perLine[0]).toEqual([
      { type: 'liquidation', venue: 'bybit', symbol: 'ROSE', ts: 1739502302929, side: 'short', price: 0.04499, qty: 20000, notional: expect.closeTo(899.8, 9) },
    ]);
    expect(perLine[1]).toEqual([
      { type: 'liquidation', venue: 'bybit', symbol: 'PIPPIN', ts: 1740480207110, side: 'short', price: 0.02456, qty: 2846, notional: expect.closeTo(69.89776, 9) },
    ]);
  });

  it('regression: Buy is a LONG liquidation, not short (corrects the seed\'s "RESOLVED: Bybit side convention" entry)', () => {
    // The seed mapped Buy → short by analogy with Binance's order side. Bybit documents S
    // as the position side ("When you receive a Buy update, this means that a long position
    // has been liquidated"); tardis-node and cryptofeed#985 agree. DESIGN.md sections 3 and 7.
    const { events } = normalizeOne('allLiquidation', {
      topic: 'allLiquidation.BTCUSDT',
      type: 'snapshot',
      ts: 1739502303204,
      data: [{ T: 1739502302929, s: 'BTCUSDT', S: 'Buy', v: '0.010', p: '95000.00' }],
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'liquidation', side: 'long' });
    expect(events[0]).not.toMatchObject({ side: 'short' });
  });

  it('turns every row of a 500 ms batch into its own event, at the row time T', () => {
    expect(perLine[2]).toEqual([
      { type: 'liquidation', venue: 'bybit', symbol: 'BTC', ts: 1721347080101, side: 'long', price: 63120.5, qty: 0.5, notional: 31560.25 },
      { type: 'liquidation', venue: 'bybit', symbol: 'BTC', ts: 1721347080240, side: 'short', price: 64310, qty: 0.012, notional: expect.closeTo(771.72, 9) },
      { type: 'liquidation', venue: 'bybit', symbol: 'BTC', ts: 1721347080388, side: 'long', price: 63098.1, qty: 1.204, notional: expect.closeTo(75970.1124, 9) },
    ]);
  });

  it('counts an inverse contract and lets an empty batch pass without a count', () => {
    expect(perLine[3]).toEqual([]);
    expect(perLine[4]).toEqual([]);
    expect(dropped).toEqual({ 'bybit.unsupported_instrument': 1 });
  });

  it('drops bad rows one by one and keeps the good ones', () => {
    const { events, dropped: bad } = normalizeOne('allLiquidation', {
      topic: 'allLiquidation.BTCUSDT',
      type: 'snapshot',
      ts: 1,
      data: [
        { T: 10, s: 'BTCUSDT', S: 'Both', v: '1', p: '2' },
        { T: 11, s: 'BTCUSDT', S: 'Sell', v: '0', p: '2' },
        { T: 12, s: 'BTCUSDT', S: 'Sell', v: '1', p: 'n/a' },
        'row',
        { T: 13, s: 'BTCUSDT', S: 'Sell', v: '1', p: '2' },
      ],
    });
    expect(events).toMatchObject([{ ts: 13, side: 'short', qty: 1, price: 2 }]);
    expect(bad).toEqual({ 'bybit.unknown_side': 1, 'bybit.non_positive_value': 1, 'bybit.malformed_payload': 2 });
  });
});

describe('bybit liquidation (old topic)', () => {
  it('reads side with the same position meaning: Sell = a short liquidated', () => {
    const { perLine } = normalizeFixture('bybit/liquidation.jsonl');
    expect(perLine[0]).toEqual([
      { type: 'liquidation', venue: 'bybit', symbol: 'BTC', ts: 1703485237953, side: 'short', price: 43511.7, qty: 0.003, notional: expect.closeTo(130.5351, 9) },
    ]);
  });
});

describe('bybit orderbook.50', () => {
  const { perLine, dropped } = normalizeFixture('bybit/orderbook.jsonl');

  it('turns a snapshot into a DepthSnapshot with u as its id', () => {
    expect(perLine[0]).toEqual([
      {
        type: 'depthSnapshot',
        venue: 'bybit',
        symbol: 'BTC',
        ts: 1687940967360,
        lastUpdateId: 177400506,
        bids: [30247.2, 29.104, 30245.4, 0.224, 30240, 1.1],
        asks: [30248.7, 0.5, 30249.6, 0.075],
      },
    ]);
  });

  it('turns the documented delta into a DepthDiff with u as both ids and no previous id', () => {
    expect(perLine[1]).toEqual([
      {
        type: 'depthDiff',
        venue: 'bybit',
        symbol: 'BTC',
        ts: 1687940967466,
        firstId: 177400507,
        lastId: 177400507,
        bids: [30247.2, 30.028, 30245.4, 0.224, 30242.1, 1.593, 30240.3, 1.305, 30240, 0],
        asks: [30248.7, 0, 30249.3, 0.892, 30249.5, 1.778, 30249.6, 0, 30251.9, 2.947, 30252.2, 0.659, 30252.5, 4.591],
      },
    ]);
  });

  it('passes an empty delta on', () => {
    expect(perLine[2]).toMatchObject([{ type: 'depthDiff', lastId: 177400508, bids: [], asks: [] }]);
  });

  it('treats a delta with u = 1 (service restart) as a snapshot', () => {
    expect(perLine[3]).toEqual([
      { type: 'depthSnapshot', venue: 'bybit', symbol: 'BTC', ts: 1687940969466, lastUpdateId: 1, bids: [30250.1, 3], asks: [30250.2, 1.25] },
    ]);
  });

  it('counts a USDC perpetual (BTCPERP) as unsupported', () => {
    expect(perLine[4]).toEqual([]);
    expect(dropped).toEqual({ 'bybit.unsupported_instrument': 1 });
  });

  it('accepts other depths and drops an unknown type', () => {
    const frame = { topic: 'orderbook.200.ETHUSDT', type: 'delta', ts: 5, data: { s: 'ETHUSDT', b: [], a: [['3000', '1']], u: 9, seq: 1 } };
    expect(normalizeOne('orderbook.200', frame).events).toMatchObject([{ type: 'depthDiff', symbol: 'ETH', lastId: 9, asks: [3000, 1] }]);
    expect(normalizeOne('orderbook.50', { ...frame, type: 'partial' }).dropped).toEqual({ 'bybit.malformed_payload': 1 });
  });
});

describe('bybit publicTrade', () => {
  const { perLine } = normalizeFixture('bybit/public-trade.jsonl');

  it('reads S as the taker side, at the row time T', () => {
    expect(perLine[0]).toEqual([{ type: 'trade', venue: 'bybit', symbol: 'BTC', ts: 1672304486865, price: 16578.5, qty: 0.001, takerSide: 'buy' }]);
  });

  it('turns every row of a frame into a trade', () => {
    expect(perLine[1]).toEqual([
      { type: 'trade', venue: 'bybit', symbol: 'BTC', ts: 1672304487051, price: 16578, qty: 0.25, takerSide: 'sell' },
      { type: 'trade', venue: 'bybit', symbol: 'BTC', ts: 1672304487051, price: 16577.5, qty: 0.004, takerSide: 'sell' },
    ]);
  });
});

describe('bybit tickers', () => {
  const { perLine, dropped } = normalizeFixture('bybit/tickers.jsonl');

  it('emits mark, index, funding, next funding and ONE side of open interest from a snapshot', () => {
    // openInterest "68744.761" is both sides (no singleOpenInterest before 2026): one side is half
    expect(perLine[0]).toEqual([
      { type: 'markPrice', venue: 'bybit', symbol: 'BTC', ts: 1673272861686, mark: 17217.33, index: 17227.36, funding: -0.000212, nextFundingTs: 1673280000000 },
      { type: 'openInterest', venue: 'bybit', symbol: 'BTC', ts: 1673272861686, oiBase: 34372.3805, source: 'stream' },
    ]);
  });

  it('keeps the last value of every field a delta leaves out', () => {
    expect(perLine[1]).toEqual([
      { type: 'markPrice', venue: 'bybit', symbol: 'BTC', ts: 1673272861786, mark: 17218.01, index: 17227.36, funding: -0.000212, nextFundingTs: 1673280000000 },
    ]);
    expect(perLine[3]).toEqual([
      { type: 'markPrice', venue: 'bybit', symbol: 'BTC', ts: 1673272861986, mark: 17218.01, index: 17227.9, funding: -0.000215, nextFundingTs: 1673280000000 },
    ]);
  });

  it('uses singleOpenInterest when a delta carries it', () => {
    expect(perLine[2]).toEqual([{ type: 'openInterest', venue: 'bybit', symbol: 'BTC', ts: 1673272861886, oiBase: 34375, source: 'stream' }]);
  });

  it('emits nothing for a delta that changes only the best bid and ask', () => {
    expect(perLine[4]).toEqual([]);
  });

  it('counts the inverse ticker and reads the 2026 snapshot with singleOpenInterest', () => {
    expect(perLine[5]).toEqual([]);
    expect(dropped).toEqual({ 'bybit.unsupported_instrument': 1 });
    expect(perLine[6]).toEqual([
      { type: 'markPrice', venue: 'bybit', symbol: 'ETH', ts: 1786540440052, mark: 3120.51, index: 3121.02, funding: 0.0001, nextFundingTs: 1786550400000 },
      { type: 'openInterest', venue: 'bybit', symbol: 'ETH', ts: 1786540440052, oiBase: 29945.866, source: 'stream' },
    ]);
  });

  const tick = (type: 'snapshot' | 'delta', ts: number, data: Record<string, string>) => ({ topic: 'tickers.SOLUSDT', type, ts, data: { symbol: 'SOLUSDT', ...data } });

  it('halves a new both-sides figure that arrives without its single side (the old single side is stale)', () => {
    const registry = createNormalizers();
    const [, second] = feed(
      registry,
      'tickers',
      tick('snapshot', 1, { markPrice: '150', openInterest: '1000', singleOpenInterest: '500' }),
      tick('delta', 2, { openInterest: '1100' }),
    );
    expect(second).toEqual([{ type: 'openInterest', venue: 'bybit', symbol: 'SOL', ts: 2, oiBase: 550, source: 'stream' }]);
  });

  it('merges a delta that arrives before any snapshot, and counts one it cannot complete', () => {
    const registry = createNormalizers();
    const [fundingOnly, withMark] = feed(registry, 'tickers', tick('delta', 1, { fundingRate: '0.0001' }), tick('delta', 2, { markPrice: '151.5' }));
    expect(fundingOnly).toEqual([]);
    expect(registry.snapshot().dropped).toEqual({ 'bybit.ticker_incomplete': 1 });
    expect(withMark).toEqual([{ type: 'markPrice', venue: 'bybit', symbol: 'SOL', ts: 2, mark: 151.5, index: undefined, funding: 0.0001, nextFundingTs: undefined }]);
  });

  it('drops a frame with an invalid value without changing the merged ticker', () => {
    const registry = createNormalizers();
    const [, bad, next] = feed(
      registry,
      'tickers',
      tick('snapshot', 1, { markPrice: '150', openInterest: '1000' }),
      tick('delta', 2, { markPrice: 'NaN' }),
      tick('delta', 3, { fundingRate: '0.0002' }),
    );
    expect(bad).toEqual([]);
    expect(registry.snapshot().dropped).toEqual({ 'bybit.malformed_payload': 1 });
    expect(next).toMatchObject([{ mark: 150, funding: 0.0002 }]);
  });

  it('starts over on a new snapshot: fields it lacks are forgotten', () => {
    const registry = createNormalizers();
    const [, again] = feed(registry, 'tickers', tick('snapshot', 1, { markPrice: '150', fundingRate: '0.0001' }), tick('snapshot', 2, { markPrice: '151' }));
    expect(again).toEqual([{ type: 'markPrice', venue: 'bybit', symbol: 'SOL', ts: 2, mark: 151, index: undefined, funding: undefined, nextFundingTs: undefined }]);
  });

  it('keeps tickers per registry: a new pipeline starts empty', () => {
    const a = createNormalizers();
    feed(a, 'tickers', tick('snapshot', 1, { markPrice: '150', indexPrice: '149' }));
    const [fromB] = feed(createNormalizers(), 'tickers', tick('delta', 2, { markPrice: '152' }));
    expect(fromB).toMatchObject([{ mark: 152, index: undefined }]);
  });
});

describe('bybit REST open interest', () => {
  const { perLine, dropped } = normalizeFixture('bybit/rest-open-interest.jsonl');

  it('uses singleOpenInterest at the row timestamp', () => {
    expect(perLine[0]).toEqual([{ type: 'openInterest', venue: 'bybit', symbol: 'BTC', ts: 1780993800000, oiBase: 29945.866, source: 'rest' }]);
  });

  it('halves openInterest where singleOpenInterest is absent, rows oldest first', () => {
    expect(perLine[1]).toEqual([
      { type: 'openInterest', venue: 'bybit', symbol: 'ETH', ts: 1699999800000, oiBase: 500000.5, source: 'rest' },
      { type: 'openInterest', venue: 'bybit', symbol: 'ETH', ts: 1700000100000, oiBase: 501001.75, source: 'rest' },
    ]);
  });

  it('counts an inverse body once and an error body as an error frame', () => {
    expect(perLine[2]).toEqual([]);
    expect(perLine[3]).toEqual([]);
    expect(dropped).toEqual({ 'bybit.unsupported_instrument': 1, 'bybit.error_frame': 1 });
  });

  it('takes the symbol from the query when the body has none', () => {
    const body = { retCode: 0, retMsg: 'OK', result: { list: [{ openInterest: '10', timestamp: '5' }] } };
    expect(normalizeOne('rest.openInterest', body, { category: 'linear', symbol: 'SOLUSDT', intervalTime: '5min', limit: 1 }).events).toEqual([
      { type: 'openInterest', venue: 'bybit', symbol: 'SOL', ts: 5, oiBase: 5, source: 'rest' },
    ]);
    expect(normalizeOne('rest.openInterest', body).dropped).toEqual({ 'bybit.missing_symbol': 1 });
  });
});

describe('bybit control frames and bad input', () => {
  it('counts acks and pongs as control and a rejected subscription as an error frame', () => {
    const { perLine, dropped, control } = normalizeFixture('bybit/control.jsonl');
    expect(perLine.flat()).toEqual([]);
    expect(control).toEqual({ 'bybit.ack': 1, 'bybit.pong': 2 });
    expect(dropped).toEqual({ 'bybit.error_frame': 1 });
  });

  it('counts an unknown channel and never throws on junk', () => {
    expect(normalizeOne('kline.1', { topic: 'kline.1.BTCUSDT', data: [] }).dropped).toEqual({ 'bybit.unknown_channel': 1 });
    for (const d of [null, undefined, 0, 'x', [], { topic: 1 }, { topic: 'tickers.BTCUSDT', data: null }]) {
      for (const c of ['allLiquidation', 'liquidation', 'orderbook.50', 'publicTrade', 'tickers', 'rest.openInterest']) {
        const result = normalizeOne(c, d);
        expect(result.events).toEqual([]);
        expect(Object.values(result.dropped).reduce((a, b) => a + b, 0)).toBe(1);
      }
    }
  });
});
