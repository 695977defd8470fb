import { describe, expect, it } from 'vitest';
import type { ApproachRecord, CalibrationRecord, LiquidationRecord, ZoneRecordLine } from './records.js';
import { buildSymbolAudit, type AuditInput } from './report.js';

const MIN = 60_000;

function liq(ts: number, side: 'long' | 'short', price: number, over: Partial<LiquidationRecord> = {}): LiquidationRecord {
  return {
    ts, minute: Math.floor(ts / MIN), venue: 'bybit', side, eventPrice: price, triggerPrice: price, notional: 1000, priceInsane: false, fallback: false,
    tierDisabled: false, attributedTier: null, isHit: false, missUsd: null, missPct: null, fromMark: true, ...over,
  };
}

const approach = (ts: number, tier: number, hit: boolean, reached = false): ApproachRecord => ({ ts, side: 'long', tier, hit, reached, liquidations: hit ? 1 : 0, closestPct: 0 });

const zone = (type: ZoneRecordLine['type'], ts: number, side: 'long' | 'short', price: number, source = 'inference', reason: string | null = null): ZoneRecordLine => ({ type, ts, side, price, source, reason });

function calibration(ts: number, count: number, after: Record<string, number>, over: Partial<CalibrationRecord> = {}): CalibrationRecord {
  return {
    ts, count, eventsTotal: 10, attributed: 8, hits: 6, hitRate: 0.75, weightsBefore: { '10': 0, '20': 0.5, '50': 0.5 }, weightsAfter: after, weightsApplied: true, weightsReason: '8 attributed event(s)',
    biasLongBefore: 0, biasLongAfter: 0.0001, biasShortBefore: 0, biasShortAfter: -0.0002, biasSamplesLong: 10, biasSamplesShort: 12, bufferBefore: 0.002, bufferAfter: 0.0021, toleranceAfter: 4, ...over,
  };
}

function input(over: Partial<AuditInput> = {}): AuditInput {
  return {
    symbol: 'BTC', log: { files: ['logs/calibrator-BTC.jsonl'], lines: 0, byType: {}, skipped: 0, skippedSamples: [] }, events: [], minutes: [], approaches: [], calibrations: [], zoneLines: [],
    snapshots: null, historyFile: null, zonesFile: null, weightsFile: null, warnings: [], ...over,
  };
}

describe('the audit of one symbol', () => {
  it('tells swept zones with liquidations nearby (same side, ≤ 0.25 %, the sweeping minute or the next) from those without', () => {
    const sweptAt = 10 * MIN;
    const report = buildSymbolAudit(
      input({
        events: [liq(sweptAt - 30_000, 'long', 100.2), liq(sweptAt + 50_000, 'short', 200), liq(sweptAt - 90_000, 'short', 300)],
        zoneLines: [
          zone('zone_created', MIN, 'long', 100, 'tape'),
          zone('zone_swept', sweptAt, 'long', 100, 'combined'), // 0.2 % from the long at 100.2, 30 s before: nearby
          zone('zone_swept', sweptAt, 'short', 199, 'inference'), // 0.5 % from the short at 200: too far
          zone('zone_swept', sweptAt, 'short', 300, 'tape'), // the short at 300 came 90 s before: too early
          zone('zone_expired', sweptAt, 'long', 90, 'inference', 'weight'),
          zone('zone_expired', sweptAt, 'long', 80, 'inference', 'age'),
        ],
        zonesFile: { symbol: 'BTC', zones: [{ source: 'tape' }, { source: 'combined' }], totals: { reinforced: 42 } },
      }),
    );
    expect(report.zones.created).toEqual({ total: 1, tape: 1, inference: 0, combined: 0, other: 0 });
    expect(report.zones.sweptWithLiquidations).toEqual({ total: 1, tape: 0, inference: 0, combined: 1, other: 0 });
    expect(report.zones.sweptWithoutLiquidations).toEqual({ total: 2, tape: 1, inference: 1, combined: 0, other: 0 });
    expect(report.zones.expiredWeight.total).toBe(1);
    expect(report.zones.expiredAge.total).toBe(1);
    expect(report.zones.activeNow).toEqual({ total: 2, tape: 1, inference: 0, combined: 1, other: 0 });
    expect(report.zones.reinforcementsLifetime).toBe(42);
  });

  it('tallies liquidations by venue and side, price-insane ones included', () => {
    const report = buildSymbolAudit(
      input({ events: [liq(1, 'long', 100, { venue: 'okx', notional: 250 }), liq(2, 'long', 100, { venue: 'okx', notional: 50 }), liq(3, 'short', 100, { venue: 'binance', priceInsane: true })] }),
    );
    expect(report.venues).toEqual({ binance: { long: { count: 0, notional: 0 }, short: { count: 1, notional: 1000 } }, okx: { long: { count: 2, notional: 300 }, short: { count: 0, notional: 0 } } });
    expect(report.liquidations).toEqual({ total: 3, priceInsane: 1, notional: 1300 });
  });

  it('reports per tier: approaches and their hits, attributed misses (median, p90), weights start → end, disabled tiers marked', () => {
    const events = [10, 20, 30, 40].map((usd, i) => liq(MIN * (i + 1), 'long', 100, { attributedTier: 50, missUsd: i % 2 === 0 ? usd : -usd, missPct: usd / 1e5, isHit: usd <= 20 }));
    events.push(liq(5 * MIN, 'long', 100, { attributedTier: 50, missUsd: 999, fallback: true })); // fallback: not the inventory's level
    const report = buildSymbolAudit(
      input({
        events,
        approaches: [approach(MIN, 50, true, true), approach(2 * MIN, 50, false), approach(3 * MIN, 20, false)],
        calibrations: [calibration(15 * MIN, 1, { '10': 0, '20': 0.4, '50': 0.6 }), calibration(30 * MIN, 2, { '10': 0, '20': 0.3, '50': 0.7 })],
        weightsFile: { ladder: [10, 20, 50], weights: [0, 0.3, 0.7], disabled_tiers: [10] },
      }),
    );
    expect(report.disabledTiers).toEqual([10]);
    const [t10, t20, t50] = report.tiers;
    expect(t10).toMatchObject({ tier: 10, disabled: true });
    expect(t20).toMatchObject({ tier: 20, weightStart: 0.5, weightEnd: 0.3, approached: 1, approachHits: 0, approachHitRate: 0 });
    // |miss| 10, 20, 30, 40: median 25, p90 = 30 + 0.7·10 = 37 (linear interpolation)
    expect(t50).toMatchObject({ tier: 50, weightStart: 0.5, weightEnd: 0.7, approached: 2, approachHits: 1, approachHitRate: 0.5, reached: 1, attributed: 4, calibratorHits: 2, missUsdMedian: 25 });
    expect(t50!.missUsdP90).toBeCloseTo(37, 9);
    expect(t50!.missPctMedian).toBeCloseTo(0.00025, 12);
    expect(report.calibrations.map((c) => [c.count, c.weights['50'], c.biasLong, c.buffer])).toEqual([
      [1, 0.6, 0.0001, 0.0021],
      [2, 0.7, 0.0001, 0.0021],
    ]);
    expect(report.calibrator).toMatchObject({ events: 5, fallback: 1, attributed: 4, hits: 2, attributedHits: 2 });
  });

  it('keeps only what happened at or after --since', () => {
    const report = buildSymbolAudit(
      input({
        since: 10 * MIN,
        events: [liq(5 * MIN, 'long', 100), liq(12 * MIN, 'long', 100)],
        approaches: [approach(9 * MIN, 50, true), approach(11 * MIN, 50, false)],
        calibrations: [calibration(5 * MIN, 1, { '50': 1 }), calibration(15 * MIN, 2, { '50': 1 })],
        zoneLines: [zone('zone_created', 9 * MIN, 'long', 99), zone('zone_created', 10 * MIN, 'long', 98)],
      }),
    );
    expect(report.liquidations.total).toBe(1);
    expect(report.span.firstEvent).toBe(12 * MIN);
    expect(report.tiers.find((t) => t.tier === 50)).toMatchObject({ approached: 1, approachHits: 0 });
    expect(report.calibrations.map((c) => c.count)).toEqual([2]);
    expect(report.zones.created.total).toBe(1);
    expect(report.since).toBe(10 * MIN);
  });

  it('leaves the top-quarter comparison out without a history ring, and survives an empty log', () => {
    const report = buildSymbolAudit(input());
    expect(report.topQuarter).toBeNull();
    expect(report.hitRate.events).toBe(0);
    expect(report.tiers).toEqual([]);
    expect(report.weightsEnd).toBeNull();
  });
});
