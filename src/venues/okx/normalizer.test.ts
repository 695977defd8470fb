import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../capture/envelope.js';
import type { NormalizedEvent } from '../../events.js';
import { readVenueFixture } from '../fixtures.js';
import { createNormalizers, type Normalizers, type NormalizersOptions } from '../index.js';
import { contractSize, contractsToBase, OKX_CONTRACT_SIZES } from './contract-sizes.js';

function normalizeFixture(name: string, registry: Normalizers = createNormalizers()) {
  const perLine = readVenueFixture(name).envelopes.map((envelope) => {
    const out: NormalizedEvent[] = [];
    registry.normalize(envelope, out);
    return out;
  });
  return { perLine, ...registry.snapshot() };
}

function feed(registry: Normalizers, envelopes: readonly Envelope[]): NormalizedEvent[][] {
  return envelopes.map((envelope) => {
    const out: NormalizedEvent[] = [];
    registry.normalize(envelope, out);
    return out;
  });
}

function normalizeOne(c: string, d: unknown, options?: NormalizersOptions) {
  const registry = createNormalizers(options);
  const out: NormalizedEvent[] = [];
  registry.normalize({ t: 1723038200000, v: 'okx', c, d }, out);
  return { events: out, ...registry.snapshot() };
}

interface Detail {
  readonly posSide: string;
  readonly side: string;
  readonly sz: string;
  readonly bkPx: string;
  readonly ts: string;
}

/** A liquidation-orders push of one instrument. */
function liquidations(instId: string, details: readonly Detail[]) {
  return {
    arg: { channel: 'liquidation-orders', instType: 'SWAP' },
    data: [{ details: details.map((d) => ({ bkLoss: '0', ccy: '', ...d })), instFamily: instId.slice(0, -5), instId, instType: 'SWAP', uly: instId.slice(0, -5) }],
  };
}

describe('okx contract sizes', () => {
  it('holds BTC 0.01, ETH 0.1, SOL 1 base per contract and nothing it has no source for', () => {
    expect(OKX_CONTRACT_SIZES).toEqual({ BTC: 0.01, ETH: 0.1, SOL: 1 });
  });

  it('converts contracts to base without binary noise', () => {
    expect(contractsToBase(415, contractSize(0.01))).toBe(4.15);
    expect(contractsToBase(3, contractSize(0.1))).toBe(0.3); // 3 × 0.1 is 0.30000000000000004
    expect(contractsToBase(34.95, contractSize(0.01))).toBe(0.3495);
    expect(contractsToBase(12, contractSize(1))).toBe(12);
    expect(contractsToBase(7, contractSize(100))).toBe(700);
  });
});

describe('okx liquidation-orders', () => {
  const { perLine, dropped } = normalizeFixture('okx/liquidation-orders.jsonl');

  it('counts an instrument with no known contract size instead of guessing (documented example)', () => {
    expect(perLine[0]).toEqual([]);
    expect(dropped['okx.unknown_contract_size']).toBe(1);
  });

  it("pins the side with OKX's own example: posSide short, side buy is a short liquidated (IOST given a contract size)", () => {
    // https://www.okx.com/docs-v5/en/#public-data-websocket-liquidation-orders-channel (VENUES.md 3.2):
    // posSide "short: Hedge mode short"; the liquidation order buys the short back. sz 13 contracts.
    const registry = createNormalizers({ okx: { contractSizes: { ...OKX_CONTRACT_SIZES, IOST: 1 } } });
    const official = readVenueFixture('okx/liquidation-orders.jsonl').envelopes[0]!;
    expect(feed(registry, [official])[0]).toEqual([
      { type: 'liquidation', venue: 'okx', symbol: 'IOST', ts: 1692266434010, side: 'short', price: 0.007831, qty: 13, notional: expect.closeTo(13 * 0.007831, 12) },
    ]);
    expect(registry.snapshot().dropped['okx.unknown_contract_size'] ?? 0).toBe(0);
  });

  it('reads posSide long as a long liquidation, sz contracts × 0.01 as BTC, bkPx as price (real frame)', () => {
    // OKX docs: posSide "long: Hedge mode long"; sz "For FUTURES/SWAP, the unit is contract"
    expect(perLine[1]).toEqual([
      { type: 'liquidation', venue: 'okx', symbol: 'BTC', ts: 1723038122631, side: 'long', price: 57102.9, qty: 100, notional: 5710290 },
    ]);
  });

  it('normalizes a multi-instrument push: sorted by ts, net mode from the order side, inverse swaps counted', () => {
    // OKX docs: posSide "net: Net mode" → the order side decides: sell closes a long, buy a short
    expect(perLine[2]).toEqual([
      { type: 'liquidation', venue: 'okx', symbol: 'BTC', ts: 1723038180104, side: 'long', price: 57010.4, qty: 0.25, notional: expect.closeTo(14252.6, 9) },
      { type: 'liquidation', venue: 'okx', symbol: 'ETH', ts: 1723038180330, side: 'long', price: 2501.37, qty: 4, notional: 10005.48 },
      { type: 'liquidation', venue: 'okx', symbol: 'BTC', ts: 1723038180512, side: 'short', price: 57150.1, qty: 0.03, notional: expect.closeTo(1714.503, 9) },
      { type: 'liquidation', venue: 'okx', symbol: 'SOL', ts: 1723038180871, side: 'short', price: 143.52, qty: 12, notional: expect.closeTo(1722.24, 9) },
    ]);
    expect(dropped['okx.unsupported_instrument']).toBe(1);
  });

  it('de-duplicates the backlog pushed after a reconnect and keeps what is new', () => {
    expect(perLine[3]).toEqual([
      { type: 'liquidation', venue: 'okx', symbol: 'BTC', ts: 1723038181640, side: 'long', price: 56990, qty: 0.005, notional: expect.closeTo(284.95, 9) },
    ]);
    expect(dropped['okx.backlog_duplicate']).toBe(3);
  });

  it('drops details much older than the receive time as stale backlog', () => {
    expect(perLine[4]).toEqual([
      { type: 'liquidation', venue: 'okx', symbol: 'BTC', ts: 1723052221950, side: 'short', price: 57230, qty: 0.02, notional: expect.closeTo(1144.6, 9) },
    ]);
    expect(dropped['okx.backlog_stale']).toBe(1);
    expect(dropped).toEqual({
      'okx.unknown_contract_size': 1,
      'okx.unsupported_instrument': 1,
      'okx.backlog_duplicate': 3,
      'okx.backlog_stale': 1,
    });
  });

  it('honours the stale-backlog age option', () => {
    const push = liquidations('BTC-USDT-SWAP', [{ posSide: 'long', side: 'sell', sz: '1', bkPx: '60000', ts: String(1723038200000 - 10_000) }]);
    expect(normalizeOne('liquidation-orders', push).events).toHaveLength(1);
    const strict = normalizeOne('liquidation-orders', push, { okx: { backlogMaxAgeMs: 5_000 } });
    expect(strict.events).toEqual([]);
    expect(strict.dropped).toEqual({ 'okx.backlog_stale': 1 });
  });

  it('remembers a bounded number of liquidations, forgetting the oldest first', () => {
    const registry = createNormalizers({ okx: { dedupCapacity: 2 } });
    const detail = (ts: number): Detail => ({ posSide: 'short', side: 'buy', sz: '1', bkPx: '60000', ts: String(ts) });
    const push = (t: number, ...ts: number[]): Envelope => ({ t, v: 'okx', c: 'liquidation-orders', d: liquidations('BTC-USDT-SWAP', ts.map(detail)) });
    const counts = feed(registry, [push(1000, 1, 2, 3), push(1000, 2, 3), push(1000, 1)]).map((events) => events.length);
    // after 1, 2, 3 only 2 and 3 are remembered: their repeats are duplicates, 1 passes again
    expect(counts).toEqual([3, 0, 1]);
    expect(registry.snapshot().dropped).toEqual({ 'okx.backlog_duplicate': 2 });
  });

  it('keeps de-duplication memory per registry', () => {
    const push: Envelope = { t: 1723038122700, v: 'okx', c: 'liquidation-orders', d: readVenueFixture('okx/liquidation-orders.jsonl').envelopes[1]!.d };
    expect(feed(createNormalizers(), [push])[0]).toHaveLength(1);
    expect(feed(createNormalizers(), [push])[0]).toHaveLength(1);
  });

  it('counts an unknown posSide/side pair and a zero size', () => {
    const result = normalizeOne(
      'liquidation-orders',
      liquidations('ETH-USDT-SWAP', [
        { posSide: 'net', side: 'hold', sz: '1', bkPx: '3000', ts: '1723038199000' },
        { posSide: 'long', side: 'sell', sz: '0', bkPx: '3000', ts: '1723038199000' },
        { posSide: 'long', side: 'sell', sz: '1', bkPx: '', ts: '1723038199000' },
      ]),
    );
    expect(result.events).toEqual([]);
    expect(result.dropped).toEqual({ 'okx.unknown_side': 1, 'okx.non_positive_value': 1, 'okx.malformed_payload': 1 });
  });
});

describe('okx books', () => {
  const { perLine, dropped } = normalizeFixture('okx/books.jsonl');

  it('counts a spot instrument (the documented example is BTC-USDT)', () => {
    expect(perLine[0]).toEqual([]);
  });

  it('turns a snapshot into a DepthSnapshot with seqId as its id and sizes in base', () => {
    expect(perLine[1]).toEqual([
      {
        type: 'depthSnapshot',
        venue: 'okx',
        symbol: 'BTC',
        ts: 1597026383085,
        lastUpdateId: 123456,
        // 415 contracts × 0.01 = 4.15 BTC …
        asks: [8476.98, 4.15, 8477, 0.07, 8477.34, 0.85, 8477.56, 0.01, 8505.84, 0.08, 8506.37, 0.85, 8506.49, 0.02, 8506.96, 1],
        bids: [8476.97, 2.56, 8475.55, 1.01, 8475.54, 1, 8475.3, 0.01, 8447.32, 0.06, 8447.02, 2.46, 8446.83, 0.24, 8446, 0.95],
        top: undefined,
        checksum: 0,
      },
    ]);
  });

  it('turns an update into a DepthDiff chained by prevSeqId', () => {
    expect(perLine[2]).toEqual([
      {
        type: 'depthDiff',
        venue: 'okx',
        symbol: 'BTC',
        ts: 1597026383185,
        firstId: 123457,
        lastId: 123457,
        prevLastId: 123456,
        asks: [8476.98, 0, 8477.1, 0.3495],
        bids: [8476.97, 2.5],
        checksum: 0,
      },
    ]);
  });

  it('passes the empty heartbeat update (seqId == prevSeqId) on for the book to check', () => {
    expect(perLine[3]).toEqual([
      { type: 'depthDiff', venue: 'okx', symbol: 'BTC', ts: 1597026443185, firstId: 123457, lastId: 123457, prevLastId: 123457, asks: [], bids: [], checksum: 0 },
    ]);
  });

  it('counts books5 of an instrument with no known contract size', () => {
    expect(perLine[4]).toEqual([]);
    expect(dropped).toEqual({ 'okx.unsupported_instrument': 1, 'okx.unknown_contract_size': 1 });
  });

  it('turns books5 into a top-5 snapshot (real frame, fractional contracts)', () => {
    expect(perLine[5]).toEqual([
      {
        type: 'depthSnapshot',
        venue: 'okx',
        symbol: 'BTC',
        ts: 1786541241006,
        lastUpdateId: 333794734980,
        asks: [63921.5, 7.9041, 63921.8, 0.0032, 63922.2, 0.0003, 63922.3, 0.9081, 63922.4, 0.0032],
        bids: [63921.4, 4.2193, 63921.3, 0.0025, 63920.7, 0.0034, 63920.4, 0.0032, 63920.1, 0.0008],
        top: 5,
        checksum: undefined,
      },
    ]);
  });

  it('drops a books frame without an action, and an update without prevSeqId', () => {
    const frame = { arg: { channel: 'books', instId: 'ETH-USDT-SWAP' }, data: [{ asks: [], bids: [], ts: '5', seqId: 3, prevSeqId: 2 }] };
    expect(normalizeOne('books', frame).dropped).toEqual({ 'okx.malformed_payload': 1 });
    expect(normalizeOne('books', { ...frame, action: 'update' }).events).toMatchObject([{ type: 'depthDiff', symbol: 'ETH', prevLastId: 2 }]);
    const noPrev = { ...frame, action: 'update', data: [{ asks: [], bids: [], ts: '5', seqId: 3 }] };
    expect(normalizeOne('books', noPrev).dropped).toEqual({ 'okx.malformed_payload': 1 });
  });
});

describe('okx trades', () => {
  it('reads side as the taker side and sz contracts as base (real frames)', () => {
    const { perLine } = normalizeFixture('okx/trades.jsonl');
    // ccxt computes this trade's cost as 639.135 = 1 contract × 0.01 BTC × 63913.5
    expect(perLine[0]).toEqual([{ type: 'trade', venue: 'okx', symbol: 'BTC', ts: 1786540435948, price: 63913.5, qty: 0.01, takerSide: 'buy' }]);
    expect(perLine[1]).toEqual([{ type: 'trade', venue: 'okx', symbol: 'BTC', ts: 1786540436090, price: 63913.4, qty: 0.3495, takerSide: 'sell' }]);
  });
});

describe('okx funding-rate, open-interest, mark-price', () => {
  it('reads the funding rate with fundingTime as the next funding time', () => {
    const { perLine, dropped } = normalizeFixture('okx/funding-rate.jsonl');
    expect(perLine[0]).toEqual([]);
    expect(dropped).toEqual({ 'okx.unsupported_instrument': 1 });
    expect(perLine[1]).toEqual([{ type: 'funding', venue: 'okx', symbol: 'BTC', ts: 1700724675402, rate: 0.0001875391284828, nextFundingTs: 1700726400000 }]);
  });

  it('reads open interest from oiCcy (coins), never oi (contracts)', () => {
    const { perLine } = normalizeFixture('okx/open-interest.jsonl');
    expect(perLine[0]).toEqual([{ type: 'openInterest', venue: 'okx', symbol: 'BTC', ts: 1743041250440, oiBase: 22161.1301000000309, source: 'stream' }]);
  });

  it('reads the mark price and counts a dated future', () => {
    const { perLine, dropped } = normalizeFixture('okx/mark-price.jsonl');
    expect(perLine[0]).toEqual([]);
    expect(dropped).toEqual({ 'okx.unsupported_instrument': 1 });
    expect(perLine[1]).toEqual([{ type: 'markPrice', venue: 'okx', symbol: 'BTC', ts: 1786541241200, mark: 63920.8 }]);
  });
});

describe('okx REST', () => {
  it('reads REST open interest from oiCcy, learns contract sizes from instruments, counts error bodies', () => {
    const registry = createNormalizers();
    const { perLine, dropped, control } = normalizeFixture('okx/rest.jsonl', registry);
    expect(perLine[0]).toEqual([{ type: 'openInterest', venue: 'okx', symbol: 'BTC', ts: 1597026383085, oiBase: 555.55, source: 'rest' }]);
    expect(perLine[1]).toEqual([]);
    expect(control).toEqual({ 'okx.instruments': 1 });
    expect(registry.okx.contractSizes.snapshot()).toEqual({ BTC: 0.01, ETH: 0.1, SOL: 1, XRP: 100 });
    expect(perLine[2]).toEqual([]);
    expect(dropped).toEqual({ 'okx.error_frame': 1 });
  });

  it('sizes an instrument it learnt from rest.instruments', () => {
    const registry = createNormalizers();
    normalizeFixture('okx/rest.jsonl', registry);
    const push = liquidations('XRP-USDT-SWAP', [{ posSide: 'short', side: 'buy', sz: '3', bkPx: '0.61', ts: '1723038001500' }]);
    const [events] = feed(registry, [{ t: 1723038001600, v: 'okx', c: 'liquidation-orders', d: push }]);
    expect(events).toEqual([{ type: 'liquidation', venue: 'okx', symbol: 'XRP', ts: 1723038001500, side: 'short', price: 0.61, qty: 300, notional: 183 }]);
  });
});

describe('okx control frames and bad input', () => {
  it('counts the text pong, acks and notices as control and an error event as an error frame', () => {
    const { perLine, dropped, control } = normalizeFixture('okx/control.jsonl');
    expect(perLine.flat()).toEqual([]);
    expect(control).toEqual({ 'okx.pong': 1, 'okx.ack': 1, 'okx.notice': 1 });
    expect(dropped).toEqual({ 'okx.error_frame': 1 });
  });

  it('counts an unknown channel and never throws on junk', () => {
    expect(normalizeOne('tickers', { arg: { channel: 'tickers', instId: 'BTC-USDT-SWAP' }, data: [] }).dropped).toEqual({ 'okx.unknown_channel': 1 });
    for (const d of [null, undefined, 7, 'ping', [], { arg: {} }, { arg: { channel: 'x' }, data: {} }]) {
      for (const c of ['liquidation-orders', 'books', 'books5', 'trades', 'funding-rate', 'open-interest', 'mark-price', 'rest.openInterest', 'rest.instruments']) {
        const result = normalizeOne(c, d);
        expect(result.events).toEqual([]);
        expect(Object.values(result.dropped).reduce((a, b) => a + b, 0)).toBe(1);
      }
    }
  });
});

describe('okx liquidation ordering', () => {
  it('sorts a large backlog push by ts too', () => {
    const now = 1723038200000;
    // 40 details, newest first, all within the backlog age
    const details = Array.from({ length: 40 }, (_, i) => ({ posSide: 'long', side: 'sell', sz: String(i + 1), bkPx: '60000', ts: String(now - 1000 - i * 10) }));
    const { events } = normalizeOne('liquidation-orders', liquidations('BTC-USDT-SWAP', details));
    expect(events).toHaveLength(40);
    const times = events.map((e) => e.ts);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(events[0]).toMatchObject({ ts: now - 1000 - 390, qty: 0.4 });
  });
});
