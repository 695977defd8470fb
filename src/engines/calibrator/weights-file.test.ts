import { describe, expect, it } from 'vitest';
import { leverageConfigFor, type LeverageConfig } from '../leverage-config.js';
import { buildWeightsFile, inspectWeights, isoUtc, parseIsoMs, remapLadder, restoreWeights } from './weights-file.js';

/** The PoC's BTC weights file as committed (POC-FACTS 2.1). */
const POC_FILE = {
  schema_version: 2,
  symbol: 'BTC',
  ladder: [10, 20, 25, 50, 75, 100, 125],
  weights: [0.0, 0.18, 0.27, 0.3, 0.15, 0.08, 0.02],
  buffer: 0.002,
  tolerance: 6,
  long_offset_usd: 0.0,
  short_offset_usd: -201.67,
  bias_pct_long: 0.0031,
  bias_pct_short: -0.0043,
  calibration_count: 1,
  saved_at: '2026-02-23T04:12:00.272738',
  weights_by_leverage: { '10': 0.0, '20': 0.18, '25': 0.27, '50': 0.3, '75': 0.15, '100': 0.08, '125': 0.02 },
};

const BTC = leverageConfigFor('BTC');

function loaded(saved: unknown, leverage: LeverageConfig = BTC) {
  const r = restoreWeights(saved, leverage);
  if (r.status !== 'loaded') throw new Error(`expected loaded, got ${JSON.stringify(r)}`);
  return r.restored;
}

describe('weights file migration', () => {
  it('re-maps the PoC’s 7-tier ladder onto ours in 1/L space, clamped at the ends, disabled tiers zeroed', () => {
    const r = loaded(POC_FILE);
    // points (1/L → w) without the disabled 10x: 125→.02, 100→.08, 75→.15, 50→.30, 25→.27, 20→.18;
    // 5x clamps to 20x's .18, 150/200/250x to 125x's .02; sum 1.24
    const expected = [0.18, 0, 0.18, 0.27, 0.3, 0.15, 0.08, 0.02, 0.02, 0.02, 0.02].map((w) => w / 1.24);
    r.weights.forEach((w, i) => expect(w).toBeCloseTo(expected[i]!, 12));
    expect(r).toMatchObject({ fromVersion: 2, migrated: true, buffer: undefined, biasLong: 0, biasShort: 0, tolerance: 4, calibrationCount: 1, state: undefined });
    expect(r.notes.join(' ')).toMatch(/opposite sign/);
  });

  it('interpolates linearly in 1/L between source tiers', () => {
    const custom: LeverageConfig = { symbol: 'BTC', tiers: [30, 60], priorWeights: [0.5, 0.5], disabledTiers: new Set() };
    // 30x: x = .0333 between 50x (.02, .30) and 25x (.04, .27) → .28; 60x: x = .01667 between 75x and 50x → .225
    const w = remapLadder(POC_FILE.ladder, POC_FILE.weights, { ...custom, disabledTiers: new Set([10]) });
    expect(w[0]).toBeCloseTo(0.28, 12);
    expect(w[1]).toBeCloseTo(0.225, 12);
    const r = loaded(POC_FILE, { ...custom, disabledTiers: new Set([10]) });
    expect(r.weights[0]).toBeCloseTo(0.5544554455, 9);
    expect(r.weights[1]).toBeCloseTo(0.4455445545, 9);
  });

  it('reads an unversioned (version 1) file from weights_by_leverage alone', () => {
    const r = loaded({ symbol: 'BTC', weights_by_leverage: POC_FILE.weights_by_leverage });
    expect(r.fromVersion).toBe(1);
    expect(r.weights[0]).toBeCloseTo(0.18 / 1.24, 12);
  });

  it('adopts our own file as saved, with its learning state', () => {
    const state = {
      weights: BTC.priorWeights.map((w, i) => (i === 0 ? w + 0.1 : w)),
      buffer: 0.0031,
      bias_long: 0.001,
      bias_short: -0.002,
      vol_ewma: 0.0011,
      last_close: 65_000,
      window_start_ms: 1_767_578_400_000,
      pending_responsibility: BTC.tiers.map(() => 0.5),
      pending_events: 3,
      bias_samples: { long: { n: 4, sum: 0.001 }, short: { n: 0, sum: 0 } },
      tolerance_samples: [1, 2],
      minute_cache: [[1_767_578_340_000, 65_010]] as [number, number][],
    };
    const file = buildWeightsFile({
      symbol: 'BTC',
      leverage: BTC,
      weights: BTC.priorWeights,
      buffer: 0.0031,
      tolerance: 6,
      biasLong: 0.001,
      biasShort: -0.002,
      longOffsetUsd: 65,
      shortOffsetUsd: -130,
      calibrationCount: 7,
      savedAtMs: 1_767_578_400_000,
      windowMinutes: 15,
      migratedFrom: null,
      state,
    });
    expect(file.saved_at).toBe('2026-01-05T02:00:00.000Z');
    expect(file.schema_version).toBe(3);
    const r = loaded(JSON.parse(JSON.stringify(file)));
    expect(r).toMatchObject({ fromVersion: 3, migrated: false, buffer: 0.0031, biasLong: 0.001, biasShort: -0.002, tolerance: 6, calibrationCount: 7 });
    const sum = state.weights.reduce((a, b) => a + b, 0);
    r.weights.forEach((w, i) => expect(w).toBeCloseTo(state.weights[i]! / sum, 15));
    expect(r.state?.pending_events).toBe(3);
    expect(r.state?.minute_cache).toEqual([[1_767_578_340_000, 65_010]]);
  });

  it('ignores another symbol’s file, a newer version and malformed content, saying why', () => {
    expect(restoreWeights({ ...POC_FILE, symbol: 'ETH' }, BTC)).toEqual({ status: 'ignored', reason: 'file is for ETH, not BTC' });
    expect(restoreWeights({ ...POC_FILE, schema_version: 9 }, BTC)).toMatchObject({ status: 'ignored', reason: expect.stringMatching(/newer/) });
    expect(restoreWeights({ ...POC_FILE, weights: [0, 'x', 0, 0, 0, 0, 0] }, BTC)).toMatchObject({ status: 'ignored', reason: expect.stringMatching(/not a finite number/) });
    expect(restoreWeights({ ...POC_FILE, weights: [1, 0, 0, 0, 0, 0, 0] }, BTC)).toMatchObject({ status: 'ignored', reason: expect.stringMatching(/no enabled tier/) });
    expect(restoreWeights({ ...POC_FILE, ladder: [20, 10] , weights: [1, 1] }, BTC)).toMatchObject({ status: 'ignored', reason: expect.stringMatching(/ascending/) });
    expect(restoreWeights([1, 2], BTC)).toMatchObject({ status: 'ignored', reason: 'not a JSON object' });
    expect(restoreWeights('garbage', BTC)).toMatchObject({ status: 'ignored' });
    expect(restoreWeights(undefined, BTC)).toEqual({ status: 'absent' });
  });

  it('keeps the weights of our file but not a malformed learning state', () => {
    const file = { ...buildWeightsFile({ symbol: 'BTC', leverage: BTC, weights: BTC.priorWeights, buffer: 0.002, tolerance: 4, biasLong: 0, biasShort: 0, longOffsetUsd: 0, shortOffsetUsd: 0, calibrationCount: 2, savedAtMs: 0, windowMinutes: 15, migratedFrom: null }), state: { weights: 'x' } };
    const r = loaded(file);
    expect(r.state).toBeUndefined();
    expect(r.notes).toEqual(['learning state not restored: weights']);
  });
});

describe('weights file rendering', () => {
  it('writes ISO 8601 UTC from event time without the wall clock', () => {
    expect(isoUtc(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(isoUtc(1_767_578_400_123)).toBe('2026-01-05T02:00:00.123Z');
    expect(isoUtc(Date.UTC(2028, 1, 29, 23, 59, 59, 999))).toBe('2028-02-29T23:59:59.999Z');
    expect(isoUtc(Date.UTC(1999, 11, 31, 12))).toBe('1999-12-31T12:00:00.000Z');
  });

  it('holds the PoC’s schema as a subset, rounded as the PoC rounded it', () => {
    const file = buildWeightsFile({ symbol: 'BTC', leverage: BTC, weights: BTC.priorWeights, buffer: 0.002, tolerance: 4, biasLong: 0.0012345678, biasShort: 0, longOffsetUsd: 80.256, shortOffsetUsd: 0, calibrationCount: 1, savedAtMs: 0, windowMinutes: 15, migratedFrom: 2 });
    for (const key of Object.keys(POC_FILE)) expect(file).toHaveProperty(key);
    expect(file.bias_pct_long).toBe(0.001235);
    expect(file.long_offset_usd).toBe(80.26);
    expect(file.weights_by_leverage['5']).toBe(file.weights[0]);
    expect(JSON.stringify(file)).not.toMatch(/Infinity|NaN/);
  });

  it('renders for `inspect weights --json`: ours as saved, the PoC’s as migrated', () => {
    const ours = buildWeightsFile({ symbol: 'SOL', leverage: leverageConfigFor('SOL'), weights: leverageConfigFor('SOL').priorWeights, buffer: 0.002, tolerance: 4, biasLong: 0, biasShort: 0, longOffsetUsd: 0, shortOffsetUsd: 0, calibrationCount: 3, savedAtMs: 60_000, windowMinutes: 15, migratedFrom: null });
    expect(inspectWeights(JSON.parse(JSON.stringify(ours)))).toEqual({ ok: true, file: ours, migratedFrom: null, notes: [] });
    const poc = inspectWeights(POC_FILE);
    if (!poc.ok) throw new Error(poc.reason);
    expect(poc.migratedFrom).toBe(2);
    expect(poc.file).toMatchObject({ schema_version: 3, symbol: 'BTC', ladder: BTC.tiers, saved_at: POC_FILE.saved_at, migrated_from: 2, tolerance: 4, calibration_count: 1 });
    expect(poc.file.weights[0]).toBe(0.145161);
    expect(inspectWeights({ nothing: true })).toEqual({ ok: false, reason: 'the file names no symbol' });
  });

  it("reads the PoC's saved_at string (naive local time, read as UTC and said so) into saved_at_ms, null when it is not a time", () => {
    const poc = inspectWeights(POC_FILE);
    if (!poc.ok) throw new Error(poc.reason);
    // 2026-02-23T04:12:00.272738: sub-millisecond digits dropped
    expect(poc.file.saved_at_ms).toBe(Date.UTC(2026, 1, 23, 4, 12, 0, 272));
    expect(poc.notes.some((n) => /saved_at .* has no time zone/.test(n))).toBe(true);
    const zoned = inspectWeights({ ...POC_FILE, saved_at: '2026-02-23T04:12:00+01:30' });
    expect(zoned.ok && zoned.file.saved_at_ms).toBe(Date.UTC(2026, 1, 23, 2, 42));
    for (const bad of ['yesterday', '2026-02-30T04:12:00', '2026-13-01T00:00:00', 1_772_245_256]) {
      const r = inspectWeights({ ...POC_FILE, saved_at: bad });
      expect(r.ok && r.file.saved_at_ms).toBe(null);
    }
    expect(parseIsoMs('2026-02-23 04:12:00Z')).toEqual({ ms: Date.UTC(2026, 1, 23, 4, 12), naive: false });
    expect(inspectWeights(POC_FILE, { symbol: 'ETH' })).toEqual({ ok: false, reason: 'file is for BTC, not ETH' });
  });
});
