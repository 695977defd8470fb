/**
 * The three slots a SymbolEngine is wired to (DESIGN.md sections 3–5):
 *
 * - {@link CalibratorPort}: the leverage-mix learner (issue 6). The SymbolEngine is its
 *   ONLY caller, of both `onLiquidation` and `onMinuteSnapshot` (seed "Calibrator
 *   Integration Rules"), and never calls `onLiquidation` before the first
 *   `onMinuteSnapshot`: liquidations arriving earlier are held by the engine (bounded,
 *   counted) and delivered right after it. New weights come back through
 *   `CalibratorOutput.onWeightsUpdated` and reach entry inference from the next minute.
 * - {@link OrderBookPort}: the order-book reconstructors and 30 s accumulator (issue 7).
 * - {@link EngineSink}: where rollover output goes (src/store/data-dir-sink.ts writes the
 *   data dir; MemorySink keeps it for tests). Called synchronously.
 */

import type { BookTicker, DepthDiff, DepthSnapshot, Disconnect, Liquidation, Venue } from '../events.js';
import type { RingRecord } from '../store/ring-codec.js';
import type { EngineCheckpoint } from './checkpoint.js';
import type { InventoryView, ProjectionSweep } from './entry-inference.js';
import type { Pool } from './heatmap.js';
import type { LeverageConfig } from './leverage-config.js';
import type { LeverageParams, WeightsUpdate } from './leverage-params.js';
import type { SymbolConfig } from './symbol-config.js';
import type { PriceSource, SnapshotV1, SnapshotV2 } from './snapshot-types.js';
import type { ZonesFile } from './zones.js';

// ─── calibrator ──────────────────────────────────────────────────────────────

/** A mark price at (or just before) an event's time. */
export interface MarkAt {
  readonly price: number;
  readonly ts: number;
  readonly venue: Venue;
}

/** What the calibrator gets with each liquidation. */
export interface LiquidationContext {
  /** Start of the minute the event was applied to, epoch ms (a late event's is the open minute). */
  readonly minuteStart: number;
  /** The event's ts was before the open minute. */
  readonly late: boolean;
  /**
   * The latest mark price at most 2 s before the event (the same venue's when it has
   * one that fresh, else any venue's); undefined when none is that fresh. Attribution
   * compares levels with it, not with the liquidation order's price (DESIGN.md section 4).
   */
  readonly mark: MarkAt | undefined;
  /** The last price the engine knows (mark, book mid), undefined before any. */
  readonly lastPrice: number | undefined;
  /** The event deviates more than 15 % from `lastPrice`: kept off the tape and zones. */
  readonly priceInsane: boolean;
  /** Parameters in force when the event arrived. */
  readonly params: LeverageParams;
  /** The live inventory of inferred positions (as of delivery, for held events). */
  readonly inventory: InventoryView;
}

/** The minute snapshot (seed "Calibrator MUST receive TWO calls", Path C/D). */
export interface MinuteSnapshot {
  readonly symbol: string;
  /** Start of the closed minute, epoch ms. */
  readonly minuteStart: number;
  /** The minute that starts now, epoch ms: the predictions below stand during it. */
  readonly validFrom: number;
  /** PoC `minute_key`: floor(validFrom / 60 000). */
  readonly minuteKey: number;
  readonly step: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly ohlc4: number;
  readonly priceSource: PriceSource;
  readonly takerBuyBase: number;
  readonly takerSellBase: number;
  readonly takerBuyUsd: number;
  readonly takerSellUsd: number;
  readonly trades: number;
  /** Aggregated OI and ΔOI in base asset; undefined when unknown. */
  readonly oiBase: number | undefined;
  readonly oiDeltaBase: number | undefined;
  readonly oiPreviousBase: number | undefined;
  /** Parameters in force during the closed minute. */
  readonly params: LeverageParams;
  /** Predicted levels: the combined map (USD per bucket) on the V2 grid, and the pools. */
  readonly levels: {
    readonly priceMin: number;
    readonly step: number;
    readonly count: number;
    readonly long: Float64Array;
    readonly short: Float64Array;
  };
  readonly pools: { readonly long: readonly Pool[]; readonly short: readonly Pool[] };
  /** The live inventory of inferred positions (per side × tier × entry). */
  readonly inventory: InventoryView;
  /**
   * Positions the closed minute's range swept out of the inventory (no longer in
   * `inventory`): the calibrator's approach tracking judges them, and they are each
   * tier's exposure of the minute.
   */
  readonly swept: readonly ProjectionSweep[];
}

/** How a calibrator talks back. */
export interface CalibratorOutput {
  /** New weights (tier → weight), buffer `m` and bias per side: used from the next minute. */
  onWeightsUpdated(weights: Readonly<Record<number, number>>, buffer: number, bias: { readonly long: number; readonly short: number }): void;
  /** Persist the weights file (`weights/{SYM}.json`, atomic, with a `version` field). */
  saveWeights(file: unknown): void;
  /** One line of `logs/calibrator-{SYM}.jsonl`; `ts` is event time (rotation by age). */
  log(line: Readonly<Record<string, unknown>>, ts: number): void;
  /** A one-line warning for the operator (a saved weights file ignored or migrated). */
  warn?(message: string): void;
}

export interface CalibratorInit {
  readonly symbol: string;
  readonly step: number;
  readonly leverage: LeverageConfig;
  /** Parameters before any calibration (prior weights, default buffer, no bias). */
  readonly initial: LeverageParams;
  /** The parsed `weights/{SYM}.json` of a previous run, if any (the calibrator validates and migrates it). */
  readonly saved: unknown;
  readonly output: CalibratorOutput;
}

export interface CalibratorPort {
  onLiquidation(event: Liquidation, context: LiquidationContext): void;
  onMinuteSnapshot(snapshot: MinuteSnapshot): void;
  /** The weights, buffer and bias to project with now (after a restore: the saved ones). */
  weights(): WeightsUpdate;
  /** Named counters (events seen, processed, skipped by reason, calibrations, …). */
  counters(): Readonly<Record<string, number>>;
  /**
   * Shutdown (`SymbolEngine.flush`): persist the current learning state through
   * `CalibratorOutput.saveWeights` so a restart continues from it; `ts` is event time
   * (the open minute's start). Optional: a calibrator without state has nothing to save.
   */
  flush?(ts: number): void;
}

export type CalibratorFactory = (init: CalibratorInit) => CalibratorPort;

/** No calibration: keeps the initial parameters, counts what it is given. */
export class NullCalibrator implements CalibratorPort {
  private readonly initial: WeightsUpdate;
  private readonly calls = { liquidations: 0, minuteSnapshots: 0, savedIgnored: 0 };

  constructor(init: CalibratorInit) {
    const weights: Record<number, number> = {};
    init.initial.tiers.forEach((t, i) => (weights[t] = init.initial.weights[i]!));
    this.initial = { weights, buffer: init.initial.buffer, bias: { long: init.initial.biasLong, short: init.initial.biasShort } };
    if (init.saved !== undefined) this.calls.savedIgnored++;
  }

  onLiquidation(): void {
    this.calls.liquidations++;
  }

  onMinuteSnapshot(): void {
    this.calls.minuteSnapshots++;
  }

  weights(): WeightsUpdate {
    return this.initial;
  }

  counters(): Readonly<Record<string, number>> {
    return { ...this.calls };
  }
}

export const nullCalibrator: CalibratorFactory = (init) => new NullCalibrator(init);

// ─── order book ──────────────────────────────────────────────────────────────

export type BookEvent = DepthDiff | DepthSnapshot | BookTicker | Disconnect;

/** How an order book talks back. */
export interface OrderBookOutput {
  /** One 30 s frame for `orderbook/{SYM}.bin` (bid intensities in `a`, ask in `b`). */
  frame(record: RingRecord): void;
  /** Reconstruction stats for `orderbook/{SYM}.stats.json`. */
  stats(stats: Readonly<Record<string, unknown>>): void;
  /** The book of `venue` lost sync: the pipeline fetches a REST snapshot (the engine never does I/O). */
  requestResync(venue: Venue, reason: string): void;
}

export interface OrderBookInit {
  readonly symbol: string;
  readonly config: SymbolConfig;
  readonly output: OrderBookOutput;
}

export interface OrderBookPort {
  /** Depth diffs, snapshots and book tickers of this symbol, and disconnects of its venues. */
  apply(event: BookEvent): void;
  /** Mid price of a synced book, undefined while none is synced. */
  mid(): number | undefined;
  /**
   * Event time passes (every tick, minus the tick grace, and every rollover) so 30 s
   * frames close in a quiet book.
   */
  advance(ts: number): void;
  stats(): Readonly<Record<string, unknown>>;
  /** Shutdown: write the stats file now (it is otherwise written when a 30 s slot closes). Optional. */
  flush?(): void;
}

export type OrderBookFactory = (init: OrderBookInit) => OrderBookPort;

/** No order book: counts what it is given and never has a mid. */
export class NullOrderBook implements OrderBookPort {
  private readonly counts = { depthDiff: 0, depthSnapshot: 0, bookTicker: 0, disconnect: 0 };

  apply(event: BookEvent): void {
    this.counts[event.type]++;
  }

  mid(): number | undefined {
    return undefined;
  }

  advance(): void {
    // nothing accumulates
  }

  stats(): Readonly<Record<string, unknown>> {
    return { state: 'none', ...this.counts };
  }
}

export const nullOrderBook: OrderBookFactory = () => new NullOrderBook();

// ─── writers ─────────────────────────────────────────────────────────────────

export type HistoryKind = 'v1' | 'v2';

/**
 * A value built when first asked for, then kept: calling it again returns the same
 * object. The minute snapshots travel this way, so a writer that skips a minute (the
 * replay's coalescing writer) never pays for building it; the value is the one of its
 * minute whenever it is called.
 */
export type Lazy<T> = () => T;

/**
 * Rollover output, called synchronously by the engines. The engine lines (sweeps,
 * zone transitions, the minute's inputs) share the per-symbol calibrator log with the
 * calibrator's own lines; every line has a `type`.
 */
export interface EngineSink {
  /** The minute's snapshots, built on demand: call `snapshot()` only for what is written or kept. */
  snapshotV1(symbol: string, snapshot: Lazy<SnapshotV1>): void;
  snapshotV2(symbol: string, snapshot: Lazy<SnapshotV2>): void;
  historyRecord(symbol: string, kind: HistoryKind, record: RingRecord): void;
  zones(symbol: string, file: ZonesFile): void;
  /**
   * The engine checkpoint (`state/{SYM}.json`, checkpoint.ts), with the zones every 60 s
   * and at flush. It describes the engine when built: build it between events (at once
   * or at a `flush()`), never inside another engine call.
   */
  checkpoint(symbol: string, file: Lazy<EngineCheckpoint>): void;
  weights(symbol: string, file: unknown): void;
  calibratorLog(symbol: string, line: Readonly<Record<string, unknown>>, ts: number): void;
  orderbookFrame(symbol: string, record: RingRecord): void;
  orderbookStats(symbol: string, stats: Readonly<Record<string, unknown>>): void;
  /** End of a rollover: buffered output may be written now. */
  flush(): void;
}

/** Discards everything (benchmarks of the engines alone). */
export const NULL_SINK: EngineSink = {
  snapshotV1: () => undefined,
  snapshotV2: () => undefined,
  historyRecord: () => undefined,
  zones: () => undefined,
  checkpoint: () => undefined,
  weights: () => undefined,
  calibratorLog: () => undefined,
  orderbookFrame: () => undefined,
  orderbookStats: () => undefined,
  flush: () => undefined,
};
