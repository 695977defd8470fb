/**
 * The calibrator log's lines as the audit reads them (`logs/calibrator-{SYM}.jsonl`,
 * written by the calibrator — `event`, `approach`, `calibration` — and by the engine —
 * `minute`, `sweep`, `zone_*`), checked field by field. A line the audit cannot use is
 * counted with its reason, never fatal: logs outlive versions, and the PoC's contain
 * `Infinity`/`NaN` tokens no JSON parser accepts.
 */

import type { Side } from '../events.js';

export interface LiquidationRecord {
  readonly ts: number;
  /** ⌊ts / 60 000⌋. */
  readonly minute: number;
  readonly venue: string;
  readonly side: Side;
  /** The venue's published price (its liquidation order's price). */
  readonly eventPrice: number;
  /** The mark at the event when known within 2 s, else the event price: where the level was crossed. */
  readonly triggerPrice: number;
  readonly notional: number;
  readonly priceInsane: boolean;
  readonly fallback: boolean;
  readonly tierDisabled: boolean;
  readonly attributedTier: number | null;
  readonly isHit: boolean;
  readonly missUsd: number | null;
  readonly missPct: number | null;
  readonly fromMark: boolean;
}

/** A level a minute created: its side and price (tier for projections). */
export interface LevelRecord {
  readonly side: Side;
  readonly price: number;
  readonly usd: number;
  /** Leverage tier of a projection level; undefined for the tape. */
  readonly tier?: number;
}

export interface MinuteRecord {
  /** `minute_key`: ⌊valid-from / 60 000⌋, the minute the snapshot is valid from. */
  readonly key: number;
  readonly close: number;
  /** Projection levels placed at this rollover (valid from minute `key`). */
  readonly projection: readonly LevelRecord[];
  /** Tape buckets of the liquidations of the closed minute (`key − 1`). */
  readonly tape: readonly LevelRecord[];
  /** False for minute lines written before the engine logged levels. */
  readonly hasLevels: boolean;
}

export interface ApproachRecord {
  readonly ts: number;
  readonly side: Side;
  readonly tier: number;
  readonly hit: boolean;
  readonly reached: boolean;
  readonly liquidations: number;
  readonly closestPct: number;
}

export interface CalibrationRecord {
  readonly ts: number;
  readonly count: number;
  readonly eventsTotal: number;
  readonly attributed: number;
  readonly hits: number;
  readonly hitRate: number | null;
  readonly weightsBefore: Readonly<Record<string, number>>;
  readonly weightsAfter: Readonly<Record<string, number>>;
  readonly weightsApplied: boolean;
  readonly weightsReason: string;
  readonly biasLongBefore: number;
  readonly biasLongAfter: number;
  readonly biasShortBefore: number;
  readonly biasShortAfter: number;
  readonly biasSamplesLong: number;
  readonly biasSamplesShort: number;
  readonly bufferBefore: number;
  readonly bufferAfter: number;
  readonly toleranceAfter: number;
}

export type ZoneOutcome = 'zone_created' | 'zone_swept' | 'zone_expired' | 'zone_evicted';

export interface ZoneRecordLine {
  readonly type: ZoneOutcome;
  readonly ts: number;
  readonly side: Side;
  readonly price: number;
  readonly source: string;
  readonly reason: string | null;
}

export type ParsedLine =
  | { readonly kind: 'event'; readonly record: LiquidationRecord }
  | { readonly kind: 'minute'; readonly record: MinuteRecord }
  | { readonly kind: 'approach'; readonly record: ApproachRecord }
  | { readonly kind: 'calibration'; readonly record: CalibrationRecord }
  | { readonly kind: 'zone'; readonly record: ZoneRecordLine }
  /** A known line type the audit does not score (sweep, weights_restore, …). */
  | { readonly kind: 'other'; readonly type: string }
  | { readonly kind: 'skip'; readonly reason: string };

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isSide = (v: unknown): v is Side => v === 'long' || v === 'short';
const numOr = (v: unknown, fallback: number): number => (isNum(v) ? v : fallback);
const numOrNull = (v: unknown): number | null => (isNum(v) ? v : null);

/** Parse one log line; never throws. */
export function parseLogLine(text: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const token = /\b(?:-?Infinity|NaN)\b/.exec(text);
    return { kind: 'skip', reason: token ? `not JSON (non-standard token ${token[0]})` : `not JSON (${(error as Error).message})` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { kind: 'skip', reason: 'not a JSON object' };
  return parseLogRecord(value as Record<string, unknown>);
}

export function parseLogRecord(r: Record<string, unknown>): ParsedLine {
  const type = r.type;
  if (typeof type !== 'string') return { kind: 'skip', reason: 'no "type"' };
  switch (type) {
    case 'event':
      return parseEvent(r);
    case 'minute':
      return parseMinute(r);
    case 'approach':
      return parseApproach(r);
    case 'calibration':
      return parseCalibration(r);
    case 'zone_created':
    case 'zone_swept':
    case 'zone_expired':
    case 'zone_evicted':
      if (!isNum(r.ts) || !isSide(r.side) || !isNum(r.price)) return { kind: 'skip', reason: `${type} line without ts, side or price` };
      return { kind: 'zone', record: { type, ts: r.ts, side: r.side, price: r.price, source: typeof r.source === 'string' ? r.source : '?', reason: typeof r.reason === 'string' ? r.reason : null } };
    default:
      return { kind: 'other', type };
  }
}

function parseEvent(r: Record<string, unknown>): ParsedLine {
  if (!isNum(r.ts) || !isSide(r.side) || !isNum(r.event_price) || !isNum(r.notional)) return { kind: 'skip', reason: 'event line without ts, side, event_price or notional' };
  const trigger = isNum(r.trigger_price) ? r.trigger_price : r.event_price;
  return {
    kind: 'event',
    record: {
      ts: r.ts,
      minute: Math.floor(r.ts / 60_000),
      venue: typeof r.venue === 'string' ? r.venue : 'unknown',
      side: r.side,
      eventPrice: r.event_price,
      triggerPrice: trigger,
      notional: r.notional,
      priceInsane: r.price_insane === true,
      fallback: r.fallback === true,
      tierDisabled: r.tier_disabled === true,
      attributedTier: numOrNull(r.attributed_tier),
      isHit: r.is_hit === true,
      missUsd: numOrNull(r.miss_usd),
      missPct: numOrNull(r.miss_pct),
      fromMark: r.trigger_source === 'mark',
    },
  };
}

function parseMinute(r: Record<string, unknown>): ParsedLine {
  if (!isNum(r.minute_key)) return { kind: 'skip', reason: 'minute line without minute_key' };
  const hasLevels = Array.isArray(r.proj_added) && Array.isArray(r.tape_added);
  const projection: LevelRecord[] = [];
  const tape: LevelRecord[] = [];
  if (hasLevels) {
    for (const p of r.proj_added as unknown[]) {
      if (!Array.isArray(p) || !isSide(p[0]) || !isNum(p[1]) || !isNum(p[2]) || !isNum(p[3])) return { kind: 'skip', reason: 'minute line with a malformed proj_added entry' };
      projection.push({ side: p[0], tier: p[1], price: p[2], usd: p[3] });
    }
    for (const t of r.tape_added as unknown[]) {
      if (!Array.isArray(t) || !isSide(t[0]) || !isNum(t[1]) || !isNum(t[2])) return { kind: 'skip', reason: 'minute line with a malformed tape_added entry' };
      tape.push({ side: t[0], price: t[1], usd: t[2] });
    }
  }
  return { kind: 'minute', record: { key: r.minute_key, close: numOr(r.close, NaN), projection, tape, hasLevels } };
}

function parseApproach(r: Record<string, unknown>): ParsedLine {
  if (!isNum(r.ts) || !isSide(r.side) || !isNum(r.tier) || typeof r.hit !== 'boolean') return { kind: 'skip', reason: 'approach line without ts, side, tier or hit' };
  return {
    kind: 'approach',
    record: { ts: r.ts, side: r.side, tier: r.tier, hit: r.hit, reached: r.reached === true, liquidations: numOr(r.liquidations, 0), closestPct: numOr(r.closest_pct, NaN) },
  };
}

function parseCalibration(r: Record<string, unknown>): ParsedLine {
  const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const weights = (v: unknown): Record<string, number> | undefined => {
    const o = obj(v);
    const out: Record<string, number> = {};
    for (const [k, w] of Object.entries(o)) {
      if (!isNum(w)) return undefined;
      out[k] = w;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  };
  const before = weights(r.weights_before);
  const after = weights(r.weights_after);
  if (!isNum(r.ts) || !before || !after) return { kind: 'skip', reason: 'calibration line without ts or weights' };
  const events = obj(r.events);
  const bias = obj(r.bias);
  const long = obj(bias.long);
  const short = obj(bias.short);
  const buffer = obj(r.buffer);
  const tolerance = obj(r.tolerance);
  const w = obj(r.weights);
  return {
    kind: 'calibration',
    record: {
      ts: r.ts,
      count: numOr(r.calibration_count, 0),
      eventsTotal: numOr(events.total, 0),
      attributed: numOr(events.attributed, 0),
      hits: numOr(events.hits, 0),
      hitRate: numOrNull(r.hit_rate),
      weightsBefore: before,
      weightsAfter: after,
      weightsApplied: w.applied === true,
      weightsReason: typeof w.reason === 'string' ? w.reason : '',
      biasLongBefore: numOr(long.before, 0),
      biasLongAfter: numOr(long.after, 0),
      biasShortBefore: numOr(short.before, 0),
      biasShortAfter: numOr(short.after, 0),
      biasSamplesLong: numOr(long.samples, 0),
      biasSamplesShort: numOr(short.samples, 0),
      bufferBefore: numOr(buffer.before, NaN),
      bufferAfter: numOr(buffer.after, NaN),
      toleranceAfter: numOr(tolerance.after, NaN),
    },
  };
}
