import { describe, expect, it } from 'vitest';
import { ApproachTracker, type ApproachOutcome, type MinuteLiquidation } from './approach.js';
import { LADDER, MIN, T0, inventory, open } from './testing.js';

function minute(tracker: ApproachTracker, m: number, range: { high: number; low: number }, inv: ReturnType<typeof inventory>, swept: ReturnType<typeof open>['swept'] = [], liquidations: MinuteLiquidation[] = []): ApproachOutcome[] {
  const out: ApproachOutcome[] = [];
  tracker.update({ minuteStart: T0 + m * MIN, ...range, inventory: inv, swept, liquidations, toleranceUsd: 4 }, (o) => out.push(o));
  return out;
}

describe('approach tracking', () => {
  it('judges a level approached within 0.75 % a hit when a liquidation of its side came within the tolerance', () => {
    const inv = inventory();
    open(inv, 1000, 10); // long 20x at 950, 50x at 980
    const tracker = new ApproachTracker(LADDER.tiers, [false, true, true], 1);
    expect(minute(tracker, 0, { high: 1005, low: 995 }, inv)).toEqual([]); // 980 is 1.5 % below the low
    // low 986: 50x level 980 is (986 − 980)/980 = 0.61 % away → approached; a long at 982.5 and a short at 980 (wrong side)
    const liqs: MinuteLiquidation[] = [
      { side: 'long', price: 982.5, notional: 5_000 },
      { side: 'short', price: 980, notional: 7_000 },
      { side: 'long', price: 990, notional: 1_000 }, // 10 away: outside the tolerance
    ];
    expect(minute(tracker, 1, { high: 1000, low: 986 }, inv, [], liqs)).toEqual([]);
    expect(tracker.size).toEqual({ tracked: 4, approached: 1 });
    // price retreats: the episode ends as a hit
    const [outcome] = minute(tracker, 2, { high: 1010, low: 1000 }, inv);
    expect(outcome).toMatchObject({ side: 'long', tier: 50, entry: 1000, level: 980, originMs: T0, approachedMs: T0 + MIN, minutes: 1, reached: false, liquidations: 1, liquidationUsd: 5_000, hit: true, end: 'retreat' });
    expect(outcome!.closestPct).toBeCloseTo(6 / 980, 12);
  });

  it('ends an episode when the range sweeps the level, reached, and a miss without liquidations', () => {
    const inv = inventory();
    open(inv, 1000, 10);
    const tracker = new ApproachTracker(LADDER.tiers, [false, true, true], 1);
    minute(tracker, 0, { high: 1001, low: 999 }, inv);
    const swept = open(inv, 990, 0, { high: 995, low: 979 }).swept; // the low crosses 980
    expect(swept.map((s) => [s.side, s.tier])).toEqual([['long', 50]]);
    const [outcome] = minute(tracker, 1, { high: 995, low: 979 }, inv, swept);
    expect(outcome).toMatchObject({ tier: 50, reached: true, closestPct: 0, hit: false, end: 'swept' });
  });

  it('ends an episode when its position leaves the inventory otherwise', () => {
    const inv = inventory();
    open(inv, 1000, 10);
    const tracker = new ApproachTracker(LADDER.tiers, [false, true, true], 1);
    minute(tracker, 0, { high: 1000, low: 985 }, inv);
    inv.scale(0); // everything under the floor
    const out = minute(tracker, 1, { high: 1000, low: 985 }, inv);
    expect(out.map((o) => [o.tier, o.end])).toEqual([[50, 'gone']]);
    expect(tracker.size).toEqual({ tracked: 0, approached: 0 });
  });
});
