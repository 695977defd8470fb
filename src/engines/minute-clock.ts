/**
 * The event-time minute clock (DESIGN.md section 3): minutes roll over from event
 * timestamps, never from the wall clock, so a replay sees the very same rollovers.
 *
 * Rules:
 * - The first market event starts the clock at the minute containing its `ts`.
 * - An event whose `ts` lies at or past the end of the open minute closes it, and every
 *   further minute it crosses: each crossed minute produces exactly one rollover, also
 *   across gaps in the data (up to {@link MAX_CATCHUP_MINUTES}; a longer gap closes the
 *   open minute and fast-forwards the rest in one step).
 * - An event whose `ts` is before the open minute is late: it is applied to the open
 *   minute and counted by the caller.
 * - A tick carries local receive time while venue events carry venue time, and venue
 *   clocks run ~1 s apart from ours. A tick at `t` therefore advances the clock only to
 *   `t − TICK_GRACE_MS`: a quiet minute closes 2 s after its end, late enough for the
 *   venues' last events of that minute to land in it. Ticks never start the clock.
 */

export const MINUTE_MS = 60_000;
export const TICK_GRACE_MS = 2_000;
/** A day: 0.995^1440 ≈ 7e-4, so minute-by-minute catch-up past this changes nothing visible. */
export const MAX_CATCHUP_MINUTES = 1_440;

export function minuteStartOf(ts: number): number {
  return Math.floor(ts / MINUTE_MS) * MINUTE_MS;
}

/** What advancing the clock to a time requires of the caller. */
export interface ClockAdvance {
  /** Minutes to close one by one (each closes the open minute and opens the next). */
  readonly rollovers: number;
  /** Minutes to skip in one step after the rollovers (only for gaps beyond MAX_CATCHUP_MINUTES). */
  readonly fastForward: number;
  /** The time was before the open minute. */
  readonly late: boolean;
}

const NOTHING: ClockAdvance = { rollovers: 0, fastForward: 0, late: false };
const LATE: ClockAdvance = { rollovers: 0, fastForward: 0, late: true };

export class MinuteClock {
  private open = Number.NaN;

  get started(): boolean {
    return !Number.isNaN(this.open);
  }

  /** Start (ms) of the open minute; NaN before the first event. */
  get minuteStart(): number {
    return this.open;
  }

  start(ts: number): void {
    this.open = minuteStartOf(ts);
  }

  /** What reaching `ts` requires; the caller performs it, calling {@link next} once per minute closed. */
  plan(ts: number): ClockAdvance {
    if (ts < this.open) return LATE;
    const crossed = Math.floor((ts - this.open) / MINUTE_MS);
    if (crossed <= 0) return NOTHING;
    if (crossed > MAX_CATCHUP_MINUTES) return { rollovers: 1, fastForward: crossed - 1, late: false };
    return { rollovers: crossed, fastForward: 0, late: false };
  }

  /** Open the next minute (after the caller closed the open one). */
  next(minutes = 1): void {
    this.open += minutes * MINUTE_MS;
  }
}
