/**
 * EngineManager (DESIGN.md section 3): routes normalized events to one SymbolEngine per
 * symbol by `event.symbol`. A tick goes to every engine (each rolls its own minutes), a
 * disconnect to the engines of its symbols (all when it names none) for their order-book
 * slot. An event for a symbol without an engine is counted per symbol — never dropped
 * silently (the seed's "BTC-only filter" bug).
 */

import type { NormalizedEvent } from '../events.js';
import { DEFAULT_SYMBOLS } from './symbol-config.js';
import { SymbolEngine, type EngineCounters, type EngineRestore, type SymbolEngineOptions } from './symbol-engine.js';

export interface EngineManagerOptions {
  /** Symbols to run engines for (default BTC, ETH, SOL). */
  readonly symbols?: readonly string[];
  /** Options shared by every engine (sink, calibrator and order-book factories, …). */
  readonly engine?: Omit<SymbolEngineOptions, 'symbol' | 'restore' | 'config' | 'leverage'>;
  /** Per-symbol overrides (config, leverage ladder, …). */
  readonly perSymbol?: Readonly<Record<string, Partial<Omit<SymbolEngineOptions, 'symbol'>>>>;
  /** State of a previous run, per symbol (see src/store/engine-state.ts). */
  readonly restore?: (symbol: string) => EngineRestore | undefined;
}

export interface ManagerCounters {
  readonly dispatched: number;
  readonly ticks: number;
  readonly disconnects: number;
  /** Events for symbols without an engine, per symbol. */
  readonly unrouted: Readonly<Record<string, number>>;
  readonly unroutedTotal: number;
}

export class EngineManager {
  private readonly engines = new Map<string, SymbolEngine>();
  private readonly all: SymbolEngine[];
  private readonly unrouted = new Map<string, number>();
  private dispatched = 0;
  private ticks = 0;
  private disconnects = 0;

  constructor(options: EngineManagerOptions = {}) {
    for (const symbol of options.symbols ?? DEFAULT_SYMBOLS) {
      if (this.engines.has(symbol)) throw new RangeError(`symbol ${symbol} listed twice`);
      const restore = options.restore?.(symbol);
      const engine = new SymbolEngine({
        ...options.engine,
        ...options.perSymbol?.[symbol],
        symbol,
        ...(restore ? { restore } : {}),
      });
      this.engines.set(symbol, engine);
    }
    this.all = [...this.engines.values()];
  }

  dispatch(event: NormalizedEvent): void {
    this.dispatched++;
    switch (event.type) {
      case 'tick':
        this.ticks++;
        for (const engine of this.all) engine.apply(event);
        return;
      case 'disconnect': {
        this.disconnects++;
        if (!event.symbols) {
          for (const engine of this.all) engine.apply(event);
          return;
        }
        for (const symbol of event.symbols) {
          const engine = this.engines.get(symbol);
          if (engine) engine.apply(event);
          else this.unrouted.set(symbol, (this.unrouted.get(symbol) ?? 0) + 1);
        }
        return;
      }
      default: {
        const engine = this.engines.get(event.symbol);
        if (engine) engine.apply(event);
        else this.unrouted.set(event.symbol, (this.unrouted.get(event.symbol) ?? 0) + 1);
      }
    }
  }

  dispatchAll(events: readonly NormalizedEvent[]): void {
    for (const event of events) this.dispatch(event);
  }

  get(symbol: string): SymbolEngine | undefined {
    return this.engines.get(symbol);
  }

  get symbols(): readonly string[] {
    return [...this.engines.keys()];
  }

  /** Write every engine's zones now (call on shutdown). */
  flush(): void {
    for (const engine of this.all) engine.flush();
  }

  counters(): ManagerCounters {
    let total = 0;
    for (const n of this.unrouted.values()) total += n;
    return {
      dispatched: this.dispatched,
      ticks: this.ticks,
      disconnects: this.disconnects,
      unrouted: Object.fromEntries([...this.unrouted].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      unroutedTotal: total,
    };
  }

  /** Each engine's counters, by symbol. */
  engineCounters(): Record<string, Readonly<EngineCounters>> {
    const out: Record<string, Readonly<EngineCounters>> = {};
    for (const [symbol, engine] of this.engines) out[symbol] = engine.counters();
    return out;
  }
}
