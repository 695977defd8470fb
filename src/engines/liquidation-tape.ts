/**
 * Liquidation tape (DESIGN.md section 4): real liquidation notional per bucket and
 * side, decaying ×`decay` per minute, dropped below BUCKET_FLOOR_USD, and swept when
 * price crosses back through it (a long bucket when a minute's low reaches it, a short
 * bucket when a minute's high does).
 *
 * Sweep timing: a bucket that received a liquidation during the minute being closed is
 * not swept by that minute's own range: it is judged from the next minute on. The PoC
 * swept with the same minute's high and low, so nearly every liquidation was deleted
 * within the minute it happened (POC-FACTS 5.1 item 9).
 */

import type { Side } from '../events.js';
import { bucketPrice, decimalsOf } from './buckets.js';
import { BUCKET_FLOOR_USD } from './heatmap-config.js';

export interface TapeBucket {
  notional: number;
  count: number;
  /** Start of the minute of the bucket's last liquidation, epoch ms. */
  lastMinute: number;
}

export interface TapeSweep {
  readonly side: Side;
  readonly bucketIndex: number;
  readonly price: number;
  readonly notional: number;
  readonly count: number;
}

/**
 * The tape in checkpoint form (src/engines/checkpoint.ts): totals, and per side a flat
 * `[bucketIndex, notional, count, lastMinute, …]` in insertion order.
 */
export interface TapeState {
  readonly events: number;
  readonly longTotal: number;
  readonly shortTotal: number;
  readonly long: readonly number[];
  readonly short: readonly number[];
}

export class LiquidationTape {
  readonly step: number;
  private readonly decimals: number;
  private readonly buckets: Record<Side, Map<number, TapeBucket>> = { long: new Map(), short: new Map() };
  private events = 0;
  private longTotal = 0;
  private shortTotal = 0;

  constructor(step: number) {
    this.step = step;
    this.decimals = decimalsOf(step);
  }

  add(side: Side, bucketIndex: number, notional: number, minuteStart: number): void {
    const map = this.buckets[side];
    const b = map.get(bucketIndex);
    if (b) {
      b.notional += notional;
      b.count++;
      b.lastMinute = minuteStart;
    } else {
      map.set(bucketIndex, { notional, count: 1, lastMinute: minuteStart });
    }
    this.events++;
    if (side === 'long') this.longTotal += notional;
    else this.shortTotal += notional;
  }

  /**
   * Close a minute: decay by `factor`, drop buckets under the floor, and sweep with the
   * minute's range (`high`/`low` undefined: no sweep), sparing buckets hit in `minuteStart`.
   */
  rollover(factor: number, minuteStart: number, high: number | undefined, low: number | undefined): TapeSweep[] {
    const swept: TapeSweep[] = [];
    for (const side of ['long', 'short'] as const) {
      const map = this.buckets[side];
      for (const [index, b] of map) {
        b.notional *= factor;
        const price = bucketPrice(index, this.step, this.decimals);
        const crossed =
          b.lastMinute !== minuteStart &&
          (side === 'long' ? low !== undefined && low <= price : high !== undefined && high >= price);
        if (crossed) {
          swept.push({ side, bucketIndex: index, price, notional: b.notional, count: b.count });
          map.delete(index);
        } else if (b.notional < BUCKET_FLOOR_USD) {
          map.delete(index);
        }
      }
    }
    return swept;
  }

  /** Multiply every bucket by `factor` (fast-forward over a long gap), dropping those under the floor. */
  scale(factor: number): void {
    for (const map of Object.values(this.buckets)) {
      for (const [index, b] of map) {
        b.notional *= factor;
        if (b.notional < BUCKET_FLOOR_USD) map.delete(index);
      }
    }
  }

  exportState(): TapeState {
    const side = (s: Side) => {
      const flat: number[] = [];
      for (const [index, b] of this.buckets[s]) flat.push(index, b.notional, b.count, b.lastMinute);
      return flat;
    };
    return { events: this.events, longTotal: this.longTotal, shortTotal: this.shortTotal, long: side('long'), short: side('short') };
  }

  /** Replace the tape with a checkpoint's (validated by the caller). */
  importState(state: TapeState): void {
    for (const s of ['long', 'short'] as const) {
      const map = this.buckets[s];
      map.clear();
      const flat = state[s];
      for (let i = 0; i + 3 < flat.length; i += 4) map.set(flat[i]!, { notional: flat[i + 1]!, count: flat[i + 2]!, lastMinute: flat[i + 3]! });
    }
    this.events = state.events;
    this.longTotal = state.longTotal;
    this.shortTotal = state.shortTotal;
  }

  get(side: Side, bucketIndex: number): number {
    return this.buckets[side].get(bucketIndex)?.notional ?? 0;
  }

  forEach(side: Side, fn: (bucketIndex: number, bucket: Readonly<TapeBucket>) => void): void {
    for (const [index, b] of this.buckets[side]) fn(index, b);
  }

  bucketCount(side: Side): number {
    return this.buckets[side].size;
  }

  get stats(): { readonly events: number; readonly longNotionalTotal: number; readonly shortNotionalTotal: number } {
    return { events: this.events, longNotionalTotal: this.longTotal, shortNotionalTotal: this.shortTotal };
  }
}
