import { describe, expect, it } from 'vitest';
import { MemorySink } from '../memory-sink.js';
import { SymbolEngine } from '../symbol-engine.js';
import { SyntheticMarket } from '../testing/synthetic-market.js';
import { liquidationCalibrator } from './calibrator.js';

describe('calibrator safety guard', () => {
  it('never trips on a healthy run that starts from the prior (the PoC’s entropy switch tripped at window 3 of every run)', () => {
    const sink = new MemorySink({ limit: 2_000 });
    const engine = new SymbolEngine({ symbol: 'BTC', sink, calibrator: liquidationCalibrator });
    for (const event of new SyntheticMarket({ seed: 11, minutes: 180 }).events()) engine.apply(event);
    const c = engine.calibrator.counters();
    expect(c.calibrations).toBeGreaterThanOrEqual(11);
    expect(c.guard_skips).toBe(0);
    expect(c.errors).toBe(0);
    expect(c.weight_updates_applied).toBeGreaterThan(0);
    expect(c.total_events).toBe(c.liquidations);
    expect(engine.counters().weightsRejected).toBe(0);
  });
});
