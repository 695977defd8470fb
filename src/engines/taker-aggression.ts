/**
 * Taker aggression (seed `TakerAggressionAccumulator(history_minutes=10)`, DESIGN.md
 * section 4): per minute, taker buy and sell volume from the trades of every venue,
 * in base asset and in USD, with the last {@link HISTORY_MINUTES} closed minutes kept.
 *
 * Unlike the PoC (POC-FACTS 5.1 item 8) the minute being closed is the one whose trades
 * were just accumulated (not the minute before it), every venue counts (not Binance
 * only), and minutes follow event time.
 */

import type { TakerSide } from '../events.js';

export const HISTORY_MINUTES = 10;

export interface TakerMinute {
  /** Start of the minute, epoch ms. */
  readonly minuteStart: number;
  readonly buyBase: number;
  readonly sellBase: number;
  readonly buyUsd: number;
  readonly sellUsd: number;
  readonly trades: number;
}

/** Taker-buy share of the minute's USD volume; undefined without volume. */
export function takerBuyShare(minute: TakerMinute): number | undefined {
  const total = minute.buyUsd + minute.sellUsd;
  return total > 0 ? minute.buyUsd / total : undefined;
}

/**
 * Checkpoint form: the open minute's `[buyBase, sellBase, buyUsd, sellUsd, trades]` and
 * the closed minutes as `[minuteStart, buyBase, sellBase, buyUsd, sellUsd, trades]`.
 */
export interface TakerState {
  readonly open: readonly number[];
  readonly history: readonly (readonly number[])[];
}

export class TakerAggression {
  private buyBase = 0;
  private sellBase = 0;
  private buyUsd = 0;
  private sellUsd = 0;
  private trades = 0;
  private readonly closed: TakerMinute[] = [];

  add(takerSide: TakerSide, price: number, qty: number): void {
    if (takerSide === 'buy') {
      this.buyBase += qty;
      this.buyUsd += price * qty;
    } else {
      this.sellBase += qty;
      this.sellUsd += price * qty;
    }
    this.trades++;
  }

  /** Close the open minute: return its totals, keep them in the history, start a new minute. */
  close(minuteStart: number): TakerMinute {
    const minute: TakerMinute = {
      minuteStart,
      buyBase: this.buyBase,
      sellBase: this.sellBase,
      buyUsd: this.buyUsd,
      sellUsd: this.sellUsd,
      trades: this.trades,
    };
    this.closed.push(minute);
    if (this.closed.length > HISTORY_MINUTES) this.closed.shift();
    this.buyBase = this.sellBase = this.buyUsd = this.sellUsd = this.trades = 0;
    return minute;
  }

  /** Closed minutes, oldest first (at most HISTORY_MINUTES). */
  history(): readonly TakerMinute[] {
    return this.closed;
  }

  exportState(): TakerState {
    return {
      open: [this.buyBase, this.sellBase, this.buyUsd, this.sellUsd, this.trades],
      history: this.closed.map((m) => [m.minuteStart, m.buyBase, m.sellBase, m.buyUsd, m.sellUsd, m.trades]),
    };
  }

  /** Replace the open minute and the history with a checkpoint's (validated by the caller). */
  importState(state: TakerState): void {
    [this.buyBase, this.sellBase, this.buyUsd, this.sellUsd, this.trades] = state.open as [number, number, number, number, number];
    this.closed.length = 0;
    for (const [minuteStart, buyBase, sellBase, buyUsd, sellUsd, trades] of state.history.slice(-HISTORY_MINUTES)) {
      this.closed.push({ minuteStart: minuteStart!, buyBase: buyBase!, sellBase: sellBase!, buyUsd: buyUsd!, sellUsd: sellUsd!, trades: trades! });
    }
  }

  /** Forget the history (after a fast-forwarded gap the old minutes say nothing about now). */
  clearHistory(): void {
    this.closed.length = 0;
  }
}
