/**
 * The PoC's accuracy grid (POC-FACTS 4.2, `audit_v2_comprehensive.py`), on our logs:
 * every liquidation against the same-side levels created in the minutes [m − L, m] of
 * its minute m, for lookbacks L ∈ {0, 1, 5, 15} and tolerances τ ∈ {0.10, 0.25, 0.50,
 * 1.00} %. No level at all → gap; any level with |price − level| / price ≤ τ → hit;
 * otherwise miss; hit rate = hits / (hits + gaps + misses); the gap rate does not depend
 * on τ. Pure.
 *
 * Levels (from the engine's `minute` lines):
 * - projection: the positions entry inference placed at a rollover, at their implied
 *   liquidation prices, "created in" the minute they are valid from (the PoC keyed its
 *   inference records the same way: by the new minute);
 * - tape: the buckets of real liquidations, created in the minute they happened. A
 *   liquidation's own bucket is therefore in its own minute; the headline tape and
 *   combined grids exclude the own minute ([m − L, m − 1], the PoC's "self-match
 *   filter"), because a liquidation does not predict itself. The PoC's unfiltered
 *   grids are kept (`tapeOwnMinute`, `combinedOwnMinute`) for comparison;
 * - combined: projection ∪ tape (self-match excluded).
 */

import type { Side } from '../events.js';
import type { LevelRecord, LiquidationRecord, MinuteRecord } from './records.js';
import { quantile } from './stats.js';

export const LOOKBACKS = [0, 1, 5, 15] as const;
export const TOLERANCES = [0.001, 0.0025, 0.005, 0.01] as const;
/** The PoC's headline cell: 5 min lookback, 0.50 %. */
export const HEADLINE_LOOKBACK = 5;
export const HEADLINE_TOLERANCE = 0.005;

export const LEVEL_SETS = ['combined', 'projection', 'tape', 'tapeOwnMinute', 'combinedOwnMinute'] as const;
export type LevelSet = (typeof LEVEL_SETS)[number];

/** Which price of a liquidation is compared with the levels. */
export type PriceBasis = 'trigger' | 'event';

export interface GridRow {
  readonly lookback: number;
  readonly events: number;
  readonly gaps: number;
  readonly gapRate: number;
  /** One per tolerance, in TOLERANCES order. */
  readonly cells: readonly { readonly tolerance: number; readonly hits: number; readonly misses: number; readonly hitRate: number }[];
}

export interface Grid {
  readonly rows: readonly GridRow[];
}

export interface MissDistance {
  readonly n: number;
  /** Signed (price − nearest level) / price, quantiles. */
  readonly p25: number | null;
  readonly median: number | null;
  readonly p75: number | null;
  readonly p95: number | null;
  readonly medianAbs: number | null;
}

export interface HitRateResult {
  readonly price: PriceBasis;
  /** Events scored (price-insane ones are left out). */
  readonly events: number;
  readonly grids: Readonly<Record<LevelSet, Grid>>;
  /** The combined grid per side. */
  readonly bySide: Readonly<Record<Side, Grid>>;
  /** Nearest combined level at the headline lookback, per side. */
  readonly missDistance: Readonly<Record<Side, MissDistance>>;
}

interface SideLevels {
  long: number[];
  short: number[];
}

/** Level prices by the minute they were created in. */
export interface LevelIndex {
  readonly projection: ReadonlyMap<number, SideLevels>;
  readonly tape: ReadonlyMap<number, SideLevels>;
}

export function indexLevels(minutes: readonly MinuteRecord[]): LevelIndex {
  const projection = new Map<number, SideLevels>();
  const tape = new Map<number, SideLevels>();
  const add = (map: Map<number, SideLevels>, minute: number, levels: readonly LevelRecord[]) => {
    if (levels.length === 0) return;
    let entry = map.get(minute);
    if (!entry) {
      entry = { long: [], short: [] };
      map.set(minute, entry);
    }
    for (const l of levels) entry[l.side].push(l.price);
  };
  for (const m of minutes) {
    add(projection, m.key, m.projection);
    add(tape, m.key - 1, m.tape);
  }
  return { projection, tape };
}

/** Nearest level of `side` created in minutes [from, to]: signed distance (price − level)/price, or undefined when there is none. */
function nearest(map: ReadonlyMap<number, SideLevels>, side: Side, from: number, to: number, price: number): number | undefined {
  let best: number | undefined;
  for (let k = from; k <= to; k++) {
    const levels = map.get(k)?.[side];
    if (!levels) continue;
    for (const level of levels) {
      const d = (price - level) / price;
      if (best === undefined || Math.abs(d) < Math.abs(best)) best = d;
    }
  }
  return best;
}

const EPS = 1e-9;

class GridTally {
  readonly events = new Array<number>(LOOKBACKS.length).fill(0);
  readonly gaps = new Array<number>(LOOKBACKS.length).fill(0);
  readonly hits = LOOKBACKS.map(() => new Array<number>(TOLERANCES.length).fill(0));

  add(row: number, distance: number | undefined): void {
    this.events[row]!++;
    if (distance === undefined) {
      this.gaps[row]!++;
      return;
    }
    const d = Math.abs(distance);
    TOLERANCES.forEach((tol, j) => {
      if (d <= tol + EPS) this.hits[row]![j]!++;
    });
  }

  grid(): Grid {
    return {
      rows: LOOKBACKS.map((lookback, i) => {
        const n = this.events[i]!;
        const gaps = this.gaps[i]!;
        return {
          lookback,
          events: n,
          gaps,
          gapRate: n > 0 ? gaps / n : 0,
          cells: TOLERANCES.map((tolerance, j) => {
            const hits = this.hits[i]![j]!;
            return { tolerance, hits, misses: n - gaps - hits, hitRate: n > 0 ? hits / n : 0 };
          }),
        };
      }),
    };
  }
}

export function hitRateGrid(events: readonly LiquidationRecord[], index: LevelIndex, price: PriceBasis = 'trigger'): HitRateResult {
  const tallies = Object.fromEntries(LEVEL_SETS.map((s) => [s, new GridTally()])) as Record<LevelSet, GridTally>;
  const bySide = { long: new GridTally(), short: new GridTally() };
  const misses: Record<Side, number[]> = { long: [], short: [] };
  let scored = 0;
  const headlineRow = LOOKBACKS.indexOf(HEADLINE_LOOKBACK);
  for (const e of events) {
    if (e.priceInsane) continue;
    scored++;
    const p = price === 'trigger' ? e.triggerPrice : e.eventPrice;
    const m = e.minute;
    LOOKBACKS.forEach((lookback, row) => {
      const projection = nearest(index.projection, e.side, m - lookback, m, p);
      const tape = nearest(index.tape, e.side, m - lookback, m - 1, p);
      const tapeOwn = nearest(index.tape, e.side, m - lookback, m, p);
      const combined = closer(projection, tape);
      tallies.combined.add(row, combined);
      tallies.combinedOwnMinute.add(row, closer(projection, tapeOwn));
      tallies.projection.add(row, projection);
      tallies.tape.add(row, tape);
      tallies.tapeOwnMinute.add(row, tapeOwn);
      bySide[e.side].add(row, combined);
      if (row === headlineRow && combined !== undefined) misses[e.side].push(combined);
    });
  }
  return {
    price,
    events: scored,
    grids: Object.fromEntries(LEVEL_SETS.map((s) => [s, tallies[s].grid()])) as Record<LevelSet, Grid>,
    bySide: { long: bySide.long.grid(), short: bySide.short.grid() },
    missDistance: { long: missDistance(misses.long), short: missDistance(misses.short) },
  };
}

/** The nearer of two signed distances (either may be absent). */
function closer(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.abs(b) < Math.abs(a) ? b : a;
}

function missDistance(values: number[]): MissDistance {
  const sorted = [...values].sort((a, b) => a - b);
  const abs = values.map(Math.abs).sort((a, b) => a - b);
  return {
    n: values.length,
    p25: quantile(sorted, 0.25),
    median: quantile(sorted, 0.5),
    p75: quantile(sorted, 0.75),
    p95: quantile(sorted, 0.95),
    medianAbs: quantile(abs, 0.5),
  };
}

/** The cell of a grid at a lookback and tolerance. */
export function cellOf(grid: Grid, lookback: number, tolerance: number): { hitRate: number; hits: number; misses: number; gaps: number; gapRate: number; events: number } {
  const row = grid.rows.find((r) => r.lookback === lookback)!;
  const cell = row.cells.find((c) => Math.abs(c.tolerance - tolerance) < 1e-12)!;
  return { hitRate: cell.hitRate, hits: cell.hits, misses: cell.misses, gaps: row.gaps, gapRate: row.gapRate, events: row.events };
}
