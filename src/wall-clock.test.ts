import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from './wall-clock.js';

describe('ManualClock', () => {
  it('fires due timers in due-time order with now() at each due time', () => {
    const clock = new ManualClock({ start: 1_000 });
    const seen: string[] = [];
    clock.setTimeout(() => seen.push(`b@${clock.now()}`), 300);
    clock.setTimeout(() => seen.push(`a@${clock.now()}`), 100);
    clock.setTimeout(() => seen.push(`c@${clock.now()}`), 300);
    expect(clock.advance(299)).toBe(1);
    expect(seen).toEqual(['a@1100']);
    expect(clock.now()).toBe(1_299);
    clock.advance(1);
    expect(seen).toEqual(['a@1100', 'b@1300', 'c@1300']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('repeats intervals until cleared and fires timers scheduled inside the window', () => {
    const clock = new ManualClock();
    const ticks: number[] = [];
    const handle = clock.setInterval(() => {
      ticks.push(clock.now());
      if (ticks.length === 2) clock.setTimeout(() => ticks.push(-clock.now()), 50);
    }, 100);
    clock.advance(350);
    expect(ticks).toEqual([100, 200, -250, 300]);
    clock.clearInterval(handle);
    clock.advance(1_000);
    expect(ticks).toHaveLength(4);
  });

  it('cancels a timeout before it fires', () => {
    const clock = new ManualClock();
    let fired = false;
    const handle = clock.setTimeout(() => (fired = true), 10);
    clock.clearTimeout(handle);
    clock.advance(100);
    expect(fired).toBe(false);
  });

  it('throws instead of hanging on a timer that re-arms itself at 0 ms', () => {
    const clock = new ManualClock({ maxFirings: 50 });
    const rearm = (): void => void clock.setTimeout(rearm, 0);
    rearm();
    expect(() => clock.advance(1)).toThrow(/more than 50 timer firings/);
  });

  it('refuses to go back in time and reports the next timer', () => {
    const clock = new ManualClock({ start: 500 });
    expect(() => clock.advanceTo(400)).toThrow(/cannot go back/);
    clock.setTimeout(() => {}, 70);
    expect(clock.nextTimerAt()).toBe(570);
    expect(clock.runNext()).toBe(true);
    expect(clock.now()).toBe(570);
    expect(clock.runNext()).toBe(false);
  });
});

describe('systemClock', () => {
  it('reads Date.now()', () => {
    const before = Date.now();
    const now = systemClock().now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('is created only in commands/ (STYLE.md: one Clock port)', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) && entry.name !== 'wall-clock.ts') {
          if (/\bsystemClock\(/.test(fs.readFileSync(file, 'utf8'))) offenders.push(file);
        }
      }
    };
    walk(path.resolve(import.meta.dirname));
    expect(offenders).toEqual([]);
  });
});
