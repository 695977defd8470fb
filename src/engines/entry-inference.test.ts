import { describe, expect, it } from 'vitest';
import { EntryInference, MAX_OI_SHRINK_PER_MINUTE, impliedLiquidationPrice, longShareOf, type InferenceMinuteInput } from './entry-inference.js';
import { leverageConfigFor, type LeverageConfig } from './leverage-config.js';
import { paramsFromUpdate, type LeverageParams } from './leverage-params.js';

/** A three-tier ladder with 10x disabled: 20x gets 75 %, 50x 25 %. */
const LADDER: LeverageConfig = { symbol: 'TST', tiers: [10, 20, 50], priorWeights: [0, 0.75, 0.25], disabledTiers: new Set([10]) };
const PARAMS: LeverageParams = { tiers: [10, 20, 50], weights: [0, 0.75, 0.25], buffer: 0.002, biasLong: 0, biasShort: 0 };

function inference(params = PARAMS): EntryInference {
  return new EntryInference({ step: 20, leverage: LADDER, params });
}

function minute(over: Partial<InferenceMinuteInput>): InferenceMinuteInput {
  return { decay: 1, high: 65_100, low: 64_900, ohlc4: 65_000, oiDeltaBase: undefined, oiPreviousBase: undefined, takerBuyShare: undefined, ...over };
}

describe('implied liquidation price', () => {
  const p = { buffer: 0.002, biasLong: 0, biasShort: 0 };
  it('puts long levels at E·(1 − 1/L + m) and short levels at E·(1 + 1/L − m)', () => {
    // 20x: 1/L = 0.05 → long 65 000·0.952 = 61 880, short 65 000·1.048 = 68 120
    expect(impliedLiquidationPrice(65_000, 20, 'long', p)).toBeCloseTo(61_880, 9);
    expect(impliedLiquidationPrice(65_000, 20, 'short', p)).toBeCloseTo(68_120, 9);
    // 100x: long 65 000·0.992 = 64 480, short 65 000·1.008 = 65 520
    expect(impliedLiquidationPrice(65_000, 100, 'long', p)).toBeCloseTo(64_480, 9);
    expect(impliedLiquidationPrice(65_000, 100, 'short', p)).toBeCloseTo(65_520, 9);
    // 125x: long 65 000·0.994 = 64 610, short 65 000·1.006 = 65 390
    expect(impliedLiquidationPrice(65_000, 125, 'long', p)).toBeCloseTo(64_610, 9);
    expect(impliedLiquidationPrice(65_000, 125, 'short', p)).toBeCloseTo(65_390, 9);
    // 5x: long 65 000·0.802 = 52 130
    expect(impliedLiquidationPrice(65_000, 5, 'long', p)).toBeCloseTo(52_130, 9);
  });

  it('applies the per-side percent bias multiplicatively', () => {
    // 20x long with b_long = +0.1 %: 61 880·1.001 = 61 941.88
    expect(impliedLiquidationPrice(65_000, 20, 'long', { buffer: 0.002, biasLong: 0.001, biasShort: 0 })).toBeCloseTo(61_941.88, 9);
    // 125x short with b_short = −0.2 %: 65 390·0.998 = 65 259.22
    expect(impliedLiquidationPrice(65_000, 125, 'short', { buffer: 0.002, biasLong: 0, biasShort: -0.002 })).toBeCloseTo(65_259.22, 9);
  });
});

describe('EntryInference', () => {
  it('splits a ΔOI by the taker-buy share and spreads it over enabled tiers', () => {
    const inf = inference();
    // ΔOI 10 BTC at OHLC4 65 000 = 650 000 USD; taker-buy share 0.6 → long 390 000, short 260 000
    const r = inf.onMinute(minute({ oiDeltaBase: 10, oiPreviousBase: 1000, takerBuyShare: 0.6 }));
    expect(r.addedLongUsd).toBeCloseTo(390_000, 6);
    expect(r.addedShortUsd).toBeCloseTo(260_000, 6);
    const parts = r.added.map((p) => [p.side, p.tier, Math.round(p.level * 100) / 100, Math.round(p.notional * 100) / 100]);
    expect(parts).toEqual([
      ['long', 20, 61_880, 292_500], // 390 000·0.75 at 65 000·0.952
      ['long', 50, 63_830, 97_500], // 390 000·0.25 at 65 000·0.982
      ['short', 20, 68_120, 195_000], // 260 000·0.75
      ['short', 50, 66_170, 65_000], // 260 000·0.25 at 65 000·1.018
    ]);
    expect(inf.totalUsd('long')).toBeCloseTo(390_000, 6);
    expect(inf.inferencesTotal).toBe(4);
  });

  it('splits 50/50 without trades and clamps a lopsided minute to 90/10', () => {
    expect(longShareOf(undefined)).toBe(0.5);
    expect(longShareOf(0.97)).toBe(0.9);
    expect(longShareOf(0.02)).toBe(0.1);
    const r = inference().onMinute(minute({ oiDeltaBase: 1, oiPreviousBase: 1000, takerBuyShare: 1 }));
    expect(r.addedLongUsd).toBeCloseTo(58_500, 6); // 65 000·0.9
    expect(r.addedShortUsd).toBeCloseTo(6_500, 6);
  });

  it('decays every position ×0.995 per minute', () => {
    const inf = inference();
    inf.onMinute(minute({ oiDeltaBase: 10, oiPreviousBase: 1000, takerBuyShare: 0.6 }));
    for (let i = 0; i < 10; i++) inf.onMinute(minute({ decay: 0.995 }));
    // 292 500·0.995^10 = 292 500·0.95111013 = 278 199.71
    let long20 = 0;
    inf.forEach('long', 20, (_e, usd) => (long20 += usd));
    expect(long20).toBeCloseTo(278_199.71, 2);
  });

  it('sweeps a long level the minute low reaches and keeps the deeper one', () => {
    const inf = inference();
    inf.onMinute(minute({ oiDeltaBase: 10, oiPreviousBase: 1000, takerBuyShare: 0.6 }));
    // next minute trades down to 62 000: the 50x long level (63 830) is crossed, 20x (61 880) is not
    const r = inf.onMinute(minute({ high: 65_000, low: 62_000 }));
    expect(r.swept).toHaveLength(1);
    expect(r.swept[0]).toMatchObject({ side: 'long', tier: 50, entryPrice: 65_000 });
    expect(r.swept[0]!.notional).toBeCloseTo(97_500, 6);
    expect(inf.totalUsd('long')).toBeCloseTo(292_500, 6);
    // a rally to 68 200 sweeps both short levels (66 170 and 68 120)
    const up = inf.onMinute(minute({ high: 68_200, low: 65_000 }));
    expect(up.swept.map((s) => s.tier).sort()).toEqual([20, 50]);
    expect(inf.totalUsd('short')).toBe(0);
  });

  it('does not sweep positions with the range of the minute that opened them', () => {
    const inf = inference();
    // the opening minute itself ranged down to 60 000: new positions are judged from the next minute
    const r = inf.onMinute(minute({ low: 60_000, oiDeltaBase: 10, oiPreviousBase: 1000 }));
    expect(r.swept).toEqual([]);
    expect(inf.totalUsd('long')).toBeCloseTo(325_000, 6);
  });

  it('shrinks every position by |ΔOI| / OI_{t−1}, capped at 25 %', () => {
    const inf = inference();
    inf.onMinute(minute({ oiDeltaBase: 10, oiPreviousBase: 1000, takerBuyShare: 0.5 }));
    const r = inf.onMinute(minute({ oiDeltaBase: -50.5, oiPreviousBase: 1010 })); // 5 %
    expect(r.shrink).toBeCloseTo(0.05, 12);
    expect(inf.totalUsd('long')).toBeCloseTo(325_000 * 0.95, 6);
    const big = inf.onMinute(minute({ oiDeltaBase: -600, oiPreviousBase: 959.5 }));
    expect(big.shrink).toBe(MAX_OI_SHRINK_PER_MINUTE);
    expect(big.shrinkCapped).toBe(true);
    expect(inf.totalUsd('long')).toBeCloseTo(325_000 * 0.95 * 0.75, 6);
  });

  it('adds nothing when ΔOI is unknown or the minute had no price', () => {
    const inf = inference();
    expect(inf.onMinute(minute({ oiDeltaBase: undefined })).added).toEqual([]);
    expect(inf.onMinute(minute({ oiDeltaBase: 5, oiPreviousBase: 100, high: undefined, low: undefined, ohlc4: undefined })).added).toEqual([]);
  });

  it('moves every level when the calibrator changes buffer and bias', () => {
    const inf = inference();
    inf.onMinute(minute({ oiDeltaBase: 10, oiPreviousBase: 1000 }));
    const levels: number[] = [];
    inf.forEach('long', 20, (_e, _usd, level) => levels.push(level));
    expect(levels[0]).toBeCloseTo(61_880, 9);
    const updated = paramsFromUpdate(LADDER, { weights: { 20: 0.5, 50: 0.5 }, buffer: 0.004, bias: { long: 0.001, short: 0 } });
    if (!updated.ok) throw new Error(updated.reason);
    inf.setParams(updated.params);
    const moved: number[] = [];
    inf.forEach('long', 20, (_e, _usd, level) => moved.push(level));
    // 65 000·(1 − 0.05 + 0.004)·1.001 = 65 000·0.954·1.001 = 62 072.01
    expect(moved[0]).toBeCloseTo(62_072.01, 6);
  });

  it('computes the E-step density f_L(P) per tier from the inventory', () => {
    const inf = inference();
    inf.onMinute(minute({ oiDeltaBase: 10, oiPreviousBase: 1000, takerBuyShare: 0.6 }));
    const out = new Float64Array(3);
    // at P = 63 830 (the 50x long level exactly) with τ = 0.0012: f_50 = 97 500,
    // f_20 = 292 500·exp(−1950/(63 830·0.0012)) = 292 500·e^−25.46 → beyond the 12 τ cut: 0
    const sum = inf.tierDensity('long', 63_830, 0.0012, out);
    expect(out[0]).toBe(0);
    expect(out[1]).toBe(0);
    expect(out[2]).toBeCloseTo(97_500, 6);
    expect(sum).toBeCloseTo(97_500, 6);
    // 40 USD away: 97 500·exp(−40/(63 870·0.0012)) = 97 500·e^−0.52189 = 97 500·0.593396 = 57 856.1
    inf.tierDensity('long', 63_870, 0.0012, out);
    expect(out[2]).toBeCloseTo(97_500 * Math.exp(-40 / (63_870 * 0.0012)), 6);
    expect(out[2]).toBeCloseTo(57_856.1, 0);
  });

  it('keeps each position’s unit notional (before the split by the weights it opened with) through weight changes, decay, shrink and sweeps', () => {
    const inf = inference();
    // minute 1 at weights 0.75/0.25: long 390 000 → 20x 292 500, 50x 97 500; unit notional 390 000 each
    inf.onMinute(minute({ oiDeltaBase: 10, oiPreviousBase: 1000, takerBuyShare: 0.6 }));
    // minute 2 at weights 0.5/0.5 into the same entry bucket: long 390 000 → 195 000 each, unit +390 000 each
    inf.setParams({ ...PARAMS, weights: [0, 0.5, 0.5] });
    inf.onMinute(minute({ oiDeltaBase: 10, oiPreviousBase: 1000, takerBuyShare: 0.6 }));
    // minute 3: decay ×0.99 and a 10 % OI shrink, then the low sweeps the 50x level (63 830)
    inf.onMinute(minute({ decay: 0.99, oiDeltaBase: -200, oiPreviousBase: 2000 }));
    const f = new Float64Array(3);
    const u = new Float64Array(3);
    inf.tierDensity('long', 61_880, 0.0012, f, u);
    // at the 20x level: notional (292 500 + 195 000)·0.99·0.9, unit 780 000·0.99·0.9
    expect(f[1]).toBeCloseTo(487_500 * 0.891, 4);
    expect(u[1]).toBeCloseTo(780_000 * 0.891, 4);
    const r = inf.onMinute(minute({ decay: 1, high: 65_000, low: 62_000 }));
    const swept = r.swept.find((x) => x.tier === 50)!;
    expect(swept.notional).toBeCloseTo((97_500 + 195_000) * 0.891, 4);
    expect(swept.unitNotional).toBeCloseTo(780_000 * 0.891, 4);
  });

  it('lists positions whose level lies in a price range', () => {
    const inf = inference();
    inf.onMinute(minute({ oiDeltaBase: 10, oiPreviousBase: 1000 }));
    const seen: [number, number][] = [];
    inf.forEachNear('short', 50, 66_000, 66_500, (level, usd) => seen.push([level, usd]));
    expect(seen).toHaveLength(1);
    expect(seen[0]![0]).toBeCloseTo(66_170, 9);
    expect(seen[0]![1]).toBeCloseTo(81_250, 6); // 325 000·0.25
  });

  it('uses the seed prior for a real ladder and never projects the disabled 10x tier', () => {
    const btc = leverageConfigFor('BTC');
    const inf = new EntryInference({ step: 20, leverage: btc, params: { tiers: btc.tiers, weights: btc.priorWeights, buffer: 0.002, biasLong: 0, biasShort: 0 } });
    const r = inf.onMinute(minute({ oiDeltaBase: 10, oiPreviousBase: 1000 }));
    expect(r.added.some((p) => p.tier === 10)).toBe(false);
    expect(r.addedLongUsd + r.addedShortUsd).toBeCloseTo(650_000, 6);
  });
});
