import { describe, expect, it } from 'vitest';
import { MAX_CATCHUP_MINUTES, MINUTE_MS, MinuteClock, minuteStartOf } from './minute-clock.js';

const T0 = Date.UTC(2026, 2, 1, 12, 0);

describe('MinuteClock', () => {
  it('starts at the minute containing the first event', () => {
    const clock = new MinuteClock();
    expect(clock.started).toBe(false);
    clock.start(T0 + 42_123);
    expect(clock.minuteStart).toBe(T0);
    expect(minuteStartOf(T0 + 59_999)).toBe(T0);
  });

  it('plans one rollover per crossed minute, including across a gap', () => {
    const clock = new MinuteClock();
    clock.start(T0);
    expect(clock.plan(T0 + 59_999)).toEqual({ rollovers: 0, fastForward: 0, late: false });
    expect(clock.plan(T0 + MINUTE_MS)).toEqual({ rollovers: 1, fastForward: 0, late: false });
    expect(clock.plan(T0 + 7 * MINUTE_MS + 5)).toEqual({ rollovers: 7, fastForward: 0, late: false });
  });

  it('reports an event before the open minute as late', () => {
    const clock = new MinuteClock();
    clock.start(T0 + MINUTE_MS);
    expect(clock.plan(T0 + 59_000).late).toBe(true);
  });

  it('fast-forwards gaps longer than a day after closing the open minute', () => {
    const clock = new MinuteClock();
    clock.start(T0);
    const plan = clock.plan(T0 + (MAX_CATCHUP_MINUTES + 10) * MINUTE_MS);
    expect(plan).toEqual({ rollovers: 1, fastForward: MAX_CATCHUP_MINUTES + 9, late: false });
    clock.next(plan.rollovers + plan.fastForward);
    expect(clock.minuteStart).toBe(T0 + (MAX_CATCHUP_MINUTES + 10) * MINUTE_MS);
  });
});
