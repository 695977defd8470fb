import { describe, expect, it } from 'vitest';
import { evaluatePools, type PoolSnapshotLike } from './evaluate-pools.js';
import { EngineManager } from './manager.js';
import { NULL_SINK, type EngineSink, type Lazy } from './ports.js';
import type { SnapshotV2 } from './snapshot-types.js';
import { SyntheticMarket } from './testing/synthetic-market.js';

const H = 3_600_000;

describe('evaluatePools', () => {
  const snap: PoolSnapshotLike = { ts: 0, price: 105, long: [{ price_low: 99, price_high: 101 }], short: [{ price_low: 110, price_high: 112 }] };

  it('scores recall by notional and precision by pools hit, within the horizon', () => {
    const truth = [
      { ts: 1_000, side: 'long' as const, price: 100, notional: 10 }, // in the long pool
      { ts: 2_000, side: 'long' as const, price: 95, notional: 30 }, // missed
      { ts: 3_000, side: 'short' as const, price: 111, notional: 20 }, // in the short pool
      { ts: 4_000, side: 'short' as const, price: 100, notional: 5 }, // a short at a long pool's price: not a hit
      { ts: H + 1, side: 'short' as const, price: 111, notional: 1_000 }, // after the horizon
    ];
    const result = evaluatePools([snap], truth, { endTs: H });
    expect(result.snapshots).toBe(1);
    expect(result.liquidations).toBe(4);
    expect(result.model).toMatchObject({ precision: 1, pools: 2, poolsHit: 2, notional: 65, notionalInPools: 30 });
    expect(result.model.recall).toBeCloseTo(30 / 65, 12);
  });

  it('widens pools by the tolerance and skips snapshots whose horizon runs past the data', () => {
    const truth = [{ ts: 1_000, side: 'long' as const, price: 101.5, notional: 10 }];
    expect(evaluatePools([snap], truth, { endTs: H }).model.recall).toBe(0);
    expect(evaluatePools([snap], truth, { endTs: H, tolerancePct: 0.005 }).model.recall).toBe(1);
    expect(evaluatePools([snap], truth, { endTs: H - 1 }).snapshots).toBe(0);
    // a one-bucket pool covers its bucket: ±step/2 around its price
    const one: PoolSnapshotLike = { ts: 0, price: 105, long: [{ price_low: 100, price_high: 100 }], short: [] };
    const near = [{ ts: 1, side: 'long' as const, price: 100.4, notional: 1 }];
    expect(evaluatePools([one], near, { endTs: H }).model.recall).toBe(0);
    expect(evaluatePools([one], near, { endTs: H, step: 1 }).model.recall).toBe(1);
  });

  it('draws random pools of the same widths inside each side band, reproducibly', () => {
    const truth = Array.from({ length: 200 }, (_, i) => ({ ts: 1 + i, side: (i % 2 ? 'long' : 'short') as 'long' | 'short', price: i % 2 ? 94.5 + i / 20 : 105 + i / 20, notional: 1 }));
    const a = evaluatePools([snap], truth, { endTs: H, randomDraws: 50, seed: 7 });
    const b = evaluatePools([snap], truth, { endTs: H, randomDraws: 50, seed: 7 });
    expect(a.random).toEqual(b.random);
    expect(a.random.pools).toBeCloseTo(2, 12);
    // a 2-wide pool placed in a 10.5-wide band catches on average ~2/10.5 of uniformly spread levels
    expect(a.random.recall).toBeGreaterThan(0.05);
    expect(a.random.recall).toBeLessThan(0.4);
  });
});

describe('heatmap pools on a synthetic market with known positions', () => {
  it('put long pools below price and short pools above, and beat pools placed at random', () => {
    const market = new SyntheticMarket({ seed: 42, minutes: 8 * 60 });
    const snapshots: PoolSnapshotLike[] = [];
    const sink: EngineSink = {
      ...NULL_SINK,
      snapshotV2: (_symbol: string, lazy: Lazy<SnapshotV2>) => {
        const s = lazy();
        snapshots.push({ ts: s.ts * 1000, price: s.price, long: s.long_levels, short: s.short_levels });
      },
    };
    const manager = new EngineManager({ symbols: ['BTC'], engine: { sink } });
    for (const event of market.events()) manager.dispatch(event);
    expect(snapshots.length).toBeGreaterThan(470);
    for (const s of snapshots) {
      for (const p of s.long) expect(p.price_high).toBeLessThanOrEqual(s.price);
      for (const p of s.short) expect(p.price_low).toBeGreaterThanOrEqual(s.price);
    }
    const truth = market.truth.map((t) => ({ ts: t.ts, side: t.side, price: t.liqPrice, notional: t.qty * t.liqPrice }));
    // hourly windows after a 2-hour warm-up (the inventory needs time to build up)
    const warm = snapshots.filter((s) => s.ts >= snapshots[0]!.ts + 2 * H);
    const result = evaluatePools(warm, truth, { horizonMs: H, randomDraws: 50, step: 20 });
    const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
    console.info(
      `synthetic BTC, ${result.snapshots} hourly windows, ${result.liquidations} liquidations: ` +
        `pools recall ${pct(result.model.recall)} precision ${pct(result.model.precision)} | ` +
        `random pools recall ${pct(result.random.recall)} precision ${pct(result.random.precision)}`,
    );
    expect(result.snapshots).toBeGreaterThanOrEqual(4);
    expect(result.liquidations).toBeGreaterThan(50);
    expect(result.model.recall).toBeGreaterThan(1.5 * result.random.recall);
    expect(result.model.precision).toBeGreaterThan(result.random.precision);
  });
});
