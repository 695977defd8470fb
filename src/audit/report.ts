/**
 * The audit of one symbol, computed from what the calibrator log, the heatmap history
 * ring and the state files hold (src/audit/audit.ts reads them). Pure: the same inputs
 * give the same report, so it can be diffed between runs.
 */

import type { Side } from '../events.js';
import { DISABLED_TIERS } from '../engines/leverage-config.js';
import { hitRateGrid, indexLevels, type HitRateResult } from './hit-rate.js';
import type { ApproachRecord, CalibrationRecord, LiquidationRecord, MinuteRecord, ZoneRecordLine } from './records.js';
import { ascending, quantile } from './stats.js';
import { scoreTopQuarter, type PoolSnapshot, type TopQuarterResult, type TopQuarterOptions } from './top-quarter.js';

/** A swept zone had liquidations "nearby" when one of its side triggered within this distance of it … */
export const ZONE_NEARBY_PCT = 0.0025;
/** … from the start of the minute that swept it to the end of the next. */
export const ZONE_NEARBY_BEFORE_MS = 60_000;
export const ZONE_NEARBY_AFTER_MS = 60_000;

export interface SkippedLine {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}

export interface LogStats {
  readonly files: readonly string[];
  readonly lines: number;
  readonly byType: Readonly<Record<string, number>>;
  readonly skipped: number;
  /** The first skipped lines (at most 10). */
  readonly skippedSamples: readonly SkippedLine[];
}

export interface AuditInput {
  readonly symbol: string;
  readonly log: LogStats;
  readonly events: readonly LiquidationRecord[];
  readonly minutes: readonly MinuteRecord[];
  readonly approaches: readonly ApproachRecord[];
  readonly calibrations: readonly CalibrationRecord[];
  readonly zoneLines: readonly ZoneRecordLine[];
  /** V2 ring records with their pools, or null when there is no ring. */
  readonly snapshots: readonly PoolSnapshot[] | null;
  readonly historyFile: string | null;
  /** Parsed state files (null when absent). */
  readonly zonesFile: unknown;
  readonly weightsFile: unknown;
  readonly warnings: readonly string[];
  /** Only events (and approaches, calibrations, zone lines) at or after this time, epoch ms. */
  readonly since?: number;
  readonly topQuarter?: TopQuarterOptions;
}

export interface TierRow {
  readonly tier: number;
  readonly disabled: boolean;
  readonly weightStart: number | null;
  readonly weightEnd: number | null;
  /** Approach episodes that ended (calibrator `approach` lines), with at least one liquidation (hits). */
  readonly approached: number;
  readonly approachHits: number;
  readonly approachHitRate: number | null;
  /** Episodes in which the range crossed the level. */
  readonly reached: number;
  /** Liquidations attributed to the tier from the inventory (not fallback, not price-insane). */
  readonly attributed: number;
  readonly calibratorHits: number;
  /** |trigger − attributed level|, as a fraction of price and in USD. */
  readonly missPctMedian: number | null;
  readonly missPctP90: number | null;
  readonly missUsdMedian: number | null;
  readonly missUsdP90: number | null;
}

export interface CalibrationRow {
  readonly ts: number;
  readonly count: number;
  readonly events: number;
  readonly attributed: number;
  readonly hitRate: number | null;
  readonly applied: boolean;
  readonly reason: string;
  readonly weights: Readonly<Record<string, number>>;
  readonly biasLong: number;
  readonly biasShort: number;
  readonly biasSamplesLong: number;
  readonly biasSamplesShort: number;
  readonly buffer: number;
  readonly tolerance: number;
}

export interface SideTally {
  count: number;
  notional: number;
}

export interface BySource {
  total: number;
  tape: number;
  inference: number;
  combined: number;
  other: number;
}

export interface ZoneOutcomes {
  readonly created: BySource;
  readonly sweptWithLiquidations: BySource;
  readonly sweptWithoutLiquidations: BySource;
  readonly expiredWeight: BySource;
  readonly expiredAge: BySource;
  readonly evicted: BySource;
  /** Zones alive in the zones file (at its save), or null without one. */
  readonly activeNow: BySource | null;
  /** Reinforcements over the zones' whole life (zones file `totals`; not filtered by --since). */
  readonly reinforcementsLifetime: number | null;
  readonly nearbyPct: number;
}

export interface CalibratorSummary {
  readonly events: number;
  readonly fromMark: number;
  readonly fallback: number;
  /** Attributed from the inventory (not fallback). */
  readonly attributed: number;
  readonly hits: number;
  readonly attributedHits: number;
  readonly priceInsane: number;
  readonly tierDisabled: number;
}

export interface AuditSymbolReport {
  readonly symbol: string;
  readonly since: number | null;
  readonly files: { readonly logs: readonly string[]; readonly history: string | null };
  readonly log: LogStats & { readonly minutesWithoutLevels: number };
  readonly span: { readonly firstEvent: number | null; readonly lastEvent: number | null; readonly minutes: number; readonly firstMinute: number | null; readonly lastMinute: number | null };
  readonly liquidations: { readonly total: number; readonly priceInsane: number; readonly notional: number };
  /** At the trigger price (mark at the event, else the venue's price): the headline. */
  readonly hitRate: HitRateResult;
  /** At the venue's published price (the PoC's choice). */
  readonly hitRateAtEventPrice: HitRateResult;
  readonly topQuarter: TopQuarterResult | null;
  readonly tiers: readonly TierRow[];
  readonly disabledTiers: readonly number[];
  readonly calibrations: readonly CalibrationRow[];
  readonly weightsStart: Readonly<Record<string, number>> | null;
  readonly weightsEnd: Readonly<Record<string, number>> | null;
  readonly calibrator: CalibratorSummary;
  readonly venues: Readonly<Record<string, { readonly long: SideTally; readonly short: SideTally }>>;
  readonly zones: ZoneOutcomes;
  readonly warnings: readonly string[];
}

export function buildSymbolAudit(input: AuditInput): AuditSymbolReport {
  const since = input.since;
  const after = <T extends { ts: number }>(list: readonly T[]) => (since === undefined ? list : list.filter((x) => x.ts >= since));
  const events = after(input.events);
  const approaches = after(input.approaches);
  const calibrations = after(input.calibrations);
  const zoneLines = after(input.zoneLines);
  const index = indexLevels(input.minutes);
  const hitRate = hitRateGrid(events, index, 'trigger');
  const hitRateAtEventPrice = hitRateGrid(events, index, 'event');
  const topQuarter = input.snapshots ? scoreTopQuarter(events, input.snapshots, { price: 'trigger', ...input.topQuarter }) : null;
  const weights = weightsFileOf(input.weightsFile);
  const disabledTiers = weights?.disabled ?? [...DISABLED_TIERS].sort((a, b) => a - b);
  const calibrationRows = calibrations.map(calibrationRow);
  const weightsStart = calibrations[0]?.weightsBefore ?? null;
  const weightsEnd = calibrations.at(-1)?.weightsAfter ?? weights?.byTier ?? null;
  const minuteTimes = input.minutes.map((m) => m.key * 60_000);
  return {
    symbol: input.symbol,
    since: since ?? null,
    files: { logs: input.log.files, history: input.historyFile },
    log: { ...input.log, minutesWithoutLevels: input.minutes.filter((m) => !m.hasLevels).length },
    span: {
      firstEvent: events[0]?.ts ?? null,
      lastEvent: events.at(-1)?.ts ?? null,
      minutes: input.minutes.length,
      firstMinute: minuteTimes.length > 0 ? Math.min(...minuteTimes) : null,
      lastMinute: minuteTimes.length > 0 ? Math.max(...minuteTimes) : null,
    },
    liquidations: { total: events.length, priceInsane: events.filter((e) => e.priceInsane).length, notional: events.reduce((s, e) => s + e.notional, 0) },
    hitRate,
    hitRateAtEventPrice,
    topQuarter,
    tiers: tierRows(events, approaches, weightsStart, weightsEnd, weights?.ladder, disabledTiers),
    disabledTiers,
    calibrations: calibrationRows,
    weightsStart,
    weightsEnd,
    calibrator: calibratorSummary(events),
    venues: venueTallies(events),
    zones: zoneOutcomes(zoneLines, events, input.zonesFile),
    warnings: input.warnings,
  };
}

function weightsFileOf(parsed: unknown): { ladder: number[]; disabled: number[]; byTier: Record<string, number> } | undefined {
  if (parsed === null || typeof parsed !== 'object') return undefined;
  const f = parsed as { ladder?: unknown; weights?: unknown; disabled_tiers?: unknown };
  if (!Array.isArray(f.ladder) || !Array.isArray(f.weights) || f.ladder.length !== f.weights.length) return undefined;
  const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  if (!f.ladder.every(isNum) || !f.weights.every(isNum)) return undefined;
  const ladder = f.ladder;
  const weights = f.weights;
  const byTier: Record<string, number> = {};
  ladder.forEach((t, i) => (byTier[String(t)] = weights[i]!));
  const disabled = Array.isArray(f.disabled_tiers) ? f.disabled_tiers.filter((t): t is number => typeof t === 'number') : undefined;
  return { ladder, disabled: disabled ?? [...DISABLED_TIERS], byTier };
}

function calibrationRow(c: CalibrationRecord): CalibrationRow {
  return {
    ts: c.ts,
    count: c.count,
    events: c.eventsTotal,
    attributed: c.attributed,
    hitRate: c.hitRate,
    applied: c.weightsApplied,
    reason: c.weightsReason,
    weights: c.weightsAfter,
    biasLong: c.biasLongAfter,
    biasShort: c.biasShortAfter,
    biasSamplesLong: c.biasSamplesLong,
    biasSamplesShort: c.biasSamplesShort,
    buffer: c.bufferAfter,
    tolerance: c.toleranceAfter,
  };
}

function tierRows(
  events: readonly LiquidationRecord[],
  approaches: readonly ApproachRecord[],
  start: Readonly<Record<string, number>> | null,
  end: Readonly<Record<string, number>> | null,
  ladder: readonly number[] | undefined,
  disabled: readonly number[],
): TierRow[] {
  const tiers = new Set<number>(ladder ?? []);
  for (const k of Object.keys(end ?? {})) tiers.add(Number(k));
  for (const k of Object.keys(start ?? {})) tiers.add(Number(k));
  for (const a of approaches) tiers.add(a.tier);
  for (const e of events) if (e.attributedTier !== null) tiers.add(e.attributedTier);
  return [...tiers]
    .filter((t) => Number.isFinite(t))
    .sort((a, b) => a - b)
    .map((tier) => {
      const mine = approaches.filter((a) => a.tier === tier);
      const hits = mine.filter((a) => a.hit).length;
      const attributed = events.filter((e) => e.attributedTier === tier && !e.fallback && !e.priceInsane);
      const pcts = ascending(attributed.filter((e) => e.missPct !== null).map((e) => Math.abs(e.missPct!)));
      const usds = ascending(attributed.filter((e) => e.missUsd !== null).map((e) => Math.abs(e.missUsd!)));
      return {
        tier,
        disabled: disabled.includes(tier),
        weightStart: start?.[String(tier)] ?? null,
        weightEnd: end?.[String(tier)] ?? null,
        approached: mine.length,
        approachHits: hits,
        approachHitRate: mine.length > 0 ? hits / mine.length : null,
        reached: mine.filter((a) => a.reached).length,
        attributed: attributed.length,
        calibratorHits: attributed.filter((e) => e.isHit).length,
        missPctMedian: quantile(pcts, 0.5),
        missPctP90: quantile(pcts, 0.9),
        missUsdMedian: quantile(usds, 0.5),
        missUsdP90: quantile(usds, 0.9),
      };
    });
}

function calibratorSummary(events: readonly LiquidationRecord[]): CalibratorSummary {
  const attributed = events.filter((e) => !e.fallback);
  return {
    events: events.length,
    fromMark: events.filter((e) => e.fromMark).length,
    fallback: events.length - attributed.length,
    attributed: attributed.length,
    hits: events.filter((e) => e.isHit).length,
    attributedHits: attributed.filter((e) => e.isHit).length,
    priceInsane: events.filter((e) => e.priceInsane).length,
    tierDisabled: events.filter((e) => e.tierDisabled).length,
  };
}

function venueTallies(events: readonly LiquidationRecord[]): Record<string, { long: SideTally; short: SideTally }> {
  const out: Record<string, { long: SideTally; short: SideTally }> = {};
  for (const e of events) {
    const v = (out[e.venue] ??= { long: { count: 0, notional: 0 }, short: { count: 0, notional: 0 } });
    v[e.side].count++;
    v[e.side].notional += e.notional;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function bySource(): BySource {
  return { total: 0, tape: 0, inference: 0, combined: 0, other: 0 };
}

function count(into: BySource, source: string): void {
  into.total++;
  if (source === 'tape' || source === 'inference' || source === 'combined') into[source]++;
  else into.other++;
}

function zoneOutcomes(lines: readonly ZoneRecordLine[], events: readonly LiquidationRecord[], zonesFile: unknown): ZoneOutcomes {
  const out = {
    created: bySource(),
    sweptWithLiquidations: bySource(),
    sweptWithoutLiquidations: bySource(),
    expiredWeight: bySource(),
    expiredAge: bySource(),
    evicted: bySource(),
  };
  const bySide: Record<Side, LiquidationRecord[]> = { long: [], short: [] };
  for (const e of events) if (!e.priceInsane) bySide[e.side].push(e);
  for (const z of lines) {
    switch (z.type) {
      case 'zone_created':
        count(out.created, z.source);
        break;
      case 'zone_swept': {
        const nearby = bySide[z.side].some(
          (e) => e.ts >= z.ts - ZONE_NEARBY_BEFORE_MS && e.ts < z.ts + ZONE_NEARBY_AFTER_MS && Math.abs(e.triggerPrice - z.price) / z.price <= ZONE_NEARBY_PCT,
        );
        count(nearby ? out.sweptWithLiquidations : out.sweptWithoutLiquidations, z.source);
        break;
      }
      case 'zone_expired':
        count(z.reason === 'age' ? out.expiredAge : out.expiredWeight, z.source);
        break;
      case 'zone_evicted':
        count(out.evicted, z.source);
        break;
    }
  }
  let activeNow: BySource | null = null;
  let reinforcements: number | null = null;
  if (zonesFile !== null && typeof zonesFile === 'object') {
    const f = zonesFile as { zones?: unknown; totals?: { reinforced?: unknown } };
    if (Array.isArray(f.zones)) {
      activeNow = bySource();
      for (const z of f.zones) count(activeNow, typeof (z as { source?: unknown })?.source === 'string' ? (z as { source: string }).source : '?');
    }
    if (typeof f.totals?.reinforced === 'number') reinforcements = f.totals.reinforced;
  }
  return { ...out, activeNow, reinforcementsLifetime: reinforcements, nearbyPct: ZONE_NEARBY_PCT };
}
