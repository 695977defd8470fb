import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Envelope } from './capture/envelope.js';
import { createRuntime } from './runtime.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-pipeline-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);

function mark(t: number, symbol: string, price: number): Envelope {
  return {
    t: t + 40,
    v: 'binance',
    c: 'markPrice@1s',
    d: { stream: `${symbol.toLowerCase()}usdt@markPrice@1s`, data: { e: 'markPriceUpdate', E: t, s: `${symbol}USDT`, p: String(price), i: String(price), P: String(price), r: '0.0001', T: t + 3_600_000 } },
  };
}

function forceOrder(t: number, symbol: string, side: 'BUY' | 'SELL', price: number, qty: number): Envelope {
  return {
    t: t + 40,
    v: 'binance',
    c: 'forceOrder',
    d: { stream: '!forceOrder@arr', data: { e: 'forceOrder', E: t, o: { s: symbol, S: side, o: 'LIMIT', f: 'IOC', q: String(qty), p: String(price), ap: String(price), X: 'FILLED', l: String(qty), z: String(qty), T: t } } },
  };
}

describe('Pipeline', () => {
  it('normalizes envelopes, dispatches them, and tallies liquidations by symbol, venue and side', () => {
    const runtime = createRuntime({ dataDir: dir, symbols: ['BTC'], sink: { fsync: false } });
    const envelopes: Envelope[] = [];
    for (let s = 0; s < 130; s++) envelopes.push(mark(T0 + s * 1000, 'BTC', 65000 + s));
    envelopes.push(forceOrder(T0 + 5_000, 'BTCUSDT', 'SELL', 64900, 0.5)); // SELL order: a long liquidated
    envelopes.push(forceOrder(T0 + 6_000, 'BTCUSDT', 'BUY', 65100, 0.2));
    envelopes.push(forceOrder(T0 + 7_000, 'ETHUSDT', 'BUY', 3000, 1)); // no ETH engine: counted
    envelopes.push({ t: T0 + 8_000, v: 'binance', c: 'nonsense', d: {} });
    runtime.pipeline.handleBatch(envelopes);
    const counts = runtime.pipeline.counts();
    runtime.close();

    expect(counts.envelopes).toBe(134);
    expect(counts.events).toEqual({ liquidation: 3, markPrice: 130 });
    expect(counts.eventsByVenue).toEqual({ 'binance.liquidation': 3, 'binance.markPrice': 130 });
    expect(counts.liquidations.BTC!.binance).toEqual({ long: { count: 1, notional: 32450 }, short: { count: 1, notional: 13020 } });
    expect(counts.dropped).toEqual({ 'binance.unknown_channel': 1, 'engines.no_engine_for_ETH': 1 });
    // two minutes closed: snapshots exist
    expect(fs.existsSync(path.join(dir, 'snapshots', 'BTC.v2.json'))).toBe(true);
    expect(runtime.manager.get('BTC')!.counters().liquidations).toBe(2);
  });
});
