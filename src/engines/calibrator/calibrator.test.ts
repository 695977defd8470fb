import { describe, expect, it } from 'vitest';
import { SymbolEngine } from '../symbol-engine.js';
import { MemorySink } from '../memory-sink.js';
import { leverageConfigFor } from '../leverage-config.js';
import { liquidation as engineLiq, mark as engineMark, openInterest as engineOi } from '../testing/factories.js';
import type { CalibratorInit } from '../ports.js';
import type { EntryInference } from '../entry-inference.js';
import { LiquidationCalibrator, liquidationCalibrator, type CalibratorOptions } from './calibrator.js';
import { LADDER, MIN, PARAMS, RecordingOutput, T0, context, inventory, liq, open, snapshot } from './testing.js';

function make(saved?: unknown, over: Partial<CalibratorInit> = {}, options: CalibratorOptions = {}) {
  const out = new RecordingOutput();
  const cal = new LiquidationCalibrator({ symbol: 'BTC', step: 1, leverage: LADDER, initial: PARAMS, saved, output: out, ...over }, options);
  return { cal, out };
}

/** Two minutes of inference: long 20x at 980.4 and 50x at 980 (both 0.2 from 980.2). */
function twoLevels(): EntryInference {
  const inv = inventory();
  open(inv, 1000, 10); // long 5000: 20x 3750 → 950, 50x 1250 → 980
  open(inv, 1032, 10); // ×0.995, then long 5160: 20x 3870 → 980.4, 50x 1290 → 1011.36
  return inv;
}

describe('LiquidationCalibrator E-step', () => {
  it('attributes by the inventory’s density at the mark price and credits the hit', () => {
    const inv = twoLevels();
    const { cal, out } = make();
    cal.onMinuteSnapshot(snapshot(T0, inv, { price: 1032 }));
    cal.onLiquidation(liq(T0 + 61_000, 'long', 975), context(inv, 980.2));
    const line = out.linesOf('event')[0]!;
    // equal distances (0.2) → responsibilities are the notional shares 3870 : 1250·0.995
    const r20 = 3870 / (3870 + 1243.75);
    const credit = r20 * Math.exp(-(0.2 / 980.2) / 0.0008);
    expect(line).toMatchObject({ trigger_price: 980.2, trigger_source: 'mark', event_price: 975, fallback: false, attributed_tier: 20, attributed_level: 980.4, is_hit: true, tier_disabled: false, learns: true });
    const [a20, a50] = line.attribution as { tier: number; responsibility: number; level: number; distance_pct: number; hit_credit: number }[];
    expect(a20).toMatchObject({ tier: 20, level: 980.4, distance_pct: 0.00020404 });
    expect(a20!.responsibility).toBeCloseTo(r20, 6);
    expect(a50!.responsibility).toBeCloseTo(1 - r20, 6);
    expect(a20!.hit_credit).toBeCloseTo(credit, 6);
    expect(line.miss_usd).toBeCloseTo(-0.2, 9);
    expect(line.miss_pct).toBeCloseTo(-0.2 / 980.2, 8);
    expect(cal.counters()).toMatchObject({ total_events: 1, hits: 1, fallback: 0, from_mark: 1, learning_events: 1 });
  });

  it('falls back to the cached minutes’ implied levels when nothing is near, and counts it', () => {
    const inv = inventory();
    const { cal, out } = make();
    cal.onMinuteSnapshot(snapshot(T0, inv, { price: 1000 }));
    cal.onLiquidation(liq(T0 + 61_000, 'long', 975), context(inv, 980.5));
    const line = out.linesOf('event')[0]!;
    expect(line).toMatchObject({ fallback: true, attributed_tier: 50, attributed_level: 980, is_hit: true, density_usd: 0, nearest_raw_tier: 50 });
    expect(cal.counters()).toMatchObject({ fallback: 1, total_events: 1 });
  });

  it('uses the event’s price without a mark, and learns no offset from it', () => {
    const inv = twoLevels();
    const { cal, out } = make();
    cal.onMinuteSnapshot(snapshot(T0, inv, { price: 1032 }));
    cal.onLiquidation(liq(T0 + 61_000, 'long', 980.2), context(inv, undefined));
    expect(out.linesOf('event')[0]).toMatchObject({ trigger_price: 980.2, trigger_source: 'event_price', mark_price: null, is_hit: true });
    expect(cal.counters()).toMatchObject({ from_event_price: 1, from_mark: 0 });
    expect(cal.weightsFile(0).state!.bias_samples.long.n).toBe(0);
  });

  it('rejects a mark that cannot have triggered the liquidation (a cascade’s stale mark) and places the trigger by the order price and buffer', () => {
    const inv = twoLevels();
    inv.setParams({ ...PARAMS, buffer: 0.004 });
    const { cal, out } = make(undefined, { initial: { ...PARAMS, buffer: 0.004 } });
    cal.onMinuteSnapshot(snapshot(T0, inv, { price: 1032 }));
    // a long liquidated with its order at 975: a mark at 960 (below the bankruptcy price) or at 990 (a 1.5 % margin) did not trigger it
    cal.onLiquidation(liq(T0 + 61_000, 'long', 975), context(inv, 960));
    cal.onLiquidation(liq(T0 + 62_000, 'long', 975), context(inv, 990));
    // a short whose order went out at 1000: a mark at 996 implies m = 0.004 and is kept
    cal.onLiquidation(liq(T0 + 63_000, 'short', 1000), context(inv, 996));
    const [low, high, ok] = out.linesOf('event');
    expect(low).toMatchObject({ mark_rejected: true, trigger_source: 'event_price', mark_price: 960, implied_margin: null });
    expect(low!.trigger_price).toBeCloseTo(975 * 1.004, 9);
    expect(high).toMatchObject({ mark_rejected: true, trigger_source: 'event_price' });
    expect(ok).toMatchObject({ mark_rejected: false, trigger_source: 'mark', trigger_price: 996 });
    expect(ok!.implied_margin).toBeCloseTo(0.004 * (1 + (ok!.attribution as { responsibility: number; tier: number }[]).reduce((a, r) => a + r.responsibility / r.tier, 0)), 8);
    expect(cal.counters()).toMatchObject({ marks_rejected: 2, from_mark: 1, from_event_price: 2, buffer_samples: 1 });
  });

  it('logs events nearest a disabled tier with tier_disabled and learns nothing from them or from insane prices', () => {
    const inv = inventory();
    const { cal, out } = make();
    cal.onMinuteSnapshot(snapshot(T0, inv, { price: 1000 }));
    cal.onLiquidation(liq(T0 + 61_000, 'long', 899), context(inv, 900.5)); // 10x level 900
    cal.onLiquidation(liq(T0 + 62_000, 'long', 500), context(inv, 980, { priceInsane: true }));
    const [disabled, insane] = out.linesOf('event');
    expect(disabled).toMatchObject({ tier_disabled: true, nearest_raw_tier: 10, learns: false });
    expect(insane).toMatchObject({ price_insane: true, learns: false });
    expect(cal.counters()).toMatchObject({ total_events: 2, tier_disabled: 1, price_insane: 1, learning_events: 0 });
    expect(cal.weightsFile(0).state!.pending_events).toBe(0);
  });

  it('counts every early return: another symbol, a non-positive price, an exception (logged with its stack and the event)', () => {
    const inv = inventory();
    const { cal, out } = make();
    cal.onMinuteSnapshot(snapshot(T0, inv));
    cal.onLiquidation(liq(T0 + 61_000, 'long', 980, { symbol: 'ETH' }), context(inv, 980));
    cal.onLiquidation(liq(T0 + 61_000, 'long', 0), context(inv, 980));
    const broken = Object.create(inv) as EntryInference;
    broken.tierDensity = () => {
      throw new Error('inventory exploded');
    };
    cal.onLiquidation(liq(T0 + 62_000, 'short', 1020), context(inv, 1020, { inventory: broken }));
    cal.onMinuteSnapshot(snapshot(T0, inv, { symbol: 'ETH' }));
    expect(cal.counters()).toMatchObject({ liquidations: 3, skipped_symbol_mismatch: 1, skipped_non_positive_price: 1, errors: 1, skipped_snapshot_symbol_mismatch: 1 });
    const error = out.linesOf('calibrator_error')[0]!;
    expect(error).toMatchObject({ where: 'onLiquidation', message: 'inventory exploded', event: { side: 'short', price: 1020, ts: T0 + 62_000 } });
    expect(error.stack).toMatch(/inventory exploded\n\s+at /);
  });

  it('holds liquidations given before any snapshot and attributes them once one arrives', () => {
    const inv = twoLevels();
    const { cal, out } = make();
    cal.onLiquidation(liq(T0 + 1_000, 'long', 975), context(inv, 980.2));
    cal.onLiquidation(liq(T0 + 2_000, 'long', 975), context(inv, 980.2));
    expect(cal.counters()).toMatchObject({ held_no_snapshot: 2, held_now: 2, total_events: 0 });
    cal.onMinuteSnapshot(snapshot(T0, inv, { price: 1032 }));
    expect(cal.counters()).toMatchObject({ held_now: 0, total_events: 2 });
    expect(out.linesOf('event')).toHaveLength(2);
  });
});

describe('LiquidationCalibrator windows', () => {
  it('calibrates at each 15-minute boundary of event time: weights toward the responsibility share, saved, handed to the engine', () => {
    const inv = twoLevels();
    const { cal, out } = make(undefined, {}, { estimator: 'responsibility-share' });
    for (let m = 0; m < 15; m++) {
      for (let k = 0; k < 3; k++) cal.onLiquidation(liq(T0 + m * MIN + 1_000 + k, 'long', 975), context(inv, 980.2));
      cal.onMinuteSnapshot(snapshot(T0 + m * MIN, inv, { price: 1032 }));
    }
    // events before the first snapshot were held; 45 events at r20 = 0.75679 each
    expect(out.linesOf('calibration')).toHaveLength(1);
    const r20 = 3870 / (3870 + 1243.75);
    // w20 = 0.75 + 0.1·(r20 − 0.75); no clamp binds
    const w20 = 0.75 + 0.1 * (r20 - 0.75);
    expect(cal.weights().weights[20]).toBeCloseTo(w20, 12);
    expect(cal.weights().weights[50]).toBeCloseTo(1 - w20, 12);
    expect(out.updates).toHaveLength(1);
    expect(out.updates[0]!.weights[20]).toBeCloseTo(w20, 12);
    const file = out.files[0] as { schema_version: number; calibration_count: number; saved_at: string };
    expect(file).toMatchObject({ schema_version: 3, calibration_count: 1, saved_at: '2026-03-01T12:15:00.000Z' });
    const line = out.linesOf('calibration')[0]!;
    expect(line).toMatchObject({ calibration_count: 1, window_start_ms: T0, window_end_ms: T0 + 15 * MIN, events: { total: 45, learning: 45, attributed: 45, hits: 45 }, weights: { applied: true } });
    expect((line.tiers as Record<string, { responsibility: number }>)['20']!.responsibility).toBeCloseTo(45 * r20, 5);
    // bias: 45 long hits vs 0 short → only the long bias moves: 0.1 · (−0.2/980.4)
    expect(cal.weights().bias.long).toBeCloseTo(0.1 * (-0.2 / 980.4), 12);
    // buffer: each event's mark 980.2 against its order price 975 implies
    // m = (980.2/975 − 1)·(1 − (r20/20 + r50/50)); 45 equal samples, the buffer moves 10 % of the way from 0
    const implied = (980.2 / 975 - 1) * (1 - (r20 / 20 + (1 - r20) / 50));
    expect(cal.weights().buffer).toBeCloseTo(0.1 * implied, 12);
    expect(line.buffer).toMatchObject({ before: 0, applied: true, source: 'bankruptcy_gap', samples: 45 });
    for (const l of out.lines) expect(JSON.stringify(l)).not.toMatch(/Infinity|NaN/);
  });

  it('carries a window with too few events over instead of updating on noise', () => {
    const inv = twoLevels();
    const { cal, out } = make();
    for (let m = 0; m < 31; m++) {
      if (m === 3 || m === 20) for (let k = 0; k < 3; k++) cal.onLiquidation(liq(T0 + m * MIN + 1_000 + k, 'long', 975), context(inv, 980.2));
      cal.onMinuteSnapshot(snapshot(T0 + m * MIN, inv, { price: 1032 }));
    }
    const [first, second] = out.linesOf('calibration');
    expect(first).toMatchObject({ weights: { applied: false, reason: '3 attributed event(s) < 5: carried to the next window' } });
    expect(second).toMatchObject({ weights: { applied: true, reason: '6 attributed event(s)' } });
    expect(cal.counters()).toMatchObject({ weight_updates_skipped: 1, weight_updates_applied: 1 });
  });

  it('skips carried minutes in the volatility', () => {
    const inv = inventory();
    const { cal } = make();
    cal.onMinuteSnapshot(snapshot(T0, inv, { price: 1000 }));
    cal.onMinuteSnapshot(snapshot(T0 + MIN, inv, { price: 1000, priceSource: 'carried' }));
    expect(cal.counters().volatility_minutes_skipped).toBe(1);
    cal.onMinuteSnapshot(snapshot(T0 + 2 * MIN, inv, { price: 1005 }));
    expect(cal.weightsFile(0).state!.vol_ewma).toBeCloseTo(0.9 * 0.0015 + 0.1 * Math.log(1.005), 12);
  });
});

/**
 * A deterministic little market in the engine's order: a minute's liquidations, then the
 * rollover (pending parameters take effect, the inference step, the snapshot).
 */
function drive(cal: LiquidationCalibrator, out: RecordingOutput, inv: EntryInference, from: number, to: number, quiet: readonly number[] = [60]): void {
  let applied = out.updates.length;
  for (let m = from; m < to; m++) {
    // swings of ±6 % reach the 50x (2 %) and 20x (5 %) levels of earlier entries
    const p = (k: number) => 1000 * (1 + 0.06 * Math.sin(k / 9) + 0.004 * Math.sin(k / 2.3));
    const o = p(m);
    const c = p(m + 1);
    const high = Math.max(o, c) + 0.8;
    const low = Math.min(o, c) - 0.8;
    // minute 60 is quiet: a restarted engine projects with the saved parameters at once, a
    // running one from the minute after the calibration, so events in that one minute
    // would see different levels (an engine property, not calibrator state)
    for (let k = 0; k < (quiet.includes(m) ? 0 : 4); k++) {
      const side = k % 2 === 0 ? 'long' : 'short';
      const price = side === 'long' ? low + 0.3 * k : high - 0.3 * k;
      cal.onLiquidation(liq(T0 + m * MIN + 5_000 * (k + 1), side, price), context(inv, price, { minuteStart: T0 + m * MIN }));
    }
    if (out.updates.length > applied) {
      const u = out.updates[out.updates.length - 1]!;
      inv.setParams({ tiers: LADDER.tiers, weights: LADDER.tiers.map((t) => u.weights[t]!), buffer: u.buffer, biasLong: u.bias.long, biasShort: u.bias.short });
      applied = out.updates.length;
    }
    const inferred = open(inv, (o + high + low + c) / 4, 6 + 5 * Math.sin(m / 3), { high, low });
    cal.onMinuteSnapshot(snapshot(T0 + m * MIN, inv, { open: o, high, low, close: c, ohlc4: (o + high + low + c) / 4, swept: inferred.swept }));
  }
}

describe('LiquidationCalibrator restart', () => {
  it('continues from its saved file exactly: run A + run B = one run over A + B', () => {
    const single = make();
    const invSingle = inventory();
    drive(single.cal, single.out, invSingle, 0, 120);

    const a = make();
    const inv = inventory();
    drive(a.cal, a.out, inv, 0, 60); // ends right after the 4th calibration and its save
    const saved = a.out.files.at(-1);
    expect(saved).toMatchObject({ calibration_count: 4, saved_at: '2026-03-01T13:00:00.000Z' });
    const b = make(saved);
    // a restarted SymbolEngine projects with the restored calibrator's weights() from the start
    const w = b.cal.weights();
    inv.setParams({ tiers: LADDER.tiers, weights: LADDER.tiers.map((t) => w.weights[t]!), buffer: w.buffer, biasLong: w.bias.long, biasShort: w.bias.short });
    drive(b.cal, b.out, inv, 60, 120);

    const ws = single.cal.weights();
    const wb = b.cal.weights();
    for (const t of LADDER.tiers) expect(wb.weights[t]).toBeCloseTo(ws.weights[t]!, 12);
    expect(wb.buffer).toBeCloseTo(ws.buffer, 14);
    expect(wb.bias.long).toBeCloseTo(ws.bias.long, 14);
    expect(wb.bias.short).toBeCloseTo(ws.bias.short, 14);
    expect(b.cal.hitTolerance).toBe(single.cal.hitTolerance);
    expect(b.out.files.at(-1)).toEqual(single.out.files.at(-1));
    // and it really learned something over the two hours, from evidence on both tiers, which the saved state carried
    expect(ws.weights[20]).not.toBeCloseTo(0.75, 3);
    expect(single.out.linesOf('calibration').at(-1)).toMatchObject({ estimator: 'exposure-map', evidence: { reached: [20, 50], reason: null } });
    expect((saved as { state: { mix_evidence: { events: unknown[] } } }).state.mix_evidence.events.length).toBeGreaterThan(100);
    expect(b.cal.counters()).toMatchObject({ saved_loaded: 1, saved_migrated: 0 });
    expect(b.out.linesOf('weights_restore')[0]).toMatchObject({ status: 'loaded', from_version: 3, state_restored: true });
  });

  it('continues exactly from the state flushed at shutdown between calibrations (mid-window): run A + run B = one run', () => {
    // the restart minute is quiet: a restarted calibrator (like a restarted engine) holds
    // that minute's liquidations until its first snapshot, a running one attributes them at once
    const quiet = [52, 60];
    const single = make();
    drive(single.cal, single.out, inventory(), 0, 120, quiet);

    const a = make();
    const inv = inventory();
    drive(a.cal, a.out, inv, 0, 52, quiet); // 3 calibrations (15, 30, 45), then 7 minutes into the 4th window
    expect(a.out.files).toHaveLength(3);
    a.cal.flush(T0 + 52 * MIN);
    expect(a.out.files).toHaveLength(4);
    const saved = a.out.files.at(-1) as { calibration_count: number; saved_at: string; state: { window_start_ms: number; window: { events: number; attributed: number } } };
    expect(saved).toMatchObject({ calibration_count: 3, saved_at: '2026-03-01T12:52:00.000Z', state: { window_start_ms: T0 + 45 * MIN } });
    // the open window's 7 minutes × 4 events are in the file: the tolerance step uses their hit rate
    expect(saved.state.window.events).toBe(28);
    expect(a.cal.counters()).toMatchObject({ weights_flushed: 1, weights_saved: 4 });

    const b = make(saved);
    drive(b.cal, b.out, inv, 52, 120, quiet);
    const ws = single.cal.weights();
    const wb = b.cal.weights();
    for (const t of LADDER.tiers) expect(wb.weights[t]).toBeCloseTo(ws.weights[t]!, 12);
    expect(wb.buffer).toBeCloseTo(ws.buffer, 14);
    expect(wb.bias.long).toBeCloseTo(ws.bias.long, 14);
    expect(wb.bias.short).toBeCloseTo(ws.bias.short, 14);
    expect(b.cal.hitTolerance).toBe(single.cal.hitTolerance);
    expect(b.out.files.at(-1)).toEqual(single.out.files.at(-1));
    // the first calibration after the restart reports the whole window, not only its part after the restart
    const lineB = b.out.linesOf('calibration')[0]!;
    const lineSingle = single.out.linesOf('calibration')[3]!;
    expect(lineB.events).toEqual(lineSingle.events);
    expect(lineB.window_start_ms).toBe(T0 + 45 * MIN);
  });

  it('saves nothing at flush before its first snapshot (nothing learned; a restored file stays as it was)', () => {
    const { cal, out } = make();
    cal.flush(T0);
    expect(out.files).toHaveLength(0);
    expect(cal.counters()).toMatchObject({ flush_skipped_not_started: 1, weights_flushed: 0 });
  });

  it('resets a restored window newer than the first snapshot (an older capture replayed into a used data dir) and keeps calibrating', () => {
    const a = make();
    drive(a.cal, a.out, inventory(), 100, 130, []);
    a.cal.flush(T0 + 130 * MIN);
    const saved = a.out.files.at(-1) as { state: { window_start_ms: number; mix_evidence: { events: [number][] } } };
    expect(saved.state.window_start_ms).toBe(T0 + 120 * MIN);
    expect(saved.state.mix_evidence.events.length).toBeGreaterThan(0);

    // two hours earlier: the saved window starts 120 min after the first snapshot's
    const b = make(saved);
    drive(b.cal, b.out, inventory(), 0, 31, []);
    expect(b.out.warnings.some((w) => /saved calibrator window is 120 min newer than the first snapshot; window reset, \d+ newer evidence entries dropped/.test(w))).toBe(true);
    expect(b.cal.counters()).toMatchObject({ saved_window_newer_reset: 1, saved_loaded: 1, calibrations: 2 });
    expect(b.out.linesOf('calibration').map((l) => l.window_start_ms)).toEqual([T0, T0 + 15 * MIN]);
    expect(b.out.linesOf('weights_restore')[0]).toMatchObject({ window_reset: { saved_window_start_ms: T0 + 120 * MIN, minutes_newer: 120 } });
    // nothing of the later run's evidence or minutes survives into this one
    const state = b.cal.weightsFile(0).state!;
    for (const [ts] of state.mix_evidence!.events) expect(ts).toBeLessThan(T0 + 31 * MIN);
    for (const [minuteStart] of state.minute_cache) expect(minuteStart).toBeLessThan(T0 + 31 * MIN);
  });

  it('starts from a migrated PoC file and says so', () => {
    const { cal, out } = make({ schema_version: 2, symbol: 'BTC', ladder: [10, 20, 50], weights: [0, 0.4, 0.6], buffer: 0.003, tolerance: 6, bias_pct_long: 0.004, bias_pct_short: -0.004, calibration_count: 5 }, { leverage: LADDER });
    expect(cal.weights()).toEqual({ weights: { 10: 0, 20: 0.4, 50: 0.6 }, buffer: 0, bias: { long: 0, short: 0 } });
    expect(cal.hitTolerance).toBe(4);
    expect(out.warnings[0]).toMatch(/migrated from schema_version 2/);
    cal.onMinuteSnapshot(snapshot(T0, inventory()));
    expect(out.linesOf('weights_restore')[0]).toMatchObject({ status: 'migrated', from_version: 2, calibration_count: 5 });
  });

  it('ignores a corrupt or foreign file with a warning and starts from the prior', () => {
    for (const saved of [{ symbol: 'ETH', ladder: [10, 20, 50], weights: [0, 1, 0] }, { symbol: 'BTC', weights: 'garbage' }]) {
      const { cal, out } = make(saved);
      expect(cal.weights().weights).toEqual({ 10: 0, 20: 0.75, 50: 0.25 });
      expect(out.warnings[0]).toMatch(/ignored/);
      expect(cal.counters().saved_ignored).toBe(1);
    }
  });
});

describe('LiquidationCalibrator inside a SymbolEngine (seed "55 events, total_events 0")', () => {
  it('gets the liquidations the engine held before the first snapshot, and total_events grows while events flow', () => {
    const sink = new MemorySink();
    const engine = new SymbolEngine({ symbol: 'BTC', sink, calibrator: liquidationCalibrator });
    const counters = () => engine.calibrator.counters();
    engine.apply(engineOi(T0 + 100, 1_000));
    engine.apply(engineMark(T0 + 500, 65_000));
    for (let k = 0; k < 5; k++) engine.apply(engineLiq(T0 + 1_000 + k, 'long', 64_000, 0.1));
    expect(engine.counters()).toMatchObject({ calibratorHeld: 5, calibratorLiquidations: 0 });
    expect(counters().total_events).toBe(0);
    let last = 0;
    for (let m = 1; m <= 20; m++) {
      engine.apply(engineOi(T0 + m * MIN + 100, 1_000 + 2 * m));
      engine.apply(engineMark(T0 + m * MIN + 500, 65_000 - 10 * m));
      if (m === 1) {
        // the first rollover delivered the held five after the calibrator's first snapshot
        expect(engine.counters()).toMatchObject({ calibratorHeld: 0, calibratorLiquidations: 5 });
        expect(counters()).toMatchObject({ minute_snapshots: 1, total_events: 5 });
      }
      engine.apply(engineLiq(T0 + m * MIN + 1_000, m % 2 ? 'long' : 'short', 65_000 - 10 * m, 0.2));
      expect(counters().total_events).toBeGreaterThan(last);
      last = counters().total_events;
    }
    expect(counters()).toMatchObject({ total_events: 25, calibrations: 1, errors: 0 });
    expect(sink.linesOf('event')).toHaveLength(25);
    expect(sink.linesOf('calibration')).toHaveLength(1);
    expect(sink.weightFiles).toHaveLength(1);
    expect(engine.snapshotV2()!.stats.counters['calibrator.total_events']).toBe(24);
  });

  it('saves the weights file at shutdown before the first calibration, and a restarted engine restores it', () => {
    const sink = new MemorySink();
    const engine = new SymbolEngine({ symbol: 'BTC', sink, calibrator: liquidationCalibrator });
    engine.flush(); // before any event: nothing to save
    for (let m = 0; m <= 3; m++) {
      engine.apply(engineOi(T0 + m * MIN + 100, 1_000 + 3 * m));
      engine.apply(engineMark(T0 + m * MIN + 500, 65_000 + (m % 2 ? 300 : -300)));
      engine.apply(engineLiq(T0 + m * MIN + 2_000, 'long', 64_400, 0.1));
    }
    expect(sink.weightFiles).toHaveLength(0); // no calibration in 3 minutes
    engine.flush();
    expect(sink.weightFiles).toHaveLength(1);
    const file = sink.weightFiles[0]!.file as { calibration_count: number; saved_at_ms: number; state: { window_start_ms: number; window: { events: number } } };
    expect(file).toMatchObject({ calibration_count: 0, saved_at_ms: T0 + 3 * MIN, state: { window_start_ms: T0 } });
    // all four liquidations, the open minute's too (attributed on arrival once the calibrator has started)
    expect(file.state.window.events).toBe(4);
    expect(engine.calibrator.counters()).toMatchObject({ weights_flushed: 1 });

    const restarted = new SymbolEngine({ symbol: 'BTC', sink: new MemorySink(), calibrator: liquidationCalibrator, restore: { weights: JSON.parse(JSON.stringify(file)) } });
    expect(restarted.calibrator.counters()).toMatchObject({ saved_loaded: 1, saved_ignored: 0 });
    expect((restarted.calibrator as LiquidationCalibrator).weightsFile(T0 + 3 * MIN)).toEqual(file);
  });

  it('projects with the learned weights, buffer and bias from the minute after a calibration', () => {
    const sink = new MemorySink();
    const engine = new SymbolEngine({ symbol: 'BTC', sink, calibrator: liquidationCalibrator });
    const prior = leverageConfigFor('BTC').priorWeights;
    for (let m = 0; m <= 16; m++) {
      engine.apply(engineOi(T0 + m * MIN + 100, 1_000 + 3 * m));
      engine.apply(engineMark(T0 + m * MIN + 500, 65_000 + (m % 2 ? 300 : -300)));
      for (let k = 0; k < 2; k++) engine.apply(engineLiq(T0 + m * MIN + 2_000 + k, 'long', 64_400, 0.1, { venue: 'bybit' }));
    }
    // the calibration ran at the snapshot with validFrom T0+15min; the minute after it projects with it
    const update = sink.linesOf('calibration')[0]!;
    expect(update).toMatchObject({ weights: { applied: true } });
    const inForce = engine.inference.params();
    expect(inForce.weights).not.toEqual(prior);
    const after = update.weights_after as Record<string, number>;
    leverageConfigFor('BTC').tiers.forEach((t, i) => expect(inForce.weights[i]).toBeCloseTo(after[String(t)]!, 6));
    expect(engine.counters().weightsUpdates).toBe(1);
  });
});
