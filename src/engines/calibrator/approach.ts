/**
 * Approach tracking (seed `APPROACH_PCT`, issue 6): every predicted level — each inferred
 * position of an enabled tier, keyed by side × tier × entry bucket — is judged against
 * each minute's range. It is **approached** while the range comes within APPROACH_PCT of
 * it (a long level below the low by at most 0.75 %, a short level above the high by at
 * most 0.75 %, or crossed). An approach episode collects the minute's liquidations of its
 * side whose trigger price lies within the hit tolerance of the level, and ends when
 * price retreats beyond APPROACH_PCT, when the range sweeps the level out of the
 * inventory, or when the position leaves it otherwise (decay, OI shrink). Its outcome is
 * a **hit** when it saw at least one liquidation: per tier, hits / approached is the hit
 * rate the audit reports.
 *
 * Minute order: the engine delivers the minute's liquidations, then its snapshot, whose
 * inventory has already lost the positions the minute swept (handed over as `swept`), so
 * both are judged here with the same minute's liquidations.
 */

import type { Side } from '../../events.js';
import type { InventoryView, ProjectionSweep } from '../entry-inference.js';
import { APPROACH_PCT } from './constants.js';

export interface MinuteLiquidation {
  readonly side: Side;
  /** Trigger price (mark at the event, else the event's price). */
  readonly price: number;
  readonly notional: number;
}

export type ApproachEnd = 'retreat' | 'swept' | 'gone';

export interface ApproachOutcome {
  readonly side: Side;
  readonly tier: number;
  readonly tierIndex: number;
  readonly entry: number;
  /** The level when the episode ended (levels move with calibrated buffer and bias). */
  readonly level: number;
  /** Minute start (ms) of the first snapshot that held the position. */
  readonly originMs: number;
  /** Minute start (ms) of the first approached minute of the episode. */
  readonly approachedMs: number;
  readonly minutes: number;
  /** Closest distance, fraction of the level (0 = crossed). */
  readonly closestPct: number;
  readonly reached: boolean;
  readonly liquidations: number;
  readonly liquidationUsd: number;
  readonly hit: boolean;
  readonly end: ApproachEnd;
}

interface Episode {
  since: number;
  minutes: number;
  closest: number;
  reached: boolean;
  liquidations: number;
  usd: number;
}

interface Tracked {
  readonly side: Side;
  readonly tierIndex: number;
  readonly entry: number;
  readonly originMs: number;
  level: number;
  seen: number;
  episode: Episode | undefined;
}

export interface ApproachMinute {
  /** Start of the closed minute, epoch ms. */
  readonly minuteStart: number;
  readonly high: number;
  readonly low: number;
  readonly inventory: InventoryView;
  readonly swept: readonly ProjectionSweep[];
  /** Trigger prices of the minute's liquidations. */
  readonly liquidations: readonly MinuteLiquidation[];
  /** Hit tolerance in price units (tolerance buckets × step). */
  readonly toleranceUsd: number;
}

export class ApproachTracker {
  private readonly tracked = new Map<number, Tracked>();
  private generation = 0;

  constructor(
    private readonly tiers: readonly number[],
    private readonly enabled: readonly boolean[],
    private readonly step: number,
  ) {}

  /** Levels currently tracked, and those inside an approach episode. */
  get size(): { readonly tracked: number; readonly approached: number } {
    let approached = 0;
    for (const t of this.tracked.values()) if (t.episode) approached++;
    return { tracked: this.tracked.size, approached };
  }

  /** Judge one closed minute; outcomes of the episodes that ended go to `emit`. */
  update(minute: ApproachMinute, emit: (outcome: ApproachOutcome) => void): void {
    const gen = ++this.generation;
    // swept parts first: a position opened this minute at a swept one's entry starts afresh
    for (const part of minute.swept) {
      const t = this.tiers.indexOf(part.tier);
      if (t < 0 || !this.enabled[t]) continue;
      this.visit(minute, gen, part.side, t, part.entryPrice, part.level, true, emit);
    }
    for (const side of ['long', 'short'] as const) {
      for (let t = 0; t < this.tiers.length; t++) {
        if (!this.enabled[t]) continue;
        minute.inventory.forEach(side, this.tiers[t]!, (entry, _usd, level) => this.visit(minute, gen, side, t, entry, level, false, emit));
      }
    }
    for (const [key, tr] of this.tracked) {
      if (tr.seen === gen) continue;
      if (tr.episode) emit(this.outcome(tr, 'gone'));
      this.tracked.delete(key);
    }
  }

  private visit(minute: ApproachMinute, gen: number, side: Side, t: number, entry: number, level: number, swept: boolean, emit: (o: ApproachOutcome) => void): void {
    const key = Math.round(entry / this.step) * 64 + t * 2 + (side === 'long' ? 0 : 1);
    let tr = this.tracked.get(key);
    if (!tr) {
      tr = { side, tierIndex: t, entry, originMs: minute.minuteStart, level, seen: gen, episode: undefined };
      this.tracked.set(key, tr);
    }
    tr.level = level;
    tr.seen = gen;
    const distance = side === 'long' ? (minute.low <= level ? 0 : (minute.low - level) / level) : minute.high >= level ? 0 : (level - minute.high) / level;
    if (distance <= APPROACH_PCT) {
      const ep = (tr.episode ??= { since: minute.minuteStart, minutes: 0, closest: distance, reached: false, liquidations: 0, usd: 0 });
      ep.minutes++;
      if (distance < ep.closest) ep.closest = distance;
      if (distance === 0) ep.reached = true;
      for (const liq of minute.liquidations) {
        if (liq.side === side && Math.abs(liq.price - level) <= minute.toleranceUsd) {
          ep.liquidations++;
          ep.usd += liq.notional;
        }
      }
    } else if (tr.episode) {
      emit(this.outcome(tr, 'retreat'));
      tr.episode = undefined;
    }
    if (swept) {
      if (tr.episode) emit(this.outcome(tr, 'swept'));
      this.tracked.delete(key);
    }
  }

  private outcome(tr: Tracked, end: ApproachEnd): ApproachOutcome {
    const ep = tr.episode!;
    return {
      side: tr.side,
      tier: this.tiers[tr.tierIndex]!,
      tierIndex: tr.tierIndex,
      entry: tr.entry,
      level: tr.level,
      originMs: tr.originMs,
      approachedMs: ep.since,
      minutes: ep.minutes,
      closestPct: ep.closest,
      reached: ep.reached,
      liquidations: ep.liquidations,
      liquidationUsd: ep.usd,
      hit: ep.liquidations > 0,
      end,
    };
  }
}
