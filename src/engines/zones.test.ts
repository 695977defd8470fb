import { describe, expect, it } from 'vitest';
import { DISABLED_TIERS } from './leverage-config.js';
import { ActiveZoneManager, MAX_ZONE_AGE_MINUTES, type ZoneInput } from './zones.js';

const T0 = Date.UTC(2026, 2, 1, 12, 0);
const MIN = 60_000;

function manager(): ActiveZoneManager {
  return new ActiveZoneManager({ symbol: 'BTC', step: 20, disabledTiers: DISABLED_TIERS });
}

function tape(side: 'long' | 'short', price: number, usd: number): ZoneInput {
  return { side, price, usd, source: 'tape', confidence: 1 };
}

function inferred(side: 'long' | 'short', price: number, usd: number, tier: number, confidence: number): ZoneInput {
  return { side, price, usd, source: 'inference', tier, confidence };
}

describe('ActiveZoneManager lifecycle', () => {
  it('CREATED: a 50 000 USD tape liquidation creates a zone of weight 0.5', () => {
    const zm = manager();
    const event = zm.add(tape('long', 64_003, 50_000), T0);
    expect(event).toMatchObject({ type: 'zone_created', side: 'long', price: 64_000, weight: 0.5, source: 'tape' });
    const [zone] = zm.query();
    expect(zone).toMatchObject({ price: 64_000, weight: 0.5, state: 'created', reinforcement_count: 0, created_at: T0, tier_contributions: {} });
  });

  it('REINFORCED: evidence within 0.05 % adds 0.3 of its weight, per tier, and mixes the source', () => {
    const zm = manager();
    zm.add(tape('long', 64_000, 50_000), T0);
    // 64 020 is 0.031 % away: reinforces, 0.5 + 0.3·0.2 = 0.56
    expect(zm.add(tape('long', 64_020, 20_000), T0 + MIN)).toBeUndefined();
    // inference 100x, 100 000 USD, side weight 0.5: a = 1·TIER_WEIGHTS[100]·0.5 = 0.5 → +0.15 = 0.71
    zm.add(inferred('long', 63_990, 100_000, 100, 0.5), T0 + 2 * MIN);
    const [zone] = zm.query();
    expect(zone).toMatchObject({ price: 64_000, weight: 0.71, state: 'reinforced', reinforcement_count: 2, source: 'combined', last_reinforced_at: T0 + 2 * MIN });
    expect(zone!.tier_contributions).toEqual({ 100: 0.15 });
    expect(zone!.tracked_notional_usd).toBe(170_000);
    // 64 040 is 0.0625 % from 64 000: a separate zone
    zm.add(tape('long', 64_040, 10_000), T0);
    expect(zm.count('long')).toBe(2);
  });

  it('caps the weight at 5 at creation and on reinforcement', () => {
    const zm = manager();
    zm.add(tape('short', 66_000, 1_000_000), T0); // a = 10
    expect(zm.query()[0]!.weight).toBe(5);
    zm.add(tape('short', 66_000, 1_000_000), T0);
    expect(zm.query()[0]!.weight).toBe(5);
  });

  it('produces no zone from the disabled 10x tier or from evidence under the minimum weight', () => {
    const zm = manager();
    expect(zm.add(inferred('long', 60_000, 1_000_000, 10, 1), T0)).toBeUndefined();
    expect(zm.add(tape('long', 60_000, 4_000), T0)).toBeUndefined(); // a = 0.04 < 0.05
    expect(zm.add(tape('long', 60_000, 0), T0)).toBeUndefined();
    expect(zm.count('long')).toBe(0);
    expect(zm.counters).toMatchObject({ inputsDisabledTier: 1, inputsBelowMinimum: 1, inputsZeroWeight: 1 });
  });

  it('decays ×0.995 per minute and expires a zone under 0.05', () => {
    const zm = manager();
    zm.add(tape('long', 64_000, 10_000), T0); // 0.1
    for (let i = 1; i <= 10; i++) zm.decayAndExpire(T0 + i * MIN, 65_000);
    expect(zm.query()[0]!.weight).toBeCloseTo(0.1 * 0.995 ** 10, 4); // 0.0951
    zm.add(tape('short', 66_000, 5_020), T0); // 0.0502 → 0.049949 after one minute
    const events = zm.decayAndExpire(T0 + 11 * MIN, 65_000);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'zone_expired', side: 'short', reason: 'weight' });
    expect(zm.summary().zones_expired_total).toBe(1);
  });

  it('EXPIRED by age only after 240 min without reinforcement and never while price is within 2 %', () => {
    const zm = manager();
    zm.add(tape('long', 64_000, 500_000), T0); // weight 5: never decays below the minimum here
    const after = T0 + (MAX_ZONE_AGE_MINUTES + 1) * MIN;
    // price 65 000: 1.54 % away → stays
    expect(zm.decayAndExpire(after, 65_000)).toEqual([]);
    // price 65 250: 1.92 % away → still stays
    expect(zm.decayAndExpire(after + MIN, 65_250)).toEqual([]);
    // exactly 240 min after the last reinforcement is not "after 240 min": price far away, still stays
    const zm2 = manager();
    zm2.add(tape('long', 64_000, 500_000), T0);
    expect(zm2.decayAndExpire(T0 + MAX_ZONE_AGE_MINUTES * MIN, 70_000)).toEqual([]);
    // price 65 400: 2.14 % away → expires
    const events = zm.decayAndExpire(after + 2 * MIN, 65_400);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'zone_expired', reason: 'age', lifespan_min: 243 });
  });

  it('a reinforcement restarts the age clock', () => {
    const zm = manager();
    zm.add(tape('long', 64_000, 500_000), T0);
    zm.add(tape('long', 64_000, 10_000), T0 + 200 * MIN);
    expect(zm.decayAndExpire(T0 + 300 * MIN, 70_000)).toEqual([]);
    expect(zm.decayAndExpire(T0 + 441 * MIN, 70_000)).toHaveLength(1);
  });

  it('SWEPT: the low removes long zones at or above it, the high short zones at or below it', () => {
    const zm = manager();
    zm.add(tape('long', 64_000, 50_000), T0);
    zm.add(tape('long', 63_000, 50_000), T0);
    zm.add(tape('short', 66_000, 50_000), T0);
    const events = zm.sweep(65_990, 63_990, T0 + MIN);
    expect(events.map((e) => [e.type, e.side, e.price])).toEqual([['zone_swept', 'long', 64_000]]);
    expect(zm.query().map((z) => z.price).sort()).toEqual([63_000, 66_000]);
    expect(zm.sweep(66_000, 64_500, T0 + 2 * MIN).map((e) => e.price)).toEqual([66_000]);
    expect(zm.summary()).toMatchObject({ active_zones_long: 1, active_zones_short: 0, zones_swept_total: 2, zones_created_total: 3 });
  });

  it('shrinks every zone by an OI-decrease factor, tier shares included', () => {
    const zm = manager();
    zm.add(inferred('short', 66_000, 200_000, 50, 1), T0); // 2·0.8 = 1.6
    zm.scale(0.75);
    const [z] = zm.query();
    expect(z!.weight).toBe(1.2);
    expect(z!.tier_contributions).toEqual({ 50: 1.2 });
  });
});

describe('ActiveZoneManager queries', () => {
  function populated(): ActiveZoneManager {
    const zm = manager();
    zm.add(inferred('long', 64_000, 100_000, 100, 1), T0); // 1.0
    zm.add(inferred('long', 63_000, 100_000, 25, 1), T0); // 0.5
    zm.add(tape('long', 62_000, 300_000), T0); // 3.0, no tier
    zm.add(inferred('short', 66_000, 100_000, 50, 1), T0); // 0.8
    return zm;
  }

  it('filters by side and sorts by weight', () => {
    expect(populated().query({ side: 'long' }).map((z) => z.price)).toEqual([62_000, 64_000, 63_000]);
    expect(populated().query({ side: 'sideways' })).toEqual([]);
  });

  it('filters by leverage range through tier contributions and drops tier-less zones', () => {
    const zm = populated();
    expect(zm.query({ minLeverage: 50 }).map((z) => z.price)).toEqual([64_000, 66_000]);
    expect(zm.query({ side: 'long', minLeverage: 20, maxLeverage: 30 }).map((z) => z.price)).toEqual([63_000]);
    expect(zm.query({ maxLeverage: 5 })).toEqual([]);
  });

  it('leaves min_weight to the caller, after the query', () => {
    const zones = populated().query().filter((z) => z.weight >= 0.9);
    expect(zones.map((z) => z.price)).toEqual([62_000, 64_000]);
  });
});

describe('ActiveZoneManager persistence', () => {
  it('round-trips through its file with times in seconds and restores the totals', () => {
    const zm = manager();
    zm.add(inferred('long', 64_000, 100_000, 100, 1), T0);
    zm.add(tape('short', 66_000, 50_000), T0 + 30_000);
    zm.sweep(70_000, 0, T0); // sweeps both (a totals entry for the file)
    zm.add(inferred('long', 63_000, 100_000, 50, 0.5), T0);
    const file = zm.toFile(T0 + MIN);
    expect(file).toMatchObject({ symbol: 'BTC', saved_at: (T0 + MIN) / 1000, zone_count: 1, version: 1 });
    expect(file.zones[0]).toMatchObject({ price: 63_000, side: 'long', created_at: T0 / 1000, source: 'inference', tier_contributions: { 50: 0.4 } });
    const copy = manager();
    const result = copy.restore(JSON.parse(JSON.stringify(file)));
    expect(result).toEqual({ status: 'ok', loaded: 1, skipped: 0, savedAt: T0 + MIN });
    expect(copy.query()).toEqual(zm.query());
    expect(copy.summary()).toEqual(zm.summary());
  });

  it('ignores a file of another symbol and skips malformed zones', () => {
    const zm = manager();
    expect(zm.restore({ symbol: 'ETH', zones: [] }).status).toBe('ignored');
    const result = zm.restore({
      symbol: 'BTC',
      saved_at: T0 / 1000,
      zones: [
        { price: 64_000, side: 'long', weight: 1, created_at: T0 / 1000, last_reinforced_at: T0 / 1000, reinforcement_count: 0, source: 'tape', tier_contributions: {} },
        { price: -1, side: 'long', weight: 1, created_at: 0, last_reinforced_at: 0, source: 'tape' },
        { price: 64_500, side: 'up', weight: 1, created_at: 0, last_reinforced_at: 0, source: 'tape' },
        'junk',
      ],
    });
    expect(result).toMatchObject({ status: 'ok', loaded: 1, skipped: 3 });
  });

  it('reads a PoC zones file, rescaling its never-decayed tier contributions to the weight', () => {
    const zm = manager();
    // POC-FACTS 2.2: contribution 1.016 > weight 0.8436
    zm.restore({
      symbol: 'BTC',
      saved_at: 1772245256.0325222,
      zone_count: 1,
      zones: [{ price: 67180.0, side: 'short', weight: 0.8436323910294051, created_at: 1772242980.0086794, last_reinforced_at: 1772242980.0086794, reinforcement_count: 0, source: 'inference', tier_contributions: { '50': 1.0160851852857131 } }],
    });
    const [z] = zm.query();
    expect(z).toMatchObject({ price: 67_180, weight: 0.8436, tier_contributions: { 50: 0.8436 }, created_at: 1772242980009 });
  });

  it('merges restored neighbours within 0.05 % into the heavier one', () => {
    const zm = manager();
    const zone = (price: number, weight: number, source: string) => ({ price, side: 'long', weight, created_at: 1, last_reinforced_at: 2, reinforcement_count: 0, source, tier_contributions: {} });
    zm.restore({ symbol: 'BTC', zones: [zone(64_000, 1, 'tape'), zone(64_020, 2, 'inference'), zone(64_100, 1, 'tape')] });
    expect(zm.mergeNearby()).toBe(1);
    expect(zm.query().map((z) => [z.price, z.weight, z.source])).toEqual([
      [64_020, 3, 'combined'],
      [64_100, 1, 'tape'],
    ]);
    expect(zm.summary().zones_merged_total).toBe(1);
  });

  it('catches up the decay of the downtime after a restart', () => {
    const zm = manager();
    zm.add(tape('long', 64_000, 100_000), T0);
    zm.catchUp(100, T0 + 100 * MIN);
    expect(zm.query()[0]!.weight).toBeCloseTo(0.995 ** 100, 4); // 0.6058
    expect(zm.catchUp(2000, T0 + 2100 * MIN)).toHaveLength(1);
  });
});
