/**
 * The one wall-clock port (STYLE.md "One Clock port"). Engines never read wall time —
 * their "now" is the event's `ts` (src/clock.ts is the event-time clock). Wall time is
 * needed only at the edges: connection watchdogs, keepalives, reconnect backoff, REST
 * scheduling and "x s ago" in the API and dashboard.
 *
 * `systemClock()` is called only in `commands/`; everything below takes a `WallClock`
 * as a dependency, and tests pass a `ManualClock`, which advances time explicitly and
 * fires due timers deterministically.
 */

declare const timerBrand: unique symbol;
/** Opaque timer handle; only the clock that made it can cancel it. */
export type TimerHandle = { readonly [timerBrand]: true };

export interface WallClock {
  /** Epoch milliseconds. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
  setInterval(callback: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle | undefined): void;
}

/** The real clock: `Date.now()` and Node's timers. Create it in `commands/` only. */
export function systemClock(): WallClock {
  return {
    now: () => Date.now(),
    setTimeout: (callback, ms) => setTimeout(callback, ms) as unknown as TimerHandle,
    clearTimeout: (handle) => {
      if (handle !== undefined) clearTimeout(handle as unknown as NodeJS.Timeout);
    },
    setInterval: (callback, ms) => setInterval(callback, ms) as unknown as TimerHandle,
    clearInterval: (handle) => {
      if (handle !== undefined) clearInterval(handle as unknown as NodeJS.Timeout);
    },
  };
}

interface ManualTimer {
  readonly id: number;
  due: number;
  readonly every: number | undefined;
  readonly callback: () => void;
}

export interface ManualClockOptions {
  /** Epoch ms the clock starts at (default 0). */
  readonly start?: number;
  /**
   * Most timer firings one `advance` may perform before it throws (default 100 000):
   * a runaway interval or a timer that re-arms itself at 0 ms fails the test loudly
   * instead of hanging it.
   */
  readonly maxFirings?: number;
}

/**
 * A clock for tests. Time moves only through `advance`/`advanceTo`; due timers fire in
 * due-time order (ties in creation order), with `now()` set to each timer's due time
 * while it runs, so a callback sees the time it was scheduled for. Timers scheduled by
 * a callback fire in the same advance when they fall inside its window.
 */
export class ManualClock implements WallClock {
  private current: number;
  private readonly maxFirings: number;
  private readonly timers = new Map<number, ManualTimer>();
  private nextId = 1;

  constructor(options: ManualClockOptions = {}) {
    this.current = options.start ?? 0;
    this.maxFirings = options.maxFirings ?? 100_000;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    return this.add(callback, ms, undefined);
  }

  setInterval(callback: () => void, ms: number): TimerHandle {
    if (!(ms > 0)) throw new Error(`ManualClock.setInterval needs a period > 0 ms, got ${ms}`);
    return this.add(callback, ms, ms);
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle !== undefined) this.timers.delete(handle as unknown as number);
  }

  clearInterval(handle: TimerHandle | undefined): void {
    this.clearTimeout(handle);
  }

  /** Move time forward by `ms`, firing every timer that falls due. Returns the number fired. */
  advance(ms: number): number {
    if (!(ms >= 0)) throw new Error(`ManualClock.advance needs ms ≥ 0, got ${ms}`);
    return this.advanceTo(this.current + ms);
  }

  /** Move time to `target` (never backwards), firing due timers. Returns the number fired. */
  advanceTo(target: number): number {
    if (target < this.current) throw new Error(`ManualClock cannot go back from ${this.current} to ${target}`);
    let fired = 0;
    for (;;) {
      const next = this.nextDue();
      if (next === undefined || next.due > target) break;
      if (++fired > this.maxFirings) {
        throw new Error(`ManualClock: more than ${this.maxFirings} timer firings in one advance (runaway timer?)`);
      }
      this.current = Math.max(this.current, next.due);
      if (next.every === undefined) this.timers.delete(next.id);
      else next.due += next.every;
      next.callback();
    }
    this.current = target;
    return fired;
  }

  /** Jump to the next timer and fire it (and any due at the same instant). False when none is pending. */
  runNext(): boolean {
    const next = this.nextDue();
    if (next === undefined) return false;
    this.advanceTo(Math.max(this.current, next.due));
    return true;
  }

  /** Number of pending timers (intervals included). */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Due time of the earliest pending timer, or undefined. */
  nextTimerAt(): number | undefined {
    return this.nextDue()?.due;
  }

  private add(callback: () => void, ms: number, every: number | undefined): TimerHandle {
    const id = this.nextId++;
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    this.timers.set(id, { id, due: this.current + delay, every, callback });
    return id as unknown as TimerHandle;
  }

  private nextDue(): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const timer of this.timers.values()) {
      if (best === undefined || timer.due < best.due || (timer.due === best.due && timer.id < best.id)) best = timer;
    }
    return best;
  }
}
