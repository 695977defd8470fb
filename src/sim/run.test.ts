import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAllEnvelopes } from '../capture/reader.js';
import type { Envelope } from '../capture/envelope.js';
import type { Liquidation, NormalizedEvent, OpenInterest } from '../events.js';
import { createNormalizers } from '../venues/index.js';
import { leverageConfigFor } from '../engines/leverage-config.js';
import { instrumentSpec } from './params.js';
import { simulateToFile, type SimulateSummary } from './run.js';
import type { SimTruth, TruthLiquidation } from './truth.js';
import { BYBIT_TICKER_SNAPSHOT_FIELDS, VENUE_EXAMPLES, shapeDifferences } from './venue-examples.js';

const MINUTES = 20;
let dir: string;
let summary: SimulateSummary;
let envelopes: Envelope[];
let truth: SimTruth;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-sim-'));
  summary = await simulateToFile({ minutes: MINUTES, seed: 11, out: path.join(dir, 'sim.jsonl.gz') });
  envelopes = await readAllEnvelopes(summary.out);
  truth = JSON.parse(fs.readFileSync(summary.truthFile, 'utf8')) as SimTruth;
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const SYMBOLS = ['BTC', 'ETH', 'SOL'];
const of = (v: string, c: string): Envelope[] => envelopes.filter((e) => e.v === v && e.c === c);
const symbolOf = (instrument: string): string => instrument.replace(/-USDT-SWAP$|USDT$/, '');

describe('simulated capture', () => {
  it('writes a header, envelopes in receive-time order and a truth file beside it', async () => {
    expect(summary.truthFile).toBe(`${summary.out}.truth.json`);
    expect(envelopes.length).toBe(summary.frames);
    for (let i = 1; i < envelopes.length; i++) expect(envelopes[i]!.t).toBeGreaterThanOrEqual(envelopes[i - 1]!.t);
    const ticks = of('moonstream', 'tick');
    expect(ticks).toHaveLength(MINUTES * 60);
    expect(ticks.every((e) => e.t % 1000 === 0)).toBe(true);
    expect(truth.minutes).toBe(MINUTES);
    expect(truth.seed).toBe(11);
    expect(Object.keys(summary.byChannel).sort()).toEqual(
      [
        'binance/aggTrade',
        'binance/depth@100ms',
        'binance/forceOrder',
        'binance/markPrice@1s',
        'binance/rest.depthSnapshot',
        'binance/rest.openInterest',
        'binance/rest.ratio.globalAccount',
        'binance/rest.ratio.topAccount',
        'binance/rest.ratio.topPosition',
        'bybit/allLiquidation',
        'bybit/orderbook.50',
        'bybit/publicTrade',
        'bybit/rest.openInterest',
        'bybit/tickers',
        'moonstream/tick',
        'okx/books',
        'okx/funding-rate',
        'okx/liquidation-orders',
        'okx/mark-price',
        'okx/open-interest',
        'okx/rest.openInterest',
        'okx/trades',
      ].sort(),
    );
  });

  it('emits every message in its venue’s documented shape', () => {
    const problems: string[] = [];
    for (const e of envelopes) {
      const key = `${e.v}/${e.c}`;
      if (key === 'moonstream/tick') continue;
      if (key === 'bybit/tickers') {
        const frame = e.d as { topic: string; type: string; data: Record<string, unknown>; cs: number; ts: number };
        expect(Object.keys(frame)).toEqual(['topic', 'type', 'data', 'cs', 'ts']);
        const fields = Object.keys(frame.data);
        if (frame.type === 'snapshot') for (const f of BYBIT_TICKER_SNAPSHOT_FIELDS) expect(fields).toContain(f);
        else expect(fields[0]).toBe('symbol');
        for (const value of Object.values(frame.data)) expect(typeof value).toBe('string');
        continue;
      }
      const example = VENUE_EXAMPLES[key];
      expect(example, key).toBeDefined();
      problems.push(...shapeDifferences(e.d, example).map((p) => `${key}: ${p}`));
      if (problems.length > 10) break;
    }
    expect(problems).toEqual([]);
  });

  it('puts REST query parameters on REST envelopes as the pollers send them', () => {
    expect(of('binance', 'rest.depthSnapshot').map((e) => e.q)).toEqual(SYMBOLS.map((s) => ({ symbol: `${s}USDT`, limit: 1000 })));
    const queries = (v: string, c: string): unknown[] => of(v, c).map((e) => e.q);
    expect(queries('binance', 'rest.openInterest')).toContainEqual({ symbol: 'BTCUSDT' });
    expect(queries('bybit', 'rest.openInterest')).toContainEqual({ category: 'linear', symbol: 'ETHUSDT', intervalTime: '5min', limit: 1 });
    expect(queries('okx', 'rest.openInterest')).toContainEqual({ instType: 'SWAP', instId: 'SOL-USDT-SWAP' });
    expect(queries('binance', 'rest.ratio.topPosition')).toContainEqual({ symbol: 'BTCUSDT', period: '5m', limit: 1 });
    // every 15 s per venue and symbol, every 60 s per ratio and symbol
    expect(of('okx', 'rest.openInterest')).toHaveLength((MINUTES * 4) * 3);
    expect(of('binance', 'rest.ratio.globalAccount')).toHaveLength(MINUTES * 3);
  });

  it('chains Binance depth diffs on pu = previous u, Bybit deltas on u + 1 and OKX updates on prevSeqId = previous seqId', () => {
    for (const symbol of SYMBOLS) {
      const binance = of('binance', 'depth@100ms')
        .map((e) => (e.d as { data: { s: string; U: number; u: number; pu: number } }).data)
        .filter((d) => d.s === `${symbol}USDT`);
      expect(binance.length).toBeGreaterThan(MINUTES * 20);
      for (let i = 1; i < binance.length; i++) {
        expect(binance[i]!.pu).toBe(binance[i - 1]!.u);
        expect(binance[i]!.U).toBeGreaterThan(binance[i]!.pu);
        expect(binance[i]!.u).toBeGreaterThanOrEqual(binance[i]!.U);
      }
      const bybit = of('bybit', 'orderbook.50')
        .map((e) => e.d as { type: string; data: { s: string; u: number } })
        .filter((d) => d.data.s === `${symbol}USDT`);
      expect(bybit[0]!.type).toBe('snapshot');
      for (let i = 1; i < bybit.length; i++) {
        expect(bybit[i]!.type).toBe('delta');
        expect(bybit[i]!.data.u).toBe(bybit[i - 1]!.data.u + 1);
      }
      const okx = of('okx', 'books')
        .map((e) => e.d as { action: string; arg: { instId: string }; data: { prevSeqId: number; seqId: number; checksum: number }[] })
        .filter((d) => d.arg.instId === `${symbol}-USDT-SWAP`);
      expect(okx[0]!.action).toBe('snapshot');
      expect(okx[0]!.data[0]!.prevSeqId).toBe(-1);
      for (let i = 1; i < okx.length; i++) {
        expect(okx[i]!.action).toBe('update');
        expect(okx[i]!.data[0]!.prevSeqId).toBe(okx[i - 1]!.data[0]!.seqId);
        expect(okx[i]!.data[0]!.seqId).toBeGreaterThanOrEqual(okx[i]!.data[0]!.prevSeqId);
        expect(okx[i]!.data[0]!.checksum).toBe(0);
      }
    }
  });

  it('lets each venue’s book be rebuilt exactly: the final books equal the truth file’s', () => {
    for (const symbol of SYMBOLS) {
      // Binance: REST snapshot, then diffs by the futures rules
      const snapshot = of('binance', 'rest.depthSnapshot').find((e) => e.q?.symbol === `${symbol}USDT`)!.d as {
        lastUpdateId: number;
        bids: string[][];
        asks: string[][];
      };
      const book = new Book(1);
      book.load(snapshot.bids, snapshot.asks);
      let synced = false;
      let lastU = 0;
      for (const e of of('binance', 'depth@100ms')) {
        const d = (e.d as { data: { s: string; U: number; u: number; b: string[][]; a: string[][] } }).data;
        if (d.s !== `${symbol}USDT` || d.u < snapshot.lastUpdateId) continue;
        if (!synced) {
          expect(d.U).toBeLessThanOrEqual(snapshot.lastUpdateId);
          synced = true;
        }
        book.apply(d.b, d.a);
        lastU = d.u;
      }
      const binanceTruth = truth.books.binance![symbol]!;
      expect(lastU).toBe(binanceTruth.lastUpdateId);
      expect(book.levels()).toEqual({ bids: binanceTruth.bids, asks: binanceTruth.asks });

      const bybit = new Book(1);
      let u = 0;
      for (const e of of('bybit', 'orderbook.50')) {
        const d = e.d as { type: string; data: { s: string; u: number; b: string[][]; a: string[][] } };
        if (d.data.s !== `${symbol}USDT`) continue;
        if (d.type === 'snapshot') bybit.load(d.data.b, d.data.a);
        else bybit.apply(d.data.b, d.data.a);
        u = d.data.u;
      }
      expect(u).toBe(truth.books.bybit![symbol]!.lastUpdateId);
      expect(bybit.levels()).toEqual({ bids: truth.books.bybit![symbol]!.bids, asks: truth.books.bybit![symbol]!.asks });

      const okx = new Book(instrumentSpec('okx', symbol).contractSize);
      for (const e of of('okx', 'books')) {
        const d = e.d as { action: string; arg: { instId: string }; data: { bids: string[][]; asks: string[][] }[] };
        if (d.arg.instId !== `${symbol}-USDT-SWAP`) continue;
        if (d.action === 'snapshot') okx.load(d.data[0]!.bids, d.data[0]!.asks);
        else okx.apply(d.data[0]!.bids, d.data[0]!.asks);
      }
      expect(okx.levels()).toEqual({ bids: truth.books.okx![symbol]!.bids, asks: truth.books.okx![symbol]!.asks });
    }
  });

  it('publishes every Bybit and OKX liquidation of the truth, with the position side, size and bankruptcy price', () => {
    const fromBybit = of('bybit', 'allLiquidation').flatMap((e) =>
      (e.d as { data: { T: number; s: string; S: string; v: string; p: string }[] }).data.map((x) => ({
        ts: x.T,
        symbol: symbolOf(x.s),
        side: x.S === 'Buy' ? 'long' : 'short', // Bybit S is the POSITION side
        qty: Number(x.v),
        price: Number(x.p),
      })),
    );
    const fromOkx = of('okx', 'liquidation-orders').flatMap((e) =>
      (e.d as { data: { instId: string; details: { posSide: string; side: string; sz: string; bkPx: string; ts: string }[] }[] }).data.flatMap((item) =>
        item.details.map((x) => ({
          ts: Number(x.ts),
          symbol: symbolOf(item.instId),
          side: x.posSide === 'long' || (x.posSide === 'net' && x.side === 'sell') ? 'long' : 'short',
          qty: round(Number(x.sz) * instrumentSpec('okx', symbolOf(item.instId)).contractSize),
          price: Number(x.bkPx),
        })),
      ),
    );
    const key = (x: { ts: number; symbol: string; side: string; qty: number; price: number }): string => `${x.ts}|${x.symbol}|${x.side}|${x.qty}|${x.price}`;
    const truthOf = (venue: string): string[] =>
      truth.liquidations
        .filter((l) => l.venue === venue)
        .map(key)
        .sort();
    expect(truthOf('bybit').length).toBeGreaterThan(20);
    expect(fromBybit.map(key).sort()).toEqual(truthOf('bybit'));
    expect(fromOkx.map(key).sort()).toEqual(truthOf('okx'));
    expect(truth.liquidations.filter((l) => l.venue !== 'binance').every((l) => l.published)).toBe(true);
    // OKX: some net-mode accounts, and each push carries instruments with details, newest first
    const okxDetails = of('okx', 'liquidation-orders').flatMap((e) => (e.d as { data: { details: { posSide: string; ts: string }[] }[] }).data.flatMap((d) => d.details));
    expect(okxDetails.some((d) => d.posSide === 'net')).toBe(true);
  });

  it('reproduces Binance’s snapshot feed: at most one liquidation per symbol per second, the latest of its second', () => {
    const binance = truth.liquidations.filter((l) => l.venue === 'binance');
    const published = binance.filter((l) => l.published);
    const frames = of('binance', 'forceOrder').map((e) => (e.d as { data: { E: number; o: { s: string; S: string; q: string; z: string; p: string; T: number }; st: number } }).data);
    expect(frames.length).toBe(published.length);
    expect(published.length).toBeLessThan(binance.length); // some were swallowed
    const seen = new Set<string>();
    for (const f of frames) {
      expect(f.st).toBe(1);
      const symbol = symbolOf(f.o.s);
      const match = published.find((l) => l.symbol === symbol && l.ts === f.o.T && l.qty === Number(f.o.q));
      expect(match).toBeDefined();
      expect(f.o.S).toBe(match!.side === 'long' ? 'SELL' : 'BUY'); // order side: SELL closes a long
      expect(Number(f.o.p)).toBe(match!.price);
      expect(f.E % 1000).toBe(0);
      const window = `${symbol}|${f.E}`;
      expect(seen.has(window)).toBe(false);
      seen.add(window);
      // nothing later in its second on that symbol went unpublished
      const later = binance.filter((l) => l.symbol === symbol && l.ts > f.o.T && l.ts < f.E);
      expect(later).toEqual([]);
    }
  });

  it('reports open interest that matches the truth at every minute boundary and a ledger that adds up', () => {
    const start = truth.start;
    let checked = 0;
    for (const e of envelopes.filter((x) => x.c === 'rest.openInterest')) {
      let symbol: string;
      let oi: number;
      let ts: number;
      if (e.v === 'binance') {
        const d = e.d as { openInterest: string; symbol: string; time: number };
        [symbol, oi, ts] = [symbolOf(d.symbol), Number(d.openInterest), d.time];
      } else if (e.v === 'bybit') {
        const d = e.d as { result: { symbol: string; list: { openInterest: string; singleOpenInterest: string }[] }; time: number };
        const row = d.result.list[0]!;
        expect(Number(row.openInterest)).toBeCloseTo(2 * Number(row.singleOpenInterest), 6); // both sides
        [symbol, oi, ts] = [symbolOf(d.result.symbol), Number(row.singleOpenInterest), d.time];
      } else {
        const d = (e.d as { data: { instId: string; oi: string; oiCcy: string; ts: string }[] }).data[0]!;
        symbol = symbolOf(d.instId);
        expect(Number(d.oiCcy)).toBeCloseTo(Number(d.oi) * instrumentSpec('okx', symbol).contractSize, 8);
        [oi, ts] = [Number(d.oiCcy), Number(d.ts)];
      }
      if ((ts - start) % 60_000 !== 0) continue;
      expect(oi).toBe(truth.perSymbol[symbol]!.oi[e.v as 'binance']![(ts - start) / 60_000]);
      checked++;
    }
    expect(checked).toBe(MINUTES * 3 * 3);
    // OI moves only by opens, voluntary closes and liquidations
    for (const symbol of SYMBOLS) {
      const s = truth.perSymbol[symbol]!;
      for (const venue of ['binance', 'bybit', 'okx'] as const) {
        const oi = s.oi[venue]!;
        expect(oi).toHaveLength(MINUTES + 1);
        for (let k = 0; k < MINUTES; k++) {
          const liquidated = truth.liquidations
            .filter((l) => l.symbol === symbol && l.venue === venue && l.ts >= start + k * 60_000 && l.ts < start + (k + 1) * 60_000)
            .reduce((a, l) => a + l.qty, 0);
          expect(oi[k + 1]!).toBeCloseTo(oi[k]! + s.opened[venue]![k]! - s.closed[venue]![k]! - liquidated, 6);
        }
        expect(s.opened[venue]!.some((x) => x > 0)).toBe(true);
        expect(s.closed[venue]!.some((x) => x > 0)).toBe(true);
      }
    }
  });

  it('opens positions at the price of the moment, with the known leverage mix, on every venue', () => {
    for (const symbol of SYMBOLS) {
      const mix = truth.leverageMix[symbol]!;
      const ladder = leverageConfigFor(symbol).tiers.map(String);
      expect(Object.keys(mix)).toEqual(ladder);
      expect(Object.values(mix).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      const tiers = truth.perSymbol[symbol]!.tiers;
      const opened = Object.values(tiers).reduce((a, t) => a + t.opened.notional, 0);
      const initial = Object.values(tiers).reduce((a, t) => a + t.initial.count, 0);
      expect(initial).toBeGreaterThan(1000);
      for (const tier of ladder) {
        if (mix[tier]! >= 0.1) expect(tiers[tier]!.opened.notional / opened).toBeGreaterThan(mix[tier]! / 2.5);
        if (mix[tier] === 0) expect(tiers[tier]!.opened.count).toBe(0);
      }
    }
    const venues = new Set(truth.liquidations.map((l: TruthLiquidation) => l.venue));
    expect([...venues].sort()).toEqual(['binance', 'bybit', 'okx']);
  });

  it('counts liquidations in its summary by symbol, venue and side', () => {
    const total = Object.values(summary.liquidationsBy).reduce((a, x) => a + x.total, 0);
    expect(total).toBe(truth.liquidations.length);
    expect(summary.bytes).toBe(fs.statSync(summary.out).size);
  });
});

describe('through the venue normalizers', () => {
  it('normalizes every message of the capture with zero drops', () => {
    const normalizers = createNormalizers();
    const events: NormalizedEvent[] = [];
    for (const e of envelopes) normalizers.normalize(e, events);
    expect(normalizers.snapshot().dropped).toEqual({});
    expect(normalizers.counters.totalDropped).toBe(0);
    const types = new Set(events.map((e) => e.type));
    for (const type of ['liquidation', 'trade', 'depthDiff', 'depthSnapshot', 'markPrice', 'funding', 'openInterest', 'traderRatio', 'tick']) expect(types).toContain(type);
  });

  it('gives the engines the truth’s liquidations (all of Bybit and OKX, Binance’s published ones) and open interest', () => {
    const normalizers = createNormalizers();
    const events: NormalizedEvent[] = [];
    for (const e of envelopes) normalizers.normalize(e, events);
    const liquidations = events.filter((e): e is Liquidation => e.type === 'liquidation');
    const key = (x: { venue: string; symbol: string; side: string; qty: number; ts: number }): string => `${x.venue}|${x.symbol}|${x.side}|${x.qty}|${x.ts}`;
    expect(liquidations.map(key).sort()).toEqual(
      truth.liquidations
        .filter((l) => l.published)
        .map(key)
        .sort(),
    );
    for (const l of liquidations) {
      const t = truth.liquidations.find((x) => key(x) === key(l))!;
      expect(l.price).toBe(t.price);
    }
    const rest = events.filter((e): e is OpenInterest => e.type === 'openInterest' && e.source === 'rest' && e.venue !== 'bybit');
    let checked = 0;
    for (const oi of rest) {
      if ((oi.ts - truth.start) % 60_000 !== 0) continue;
      expect(oi.oiBase).toBe(truth.perSymbol[oi.symbol]!.oi[oi.venue]![(oi.ts - truth.start) / 60_000]);
      checked++;
    }
    expect(checked).toBe(MINUTES * 3 * 2);
    // Bybit: one side of the both-sides figure, and the ticker stream agrees with it
    const bybit = events.filter((e): e is OpenInterest => e.type === 'openInterest' && e.venue === 'bybit');
    expect(bybit.some((e) => e.source === 'stream')).toBe(true);
    const last = truth.perSymbol.BTC!.oi.bybit!;
    expect(bybit.filter((e) => e.symbol === 'BTC').every((e) => e.oiBase > last[0]! * 0.8 && e.oiBase < last[0]! * 1.2)).toBe(true);
  });

  it('normalizes every channel of the full profile (bookTicker included) with zero drops', async () => {
    const out = path.join(dir, 'full.jsonl');
    const full = await simulateToFile({ minutes: 2, seed: 5, out, profile: 'full' });
    expect(full.byChannel['binance/bookTicker']).toBeGreaterThan(100);
    const normalizers = createNormalizers();
    const events: NormalizedEvent[] = [];
    for (const e of await readAllEnvelopes(out)) normalizers.normalize(e, events);
    expect(normalizers.snapshot().dropped).toEqual({});
    expect(events.some((e) => e.type === 'bookTicker')).toBe(true);
  });
});

describe('determinism', () => {
  it('writes the same bytes for the same seed and flags, and other bytes for another seed', async () => {
    const run = async (seed: number, name: string): Promise<Buffer[]> => {
      const out = path.join(dir, name);
      await simulateToFile({ minutes: 3, seed, out, symbols: ['BTC', 'SOL'] });
      return [fs.readFileSync(out), fs.readFileSync(`${out}.truth.json`)];
    };
    const [a, aTruth] = await run(21, 'a.jsonl.gz');
    const [b, bTruth] = await run(21, 'b.jsonl.gz');
    const [c] = await run(22, 'c.jsonl.gz');
    expect(a!.equals(b!)).toBe(true);
    expect(aTruth!.equals(bTruth!)).toBe(true);
    expect(a!.equals(c!)).toBe(false);
  });
});

/** A client book keyed by price string, sizes in base asset. */
class Book {
  private readonly bids = new Map<string, number>();
  private readonly asks = new Map<string, number>();
  constructor(private readonly contractSize: number) {}
  load(bids: string[][], asks: string[][]): void {
    this.bids.clear();
    this.asks.clear();
    this.apply(bids, asks);
  }
  apply(bids: string[][], asks: string[][]): void {
    for (const [map, rows] of [
      [this.bids, bids],
      [this.asks, asks],
    ] as const) {
      for (const [p, q] of rows) {
        const qty = round(Number(q) * this.contractSize);
        if (qty === 0) map.delete(String(Number(p)));
        else map.set(String(Number(p)), qty);
      }
    }
  }
  levels(): { bids: [number, number][]; asks: [number, number][] } {
    const sorted = (map: Map<string, number>, desc: boolean): [number, number][] =>
      [...map.entries()].map(([p, q]) => [Number(p), q] as [number, number]).sort((a, b) => (desc ? b[0] - a[0] : a[0] - b[0]));
    return { bids: sorted(this.bids, true), asks: sorted(this.asks, false) };
  }
}

function round(x: number): number {
  return Math.round(x * 1e8) / 1e8;
}
