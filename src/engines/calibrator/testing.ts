/** Small factories for the calibrator's tests (pure). */

import type { Liquidation, Side } from '../../events.js';
import { EntryInference } from '../entry-inference.js';
import type { LeverageConfig } from '../leverage-config.js';
import type { LeverageParams, WeightsUpdate } from '../leverage-params.js';
import type { CalibratorOutput, LiquidationContext, MinuteSnapshot } from '../ports.js';

export const T0 = Date.UTC(2026, 2, 1, 12, 0);
export const MIN = 60_000;

/** Ladder of the tests: 10x disabled, 20x and 50x enabled; step 1 keeps the numbers round. */
export const LADDER: LeverageConfig = { symbol: 'BTC', tiers: [10, 20, 50], priorWeights: [0, 0.75, 0.25], disabledTiers: new Set([10]) };
export const PARAMS: LeverageParams = { tiers: LADDER.tiers, weights: LADDER.priorWeights, buffer: 0, biasLong: 0, biasShort: 0 };

export class RecordingOutput implements CalibratorOutput {
  readonly updates: WeightsUpdate[] = [];
  readonly files: unknown[] = [];
  readonly lines: Record<string, unknown>[] = [];
  readonly warnings: string[] = [];
  onWeightsUpdated(weights: Readonly<Record<number, number>>, buffer: number, bias: { readonly long: number; readonly short: number }): void {
    this.updates.push({ weights: { ...weights }, buffer, bias: { ...bias } });
  }
  saveWeights(file: unknown): void {
    this.files.push(JSON.parse(JSON.stringify(file)));
  }
  log(line: Readonly<Record<string, unknown>>, ts: number): void {
    // a line whose ts is not the event time it was logged at would rotate the log elsewhere
    if (line.ts !== ts) throw new Error(`line ts ${String(line.ts)} != ${ts}`);
    this.lines.push(JSON.parse(JSON.stringify(line)));
  }
  warn(message: string): void {
    this.warnings.push(message);
  }
  linesOf(type: string): Record<string, unknown>[] {
    return this.lines.filter((l) => l.type === type);
  }
}

export function inventory(params: LeverageParams = PARAMS, leverage: LeverageConfig = LADDER, step = 1): EntryInference {
  return new EntryInference({ step, leverage, params });
}

/** Open ΔOI (base) at `ohlc4` as a minute of the inference, with no sweep-relevant range beyond [low, high]. */
export function open(inv: EntryInference, ohlc4: number, oiDeltaBase: number, range: { high?: number; low?: number } = {}) {
  return inv.onMinute({ decay: 0.995, high: range.high ?? ohlc4, low: range.low ?? ohlc4, ohlc4, oiDeltaBase, oiPreviousBase: 1_000, takerBuyShare: undefined });
}

export function snapshot(minuteStart: number, inv: EntryInference, over: Partial<MinuteSnapshot> & { price?: number } = {}): MinuteSnapshot {
  const p = over.price ?? 1000;
  return {
    symbol: 'BTC',
    minuteStart,
    validFrom: minuteStart + MIN,
    minuteKey: (minuteStart + MIN) / MIN,
    step: inv.step,
    open: p,
    high: p,
    low: p,
    close: p,
    ohlc4: p,
    priceSource: 'mark',
    takerBuyBase: 0,
    takerSellBase: 0,
    takerBuyUsd: 0,
    takerSellUsd: 0,
    trades: 0,
    oiBase: undefined,
    oiDeltaBase: undefined,
    oiPreviousBase: undefined,
    params: inv.params(),
    levels: { priceMin: 0, step: inv.step, count: 0, long: new Float64Array(0), short: new Float64Array(0) },
    pools: { long: [], short: [] },
    inventory: inv,
    swept: [],
    ...over,
  };
}

export function liq(ts: number, side: Side, price: number, over: Partial<Liquidation> = {}): Liquidation {
  return { type: 'liquidation', venue: 'binance', symbol: 'BTC', ts, side, price, qty: 1, notional: price, ...over };
}

export function context(inv: EntryInference, mark: number | undefined, over: Partial<LiquidationContext> = {}): LiquidationContext {
  return {
    minuteStart: T0,
    late: false,
    mark: mark === undefined ? undefined : { price: mark, ts: T0, venue: 'binance' },
    lastPrice: mark,
    priceInsane: false,
    params: inv.params(),
    inventory: inv,
    ...over,
  };
}
