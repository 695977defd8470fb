import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../events.js';
import { liquidationCalibrator } from './calibrator/index.js';
import { CHECKPOINT_VERSION, parseCheckpoint, type EngineCheckpoint } from './checkpoint.js';
import { MemorySink } from './memory-sink.js';
import { SymbolEngine, STATS_WINDOW_MINUTES, type EngineRestore, type SymbolEngineOptions } from './symbol-engine.js';
import { MIN, T0, liquidation, mark, openInterest, trade } from './testing/factories.js';

/**
 * Two hours of a deterministic BTC market without order-book events (the minute price
 * comes from marks; books are not in the checkpoint, they resync from a REST snapshot):
 * marks swinging ±3 %, trades leaning with the move, OI on two venues rising and falling,
 * and liquidations near each minute's extremes — except in the quiet minutes.
 */
function market(quiet: readonly number[]): NormalizedEvent[] {
  const price = (k: number) => 65_000 * (1 + 0.03 * Math.sin(k / 11) + 0.004 * Math.sin(k / 2.7));
  const events: NormalizedEvent[] = [];
  for (let m = 0; m < 120; m++) {
    const start = T0 + m * MIN;
    const o = price(m);
    const c = price(m + 1);
    const high = Math.max(o, c) * 1.0015;
    const low = Math.min(o, c) * 0.9985;
    events.push(mark(start + 1_000, o), mark(start + 20_000, high), mark(start + 40_000, low), mark(start + 58_000, c));
    events.push(trade(start + 5_000, o, 0.4 + 0.3 * Math.sin(m), c > o ? 'buy' : 'sell'), trade(start + 30_000, (o + c) / 2, 0.25, c > o ? 'sell' : 'buy'));
    events.push(openInterest(start + 10_000, 80_000 + 400 * m - 900 * Math.max(0, Math.sin(m / 5)), 'binance'));
    events.push(openInterest(start + 12_000, 30_000 + 150 * m + 200 * Math.cos(m / 3), 'bybit'));
    if (!quiet.includes(m)) {
      events.push(liquidation(start + 41_000, 'long', low * 1.0005, 0.5 + (m % 3)));
      events.push(liquidation(start + 21_000, 'short', high * 0.9995, 0.3 + (m % 4) * 0.5));
    }
  }
  return events.sort((a, b) => a.ts - b.ts);
}

function make(over: Partial<SymbolEngineOptions> = {}): { engine: SymbolEngine; sink: MemorySink } {
  const sink = new MemorySink();
  return { engine: new SymbolEngine({ symbol: 'BTC', sink, calibrator: liquidationCalibrator, ...over }), sink };
}

function feed(engine: SymbolEngine, events: readonly NormalizedEvent[]): void {
  for (const e of events) engine.apply(e);
}

/** What a restarted run reads back: the last files of each kind, through JSON. */
function savedFiles(sink: MemorySink): EngineRestore {
  const json = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;
  return { zones: json(sink.zoneFiles.at(-1)!.file), weights: json(sink.weightFiles.at(-1)!.file), checkpoint: json(sink.checkpoints.at(-1)!.file) };
}

/**
 * Deep equality with numbers equal within 1e-9 relative. The restored calibrator hands
 * back weights that may differ from the running one's in the last bit (its own restart
 * tests compare to 12 digits), so new positions after a calibration can differ by an ulp.
 */
function expectClose(actual: unknown, expected: unknown, at = '$'): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    const scale = Math.max(Math.abs(expected), Math.abs(actual), 1e-300);
    if (actual !== expected && Math.abs(actual - expected) / scale > 1e-9) expect.fail(`${at}: ${actual} vs ${expected}`);
    return;
  }
  if (Array.isArray(expected) || ArrayBuffer.isView(expected)) {
    const a = actual as ArrayLike<unknown>;
    const e = expected as ArrayLike<unknown>;
    if (a?.length !== e.length) expect.fail(`${at}: length ${a?.length} vs ${e.length}`);
    for (let i = 0; i < e.length; i++) expectClose(a[i], e[i], `${at}[${i}]`);
    return;
  }
  if (typeof expected === 'object' && expected !== null) {
    const a = actual as Record<string, unknown>;
    expect(Object.keys(a ?? {}).sort(), at).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected)) expectClose(a[k], v, `${at}.${k}`);
    return;
  }
  expect(actual, at).toEqual(expected);
}

/** A V2 snapshot without the engine and calibrator counters (a restarted engine counts from 0). */
function comparable(engine: SymbolEngine): unknown {
  const v2 = engine.snapshotV2()! as unknown as { stats: Record<string, unknown> };
  const { counters: _counters, ...stats } = v2.stats;
  return { ...v2, stats };
}

describe('engine checkpoint: exact continuation', () => {
  // minute 60 (the first of the second run) is quiet: a restarted calibrator starts
  // without the previous minute's snapshot cache, like the calibrator's own restart tests
  const events = market([60]);
  const split = events.findIndex((e) => e.ts >= T0 + 60 * MIN);

  it('continues a run stopped after 60 minutes so that projections, pools and learned weights equal one 120-minute run', () => {
    const single = make();
    feed(single.engine, events);

    const a = make();
    feed(a.engine, events.slice(0, split));
    a.engine.flush(); // shutdown with minute 59 still open: checkpoint, zones, weights
    const restore = savedFiles(a.sink);
    expect(restore.checkpoint).toMatchObject({ version: CHECKPOINT_VERSION, symbol: 'BTC', minute_start: T0 + 59 * MIN, last_closed_at: '2026-03-01T12:58:00.000Z' });
    const b = make({ restore });
    feed(b.engine, events.slice(split));

    expect(b.engine.counters()).toMatchObject({ checkpointRestored: 1, checkpointGapMinutes: 0, checkpointDiscardedNewer: 0, checkpointDiscardedMismatch: 0 });
    // it learned something over the two hours, so the weights below are not just the prior
    expect(single.engine.calibrator.counters().calibrations).toBeGreaterThan(4);
    const ws = single.engine.calibrator.weights();
    const wb = b.engine.calibrator.weights();
    for (const tier of Object.keys(ws.weights)) expect(wb.weights[Number(tier)]).toBeCloseTo(ws.weights[Number(tier)]!, 12);
    expect(wb.buffer).toBeCloseTo(ws.buffer, 14);
    expect(wb.bias).toEqual(ws.bias);

    // the whole state is the same, cell for cell (same cells, same order, same counts)
    expectClose(b.engine.checkpoint(), single.engine.checkpoint());
    // and so is the V2 snapshot of the last minute: projections, pools, per-tier breakdown, stats
    const v2 = single.engine.snapshotV2()!;
    expect(v2.long_levels.length).toBeGreaterThan(0);
    expect(v2.short_levels.length).toBeGreaterThan(0);
    expectClose(comparable(b.engine), comparable(single.engine));
    expectClose(b.engine.snapshotV1()!.long_notional_usd, single.engine.snapshotV1()!.long_notional_usd);
  });

  it('also continues exactly from a checkpoint written at a rollover (a crash after minute 59 closed)', () => {
    const single = make();
    feed(single.engine, events);
    const a = make();
    const upTo = events.findIndex((e) => e.ts > T0 + 60 * MIN + 1_000);
    feed(a.engine, events.slice(0, upTo)); // the first event of minute 60 (at :01) closed minute 59
    // no flush: the last checkpoint is the one written at minute 59's rollover; weights are
    // read as the calibrator last saved them (a calibration at minute 59's close)
    const checkpoint = JSON.parse(JSON.stringify(a.sink.checkpoints.at(-1)!.file)) as EngineCheckpoint;
    expect(checkpoint.minute_start).toBe(T0 + 60 * MIN);
    a.engine.flush();
    const b = make({ restore: { ...savedFiles(a.sink), checkpoint } });
    feed(b.engine, events.slice(split));
    expect(b.engine.counters().checkpointRestored).toBe(1);
    expectClose(comparable(b.engine), comparable(single.engine));
    expectClose(b.engine.checkpoint(), single.engine.checkpoint());
  });
});

describe('engine checkpoint: restore rules', () => {
  const events = market([]).filter((e) => e.ts < T0 + 30 * MIN);
  const saved = (): { engine: SymbolEngine; checkpoint: EngineCheckpoint } => {
    const a = make();
    feed(a.engine, events);
    a.engine.flush();
    return { engine: a.engine, checkpoint: JSON.parse(JSON.stringify(a.sink.checkpoints.at(-1)!.file)) as EngineCheckpoint };
  };

  it('discards a checkpoint newer than the first event (an older capture replayed into a used data dir)', () => {
    const { checkpoint } = saved();
    const warnings: string[] = [];
    const b = make({ restore: { checkpoint }, onWarning: (m) => warnings.push(m) });
    b.engine.apply(mark(T0 + 5 * MIN, 65_000));
    expect(b.engine.counters()).toMatchObject({ checkpointDiscardedNewer: 1, checkpointRestored: 0 });
    expect(warnings).toEqual(['BTC: saved engine checkpoint is 24 min newer than the first event; discarded (replaying into a used data dir?)']);
    expect(b.engine.inference.totalUsd('long')).toBe(0);
  });

  it('keeps a checkpoint one minute newer than the first event: that event is late, as in an unbroken run', () => {
    const { engine, checkpoint } = saved();
    const b = make({ restore: { checkpoint } });
    b.engine.apply(mark(checkpoint.minute_start - 30_000, 65_000));
    expect(b.engine.counters()).toMatchObject({ checkpointRestored: 1, lateEvents: 1 });
    expect(b.engine.inference.totalUsd('long')).toBe(engine.inference.totalUsd('long'));
  });

  it('discards a checkpoint of another step, ladder, symbol or version, and a malformed one', () => {
    const { checkpoint } = saved();
    const cases: [unknown, string, string][] = [
      [{ ...checkpoint, step: 10 }, 'checkpointDiscardedMismatch', 'step 10, expected 20'],
      [{ ...checkpoint, tiers: [5, 10, 20] }, 'checkpointDiscardedMismatch', 'ladder [5,10,20]'],
      [{ ...checkpoint, symbol: 'ETH' }, 'checkpointDiscardedMismatch', 'symbol ETH, expected BTC'],
      [{ ...checkpoint, version: 99 }, 'checkpointDiscardedMismatch', 'version 99, expected 1'],
      [{ ...checkpoint, tape: { ...checkpoint.tape, long: [1, 2, 3] } }, 'checkpointDiscardedMalformed', 'tape.long is not a flat array of 4-tuples'],
      [{ ...checkpoint, inventory: { ...checkpoint.inventory, short: [] } }, 'checkpointDiscardedMalformed', 'inventory.short has 0 tiers'],
      ['garbage', 'checkpointDiscardedMalformed', 'not a JSON object'],
    ];
    for (const [file, counter, reason] of cases) {
      const warnings: string[] = [];
      const b = make({ restore: { checkpoint: file }, onWarning: (m) => warnings.push(m) });
      b.engine.apply(mark(checkpoint.minute_start + 5_000, 65_000));
      expect(b.engine.counters()).toMatchObject({ [counter]: 1, checkpointRestored: 0 });
      expect(warnings.join('\n')).toContain(reason);
      expect(b.engine.inference.totalUsd('long') + b.engine.tape.bucketCount('long')).toBe(0);
    }
  });

  it('discards a checkpoint more than a day older than the first event', () => {
    const { checkpoint } = saved();
    const warnings: string[] = [];
    const b = make({ restore: { checkpoint }, onWarning: (m) => warnings.push(m) });
    b.engine.apply(mark(checkpoint.minute_start + 1_441 * MIN, 65_000));
    expect(b.engine.counters()).toMatchObject({ checkpointDiscardedStale: 1, checkpointRestored: 0 });
    expect(warnings[0]).toContain('24 h older than the first event; discarded');
  });

  it('catches up a 10-minute downtime: the open minute closes, the 9 others decay ×0.995 each in one step', () => {
    const { engine, checkpoint } = saved();
    // a hand-made inventory: one long cell of 10 000 USD (unit 40 000) at entry bucket 3250 (65 000 USD) on tier 20
    const tiers = checkpoint.tiers.length;
    const t20 = checkpoint.tiers.indexOf(20);
    const only = (flat: number[]) => Array.from({ length: tiers }, (_, t) => (t === t20 ? flat : []));
    const file: EngineCheckpoint = {
      ...checkpoint,
      open_minute: { ...checkpoint.open_minute, mark: [0, 0, 0, 0, 0], book: [0, 0, 0, 0, 0], trade: [0, 0, 0, 0, 0], tape_inflow: { long: [], short: [] }, liquidations: 0 },
      inventory: { partsTotal: 1, long: only([3250, 10_000, 40_000]), short: only([]) },
      tape: { events: 1, longTotal: 5_000, shortTotal: 0, long: [3200, 5_000, 1, checkpoint.minute_start - 5 * MIN], short: [] },
      last_close: 65_000,
    };
    const b = make({ restore: { checkpoint: file } });
    // the first event 10 minutes after the saved open minute S: S closes as a carried minute
    // (×0.995, no sweep: no range), then 9 minutes are skipped (×0.995⁹)
    b.engine.apply(mark(checkpoint.minute_start + 10 * MIN + 5_000, 65_000));
    expect(b.engine.counters()).toMatchObject({ checkpointRestored: 1, checkpointGapMinutes: 9, minutesPriceCarried: 1 });
    // 10 000 · 0.995¹⁰ = 9 511.101304…
    expect(b.engine.inference.totalUsd('long')).toBeCloseTo(9_511.101304, 5);
    expect(b.engine.tape.get('long', 3200)).toBeCloseTo(4_755.550652, 5);
    let unit = 0;
    b.engine.inference.forEach('long', 20, () => undefined);
    const out = new Float64Array(tiers);
    const units = new Float64Array(tiers);
    b.engine.inference.tierDensity('long', b.engine.inference.level('long', 20, 65_000), 0.0012, out, units);
    unit = units[t20]!;
    expect(unit / out[t20]!).toBeCloseTo(4, 12); // the unit notional decayed with it
    // the skipped minutes are empty slots of the 60-minute windows; the taker history is forgotten
    const c = b.engine.checkpoint()!;
    expect(c.stats_window.slot).toBe((checkpoint.stats_window.slot + 10) % STATS_WINDOW_MINUTES);
    expect(c.taker.history).toEqual([]);
    expect(engine.counters().checkpointsWritten).toBeGreaterThan(25);
  });

  it('parses what it writes and writes no wall time (the same events give the same file)', () => {
    const one = saved().checkpoint;
    const two = saved().checkpoint;
    expect(JSON.stringify(one)).toBe(JSON.stringify(two));
    expect(parseCheckpoint(one, { symbol: 'BTC', step: 20, tiers: one.tiers, windowMinutes: STATS_WINDOW_MINUTES })).toMatchObject({ ok: true });
  });
});
