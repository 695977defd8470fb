/**
 * Active liquidation zones, V3 (seed "Zone Manager Configuration", DESIGN.md section 4,
 * POC-FACTS 3.9). Lifecycle: CREATED → REINFORCED (repeatable) → SWEPT (price crossed)
 * or EXPIRED (weight decayed below MIN_ZONE_WEIGHT, or no reinforcement for
 * MAX_ZONE_AGE_MINUTES while price is at least EXPIRATION_PRICE_DIST_PCT away).
 *
 * Inputs, once per minute close (the SymbolEngine aggregates the minute's evidence):
 * - tape: the minute's real liquidations per bucket, `a = usd / ZONE_WEIGHT_SCALE_USD`;
 * - inference: the minute's new position parts at their levels, per tier,
 *   `a = usd / ZONE_WEIGHT_SCALE_USD · TIER_WEIGHTS[L] · side weight`.
 * An input within CLUSTER_DISTANCE_PCT of an existing zone of its side reinforces it
 * (`weight += REINFORCEMENT_FACTOR·a`, capped at MAX_ZONE_WEIGHT); otherwise it creates
 * a zone of weight `min(a, MAX_ZONE_WEIGHT)` (the PoC did not cap at creation), unless
 * `a` is already under MIN_ZONE_WEIGHT (it would be removed at the next decay; counted).
 *
 * Differences from the PoC on purpose (POC-FACTS 5.1 item 11): time is event time
 * (created/reinforced/expiry), `tier_contributions` are each tier's share of the
 * current weight (decayed, shrunk and capped with it, so they never exceed it), and a
 * reload catches up the decay of the downtime. Sweeps use the range of minutes after a
 * zone's evidence only: the engine sweeps before it feeds the minute's inputs
 * (POC-FACTS 5.1 item 9). "Magnetic" sweep zones (source `sweep`) were dead code in the
 * PoC (item 10) and are not produced; the value stays valid in files and queries.
 */

import type { Side } from '../events.js';
import { bucketIndex, bucketPrice, decimalsOf } from './buckets.js';
import { tierWeight } from './leverage-config.js';
import { round } from './num.js';

export const MAX_ZONE_AGE_MINUTES = 240;
export const ZONE_DECAY_PER_MINUTE = 0.995;
export const MIN_ZONE_WEIGHT = 0.05;
export const MAX_ZONE_WEIGHT = 5.0;
export const REINFORCEMENT_FACTOR = 0.3;
export const CLUSTER_DISTANCE_PCT = 0.0005;
export const EXPIRATION_PRICE_DIST_PCT = 0.02;
export const PERSIST_INTERVAL_SECONDS = 60;
/** USD of evidence per unit of zone weight (PoC: `weight = notional / 100000`). */
export const ZONE_WEIGHT_SCALE_USD = 100_000;
/** Memory bound: beyond this many zones on a side the weakest are evicted (counted). */
export const MAX_ZONES_PER_SIDE = 1_000;
/** Leverage filter: a zone whose tiers inside [min, max] hold less than this is dropped (PoC). */
export const LEVERAGE_FILTER_MIN_CONTRIBUTION = 0.01;

export type ZoneSource = 'tape' | 'inference' | 'combined' | 'sweep';
export const ZONE_SOURCES: readonly ZoneSource[] = ['tape', 'inference', 'combined', 'sweep'];
export type ZoneState = 'created' | 'reinforced';

interface Zone {
  readonly side: Side;
  readonly bucketIndex: number;
  readonly price: number;
  weight: number;
  /** Honest USD: decayed sum of the real USD evidence behind the zone. */
  notionalUsd: number;
  /** Epoch ms (event time). */
  createdAt: number;
  lastReinforcedAt: number;
  reinforcementCount: number;
  source: ZoneSource;
  state: ZoneState;
  /** Tier → share of `weight`; `untiered` holds the tape's share. Σ = weight. */
  readonly tiers: Map<number, number>;
  untiered: number;
}

export interface ZoneInput {
  readonly side: Side;
  readonly price: number;
  readonly usd: number;
  readonly source: 'tape' | 'inference';
  /** Leverage tier of an inference part; absent for the tape. */
  readonly tier?: number;
  /** Side weight of an inference part (the PoC's `confidence`); 1 for the tape. */
  readonly confidence: number;
}

export type ZoneEventType = 'zone_created' | 'zone_swept' | 'zone_expired' | 'zone_evicted';

/** A lifecycle transition, for the audit log. */
export interface ZoneEvent {
  readonly type: ZoneEventType;
  /** Epoch ms (log lines carry ms: JsonlLog rotates by the first line's `ts`). */
  readonly ts: number;
  readonly side: Side;
  readonly price: number;
  readonly weight: number;
  readonly source: ZoneSource;
  readonly reinforcement_count: number;
  readonly lifespan_min: number;
  readonly reason?: 'weight' | 'age' | 'capacity';
}

/** One zone as the API serves it (POC-FACTS 1.11): times in integer ms, weights 4 dp. */
export interface ZoneView {
  readonly price: number;
  readonly side: Side;
  readonly weight: number;
  readonly created_at: number;
  readonly last_reinforced_at: number;
  readonly reinforcement_count: number;
  readonly source: ZoneSource;
  /** Tier (as a string) → that tier's share of `weight`, 4 dp. */
  readonly tier_contributions: Record<string, number>;
  // additions
  readonly state: ZoneState;
  /** Decayed USD of real evidence (tape notional, inferred position notional) behind the zone. */
  readonly tracked_notional_usd: number;
}

/** `get_summary()` (POC-FACTS 1.12); totals count since the zones were first created (restored on reload). */
export interface ZoneSummary {
  readonly active_zones_long: number;
  readonly active_zones_short: number;
  readonly total_weight_long: number;
  readonly total_weight_short: number;
  readonly zones_created_total: number;
  readonly zones_reinforced_total: number;
  readonly zones_swept_total: number;
  readonly zones_expired_total: number;
  readonly zones_merged_total: number;
}

/** One zone in `zones/{SYM}.json` (POC-FACTS 2.2): times in epoch **seconds**, weight unrounded. */
export interface ZoneRecord {
  readonly price: number;
  readonly side: Side;
  readonly weight: number;
  readonly created_at: number;
  readonly last_reinforced_at: number;
  readonly reinforcement_count: number;
  readonly source: ZoneSource;
  readonly tier_contributions: Record<string, number>;
  // additions
  readonly state: ZoneState;
  /** The tape's share of `weight` (the part not attributed to a tier). */
  readonly untiered_contribution: number;
  readonly tracked_notional_usd: number;
}

export const ZONES_FILE_VERSION = 1;

/** `zones/{SYM}.json` (POC-FACTS 2.2) plus `version`, `saved_minute` and the lifetime totals. */
export interface ZonesFile {
  readonly symbol: string;
  /** Event time of the save, epoch seconds. */
  readonly saved_at: number;
  readonly zone_count: number;
  readonly zones: readonly ZoneRecord[];
  // additions
  readonly version: number;
  readonly totals: ZoneTotals;
}

export interface ZoneTotals {
  readonly created: number;
  readonly reinforced: number;
  readonly swept: number;
  readonly expired: number;
  readonly merged: number;
  readonly evicted: number;
}

export interface ZoneQuery {
  readonly side?: string;
  readonly minLeverage?: number;
  readonly maxLeverage?: number;
}

export interface ZoneCounters {
  created: number;
  reinforced: number;
  swept: number;
  expired: number;
  merged: number;
  evicted: number;
  /** Inputs of a disabled tier (seed: disabled tiers produce no zones). */
  inputsDisabledTier: number;
  /** Inputs whose weight was under MIN_ZONE_WEIGHT and matched no zone. */
  inputsBelowMinimum: number;
  /** Inputs with no weight at all (zero USD, or a tier whose TIER_WEIGHTS entry is 0). */
  inputsZeroWeight: number;
  /** Restored from a file. */
  restored: number;
  /** Zones of a file skipped as malformed. */
  restoreSkipped: number;
}

export interface RestoreResult {
  readonly status: 'ok' | 'ignored';
  readonly reason?: string;
  readonly loaded: number;
  readonly skipped: number;
  /** The file's save time, epoch ms (for the decay catch-up). */
  readonly savedAt?: number;
}

export class ActiveZoneManager {
  readonly symbol: string;
  readonly step: number;
  private readonly decimals: number;
  private readonly disabled: ReadonlySet<number>;
  private readonly zones: Record<Side, Map<number, Zone>> = { long: new Map(), short: new Map() };
  readonly counters: ZoneCounters = {
    created: 0,
    reinforced: 0,
    swept: 0,
    expired: 0,
    merged: 0,
    evicted: 0,
    inputsDisabledTier: 0,
    inputsBelowMinimum: 0,
    inputsZeroWeight: 0,
    restored: 0,
    restoreSkipped: 0,
  };

  constructor(options: { readonly symbol: string; readonly step: number; readonly disabledTiers: ReadonlySet<number> }) {
    this.symbol = options.symbol;
    this.step = options.step;
    this.decimals = decimalsOf(options.step);
    this.disabled = options.disabledTiers;
  }

  /** Create or reinforce a zone from one piece of evidence; returns the creation event, if any. */
  add(input: ZoneInput, now: number): ZoneEvent | undefined {
    if (input.tier !== undefined && this.disabled.has(input.tier)) {
      this.counters.inputsDisabledTier++;
      return undefined;
    }
    const a = (input.usd / ZONE_WEIGHT_SCALE_USD) * tierWeight(input.tier) * input.confidence;
    if (!(a > 0)) {
      this.counters.inputsZeroWeight++;
      return undefined;
    }
    const index = bucketIndex(input.price, this.step);
    const existing = this.nearest(input.side, index);
    if (existing) {
      const before = existing.weight;
      existing.weight = Math.min(before + REINFORCEMENT_FACTOR * a, MAX_ZONE_WEIGHT);
      const added = existing.weight - before;
      if (input.tier !== undefined) existing.tiers.set(input.tier, (existing.tiers.get(input.tier) ?? 0) + added);
      else existing.untiered += added;
      existing.notionalUsd += input.usd;
      existing.lastReinforcedAt = now;
      existing.reinforcementCount++;
      existing.state = 'reinforced';
      if (existing.source !== input.source) existing.source = 'combined';
      this.counters.reinforced++;
      return undefined;
    }
    if (a < MIN_ZONE_WEIGHT) {
      this.counters.inputsBelowMinimum++;
      return undefined;
    }
    const weight = Math.min(a, MAX_ZONE_WEIGHT);
    const zone: Zone = {
      side: input.side,
      bucketIndex: index,
      price: bucketPrice(index, this.step, this.decimals),
      weight,
      notionalUsd: input.usd,
      createdAt: now,
      lastReinforcedAt: now,
      reinforcementCount: 0,
      source: input.source,
      state: 'created',
      tiers: new Map(input.tier !== undefined ? [[input.tier, weight]] : []),
      untiered: input.tier === undefined ? weight : 0,
    };
    this.zones[input.side].set(index, zone);
    this.counters.created++;
    return this.event('zone_created', zone, now);
  }

  /** Per-minute decay (×`factor`) and expiry; `price` is the current price (undefined: only the weight rule). */
  decayAndExpire(now: number, price: number | undefined, factor = ZONE_DECAY_PER_MINUTE): ZoneEvent[] {
    const events: ZoneEvent[] = [];
    const ageLimit = MAX_ZONE_AGE_MINUTES * 60_000;
    for (const side of ['long', 'short'] as const) {
      for (const [index, z] of this.zones[side]) {
        scaleZone(z, factor);
        let reason: 'weight' | 'age' | undefined;
        if (z.weight < MIN_ZONE_WEIGHT) reason = 'weight';
        else if (price !== undefined && now - z.lastReinforcedAt > ageLimit && Math.abs(z.price - price) / price >= EXPIRATION_PRICE_DIST_PCT) reason = 'age';
        if (reason) {
          this.zones[side].delete(index);
          this.counters.expired++;
          events.push({ ...this.event('zone_expired', z, now), reason });
        }
      }
    }
    return events;
  }

  /** Remove long zones the low reaches and short zones the high reaches. */
  sweep(high: number, low: number, now: number): ZoneEvent[] {
    const events: ZoneEvent[] = [];
    for (const side of ['long', 'short'] as const) {
      for (const [index, z] of this.zones[side]) {
        if (side === 'long' ? low <= z.price : high >= z.price) {
          this.zones[side].delete(index);
          this.counters.swept++;
          events.push(this.event('zone_swept', z, now));
        }
      }
    }
    return events;
  }

  /** Multiply every zone (an OI decrease: ×(1 − k)); zones fall out at the next decay when under the minimum. */
  scale(factor: number): void {
    for (const side of ['long', 'short'] as const) for (const z of this.zones[side].values()) scaleZone(z, factor);
  }

  /** Merge neighbours within CLUSTER_DISTANCE_PCT into the heavier (ties: the lower price); returns merges made. */
  mergeNearby(): number {
    let merges = 0;
    for (const side of ['long', 'short'] as const) {
      const map = this.zones[side];
      if (map.size < 2) continue;
      const sorted = [...map.values()].sort((x, y) => x.bucketIndex - y.bucketIndex);
      let survivor = sorted[0]!;
      for (let i = 1; i < sorted.length; i++) {
        const z = sorted[i]!;
        if (!withinCluster(survivor.price, z.price)) {
          survivor = z;
          continue;
        }
        const [keep, drop] = z.weight > survivor.weight ? [z, survivor] : [survivor, z];
        absorb(keep, drop);
        map.delete(drop.bucketIndex);
        survivor = keep;
        merges++;
      }
      if (map.size > MAX_ZONES_PER_SIDE) this.evict(side, map.size - MAX_ZONES_PER_SIDE);
    }
    this.counters.merged += merges;
    return merges;
  }

  /** Forget every zone and total (restored state found to belong to another run). */
  clear(): void {
    this.zones.long.clear();
    this.zones.short.clear();
    for (const key of Object.keys(this.counters) as (keyof ZoneCounters)[]) this.counters[key] = 0;
  }

  /** Decay catch-up after a restart: `minutes` of decay at once, then the weight rule. */
  catchUp(minutes: number, now: number): ZoneEvent[] {
    if (minutes <= 0) return [];
    return this.decayAndExpire(now, undefined, ZONE_DECAY_PER_MINUTE ** minutes);
  }

  /**
   * Active zones, filtered by side and leverage range, sorted by weight (descending).
   * `min_weight` is deliberately not a parameter (seed NEVER DO 13): filter after the call.
   */
  query(q: ZoneQuery = {}): ZoneView[] {
    const sides: Side[] = q.side === undefined ? ['long', 'short'] : q.side === 'long' || q.side === 'short' ? [q.side] : [];
    const filtered = q.minLeverage !== undefined || q.maxLeverage !== undefined;
    const min = q.minLeverage ?? -Infinity;
    const max = q.maxLeverage ?? Infinity;
    const out: Zone[] = [];
    for (const side of sides) {
      for (const z of this.zones[side].values()) {
        if (filtered) {
          let inRange = 0;
          for (const [tier, c] of z.tiers) if (tier >= min && tier <= max) inRange += c;
          if (inRange < LEVERAGE_FILTER_MIN_CONTRIBUTION) continue;
        }
        out.push(z);
      }
    }
    out.sort((a, b) => b.weight - a.weight || a.price - b.price);
    return out.map(toView);
  }

  summary(): ZoneSummary {
    let wl = 0;
    let ws = 0;
    for (const z of this.zones.long.values()) wl += z.weight;
    for (const z of this.zones.short.values()) ws += z.weight;
    return {
      active_zones_long: this.zones.long.size,
      active_zones_short: this.zones.short.size,
      total_weight_long: round(wl, 2),
      total_weight_short: round(ws, 2),
      zones_created_total: this.counters.created,
      zones_reinforced_total: this.counters.reinforced,
      zones_swept_total: this.counters.swept,
      zones_expired_total: this.counters.expired,
      zones_merged_total: this.counters.merged,
    };
  }

  count(side: Side): number {
    return this.zones[side].size;
  }

  /** The strongest `n` zones of a side whose price lies in [lo, hi]. */
  top(side: Side, n: number, lo: number, hi: number): ZoneView[] {
    const inBand = [...this.zones[side].values()].filter((z) => z.price >= lo && z.price <= hi);
    inBand.sort((a, b) => b.weight - a.weight || a.price - b.price);
    return inBand.slice(0, n).map(toView);
  }

  /** The persisted form (sorted by side, then price, so equal state gives equal bytes). */
  toFile(now: number): ZonesFile {
    const zones: ZoneRecord[] = [];
    for (const side of ['long', 'short'] as const) {
      const sorted = [...this.zones[side].values()].sort((a, b) => a.bucketIndex - b.bucketIndex);
      for (const z of sorted) {
        zones.push({
          price: z.price,
          side: z.side,
          weight: z.weight,
          created_at: z.createdAt / 1000,
          last_reinforced_at: z.lastReinforcedAt / 1000,
          reinforcement_count: z.reinforcementCount,
          source: z.source,
          tier_contributions: tiersObject(z, 12),
          state: z.state,
          untiered_contribution: z.untiered,
          tracked_notional_usd: round(z.notionalUsd, 2),
        });
      }
    }
    const c = this.counters;
    return {
      symbol: this.symbol,
      saved_at: now / 1000,
      zone_count: zones.length,
      zones,
      version: ZONES_FILE_VERSION,
      totals: { created: c.created, reinforced: c.reinforced, swept: c.swept, expired: c.expired, merged: c.merged, evicted: c.evicted },
    };
  }

  /**
   * Load a parsed zones file (ours or the PoC's shape). A file of another symbol is
   * ignored whole; malformed zones are skipped and counted; totals are restored.
   */
  restore(file: unknown): RestoreResult {
    if (typeof file !== 'object' || file === null) return { status: 'ignored', reason: 'not a JSON object', loaded: 0, skipped: 0 };
    const f = file as Record<string, unknown>;
    if (f.symbol !== this.symbol) {
      return { status: 'ignored', reason: `file is for symbol ${JSON.stringify(f.symbol)}, not ${this.symbol}`, loaded: 0, skipped: 0 };
    }
    if (!Array.isArray(f.zones)) return { status: 'ignored', reason: '"zones" is not an array', loaded: 0, skipped: 0 };
    let loaded = 0;
    let skipped = 0;
    for (const raw of f.zones) {
      const zone = this.parseZone(raw);
      if (!zone) {
        skipped++;
        continue;
      }
      const map = this.zones[zone.side];
      const existing = map.get(zone.bucketIndex);
      if (existing) absorb(existing, zone);
      else map.set(zone.bucketIndex, zone);
      loaded++;
    }
    const totals = f.totals as Partial<Record<keyof ZoneTotals, unknown>> | undefined;
    if (totals && typeof totals === 'object') {
      for (const key of ['created', 'reinforced', 'swept', 'expired', 'merged', 'evicted'] as const) {
        const v = totals[key];
        if (typeof v === 'number' && Number.isInteger(v) && v >= 0) this.counters[key] = v;
      }
    }
    this.counters.restored += loaded;
    this.counters.restoreSkipped += skipped;
    const savedAt = typeof f.saved_at === 'number' && Number.isFinite(f.saved_at) ? f.saved_at * 1000 : undefined;
    return { status: 'ok', loaded, skipped, ...(savedAt !== undefined ? { savedAt } : {}) };
  }

  private parseZone(raw: unknown): Zone | undefined {
    if (typeof raw !== 'object' || raw === null) return undefined;
    const z = raw as Record<string, unknown>;
    const { price, side, weight, created_at, last_reinforced_at, reinforcement_count, source } = z;
    if (typeof price !== 'number' || !(price > 0) || !Number.isFinite(price)) return undefined;
    if (side !== 'long' && side !== 'short') return undefined;
    if (typeof weight !== 'number' || !(weight > 0) || !Number.isFinite(weight)) return undefined;
    if (typeof created_at !== 'number' || !Number.isFinite(created_at)) return undefined;
    if (typeof last_reinforced_at !== 'number' || !Number.isFinite(last_reinforced_at)) return undefined;
    if (!ZONE_SOURCES.includes(source as ZoneSource)) return undefined;
    const count = typeof reinforcement_count === 'number' && Number.isInteger(reinforcement_count) && reinforcement_count >= 0 ? reinforcement_count : 0;
    const w = Math.min(weight, MAX_ZONE_WEIGHT);
    const tiers = new Map<number, number>();
    let tierSum = 0;
    if (typeof z.tier_contributions === 'object' && z.tier_contributions !== null) {
      for (const [k, v] of Object.entries(z.tier_contributions as Record<string, unknown>)) {
        const tier = Number(k);
        if (!Number.isFinite(tier) || typeof v !== 'number' || !Number.isFinite(v) || v < 0) return undefined;
        if (v > 0) {
          tiers.set(tier, v);
          tierSum += v;
        }
      }
    }
    let untiered = typeof z.untiered_contribution === 'number' && Number.isFinite(z.untiered_contribution) && z.untiered_contribution >= 0 ? z.untiered_contribution : undefined;
    // A PoC file has raw, never-decayed contributions and no tape share: rescale them to the weight.
    if (untiered === undefined) untiered = tierSum > 0 ? 0 : w;
    const total = tierSum + untiered;
    const k = total > 0 ? w / total : 0;
    for (const [tier, v] of tiers) tiers.set(tier, v * k);
    const index = bucketIndex(price, this.step);
    const tracked = typeof z.tracked_notional_usd === 'number' && Number.isFinite(z.tracked_notional_usd) ? z.tracked_notional_usd : w * ZONE_WEIGHT_SCALE_USD;
    return {
      side,
      bucketIndex: index,
      price: bucketPrice(index, this.step, this.decimals),
      weight: w,
      notionalUsd: tracked,
      createdAt: created_at * 1000,
      lastReinforcedAt: last_reinforced_at * 1000,
      reinforcementCount: count,
      source: source as ZoneSource,
      state: z.state === 'reinforced' || count > 0 ? 'reinforced' : 'created',
      tiers,
      untiered: untiered * k,
    };
  }

  private nearest(side: Side, index: number): Zone | undefined {
    const map = this.zones[side];
    const exact = map.get(index);
    if (exact) return exact;
    const price = bucketPrice(index, this.step, this.decimals);
    const reach = Math.floor((price * CLUSTER_DISTANCE_PCT) / this.step);
    for (let d = 1; d <= reach; d++) {
      for (const candidate of [index - d, index + d]) {
        const z = map.get(candidate);
        if (z && withinCluster(z.price, price)) return z;
      }
    }
    return undefined;
  }

  private evict(side: Side, n: number): void {
    const map = this.zones[side];
    const weakest = [...map.values()].sort((a, b) => a.weight - b.weight || a.bucketIndex - b.bucketIndex).slice(0, n);
    for (const z of weakest) map.delete(z.bucketIndex);
    this.counters.evicted += weakest.length;
  }

  private event(type: ZoneEventType, z: Zone, now: number): ZoneEvent {
    return {
      type,
      ts: now,
      side: z.side,
      price: z.price,
      weight: round(z.weight, 4),
      source: z.source,
      reinforcement_count: z.reinforcementCount,
      lifespan_min: Math.round((now - z.createdAt) / 60_000),
    };
  }
}

function withinCluster(p1: number, p2: number): boolean {
  return Math.abs(p1 - p2) / ((p1 + p2) / 2) <= CLUSTER_DISTANCE_PCT + 1e-12;
}

function scaleZone(z: Zone, factor: number): void {
  z.weight *= factor;
  z.notionalUsd *= factor;
  z.untiered *= factor;
  for (const [tier, c] of z.tiers) z.tiers.set(tier, c * factor);
}

/** Fold `drop` into `keep`: weights add up to the cap, shares scaled so they still sum to the weight. */
function absorb(keep: Zone, drop: Zone): void {
  const sum = keep.weight + drop.weight;
  const weight = Math.min(sum, MAX_ZONE_WEIGHT);
  const k = sum > 0 ? weight / sum : 0;
  for (const [tier, c] of drop.tiers) keep.tiers.set(tier, (keep.tiers.get(tier) ?? 0) + c);
  for (const [tier, c] of keep.tiers) keep.tiers.set(tier, c * k);
  keep.untiered = (keep.untiered + drop.untiered) * k;
  keep.weight = weight;
  keep.notionalUsd += drop.notionalUsd;
  keep.createdAt = Math.min(keep.createdAt, drop.createdAt);
  keep.lastReinforcedAt = Math.max(keep.lastReinforcedAt, drop.lastReinforcedAt);
  if (keep.source !== drop.source) keep.source = 'combined';
}

function tiersObject(z: Zone, decimals: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const tier of [...z.tiers.keys()].sort((a, b) => a - b)) out[String(tier)] = round(z.tiers.get(tier)!, decimals);
  return out;
}

function toView(z: Zone): ZoneView {
  return {
    price: z.price,
    side: z.side,
    weight: round(z.weight, 4),
    created_at: Math.round(z.createdAt),
    last_reinforced_at: Math.round(z.lastReinforcedAt),
    reinforcement_count: z.reinforcementCount,
    source: z.source,
    tier_contributions: tiersObject(z, 4),
    state: z.state,
    tracked_notional_usd: round(z.notionalUsd, 2),
  };
}
