/**
 * The self-calibrating leverage model (seed `LiquidationCalibrator`, "Path D"; DESIGN.md
 * section 4): an online EM for the leverage mix, fed by the SymbolEngine (its only
 * caller) with every liquidation and every minute snapshot, in event time.
 *
 * Per liquidation (E-step): trigger price P = the mark at the event's time when the
 * engine has one within 2 s and it can have triggered the event (the margin between it
 * and the order's bankruptcy price lies in the buffer's range; a cascade's stale mark
 * does not), else the order price moved by the buffer (both recorded; only
 * mark-triggered events tune buffer and bias, so they measure the model, not the venues'
 * order pricing). Responsibilities r_L = f_L(P)/Σf from the live inventory of inferred
 * positions, or — when nothing is near P — the fallback r_L ∝ w_L·exp(−d_L/τ) over the
 * implied levels of the cached minutes' OHLC4 (counted as `fallback`). A hit when the
 * attributed tier's nearest level is within the tolerance; credit r_L·exp(−d_L/δ).
 * Events whose nearest raw implied level belongs to a disabled tier are logged with
 * `tier_disabled: true` and learn nothing; price-insane events learn nothing either.
 * Learning events near the inventory become the mix estimator's evidence (the tiers'
 * unit-weight densities at P); every minute's sweeps its exposure.
 *
 * Per minute: the volatility EWMA, the minute cache, approach tracking; at each window
 * boundary of event time (multiples of `windowMinutes` since the epoch, so a restart
 * keeps the same windows) the M-step: weights toward the mix estimator's MAP estimate
 * of the opened mix (mix-estimator.ts) by the seed's blend, clamp and cap (update.ts);
 * the buffer toward the maintenance margin the mark-vs-order-price gap implies; bias,
 * tolerance; then the weights file and `onWeightsUpdated` (the engine projects with
 * them from the next minute).
 *
 * Nothing is dropped silently: every early return counts (`counters()`), an exception is
 * counted and logged with its stack and the event, and liquidations given before the
 * first snapshot (the engine holds them itself; this is for other callers) are held
 * and processed after it (the seed's "55 events, total_events 0" bug).
 */

import type { Liquidation, Side } from '../../events.js';
import { decimalsOf } from '../buckets.js';
import { DENSITY_CUTOFF_TAUS, levelFactor, type InventoryView } from '../entry-inference.js';
import type { LeverageConfig } from '../leverage-config.js';
import type { WeightsUpdate } from '../leverage-params.js';
import { clamp, round } from '../num.js';
import type { CalibratorFactory, CalibratorInit, CalibratorOutput, CalibratorPort, LiquidationContext, MinuteSnapshot } from '../ports.js';
import { ApproachTracker, type ApproachOutcome, type MinuteLiquidation } from './approach.js';
import { argmax, densityResponsibilities, fallbackResponsibilities, hitCredit } from './attribution.js';
import {
  ENABLE_BUFFER_TUNING,
  ENABLE_TOLERANCE_TUNING,
  HIT_BUCKET_TOLERANCE,
  LEARNING_RATE,
  MAX_OFFSET_PCT,
  MAX_OFFSET_USD,
  MAX_BUFFER_SAMPLES,
  MAX_TOLERANCE_SAMPLES,
  MIN_WINDOW_EVENTS,
  MINUTE_CACHE_SIZE,
  NEGLIGIBLE_DENSITY_USD,
  WINDOW_MINUTES,
  CLOSER_LEVEL_GAMMA,
  BUFFER_MAX,
  BUFFER_MIN,
} from './constants.js';
import { MixEvidence, type MixEstimate, type MixEstimatorOptions } from './mix-estimator.js';
import { biasStep, bufferStep, guardWeights, impliedMargin, toleranceStep, weightStep } from './update.js';
import { INITIAL_VOLATILITY, nextVolatility, temperatures, type VolatilityState } from './volatility.js';
import { buildWeightsFile, restoreWeights, type LearningStateJson, type RestoreResult, type WeightsFile, type WindowStatsJson } from './weights-file.js';

const MINUTE_MS = 60_000;
/** Liquidations held while no snapshot was seen (only when called outside a SymbolEngine, which holds them itself). */
export const MAX_HELD_EVENTS = 10_000;

export interface CalibratorOptions {
  /** Calibration window, minutes of event time (default 15, seed's viewer value). */
  readonly windowMinutes?: number;
  /** Weight step toward the window's target (default 0.10). */
  readonly learningRate?: number;
  /** Seed parameter, unused (as in the PoC); default 0.35. */
  readonly closerLevelGamma?: number;
  /** Tune the buffer `m` (default true). */
  readonly enableBufferTuning?: boolean;
  /** Tune the hit tolerance (default true). */
  readonly enableToleranceTuning?: boolean;
  /**
   * The M-step's target (default `exposure-map`, mix-estimator.ts): the MAP estimate of
   * the mix traders open with. `responsibility-share` is the previous target, each tier's
   * share of the window's responsibility (the liquidated mix; kept for comparison, e.g.
   * `npm run eval:calibrator`).
   */
  readonly estimator?: WeightEstimator;
  /** Evidence memory and prior strength of `exposure-map` (defaults in constants.ts). */
  readonly mix?: MixEstimatorOptions;
}

export type WeightEstimator = 'exposure-map' | 'responsibility-share';

/** The calibrator's named counters. */
export interface CalibratorCounters {
  /** Calls of onLiquidation. */
  liquidations: number;
  /** Liquidations attributed (the seed's `total_events`, which must grow while events flow). */
  total_events: number;
  skipped_symbol_mismatch: number;
  skipped_non_positive_price: number;
  /** Held because no snapshot had been seen yet (processed once one arrives). */
  held_no_snapshot: number;
  /** Beyond MAX_HELD_EVENTS while waiting. */
  held_dropped: number;
  errors: number;
  price_insane: number;
  late: number;
  tier_disabled: number;
  fallback: number;
  from_mark: number;
  /** Events without a usable mark: the trigger is the order price moved by the buffer. */
  from_event_price: number;
  /** Marks at the event's time that cannot have triggered it (implied margin outside [0, BUFFER_MAX]): a cascade's stale mark. */
  marks_rejected: number;
  hits: number;
  misses: number;
  /** Events that fed learning (not insane, not of a disabled tier). */
  learning_events: number;
  /** Learning events kept as evidence of the mix (attributed to the inventory, not the fallback). */
  mix_evidence_events: number;
  /** Mark-triggered learning events that gave an implied maintenance margin. */
  buffer_samples: number;
  minute_snapshots: number;
  skipped_snapshot_symbol_mismatch: number;
  skipped_snapshot_no_price: number;
  /** Carried minutes (no price of their own) left out of the volatility. */
  volatility_minutes_skipped: number;
  calibrations: number;
  weight_updates_applied: number;
  weight_updates_skipped: number;
  guard_skips: number;
  bias_updates: number;
  buffer_updates: number;
  tolerance_updates: number;
  approaches: number;
  approach_hits: number;
  weights_saved: number;
  /** Weights files saved by `flush` (shutdown), between calibrations. */
  weights_flushed: number;
  /** `flush` before the first snapshot: nothing learned yet, nothing saved (a restored file stays as it is). */
  flush_skipped_not_started: number;
  saved_loaded: number;
  saved_migrated: number;
  saved_ignored: number;
  /** Restored window state newer than the first snapshot (an older capture replayed into a used data dir): window reset so calibration proceeds. */
  saved_window_newer_reset: number;
}

function zeroCounters(): CalibratorCounters {
  return {
    liquidations: 0,
    total_events: 0,
    skipped_symbol_mismatch: 0,
    skipped_non_positive_price: 0,
    held_no_snapshot: 0,
    held_dropped: 0,
    errors: 0,
    price_insane: 0,
    late: 0,
    tier_disabled: 0,
    fallback: 0,
    from_mark: 0,
    from_event_price: 0,
    marks_rejected: 0,
    hits: 0,
    misses: 0,
    learning_events: 0,
    mix_evidence_events: 0,
    buffer_samples: 0,
    minute_snapshots: 0,
    skipped_snapshot_symbol_mismatch: 0,
    skipped_snapshot_no_price: 0,
    volatility_minutes_skipped: 0,
    calibrations: 0,
    weight_updates_applied: 0,
    weight_updates_skipped: 0,
    guard_skips: 0,
    bias_updates: 0,
    buffer_updates: 0,
    tolerance_updates: 0,
    approaches: 0,
    approach_hits: 0,
    weights_saved: 0,
    weights_flushed: 0,
    flush_skipped_not_started: 0,
    saved_loaded: 0,
    saved_migrated: 0,
    saved_ignored: 0,
    saved_window_newer_reset: 0,
  };
}

/** Per-window statistics (logged in the `calibration` line, then reset). */
interface WindowStats {
  events: number;
  learning: number;
  attributed: number;
  fallback: number;
  priceInsane: number;
  tierDisabled: number;
  late: number;
  fromMark: number;
  hits: number;
  misses: number;
  readonly responsibility: Float64Array;
  readonly hitCredit: Float64Array;
  readonly exposureUsd: Float64Array;
  readonly exposureUnitUsd: Float64Array;
  readonly observedUsd: Float64Array;
  readonly attributedCount: Float64Array;
  readonly approached: Float64Array;
  readonly approachHits: Float64Array;
}

function newWindow(n: number): WindowStats {
  return {
    events: 0,
    learning: 0,
    attributed: 0,
    fallback: 0,
    priceInsane: 0,
    tierDisabled: 0,
    late: 0,
    fromMark: 0,
    hits: 0,
    misses: 0,
    responsibility: new Float64Array(n),
    hitCredit: new Float64Array(n),
    exposureUsd: new Float64Array(n),
    exposureUnitUsd: new Float64Array(n),
    observedUsd: new Float64Array(n),
    attributedCount: new Float64Array(n),
    approached: new Float64Array(n),
    approachHits: new Float64Array(n),
  };
}

/** The open window's statistics as saved (a flush between calibrations); the tolerance step uses its hit rate. */
function windowJson(w: WindowStats): WindowStatsJson {
  return {
    events: w.events,
    learning: w.learning,
    attributed: w.attributed,
    fallback: w.fallback,
    price_insane: w.priceInsane,
    tier_disabled: w.tierDisabled,
    late: w.late,
    from_mark: w.fromMark,
    hits: w.hits,
    misses: w.misses,
    responsibility: Array.from(w.responsibility),
    hit_credit: Array.from(w.hitCredit),
    exposure_usd: Array.from(w.exposureUsd),
    exposure_unit_usd: Array.from(w.exposureUnitUsd),
    observed_usd: Array.from(w.observedUsd),
    attributed_count: Array.from(w.attributedCount),
    approached: Array.from(w.approached),
    approach_hits: Array.from(w.approachHits),
  };
}

function windowOf(j: WindowStatsJson, n: number): WindowStats {
  const w = newWindow(n);
  w.events = j.events;
  w.learning = j.learning;
  w.attributed = j.attributed;
  w.fallback = j.fallback;
  w.priceInsane = j.price_insane;
  w.tierDisabled = j.tier_disabled;
  w.late = j.late;
  w.fromMark = j.from_mark;
  w.hits = j.hits;
  w.misses = j.misses;
  w.responsibility.set(j.responsibility);
  w.hitCredit.set(j.hit_credit);
  w.exposureUsd.set(j.exposure_usd);
  w.exposureUnitUsd.set(j.exposure_unit_usd);
  w.observedUsd.set(j.observed_usd);
  w.attributedCount.set(j.attributed_count);
  w.approached.set(j.approached);
  w.approachHits.set(j.approach_hits);
  return w;
}

interface CachedMinute {
  readonly minuteStart: number;
  readonly ohlc4: number;
}

export class LiquidationCalibrator implements CalibratorPort {
  readonly symbol: string;
  readonly step: number;
  readonly leverage: LeverageConfig;
  readonly windowMinutes: number;
  readonly learningRate: number;
  readonly closerLevelGamma: number;
  readonly estimator: WeightEstimator;
  private readonly tuneBuffer: boolean;
  private readonly tuneTolerance: boolean;
  private readonly output: CalibratorOutput;
  private readonly tiers: readonly number[];
  private readonly enabled: readonly boolean[];
  private readonly n: number;
  /** The weights before any learning: the MAP's prior. */
  private readonly prior: readonly number[];
  private readonly priceDecimals: number;
  private readonly counts = zeroCounters();

  // learned state
  private w: number[];
  private buffer: number;
  private biasLong: number;
  private biasShort: number;
  private tolerance: number;
  private longOffsetUsd = 0;
  private shortOffsetUsd = 0;
  private calibrationCount = 0;
  private migratedFrom: number | null = null;
  private vol: VolatilityState = INITIAL_VOLATILITY;
  private windowStart: number | undefined;
  private readonly pendingResponsibility: Float64Array;
  private pendingEvents = 0;
  private readonly biasSamples = { long: { n: 0, sum: 0 }, short: { n: 0, sum: 0 } };
  private toleranceSamples: number[] = [];
  /** Maintenance margins implied by mark-triggered liquidations, not yet used by a buffer update. */
  private bufferSamples: number[] = [];
  private readonly evidence: MixEvidence;
  private readonly mixOptions: MixEstimatorOptions;
  private readonly cache: CachedMinute[] = [];

  // per window / per minute
  private window: WindowStats;
  private minuteLiquidations: MinuteLiquidation[] = [];
  private readonly approach: ApproachTracker;
  private started = false;
  private readonly held: { event: Liquidation; context: LiquidationContext }[] = [];
  private restoreLine: Record<string, unknown> | undefined;

  // scratch
  private readonly density: Float64Array;
  private readonly unitDensity: Float64Array;
  private readonly resp: Float64Array;
  private readonly distances: (number | undefined)[];
  private readonly levels: (number | undefined)[];

  constructor(init: CalibratorInit, options: CalibratorOptions = {}) {
    this.symbol = init.symbol;
    this.step = init.step;
    this.leverage = init.leverage;
    this.output = init.output;
    this.windowMinutes = options.windowMinutes ?? WINDOW_MINUTES;
    if (!(Number.isInteger(this.windowMinutes) && this.windowMinutes >= 1)) throw new RangeError(`windowMinutes must be a whole number ≥ 1, got ${this.windowMinutes}`);
    this.learningRate = options.learningRate ?? LEARNING_RATE;
    this.closerLevelGamma = options.closerLevelGamma ?? CLOSER_LEVEL_GAMMA;
    this.tuneBuffer = options.enableBufferTuning ?? ENABLE_BUFFER_TUNING;
    this.tuneTolerance = options.enableToleranceTuning ?? ENABLE_TOLERANCE_TUNING;
    this.estimator = options.estimator ?? 'exposure-map';
    if (this.estimator !== 'exposure-map' && this.estimator !== 'responsibility-share') throw new RangeError(`estimator must be exposure-map or responsibility-share, got ${String(this.estimator)}`);
    this.mixOptions = options.mix ?? {};
    this.tiers = init.leverage.tiers;
    this.n = this.tiers.length;
    this.enabled = this.tiers.map((t) => !init.leverage.disabledTiers.has(t));
    this.priceDecimals = Math.min(12, decimalsOf(init.step) + 4);
    this.w = init.initial.weights.slice();
    this.prior = init.initial.weights.slice();
    this.evidence = new MixEvidence(this.n, this.mixOptions);
    this.buffer = init.initial.buffer;
    this.biasLong = init.initial.biasLong;
    this.biasShort = init.initial.biasShort;
    this.tolerance = HIT_BUCKET_TOLERANCE;
    this.pendingResponsibility = new Float64Array(this.n);
    this.window = newWindow(this.n);
    this.approach = new ApproachTracker(this.tiers, this.enabled, init.step);
    this.density = new Float64Array(this.n);
    this.unitDensity = new Float64Array(this.n);
    this.resp = new Float64Array(this.n);
    this.distances = new Array(this.n).fill(undefined);
    this.levels = new Array(this.n).fill(undefined);
    this.restore(restoreWeights(init.saved, init.leverage));
  }

  // ─── port ───────────────────────────────────────────────────────────────────

  onLiquidation(event: Liquidation, context: LiquidationContext): void {
    this.counts.liquidations++;
    try {
      if (event.symbol !== this.symbol) {
        this.counts.skipped_symbol_mismatch++;
        return;
      }
      if (!(event.price > 0) || !Number.isFinite(event.price)) {
        this.counts.skipped_non_positive_price++;
        return;
      }
      if (!this.started) {
        if (this.held.length < MAX_HELD_EVENTS) {
          this.held.push({ event, context });
          this.counts.held_no_snapshot++;
        } else this.counts.held_dropped++;
        return;
      }
      this.process(event, context);
    } catch (error) {
      this.fail('onLiquidation', error, event.ts, { event: { ...event } });
    }
  }

  onMinuteSnapshot(snapshot: MinuteSnapshot): void {
    this.counts.minute_snapshots++;
    try {
      if (snapshot.symbol !== this.symbol) {
        this.counts.skipped_snapshot_symbol_mismatch++;
        return;
      }
      if (!(snapshot.ohlc4 > 0) || !Number.isFinite(snapshot.ohlc4)) {
        this.counts.skipped_snapshot_no_price++;
        return;
      }
      this.minute(snapshot);
    } catch (error) {
      this.fail('onMinuteSnapshot', error, snapshot.validFrom, { minute_start_ms: snapshot.minuteStart });
    }
  }

  weights(): WeightsUpdate {
    return { weights: this.weightsRecord(this.w), buffer: this.buffer, bias: { long: this.biasLong, short: this.biasShort } };
  }

  counters(): Readonly<Record<string, number>> {
    return { ...this.counts, held_now: this.held.length };
  }

  /** The weights file as it would be saved now (inspection, tests). */
  weightsFile(savedAtMs: number): WeightsFile {
    return buildWeightsFile({
      symbol: this.symbol,
      leverage: this.leverage,
      weights: this.w,
      buffer: this.buffer,
      tolerance: this.tolerance,
      biasLong: this.biasLong,
      biasShort: this.biasShort,
      longOffsetUsd: this.longOffsetUsd,
      shortOffsetUsd: this.shortOffsetUsd,
      calibrationCount: this.calibrationCount,
      savedAtMs,
      windowMinutes: this.windowMinutes,
      migratedFrom: this.migratedFrom,
      state: this.learningState(),
    });
  }

  /**
   * Shutdown: save the learning state as it is now (the weights file, its `state` with the
   * open window's statistics), so a restart continues from here rather than from the last
   * calibration, and a run shorter than a window still leaves its file. Before the first
   * snapshot nothing has been learned and a restored file is still on disk as it was, so
   * nothing is written (counted).
   */
  flush(ts: number): void {
    if (!this.started) {
      this.counts.flush_skipped_not_started++;
      return;
    }
    this.output.saveWeights(this.weightsFile(ts));
    this.counts.weights_saved++;
    this.counts.weights_flushed++;
  }

  /** Current hit tolerance, buckets. */
  get hitTolerance(): number {
    return this.tolerance;
  }

  // ─── restore ────────────────────────────────────────────────────────────────

  private restore(result: RestoreResult): void {
    if (result.status === 'absent') return;
    if (result.status === 'ignored') {
      this.counts.saved_ignored++;
      this.restoreLine = { status: 'ignored', reason: result.reason };
      this.output.warn?.(`saved calibrator weights ignored (${result.reason}); starting from the prior`);
      return;
    }
    const r = result.restored;
    this.counts.saved_loaded++;
    this.w = r.weights.slice();
    if (r.buffer !== undefined) this.buffer = r.buffer;
    this.biasLong = r.biasLong;
    this.biasShort = r.biasShort;
    this.tolerance = r.tolerance;
    this.calibrationCount = r.calibrationCount;
    this.longOffsetUsd = r.longOffsetUsd;
    this.shortOffsetUsd = r.shortOffsetUsd;
    if (r.migrated) {
      this.counts.saved_migrated++;
      this.migratedFrom = r.fromVersion;
      this.output.warn?.(`saved calibrator weights migrated from schema_version ${r.fromVersion}: ${r.notes.join('; ')}`);
    }
    const s = r.state;
    if (s) {
      this.vol = { ewma: s.vol_ewma, lastClose: s.last_close ?? undefined };
      this.windowStart = s.window_start_ms ?? undefined;
      s.pending_responsibility.forEach((v, i) => (this.pendingResponsibility[i] = this.enabled[i] ? v : 0));
      this.pendingEvents = s.pending_events;
      this.biasSamples.long = { ...s.bias_samples.long };
      this.biasSamples.short = { ...s.bias_samples.short };
      this.toleranceSamples = s.tolerance_samples.slice(-MAX_TOLERANCE_SAMPLES);
      this.bufferSamples = (s.buffer_samples ?? []).slice(-MAX_BUFFER_SAMPLES);
      if (s.mix_evidence !== undefined) {
        const problem = this.evidence.restore(s.mix_evidence);
        if (problem) r.notes.push(`mix evidence not restored: ${problem}`);
      }
      for (const [minuteStart, ohlc4] of s.minute_cache) this.cache.push({ minuteStart, ohlc4 });
      if (s.window !== undefined) this.window = windowOf(s.window, this.n);
    }
    this.restoreLine = {
      status: r.migrated ? 'migrated' : 'loaded',
      from_version: r.fromVersion,
      state_restored: s !== undefined,
      notes: r.notes,
      weights: this.weightsByTier(this.w),
      buffer: this.buffer,
      bias_long: this.biasLong,
      bias_short: this.biasShort,
      tolerance: this.tolerance,
      calibration_count: this.calibrationCount,
    };
  }

  private learningState(): LearningStateJson {
    return {
      weights: this.w.slice(),
      buffer: this.buffer,
      bias_long: this.biasLong,
      bias_short: this.biasShort,
      vol_ewma: this.vol.ewma,
      last_close: this.vol.lastClose ?? null,
      window_start_ms: this.windowStart ?? null,
      pending_responsibility: Array.from(this.pendingResponsibility),
      pending_events: this.pendingEvents,
      bias_samples: { long: { ...this.biasSamples.long }, short: { ...this.biasSamples.short } },
      tolerance_samples: this.toleranceSamples.slice(),
      buffer_samples: this.bufferSamples.slice(),
      mix_evidence: this.evidence.toJson(),
      minute_cache: this.cache.map((c) => [c.minuteStart, c.ohlc4]),
      window: windowJson(this.window),
    };
  }

  // ─── E-step ─────────────────────────────────────────────────────────────────

  private process(event: Liquidation, context: LiquidationContext): void {
    this.counts.total_events++;
    const win = this.window;
    win.events++;
    const side = event.side;
    const mark = context.mark;
    const params = context.params;
    // The mark triggered the liquidation only if it sits between the order's (bankruptcy)
    // price and a margin the model can represent; in a cascade the freshest mark is often
    // from before or after the trigger by a percent. Without a usable mark the trigger is
    // the order price moved by the buffer, where the mark stood when it fired (≈ for 1/L ≪ 1).
    // (an insane order price is what is wrong then, not the mark)
    const markRejected = mark !== undefined && !context.priceInsane && !markAtTrigger(side, mark.price, event.price);
    const fromMark = mark !== undefined && !markRejected;
    const trigger = fromMark ? mark.price : side === 'long' ? event.price * (1 + params.buffer) : event.price * (1 - params.buffer);
    if (fromMark) {
      this.counts.from_mark++;
      win.fromMark++;
    } else this.counts.from_event_price++;
    if (markRejected) this.counts.marks_rejected++;
    if (context.late) {
      this.counts.late++;
      win.late++;
    }
    const bias = side === 'long' ? params.biasLong : params.biasShort;
    const { scale, tau, delta } = temperatures(this.vol.ewma);
    const inventory = context.inventory;
    const sumF = inventory.tierDensity(side, trigger, tau, this.density, this.unitDensity);
    const fallback = !(sumF >= NEGLIGIBLE_DENSITY_USD);
    const resp = this.resp;
    if (!fallback) {
      densityResponsibilities(this.density, this.enabled, resp);
      this.nearestInventoryLevels(inventory, side, trigger, tau);
    } else {
      this.nearestCachedLevels(side, trigger, params.buffer, bias);
      fallbackResponsibilities(this.distances, params.weights, this.enabled, tau, resp);
    }
    const rawNearest = this.nearestRawTier(side, trigger, params.buffer, bias);
    const tierDisabled = rawNearest !== undefined && !this.enabled[rawNearest];
    const attributed = argmax(resp, this.enabled);
    const level = attributed >= 0 ? this.levels[attributed] : undefined;
    const toleranceUsd = this.tolerance * this.step;
    const missUsd = level !== undefined ? trigger - level : undefined;
    const isHit = missUsd !== undefined && Math.abs(missUsd) <= toleranceUsd * (1 + 1e-12);
    const insane = context.priceInsane;
    const learns = !insane && !tierDisabled;
    // the maintenance margin the mark-vs-order-price gap implies (update.ts), with the attribution's mean 1/L
    let inverseLeverage = 0;
    for (let i = 0; i < this.n; i++) inverseLeverage += resp[i]! / this.tiers[i]!;
    const margin = fromMark ? impliedMargin(side, trigger, event.price, inverseLeverage) : undefined;

    if (fallback) {
      this.counts.fallback++;
      win.fallback++;
    }
    if (insane) {
      this.counts.price_insane++;
      win.priceInsane++;
    }
    if (tierDisabled) {
      this.counts.tier_disabled++;
      win.tierDisabled++;
    }
    if (isHit) this.counts.hits++;
    else this.counts.misses++;

    if (learns) {
      this.counts.learning_events++;
      win.learning++;
      this.pendingEvents++;
      for (let i = 0; i < this.n; i++) {
        const r = resp[i]!;
        this.pendingResponsibility[i]! += r;
        win.responsibility[i]! += r;
        win.hitCredit[i]! += hitCredit(r, this.distances[i], delta);
        if (!fallback) win.observedUsd[i]! += r * event.notional;
      }
      if (!fallback && this.evidence.addEvent(event.ts, event.notional, this.unitDensity)) this.counts.mix_evidence_events++;
      if (margin !== undefined) {
        this.counts.buffer_samples++;
        this.bufferSamples.push(margin);
        if (this.bufferSamples.length > MAX_BUFFER_SAMPLES) this.bufferSamples.shift();
      }
      if (!fallback) {
        win.attributed++;
        if (attributed >= 0) win.attributedCount[attributed]!++;
        if (isHit) win.hits++;
        else win.misses++;
        if (missUsd !== undefined) {
          this.toleranceSamples.push(Math.abs(missUsd) / this.step);
          if (this.toleranceSamples.length > MAX_TOLERANCE_SAMPLES) this.toleranceSamples.shift();
        }
        // buffer and bias learn from mark-triggered hits only (the venue's order price is not
        // the trigger), measured against the parameters they will correct (not during the
        // minute between a calibration and the engine applying it)
        const current = params.buffer === this.buffer && bias === (side === 'long' ? this.biasLong : this.biasShort);
        if (isHit && fromMark && level !== undefined && current) {
          const s = this.biasSamples[side];
          s.n++;
          s.sum += (trigger - level) / level;
        }
      }
      this.minuteLiquidations.push({ side, price: trigger, notional: event.notional });
    }

    const attribution: Record<string, unknown>[] = [];
    for (let i = 0; i < this.n; i++) {
      if (!this.enabled[i]) continue;
      const lv = this.levels[i];
      const d = this.distances[i];
      attribution.push({
        tier: this.tiers[i],
        level: lv === undefined ? null : round(lv, this.priceDecimals),
        distance_pct: d === undefined ? null : round(d, 8),
        responsibility: round(resp[i]!, 6),
        hit_credit: round(hitCredit(resp[i]!, d, delta), 6),
      });
    }
    this.output.log(
      {
        type: 'event',
        ts: event.ts,
        minute_key: Math.floor(event.ts / MINUTE_MS),
        symbol: this.symbol,
        venue: event.venue,
        side,
        event_price: event.price,
        qty: event.qty,
        notional: round(event.notional, 2),
        trigger_price: trigger,
        trigger_source: fromMark ? 'mark' : 'event_price',
        mark_price: mark ? mark.price : null,
        mark_venue: mark ? mark.venue : null,
        mark_age_ms: mark ? event.ts - mark.ts : null,
        mark_rejected: markRejected,
        density_usd: round(sumF, 2),
        fallback,
        attribution,
        attributed_tier: attributed >= 0 ? this.tiers[attributed] : null,
        attributed_level: level === undefined ? null : round(level, this.priceDecimals),
        nearest_raw_tier: rawNearest === undefined ? null : this.tiers[rawNearest],
        is_hit: isHit,
        miss_usd: missUsd === undefined ? null : round(missUsd, this.priceDecimals),
        miss_pct: missUsd === undefined ? null : round(missUsd / trigger, 8),
        miss_buckets: missUsd === undefined ? null : round(Math.abs(missUsd) / this.step, 3),
        implied_margin: margin === undefined ? null : round(margin, 8),
        late: context.late,
        price_insane: insane,
        tier_disabled: tierDisabled,
        learns,
        params: {
          weights: this.weightsByTier(params.weights),
          buffer: params.buffer,
          bias_long: params.biasLong,
          bias_short: params.biasShort,
          tolerance: this.tolerance,
          tau_pct: round(tau, 8),
          delta_pct: round(delta, 8),
          vol_scale: round(scale, 6),
          vol_ewma: round(this.vol.ewma, 8),
        },
      },
      event.ts,
    );
  }

  /** Each enabled tier's inventory level nearest P within the kernel's reach, into `levels`/`distances`. */
  private nearestInventoryLevels(inventory: InventoryView, side: Side, price: number, tau: number): void {
    const reach = price * tau * DENSITY_CUTOFF_TAUS;
    for (let i = 0; i < this.n; i++) {
      this.levels[i] = undefined;
      this.distances[i] = undefined;
      if (!this.enabled[i]) continue;
      let best: number | undefined;
      let bestD = Infinity;
      inventory.forEachNear(side, this.tiers[i]!, price - reach, price + reach, (level) => {
        const d = Math.abs(price - level);
        if (d < bestD || (d === bestD && level < best!)) {
          bestD = d;
          best = level;
        }
      });
      if (best !== undefined) {
        this.levels[i] = best;
        this.distances[i] = bestD / price;
      }
    }
  }

  /** Each enabled tier's implied level nearest P over the cached minutes' OHLC4 entries. */
  private nearestCachedLevels(side: Side, price: number, buffer: number, bias: number): void {
    for (let i = 0; i < this.n; i++) {
      this.levels[i] = undefined;
      this.distances[i] = undefined;
      if (!this.enabled[i]) continue;
      const f = levelFactor(side, this.tiers[i]!, buffer, bias);
      let best: number | undefined;
      let bestD = Infinity;
      for (const c of this.cache) {
        const level = c.ohlc4 * f;
        const d = Math.abs(price - level);
        if (d < bestD) {
          bestD = d;
          best = level;
        }
      }
      if (best !== undefined) {
        this.levels[i] = best;
        this.distances[i] = bestD / price;
      }
    }
  }

  /** The tier (any, disabled included) whose raw implied level over the cached minutes is nearest P (the PoC's `nearest_implied_leverage_raw`). */
  private nearestRawTier(side: Side, price: number, buffer: number, bias: number): number | undefined {
    let best: number | undefined;
    let bestD = Infinity;
    for (let i = 0; i < this.n; i++) {
      const f = levelFactor(side, this.tiers[i]!, buffer, bias);
      for (const c of this.cache) {
        const d = Math.abs(price - c.ohlc4 * f);
        if (d < bestD) {
          bestD = d;
          best = i;
        }
      }
    }
    return best;
  }

  // ─── per minute ─────────────────────────────────────────────────────────────

  private minute(s: MinuteSnapshot): void {
    const first = !this.started;
    this.started = true;
    const windowMs = this.windowMinutes * MINUTE_MS;
    const boundary = Math.floor(s.validFrom / windowMs) * windowMs;
    if (first && this.windowStart !== undefined && this.windowStart > boundary) this.resetNewerWindow(s, boundary);
    if (first && this.restoreLine) {
      this.output.log({ type: 'weights_restore', ts: s.validFrom, minute_key: s.minuteKey, symbol: this.symbol, ...this.restoreLine }, s.validFrom);
      this.restoreLine = undefined;
    }
    if (s.priceSource === 'carried') this.counts.volatility_minutes_skipped++;
    else this.vol = nextVolatility(this.vol, s.close);
    this.cache.push({ minuteStart: s.minuteStart, ohlc4: s.ohlc4 });
    if (this.cache.length > MINUTE_CACHE_SIZE) this.cache.shift();
    for (const part of s.swept) {
      const i = this.tiers.indexOf(part.tier);
      if (i >= 0 && this.enabled[i]) {
        this.window.exposureUsd[i]! += part.notional;
        this.window.exposureUnitUsd[i]! += part.unitNotional;
        this.evidence.addExposure(s.minuteStart, i, part.unitNotional);
      }
    }
    if (s.priceSource !== 'carried') {
      this.approach.update(
        { minuteStart: s.minuteStart, high: s.high, low: s.low, inventory: s.inventory, swept: s.swept, liquidations: this.minuteLiquidations, toleranceUsd: this.tolerance * this.step },
        (o) => this.onApproach(o, s.validFrom),
      );
    }
    this.minuteLiquidations = [];
    if (first && this.held.length > 0) {
      const held = this.held.splice(0);
      for (const { event, context } of held) this.process(event, context);
    }
    if (this.windowStart === undefined) this.windowStart = boundary;
    else if (boundary > this.windowStart) this.calibrate(s, boundary);
  }

  /**
   * The restored window starts after this snapshot's window (an older capture replayed
   * into a used data dir): `boundary > windowStart` would not fire again before event time
   * caught up with the saved run, so nothing would calibrate. The window restarts here.
   * Its pending responsibility and statistics go with it (they belong to the saved run's
   * later window). Mix evidence and cached minutes newer than the snapshot go too: the
   * evidence weight 0.5^(age/half-life) of a negative age exceeds 1 and the horizon would
   * never prune them, and the fallback would place levels at future prices. Older
   * evidence, the learned parameters and the unused bias/buffer/tolerance samples (which
   * measure those parameters, not a time) stay; the volatility keeps its level but not its
   * reference close (a return against a later run's price is not this market's).
   */
  private resetNewerWindow(s: MinuteSnapshot, boundary: number): void {
    const saved = this.windowStart!;
    const minutes = Math.round((saved - boundary) / MINUTE_MS);
    const evidenceDropped = this.evidence.dropAfter(s.validFrom);
    const cached = this.cache.length;
    const keep = this.cache.filter((c) => c.minuteStart < s.minuteStart);
    this.cache.length = 0;
    this.cache.push(...keep);
    this.windowStart = undefined;
    this.window = newWindow(this.n);
    this.pendingResponsibility.fill(0);
    this.pendingEvents = 0;
    this.vol = { ewma: this.vol.ewma, lastClose: undefined };
    this.counts.saved_window_newer_reset++;
    this.output.warn?.(`saved calibrator window is ${minutes} min newer than the first snapshot; window reset, ${evidenceDropped} newer evidence entr${evidenceDropped === 1 ? 'y' : 'ies'} dropped (replaying into a used data dir?)`);
    const reset = { saved_window_start_ms: saved, minutes_newer: minutes, evidence_dropped: evidenceDropped, cached_minutes_dropped: cached - keep.length };
    if (this.restoreLine) this.restoreLine = { ...this.restoreLine, window_reset: reset };
    else this.output.log({ type: 'weights_restore', ts: s.validFrom, minute_key: s.minuteKey, symbol: this.symbol, status: 'loaded', window_reset: reset }, s.validFrom);
  }

  private onApproach(o: ApproachOutcome, ts: number): void {
    this.counts.approaches++;
    this.window.approached[o.tierIndex]!++;
    if (o.hit) {
      this.counts.approach_hits++;
      this.window.approachHits[o.tierIndex]!++;
    }
    this.output.log(
      {
        type: 'approach',
        ts,
        minute_key: ts / MINUTE_MS,
        symbol: this.symbol,
        side: o.side,
        tier: o.tier,
        level: round(o.level, this.priceDecimals),
        entry: o.entry,
        origin_minute_key: o.originMs / MINUTE_MS,
        approached_minute_key: o.approachedMs / MINUTE_MS,
        minutes: o.minutes,
        closest_pct: round(o.closestPct, 8),
        reached: o.reached,
        liquidations: o.liquidations,
        liquidation_usd: round(o.liquidationUsd, 2),
        hit: o.hit,
        end: o.end,
      },
      ts,
    );
  }

  // ─── M-step ─────────────────────────────────────────────────────────────────

  private calibrate(s: MinuteSnapshot, boundary: number): void {
    const win = this.window;
    const before = { weights: this.w.slice(), buffer: this.buffer, biasLong: this.biasLong, biasShort: this.biasShort, tolerance: this.tolerance };
    this.counts.calibrations++;

    // weights
    let weightsApplied = false;
    let weightsReason: string;
    let target: number[] | undefined;
    let ratioClamped: number[] = [];
    let capped: number[] = [];
    this.evidence.prune(s.validFrom);
    const mix: MixEstimate | undefined = this.estimator === 'exposure-map' ? this.evidence.estimate(s.validFrom, this.prior, this.enabled, this.mixOptions) : undefined;
    if (this.pendingEvents < MIN_WINDOW_EVENTS) {
      weightsReason = `${this.pendingEvents} attributed event(s) < ${MIN_WINDOW_EVENTS}: carried to the next window`;
    } else {
      if (mix) target = mix.target;
      else {
        const respSum = this.pendingResponsibility.reduce((a, b) => a + b, 0);
        target = Array.from(this.pendingResponsibility, (r) => (respSum > 0 ? r / respSum : 0));
      }
      const step = weightStep(this.w, target, this.enabled, { learningRate: this.learningRate });
      const guard = guardWeights(step.weights, this.enabled);
      if (guard) {
        this.counts.guard_skips++;
        weightsReason = `safety guard: ${guard}`;
      } else {
        this.w = step.weights;
        weightsApplied = true;
        weightsReason = `${this.pendingEvents} attributed event(s)`;
        ratioClamped = step.ratioClamped;
        capped = step.capped;
      }
      this.pendingResponsibility.fill(0);
      this.pendingEvents = 0;
    }
    if (weightsApplied) this.counts.weight_updates_applied++;
    else this.counts.weight_updates_skipped++;

    // bias, then buffer (update.ts): independent evidence, so neither compensates the other
    const offsets = biasStep({ biasLong: this.biasLong, biasShort: this.biasShort }, this.biasSamples.long, this.biasSamples.short);
    const biasSamples = { long: { ...this.biasSamples.long }, short: { ...this.biasSamples.short } };
    if (offsets.usedLong) this.biasSamples.long = { n: 0, sum: 0 };
    if (offsets.usedShort) this.biasSamples.short = { n: 0, sum: 0 };
    if (offsets.usedLong || offsets.usedShort) this.counts.bias_updates++;
    const bufferSamples = this.bufferSamples.length;
    const buffer = this.tuneBuffer ? bufferStep(this.buffer, this.bufferSamples) : undefined;
    if (buffer?.used) this.bufferSamples = [];
    if (buffer?.moved) this.counts.buffer_updates++;
    if (buffer) this.buffer = buffer.buffer;
    this.biasLong = offsets.biasLong;
    this.biasShort = offsets.biasShort;
    const close = s.close;
    const offsetCap = Math.min(MAX_OFFSET_PCT * close, MAX_OFFSET_USD);
    this.longOffsetUsd = clamp(this.biasLong * close, -offsetCap, offsetCap);
    this.shortOffsetUsd = clamp(this.biasShort * close, -offsetCap, offsetCap);

    // tolerance
    const hitRate = win.attributed > 0 ? win.hits / win.attributed : 0;
    let tolerance: { applied: boolean; reason: string; p75: number | undefined; samples: number } = { applied: false, reason: 'tuning off', p75: undefined, samples: this.toleranceSamples.length };
    if (this.tuneTolerance) {
      const t = toleranceStep(this.tolerance, this.toleranceSamples, hitRate);
      tolerance = { applied: t.applied, reason: t.reason, p75: t.p75, samples: this.toleranceSamples.length };
      if (t.p75 !== undefined) this.toleranceSamples = [];
      if (t.applied) this.counts.tolerance_updates++;
      this.tolerance = t.tolerance;
    }

    this.calibrationCount++;
    const changed =
      weightsApplied || this.buffer !== before.buffer || this.biasLong !== before.biasLong || this.biasShort !== before.biasShort;
    if (changed) this.output.onWeightsUpdated(this.weightsRecord(this.w), this.buffer, { long: this.biasLong, short: this.biasShort });
    const windowStart = this.windowStart!;
    this.windowStart = boundary;
    this.output.saveWeights(this.weightsFile(s.validFrom));
    this.counts.weights_saved++;

    const tiers: Record<string, unknown> = {};
    for (let i = 0; i < this.n; i++) {
      if (!this.enabled[i]) continue;
      const approached = win.approached[i]!;
      tiers[String(this.tiers[i])] = {
        responsibility: round(win.responsibility[i]!, 6),
        hit_credit: round(win.hitCredit[i]!, 6),
        attributed: win.attributedCount[i],
        exposure_usd: round(win.exposureUsd[i]!, 2),
        exposure_unit_usd: round(win.exposureUnitUsd[i]!, 2),
        observed_usd: round(win.observedUsd[i]!, 2),
        evidence_observed_usd: mix ? round(mix.observedUsd[i]!, 2) : null,
        evidence_exposure_unit_usd: mix ? round(mix.exposureUnitUsd[i]!, 2) : null,
        reached: mix ? mix.reached[i] : null,
        estimate: mix ? round(mix.target[i]!, 6) : null,
        target: target ? round(target[i]!, 6) : null,
        approached,
        approach_hits: win.approachHits[i],
        hit_rate: approached > 0 ? round(win.approachHits[i]! / approached, 6) : null,
      };
    }
    const { scale, tau, delta } = temperatures(this.vol.ewma);
    this.output.log(
      {
        type: 'calibration',
        ts: s.validFrom,
        minute_key: s.minuteKey,
        symbol: this.symbol,
        calibration_count: this.calibrationCount,
        window_start_ms: windowStart,
        window_end_ms: s.validFrom,
        window_minutes: this.windowMinutes,
        events: {
          total: win.events,
          learning: win.learning,
          attributed: win.attributed,
          fallback: win.fallback,
          price_insane: win.priceInsane,
          tier_disabled: win.tierDisabled,
          late: win.late,
          from_mark: win.fromMark,
          hits: win.hits,
          misses: win.misses,
        },
        hit_rate: win.attributed > 0 ? round(hitRate, 6) : null,
        tiers,
        weights_before: this.weightsByTier(before.weights),
        weights_after: this.weightsByTier(this.w),
        weights: { applied: weightsApplied, reason: weightsReason, ratio_clamped: ratioClamped.map((i) => this.tiers[i]), capped: capped.map((i) => this.tiers[i]) },
        estimator: this.estimator,
        evidence: mix
          ? {
              events: mix.events,
              weighted_events: round(mix.weightedEvents, 3),
              scale: mix.scale === undefined ? null : round(mix.scale, 6),
              reached: this.tiers.filter((_, i) => mix.reached[i]),
              reason: mix.reason ?? null,
            }
          : null,
        bias: {
          long: { samples: biasSamples.long.n, mean_miss_pct: offsets.meanLong === undefined ? null : round(offsets.meanLong, 8), before: before.biasLong, after: this.biasLong, applied: offsets.usedLong },
          short: { samples: biasSamples.short.n, mean_miss_pct: offsets.meanShort === undefined ? null : round(offsets.meanShort, 8), before: before.biasShort, after: this.biasShort, applied: offsets.usedShort },
          capped: offsets.biasCapped,
        },
        buffer: {
          before: before.buffer,
          after: this.buffer,
          applied: buffer?.moved ?? false,
          tuning: this.tuneBuffer,
          source: 'bankruptcy_gap',
          samples: bufferSamples,
          median_implied_margin: buffer?.target === undefined ? null : round(buffer.target, 8),
          iqr_implied_margin: buffer?.iqr === undefined ? null : round(buffer.iqr, 8),
          bounded: buffer?.bounded ?? false,
          reason: buffer ? buffer.reason : 'tuning off',
        },
        tolerance: { before: before.tolerance, after: this.tolerance, applied: tolerance.applied, reason: tolerance.reason, samples: tolerance.samples, p75: tolerance.p75 === undefined ? null : round(tolerance.p75, 3) },
        offsets_usd: { long: round(this.longOffsetUsd, 2), short: round(this.shortOffsetUsd, 2) },
        close,
        vol_ewma: round(this.vol.ewma, 8),
        vol_scale: round(scale, 6),
        tau_pct: round(tau, 8),
        delta_pct: round(delta, 8),
        approach_levels: this.approach.size,
      },
      s.validFrom,
    );
    this.window = newWindow(this.n);
  }

  // ─── helpers ────────────────────────────────────────────────────────────────

  private weightsRecord(weights: readonly number[]): Record<number, number> {
    const out: Record<number, number> = {};
    this.tiers.forEach((t, i) => (out[t] = this.enabled[i] ? weights[i]! : 0));
    return out;
  }

  private weightsByTier(weights: readonly number[]): Record<string, number> {
    const out: Record<string, number> = {};
    this.tiers.forEach((t, i) => (out[String(t)] = round(weights[i]!, 6)));
    return out;
  }

  private fail(where: string, error: unknown, ts: number, input: Record<string, unknown>): void {
    this.counts.errors++;
    const e = error instanceof Error ? error : new Error(String(error));
    try {
      this.output.log({ type: 'calibrator_error', ts, where, symbol: this.symbol, message: e.message, stack: e.stack ?? null, ...input }, ts);
    } catch {
      // the log itself failed: the counter above still shows the error
    }
  }
}

/** The mark can have triggered a liquidation whose order went out at `orderPrice`: the margin between them is within the buffer's range. */
function markAtTrigger(side: Side, markPrice: number, orderPrice: number): boolean {
  const m = impliedMargin(side, markPrice, orderPrice, 0);
  return m !== undefined && m >= BUFFER_MIN && m <= BUFFER_MAX;
}

/** A calibrator factory with options (defaults: the seed's per-symbol parameters). */
export function createCalibrator(options: CalibratorOptions = {}): CalibratorFactory {
  return (init) => new LiquidationCalibrator(init, options);
}

/** The default calibrator: what `createRuntime` uses unless told otherwise. */
export const liquidationCalibrator: CalibratorFactory = createCalibrator();
