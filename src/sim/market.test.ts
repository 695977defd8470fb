import { describe, expect, it } from 'vitest';
import { SimMarket, type SimFrame, type SimOptions } from './market.js';
import { DEFAULT_START_MS } from './params.js';

function collect(options: SimOptions, minutes: number): { frames: SimFrame[]; market: SimMarket } {
  const frames: SimFrame[] = [];
  const market = new SimMarket(options, (f) => frames.push(f));
  market.start();
  market.finish(market.startMs + minutes * 60_000);
  return { frames, market };
}

/** A quiet one-symbol market: no regime changes, no jumps, barely any diffusion or flow. */
const QUIET: SimOptions = {
  seed: 3,
  symbols: ['BTC'],
  venues: ['binance'],
  market: { jumpsPerHour: 0, calmToVolatile: 0 },
  symbolParams: { BTC: { calmVol: 0.0001, noiseRate: 0, impactPerMillion: 0.003 } },
};

describe('SimMarket', () => {
  it('hands out the same frames for the same seed and different ones for another seed', () => {
    const a = collect({ seed: 5, symbols: ['ETH'] }, 3).frames;
    const b = collect({ seed: 5, symbols: ['ETH'] }, 3).frames;
    const c = collect({ seed: 6, symbols: ['ETH'] }, 3).frames;
    expect(a.length).toBeGreaterThan(100);
    expect(b).toEqual(a);
    expect(c.map((f) => f.json)).not.toEqual(a.map((f) => f.json));
  });

  it('hands frames over in receive-time order, each after its event time and in order per connection', () => {
    const { frames } = collect({ seed: 2 }, 4);
    const lastPerConnection = new Map<string, number>();
    for (let i = 1; i < frames.length; i++) expect(frames[i]!.t).toBeGreaterThanOrEqual(frames[i - 1]!.t);
    for (const f of frames) {
      if (f.v === 'moonstream') {
        expect(f.t % 1000).toBe(0);
        continue;
      }
      expect(f.t).toBeGreaterThan(f.ts);
      const connection = f.v === 'binance' ? (/depth|bookTicker/.test(f.c) ? 'binance-public' : 'binance-market') : f.v;
      const previous = lastPerConnection.get(connection) ?? 0;
      expect(f.t).toBeGreaterThanOrEqual(previous);
      lastPerConnection.set(connection, f.t);
      expect(() => JSON.parse(f.json)).not.toThrow();
    }
  });

  it('emits a tick every second of receive time', () => {
    const { frames } = collect({ seed: 2, symbols: ['SOL'] }, 2);
    const ticks = frames.filter((f) => f.c === 'tick').map((f) => f.t);
    expect(ticks).toEqual(Array.from({ length: 120 }, (_, i) => DEFAULT_START_MS + 1000 * (i + 1)));
    expect(frames.find((f) => f.c === 'tick')!.json).toBe('{}');
  });

  it('puts liquidation levels at E(1 - 1/L + m) for longs and E(1 + 1/L - m) for shorts and liquidates only once the mark crosses them', () => {
    const { market } = collect({ seed: 8 }, 20);
    const truth = market.truth();
    expect(truth.liquidations.length).toBeGreaterThan(50);
    for (const l of truth.liquidations) {
      const m = truth.maintenanceMargin[l.symbol]!;
      const long = l.side === 'long';
      const expected = long ? l.entry * (1 - 1 / l.leverage + m) : l.entry * (1 + 1 / l.leverage - m);
      expect(l.liqPrice).toBeCloseTo(expected, 3);
      if (long) expect(l.mark).toBeLessThanOrEqual(l.liqPrice + 1e-6);
      else expect(l.mark).toBeGreaterThanOrEqual(l.liqPrice - 1e-6);
      // the published order price is the bankruptcy price
      const bankruptcy = long ? l.entry * (1 - 1 / l.leverage) : l.entry * (1 + 1 / l.leverage);
      expect(Math.abs(l.price - bankruptcy) / bankruptcy).toBeLessThan(2e-4);
    }
  });

  it('opens positions at the price of the moment: entries of positions opened during the run lie in their minute’s range', () => {
    const { market } = collect({ seed: 12, symbols: ['SOL'], venues: ['bybit'] }, 60);
    const truth = market.truth();
    const during = truth.liquidations.filter((l) => l.openTs >= truth.start);
    expect(during.length).toBeGreaterThan(10);
    for (const l of during) {
      const [, high, low] = truth.perSymbol.SOL!.ohlc[Math.floor((l.openTs - truth.start) / 60_000)]!;
      expect(l.entry).toBeGreaterThan(low * 0.997);
      expect(l.entry).toBeLessThan(high * 1.003);
    }
  });

  it('lets a large market sell set off a cascade that takes the price further than the order alone', () => {
    const market = new SimMarket(QUIET, () => {});
    const before = market.price('BTC');
    const notional = 2e6;
    market.marketOrder('binance', 'BTC', 'sell', notional);
    const truth = market.truth();
    const ownMove = Math.exp(-0.003 * 2); // impactPerMillion × 2 M USD, half permanent + half transient (not decayed yet)
    expect(truth.liquidations.length).toBeGreaterThan(10);
    expect(truth.liquidations.every((l) => l.side === 'long')).toBe(true);
    expect(new Set(truth.liquidations.map((l) => l.leverage)).size).toBeGreaterThan(1);
    expect(market.price('BTC')).toBeLessThan(before * ownMove * 0.999);
    const ts = truth.liquidations.map((l) => l.ts);
    expect([...ts].sort((a, b) => a - b)).toEqual(ts);
  });

  it('answers REST from the current state at any moment', () => {
    const market = new SimMarket({ seed: 4, symbols: ['BTC'] }, () => {});
    market.advanceTo(market.startMs + 95_000);
    const oi = JSON.parse(market.restOpenInterest('binance', 'BTC', market.now)) as { openInterest: string; time: number };
    expect(Number(oi.openInterest)).toBe(market.openInterest('binance', 'BTC'));
    expect(oi.time).toBe(market.now);
    const bybit = JSON.parse(market.restOpenInterest('bybit', 'BTC', market.now)) as { result: { list: { openInterest: string; singleOpenInterest: string; timestamp: string }[] } };
    const row = bybit.result.list[0]!;
    expect(Number(row.singleOpenInterest)).toBe(market.openInterest('bybit', 'BTC'));
    expect(Number(row.openInterest)).toBeCloseTo(2 * Number(row.singleOpenInterest), 6);
    expect(Number(row.timestamp) % 300_000).toBe(0);
    const okx = JSON.parse(market.restOpenInterest('okx', 'BTC', market.now)) as { data: { oi: string; oiCcy: string; oiUsd: string }[] };
    expect(Number(okx.data[0]!.oiCcy)).toBeCloseTo(Number(okx.data[0]!.oi) * 0.01, 8);
    expect(Number(okx.data[0]!.oiCcy)).toBe(market.openInterest('okx', 'BTC'));
    const first = market.restDepth('BTC', 1000, market.now);
    market.advanceTo(market.now + 5_000);
    const second = market.restDepth('BTC', 5, market.now);
    expect(second.lastUpdateId).toBeGreaterThan(first.lastUpdateId);
    const body = JSON.parse(second.json) as { bids: string[][]; asks: string[][] };
    expect(body.bids).toHaveLength(5);
    expect(Number(body.bids[0]![0])).toBeLessThan(Number(body.asks[0]![0]));
    for (const kind of ['topAccount', 'topPosition', 'globalAccount'] as const) {
      const [ratio] = JSON.parse(market.restTraderRatio(kind, 'BTC', market.now)) as { longShortRatio: string; longAccount: string; shortAccount: string }[];
      const long = Number(ratio!.longAccount);
      expect(long).toBeGreaterThan(0.2);
      expect(long).toBeLessThan(0.8);
      expect(long + Number(ratio!.shortAccount)).toBeCloseTo(1, 4);
      expect(Number(ratio!.longShortRatio)).toBeCloseTo(long / Number(ratio!.shortAccount), 2);
    }
  });

  it('gives a new subscriber the current Bybit and OKX books that the following deltas chain on', () => {
    const frames: SimFrame[] = [];
    const market = new SimMarket({ seed: 4, symbols: ['ETH'] }, (f) => frames.push(f));
    market.advanceTo(market.startMs + 30_000);
    frames.length = 0;
    market.subscribe(['bybit', 'okx']);
    market.advanceTo(market.now + 10_000);
    const bybit = frames.filter((f) => f.c === 'orderbook.50').map((f) => JSON.parse(f.json) as { type: string; data: { u: number } });
    expect(bybit[0]!.type).toBe('snapshot');
    for (let i = 1; i < bybit.length; i++) expect(bybit[i]!.data.u).toBe(bybit[i - 1]!.data.u + 1);
    const okx = frames.filter((f) => f.c === 'books').map((f) => JSON.parse(f.json) as { action: string; data: { prevSeqId: number; seqId: number }[] });
    expect(okx[0]!.action).toBe('snapshot');
    expect(okx[0]!.data[0]!.prevSeqId).toBe(-1);
    for (let i = 1; i < okx.length; i++) expect(okx[i]!.data[0]!.prevSeqId).toBe(okx[i - 1]!.data[0]!.seqId);
    expect(frames.filter((f) => f.c === 'tickers').map((f) => (JSON.parse(f.json) as { type: string }).type)[0]).toBe('snapshot');
  });

  it('hands a loopback server one subscriber’s snapshots without emitting them', () => {
    const frames: SimFrame[] = [];
    const market = new SimMarket({ seed: 4, symbols: ['ETH', 'SOL'] }, (f) => frames.push(f));
    market.advanceTo(market.startMs + 5_000);
    const count = frames.length;
    const snapshots = market.snapshotFrames(['okx'], ['SOL']);
    expect(frames.length).toBe(count);
    expect(snapshots.map((f) => [f.v, f.c, f.route])).toEqual([['okx', 'books', 'books:SOL-USDT-SWAP']]);
    const book = JSON.parse(snapshots[0]!.json) as { action: string; data: { prevSeqId: number; asks: unknown[] }[] };
    expect(book.action).toBe('snapshot');
    expect(book.data[0]!.prevSeqId).toBe(-1);
    expect(book.data[0]!.asks.length).toBeGreaterThan(20);
  });

  it('rejects a maintenance margin at or above 1/L of a tier, unknown symbols and bad profiles', () => {
    expect(() => new SimMarket({ symbols: ['BTC'], symbolParams: { BTC: { maintenanceMargin: 0.004 } } }, () => {})).toThrow(/maintenance margin/);
    expect(() => new SimMarket({ symbols: ['DOGE'] }, () => {})).toThrow(/DOGE/);
    expect(() => new SimMarket({ profile: 'turbo' }, () => {})).toThrow(/unknown emission profile "turbo"/);
    expect(() => new SimMarket({ startMs: DEFAULT_START_MS + 1 }, () => {})).toThrow(/whole second/);
  });
});
