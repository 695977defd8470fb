import { describe, expect, it } from 'vitest';
import type { BookEvent, OrderBookPort } from './ports.js';
import { EngineManager } from './manager.js';
import { MemorySink } from './memory-sink.js';
import { MIN, T0, depthDiff, liquidation, mark, tick } from './testing/factories.js';

describe('EngineManager', () => {
  it('routes events by symbol and keeps the symbols apart', () => {
    const sink = new MemorySink();
    const manager = new EngineManager({ symbols: ['BTC', 'ETH'], engine: { sink } });
    manager.dispatch(mark(T0 + 1_000, 65_000));
    manager.dispatch(mark(T0 + 1_000, 3_000, { symbol: 'ETH' }));
    manager.dispatch(liquidation(T0 + 2_000, 'long', 2_990, 10, { symbol: 'ETH' }));
    manager.dispatch(tick(T0 + MIN + 2_000)); // closes minute 0 on both engines
    expect(manager.get('BTC')!.counters()).toMatchObject({ markPrices: 1, liquidations: 0, minutesRolled: 1 });
    expect(manager.get('ETH')!.counters()).toMatchObject({ markPrices: 1, liquidations: 1, minutesRolled: 1 });
    expect(sink.v2.map((s) => [s.symbol, s.snapshot.step])).toEqual([
      ['BTC', 20],
      ['ETH', 1],
    ]);
    expect(manager.counters()).toMatchObject({ dispatched: 4, ticks: 1, unroutedTotal: 0 });
  });

  it('counts events for symbols without an engine, per symbol', () => {
    const manager = new EngineManager({ symbols: ['BTC'] });
    manager.dispatch(mark(T0, 150, { symbol: 'SOL' }));
    manager.dispatch(liquidation(T0, 'short', 0.5, 1000, { symbol: 'XRP' }));
    manager.dispatch(liquidation(T0, 'short', 151, 10, { symbol: 'SOL' }));
    expect(manager.counters()).toMatchObject({ unrouted: { SOL: 2, XRP: 1 }, unroutedTotal: 3 });
  });

  it('sends a disconnect to the order books of its symbols, or of all when it names none', () => {
    const seen: Record<string, string[]> = {};
    const book = (symbol: string): OrderBookPort => ({
      apply: (e: BookEvent) => (seen[symbol] ??= []).push(e.type),
      mid: () => undefined,
      advance: () => undefined,
      stats: () => ({}),
    });
    const manager = new EngineManager({ symbols: ['BTC', 'ETH', 'SOL'], engine: { orderBook: (init) => book(init.symbol) } });
    manager.dispatch({ type: 'disconnect', venue: 'binance', ts: T0, symbols: ['ETH', 'DOGE'], reason: 'stale' });
    manager.dispatch({ type: 'disconnect', venue: 'okx', ts: T0, reason: 'closed' });
    manager.dispatch(depthDiff(T0, { symbol: 'SOL' }));
    expect(seen).toEqual({ BTC: ['disconnect'], ETH: ['disconnect', 'disconnect'], SOL: ['disconnect', 'depthDiff'] });
    expect(manager.counters().unrouted).toEqual({ DOGE: 1 });
  });

  it('passes an order book\'s resync request to the pipeline with its symbol, and counts it', () => {
    const requests: string[] = [];
    const manager = new EngineManager({
      symbols: ['ETH'],
      engine: {
        onBookResync: (symbol, venue, reason) => requests.push(`${symbol} ${venue} ${reason}`),
        orderBook: (init) => ({
          apply: () => init.output.requestResync('binance', 'pu gap'),
          mid: () => undefined,
          advance: () => undefined,
          stats: () => ({}),
        }),
      },
    });
    manager.dispatch(depthDiff(T0, { symbol: 'ETH' }));
    expect(requests).toEqual(['ETH binance pu gap']);
    expect(manager.get('ETH')!.counters().bookResyncRequests).toBe(1);
  });

  it('hands each engine its own restored state and refuses an unknown symbol without a config', () => {
    const asked: string[] = [];
    new EngineManager({ symbols: ['BTC', 'SOL'], restore: (s) => (asked.push(s), undefined) });
    expect(asked).toEqual(['BTC', 'SOL']);
    expect(() => new EngineManager({ symbols: ['XRP'] })).toThrow('no symbol config for XRP');
    const withConfig = new EngineManager({ symbols: ['XRP'], perSymbol: { XRP: { config: { symbol: 'XRP', step: 0.0002, obStep: 0.0002, obRangePct: 0.1, obGapTolerance: 0 } } } });
    expect(withConfig.symbols).toEqual(['XRP']);
  });
});
