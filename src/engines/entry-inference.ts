/**
 * Entry inference (DESIGN.md section 4): an inventory of inferred open positions,
 * kept per side × leverage tier × entry bucket, and their implied liquidation levels.
 *
 * At each minute close with ΔOI known:
 * - ΔOI > 0: new notional `ΔOI·OHLC4` is split long/short by the minute's taker-buy
 *   share (0.5 without trades; clamped to [0.1, 0.9] as in the PoC so neither side is
 *   ever zeroed by one lopsided minute) and spread over the enabled tiers by the
 *   current weights; each part is a position opened at entry = OHLC4.
 * - ΔOI < 0: every position shrinks by `|ΔOI| / OI_{t−1}`, capped at
 *   {@link MAX_OI_SHRINK_PER_MINUTE} (a real minute never closes a quarter of all open
 *   interest; a bigger ratio is a data fault, and the cap bounds its damage — the PoC
 *   used the same cap).
 * - Every minute: positions decay ×`decay`, positions under the floor are dropped, and a
 *   long position whose level the minute's low reaches (a short one whose level the high
 *   reaches) is swept: removed (the PoC only cut it by 70 %, DESIGN says removed).
 *   Sweeping happens before the minute's new positions are added, so new positions are
 *   judged from the next minute on.
 *
 * Positions keep their entry, not their level: the level is computed with the current
 * buffer and bias, so calibrated `m` and `b` move the whole inventory from the next
 * minute on, and the calibrator's E-step searches the same levels the heatmap shows.
 *
 * Beside each position's notional the inventory keeps its **unit notional**: what the
 * tier would hold at weight 1, i.e. the notional before the split by the weights in
 * force when it opened (`part / w_L`), decayed, shrunk, swept and dropped with it. The
 * calibrator's rate estimator needs the inventory as the market opened it, free of the
 * weights it is estimating (weights change between the minutes positions open).
 *
 * Implied liquidation price of a position opened at `E` with leverage `L`:
 *   long  `E·(1 − 1/L + m)·(1 + b_long)`,  short `E·(1 + 1/L − m)·(1 + b_short)`.
 * (The PoC used `E·(1 ∓ (1/L + m))`, which puts the buffer on the wrong side of the
 * maintenance margin: POC-FACTS 3.5 and 5.1 item 5.)
 */

import type { Side } from '../events.js';
import { bucketIndex, bucketPrice, decimalsOf } from './buckets.js';
import { BUCKET_FLOOR_USD } from './heatmap-config.js';
import type { LeverageConfig } from './leverage-config.js';
import type { LeverageParams } from './leverage-params.js';
import { clamp } from './num.js';

/** Side-weight clamp of the taker split (PoC `EntryInference`, POC-FACTS 3.6 step 4). */
export const SIDE_WEIGHT_MIN = 0.1;
export const SIDE_WEIGHT_MAX = 0.9;
/** Largest share of the inventory one minute's OI decrease may close (PoC's cap). */
export const MAX_OI_SHRINK_PER_MINUTE = 0.25;
/** The E-step's kernel is cut beyond this many τ (e^−12 ≈ 6e−6 of a position at P). */
export const DENSITY_CUTOFF_TAUS = 12;

/** Multiplier from entry to level for a side and tier under `params`. */
export function levelFactor(side: Side, leverage: number, buffer: number, bias: number): number {
  return side === 'long' ? (1 - 1 / leverage + buffer) * (1 + bias) : (1 + 1 / leverage - buffer) * (1 + bias);
}

/** Implied liquidation price (DESIGN.md section 4). */
export function impliedLiquidationPrice(entry: number, leverage: number, side: Side, params: Pick<LeverageParams, 'buffer' | 'biasLong' | 'biasShort'>): number {
  return entry * levelFactor(side, leverage, params.buffer, side === 'long' ? params.biasLong : params.biasShort);
}

/** The long share of new notional: the taker-buy share, 0.5 without trades, clamped to [0.1, 0.9]. */
export function longShareOf(takerBuyShare: number | undefined): number {
  return clamp(takerBuyShare ?? 0.5, SIDE_WEIGHT_MIN, SIDE_WEIGHT_MAX);
}

/**
 * Read access to the inventory for the calibrator's E-step:
 * `f_L(P) = Σ_levels notional_L·exp(−|P − level|/(P·τ))`.
 */
export interface InventoryView {
  readonly step: number;
  /** The ladder, ascending; per-tier arrays below are aligned with it. */
  readonly tiers: readonly number[];
  /** The parameters levels are computed with right now. */
  params(): LeverageParams;
  /** Implied level of a position of `tier` opened at `entryPrice`, under the current parameters. */
  level(side: Side, tier: number, entryPrice: number): number;
  /**
   * Per tier, `f_L(P)` into `out` (aligned with `tiers`, disabled tiers 0); returns Σ f_L.
   * `tau` is a fraction of price (0.0012·scale). Positions farther than 12 τ are skipped.
   * With `unitOut`, the same sum over the positions' unit notional goes there (the
   * density the tier would have at weight 1).
   */
  tierDensity(side: Side, price: number, tau: number, out: Float64Array, unitOut?: Float64Array): number;
  /** Positions of one tier whose level lies in [lo, hi]. */
  forEachNear(side: Side, tier: number, lo: number, hi: number, fn: (level: number, notional: number, entryPrice: number) => void): void;
  /** Every position of one tier. */
  forEach(side: Side, tier: number, fn: (entryPrice: number, notional: number, level: number) => void): void;
  /** Total inferred notional of a side, USD. */
  totalUsd(side: Side): number;
}

/** One position part removed by a sweep. */
export interface ProjectionSweep {
  readonly side: Side;
  readonly tier: number;
  readonly entryPrice: number;
  readonly level: number;
  readonly notional: number;
  /** The part's unit notional (notional before the split by the weights it opened with). */
  readonly unitNotional: number;
}

/** One position part added at a minute close. */
export interface ProjectionPart {
  readonly side: Side;
  readonly tier: number;
  readonly level: number;
  readonly notional: number;
  /** The side weight of the split (the PoC's `confidence`). */
  readonly sideWeight: number;
}

export interface InferenceMinuteInput {
  /** Per-minute decay factor (0.995). */
  readonly decay: number;
  /** The minute's range; undefined when the minute had no price (no sweep, no new positions). */
  readonly high: number | undefined;
  readonly low: number | undefined;
  /** The minute's OHLC4: the entry of new positions. */
  readonly ohlc4: number | undefined;
  /** ΔOI in base asset; undefined when unknown (no venue in both minutes). */
  readonly oiDeltaBase: number | undefined;
  /** OI_{t−1} over the venues of the delta, base asset. */
  readonly oiPreviousBase: number | undefined;
  /** The minute's taker-buy share of USD volume; undefined without trades. */
  readonly takerBuyShare: number | undefined;
}

export interface InferenceMinuteResult {
  readonly swept: readonly ProjectionSweep[];
  readonly added: readonly ProjectionPart[];
  readonly addedLongUsd: number;
  readonly addedShortUsd: number;
  /** Fraction every position shrank by (0 when ΔOI ≥ 0). */
  readonly shrink: number;
  /** The shrink ratio hit MAX_OI_SHRINK_PER_MINUTE. */
  readonly shrinkCapped: boolean;
  /** The long share used for the split (undefined when nothing was added). */
  readonly longShare: number | undefined;
}

type Cells = Map<number, number>;

/**
 * The inventory in checkpoint form (src/engines/checkpoint.ts): per side, one flat
 * array per tier (aligned with `tiers`) of `[entryIndex, notional, unit, …]` in the
 * maps' insertion order, which is the order sums run in, so a restored inventory sums
 * to the same bits. Numbers are kept whole: JSON round-trips a double exactly.
 */
export interface InventoryState {
  readonly partsTotal: number;
  readonly long: readonly (readonly number[])[];
  readonly short: readonly (readonly number[])[];
}

export class EntryInference implements InventoryView {
  readonly step: number;
  readonly tiers: readonly number[];
  private readonly decimals: number;
  private readonly disabled: ReadonlySet<number>;
  private current: LeverageParams;
  /** [side][tier index] → entry bucket index → notional USD. */
  private readonly cells: Record<Side, Cells[]>;
  /** The same keys → unit notional (before the split by weights; see the module comment). */
  private readonly units: Record<Side, Cells[]>;
  private partsTotal = 0;

  constructor(options: { readonly step: number; readonly leverage: LeverageConfig; readonly params: LeverageParams }) {
    this.step = options.step;
    this.decimals = decimalsOf(options.step);
    this.tiers = options.leverage.tiers;
    this.disabled = options.leverage.disabledTiers;
    this.current = options.params;
    this.cells = {
      long: this.tiers.map(() => new Map()),
      short: this.tiers.map(() => new Map()),
    };
    this.units = {
      long: this.tiers.map(() => new Map()),
      short: this.tiers.map(() => new Map()),
    };
  }

  params(): LeverageParams {
    return this.current;
  }

  setParams(params: LeverageParams): void {
    this.current = params;
  }

  /** Position parts ever added. */
  get inferencesTotal(): number {
    return this.partsTotal;
  }

  level(side: Side, tier: number, entryPrice: number): number {
    return impliedLiquidationPrice(entryPrice, tier, side, this.current);
  }

  /** The minute's inference step (see the module comment). */
  onMinute(input: InferenceMinuteInput): InferenceMinuteResult {
    const swept = this.decayAndSweep(input.decay, input.high, input.low);
    const added: ProjectionPart[] = [];
    let addedLong = 0;
    let addedShort = 0;
    let shrink = 0;
    let shrinkCapped = false;
    let longShare: number | undefined;
    const delta = input.oiDeltaBase;
    if (delta !== undefined && delta > 0 && input.ohlc4 !== undefined && input.high !== undefined) {
      const usd = delta * input.ohlc4;
      longShare = longShareOf(input.takerBuyShare);
      addedLong = this.open('long', input.ohlc4, usd * longShare, longShare, added);
      addedShort = this.open('short', input.ohlc4, usd * (1 - longShare), 1 - longShare, added);
    } else if (delta !== undefined && delta < 0 && input.oiPreviousBase !== undefined && input.oiPreviousBase > 0) {
      const ratio = -delta / input.oiPreviousBase;
      shrinkCapped = ratio > MAX_OI_SHRINK_PER_MINUTE;
      shrink = Math.min(ratio, MAX_OI_SHRINK_PER_MINUTE);
      this.scale(1 - shrink);
    }
    return { swept, added, addedLongUsd: addedLong, addedShortUsd: addedShort, shrink, shrinkCapped, longShare };
  }

  /** Multiply every position by `factor`, dropping those under the floor. */
  scale(factor: number): void {
    for (const side of ['long', 'short'] as const) {
      for (let t = 0; t < this.tiers.length; t++) {
        const cells = this.cells[side][t]!;
        const units = this.units[side][t]!;
        for (const [entry, usd] of cells) {
          const v = usd * factor;
          if (v < BUCKET_FLOOR_USD) {
            cells.delete(entry);
            units.delete(entry);
          } else {
            cells.set(entry, v);
            units.set(entry, units.get(entry)! * factor);
          }
        }
      }
    }
  }

  /** Open `usd` of `side` at `entryPrice`, spread over enabled tiers; returns the USD added. */
  private open(side: Side, entryPrice: number, usd: number, sideWeight: number, out: ProjectionPart[]): number {
    const entryIndex = bucketIndex(entryPrice, this.step);
    const entry = bucketPrice(entryIndex, this.step, this.decimals);
    const { weights, buffer } = this.current;
    const bias = side === 'long' ? this.current.biasLong : this.current.biasShort;
    let added = 0;
    for (let t = 0; t < this.tiers.length; t++) {
      const tier = this.tiers[t]!;
      const w = weights[t]!;
      if (w <= 0 || this.disabled.has(tier)) continue;
      const part = usd * w;
      const cells = this.cells[side][t]!;
      cells.set(entryIndex, (cells.get(entryIndex) ?? 0) + part);
      const units = this.units[side][t]!;
      units.set(entryIndex, (units.get(entryIndex) ?? 0) + usd);
      out.push({ side, tier, level: entry * levelFactor(side, tier, buffer, bias), notional: part, sideWeight });
      added += part;
      this.partsTotal++;
    }
    return added;
  }

  private decayAndSweep(factor: number, high: number | undefined, low: number | undefined): ProjectionSweep[] {
    const swept: ProjectionSweep[] = [];
    const { buffer } = this.current;
    for (const side of ['long', 'short'] as const) {
      const bias = side === 'long' ? this.current.biasLong : this.current.biasShort;
      const bound = side === 'long' ? low : high;
      for (let t = 0; t < this.tiers.length; t++) {
        const tier = this.tiers[t]!;
        const f = levelFactor(side, tier, buffer, bias);
        const cells = this.cells[side][t]!;
        const units = this.units[side][t]!;
        for (const [entryIndex, usd] of cells) {
          const v = usd * factor;
          const u = units.get(entryIndex)! * factor;
          const entry = bucketPrice(entryIndex, this.step, this.decimals);
          const level = entry * f;
          const crossed = bound !== undefined && (side === 'long' ? bound <= level : bound >= level);
          if (crossed) {
            swept.push({ side, tier, entryPrice: entry, level, notional: v, unitNotional: u });
            cells.delete(entryIndex);
            units.delete(entryIndex);
          } else if (v < BUCKET_FLOOR_USD) {
            cells.delete(entryIndex);
            units.delete(entryIndex);
          } else {
            cells.set(entryIndex, v);
            units.set(entryIndex, u);
          }
        }
      }
    }
    return swept;
  }

  /**
   * Every position whose level bucket falls in the window [firstIndex, firstIndex + count):
   * `fn(i, tierIndex, usd)` with `i` the bucket's offset in the window.
   */
  forEachInWindow(side: Side, firstIndex: number, count: number, fn: (i: number, tierIndex: number, usd: number) => void): void {
    const { buffer } = this.current;
    const bias = side === 'long' ? this.current.biasLong : this.current.biasShort;
    for (let t = 0; t < this.tiers.length; t++) {
      const f = levelFactor(side, this.tiers[t]!, buffer, bias);
      for (const [entryIndex, usd] of this.cells[side][t]!) {
        const i = bucketIndex(bucketPrice(entryIndex, this.step, this.decimals) * f, this.step) - firstIndex;
        if (i >= 0 && i < count) fn(i, t, usd);
      }
    }
  }

  /** Add each position's notional at its level bucket into `total` over the window [firstIndex, firstIndex + count). */
  projectInto(side: Side, firstIndex: number, count: number, total: Float64Array): void {
    this.forEachInWindow(side, firstIndex, count, (i, _t, usd) => {
      total[i]! += usd;
    });
  }

  tierDensity(side: Side, price: number, tau: number, out: Float64Array, unitOut?: Float64Array): number {
    const { buffer } = this.current;
    const bias = side === 'long' ? this.current.biasLong : this.current.biasShort;
    const scale = price * tau;
    const reach = DENSITY_CUTOFF_TAUS * scale;
    let sum = 0;
    for (let t = 0; t < this.tiers.length; t++) {
      const tier = this.tiers[t]!;
      let f = 0;
      let g = 0;
      if (!this.disabled.has(tier)) {
        const factor = levelFactor(side, tier, buffer, bias);
        const units = this.units[side][t]!;
        this.scan(side, t, factor, price - reach, price + reach, (level, usd, _entry, entryIndex) => {
          const k = Math.exp(-Math.abs(price - level) / scale);
          f += usd * k;
          if (unitOut) g += units.get(entryIndex)! * k;
        });
      }
      out[t] = f;
      if (unitOut) unitOut[t] = g;
      sum += f;
    }
    return sum;
  }

  forEachNear(side: Side, tier: number, lo: number, hi: number, fn: (level: number, notional: number, entryPrice: number) => void): void {
    const t = this.tiers.indexOf(tier);
    if (t < 0) return;
    const bias = side === 'long' ? this.current.biasLong : this.current.biasShort;
    this.scan(side, t, levelFactor(side, tier, this.current.buffer, bias), lo, hi, fn);
  }

  forEach(side: Side, tier: number, fn: (entryPrice: number, notional: number, level: number) => void): void {
    const t = this.tiers.indexOf(tier);
    if (t < 0) return;
    const bias = side === 'long' ? this.current.biasLong : this.current.biasShort;
    const f = levelFactor(side, tier, this.current.buffer, bias);
    for (const [entryIndex, usd] of this.cells[side][t]!) {
      const entry = bucketPrice(entryIndex, this.step, this.decimals);
      fn(entry, usd, entry * f);
    }
  }

  totalUsd(side: Side): number {
    let sum = 0;
    for (const cells of this.cells[side]) for (const usd of cells.values()) sum += usd;
    return sum;
  }

  exportState(): InventoryState {
    const side = (s: Side) =>
      this.cells[s].map((cells, t) => {
        const units = this.units[s][t]!;
        const flat: number[] = [];
        for (const [entry, usd] of cells) flat.push(entry, usd, units.get(entry)!);
        return flat;
      });
    return { partsTotal: this.partsTotal, long: side('long'), short: side('short') };
  }

  /** Replace the inventory with a checkpoint's (validated by the caller: one array per tier, triples). */
  importState(state: InventoryState): void {
    for (const s of ['long', 'short'] as const) {
      for (let t = 0; t < this.tiers.length; t++) {
        const cells = this.cells[s][t]!;
        const units = this.units[s][t]!;
        cells.clear();
        units.clear();
        const flat = state[s][t] ?? [];
        for (let i = 0; i + 2 < flat.length; i += 3) {
          cells.set(flat[i]!, flat[i + 1]!);
          units.set(flat[i]!, flat[i + 2]!);
        }
      }
    }
    this.partsTotal = state.partsTotal;
  }

  /** Cells (side × tier × entry) currently held. */
  cellCount(side: Side): number {
    let n = 0;
    for (const cells of this.cells[side]) n += cells.size;
    return n;
  }

  /** Positions of tier index `t` whose level is in [lo, hi]: by entry-index range or by scan, whichever is shorter. */
  private scan(side: Side, t: number, factor: number, lo: number, hi: number, fn: (level: number, notional: number, entryPrice: number, entryIndex: number) => void): void {
    const cells = this.cells[side][t]!;
    if (cells.size === 0 || !(factor > 0)) return;
    const first = Math.floor(lo / factor / this.step);
    const last = Math.ceil(hi / factor / this.step);
    if (last - first + 1 <= cells.size) {
      for (let e = first; e <= last; e++) {
        const usd = cells.get(e);
        if (usd === undefined) continue;
        const entry = bucketPrice(e, this.step, this.decimals);
        const level = entry * factor;
        if (level >= lo && level <= hi) fn(level, usd, entry, e);
      }
    } else {
      for (const [e, usd] of cells) {
        const entry = bucketPrice(e, this.step, this.decimals);
        const level = entry * factor;
        if (level >= lo && level <= hi) fn(level, usd, entry, e);
      }
    }
  }
}
