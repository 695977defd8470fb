/**
 * `weights/{SYM}.json` (DESIGN.md section 5): the PoC's schema (POC-FACTS 2.1) as a
 * subset of ours, at a higher `schema_version`, plus the learning state a restart needs
 * to continue exactly where the last calibration left off.
 *
 * Loading validates and migrates (seed "NEVER DO" 7):
 * - version 3 (ours): adopted as saved; a different ladder is re-mapped and the learning
 *   state dropped;
 * - versions 1–2 (the PoC's `liq_calibrator_weights_{SYM}.json`, or a file without a
 *   version): the ladder is re-mapped onto ours by linear interpolation of the weights in
 *   1/L space, clamped at the ends, the source's disabled tiers left out, our disabled
 *   tiers zeroed and the rest renormalized. Its `buffer` and biases are NOT adopted: the
 *   PoC's buffer had the opposite sign (`E·(1 − (1/L + b))`, POC-FACTS 3.5) and its
 *   biases were measured against the nearest-tier artefact (5.1 item 3), so they restart
 *   at the defaults; the tolerance loads as HIT_BUCKET_TOLERANCE, as the seed's loader did;
 * - a newer version, another symbol, or malformed content: ignored, with a reason.
 * A file that is not JSON at all never reaches here: the store moves it aside.
 */

import type { LeverageConfig } from '../leverage-config.js';
import { leverageConfigFor } from '../leverage-config.js';
import { round } from '../num.js';
import type { MixEvidenceJson } from './mix-estimator.js';
import { BIAS_CAP, BUFFER_MAX, BUFFER_MIN, HIT_BUCKET_TOLERANCE, HIT_TOLERANCE_MAX, HIT_TOLERANCE_MIN, MINUTE_CACHE_SIZE, WEIGHTS_SCHEMA_VERSION, WINDOW_MINUTES } from './constants.js';

/** The learning state carried across restarts (full precision). */
export interface LearningStateJson {
  /** The weights, unrounded (the file's `weights` are rounded to 6 dp, as the PoC's). */
  readonly weights: number[];
  /** Buffer and biases, unrounded (the file's `bias_pct_*` are rounded to 6 dp, as the PoC's). */
  readonly buffer: number;
  readonly bias_long: number;
  readonly bias_short: number;
  readonly vol_ewma: number;
  readonly last_close: number | null;
  /** Start of the current calibration window, epoch ms. */
  readonly window_start_ms: number | null;
  /** Responsibility per tier and events not yet used by a weight update (carried while a window has too few). */
  readonly pending_responsibility: number[];
  readonly pending_events: number;
  /** Hits per side not yet used by a bias update: count and Σ (trigger − level)/level. */
  readonly bias_samples: { readonly long: { readonly n: number; readonly sum: number }; readonly short: { readonly n: number; readonly sum: number } };
  /** Miss distances (buckets) not yet used by a tolerance update. */
  readonly tolerance_samples: number[];
  /** Maintenance margins implied by liquidations (trigger vs order price), not yet used by a buffer update. Absent in files written before it existed. */
  readonly buffer_samples?: number[];
  /** The mix estimator's evidence (mix-estimator.ts `MixEvidenceJson`); absent in files written before it existed. */
  readonly mix_evidence?: MixEvidenceJson;
  /** The fallback's minute cache: [minute start ms, OHLC4], oldest first. */
  readonly minute_cache: [number, number][];
  /** The open window's statistics (a save between calibrations, at shutdown); absent in files written before it existed. */
  readonly window?: WindowStatsJson;
}

/** The open calibration window's statistics: counts, and per tier (aligned with the ladder) sums. */
export interface WindowStatsJson {
  readonly events: number;
  readonly learning: number;
  readonly attributed: number;
  readonly fallback: number;
  readonly price_insane: number;
  readonly tier_disabled: number;
  readonly late: number;
  readonly from_mark: number;
  readonly hits: number;
  readonly misses: number;
  readonly responsibility: number[];
  readonly hit_credit: number[];
  readonly exposure_usd: number[];
  readonly exposure_unit_usd: number[];
  readonly observed_usd: number[];
  readonly attributed_count: number[];
  readonly approached: number[];
  readonly approach_hits: number[];
}

const WINDOW_COUNTS = ['events', 'learning', 'attributed', 'fallback', 'price_insane', 'tier_disabled', 'late', 'from_mark', 'hits', 'misses'] as const;
const WINDOW_PER_TIER = ['responsibility', 'hit_credit', 'exposure_usd', 'exposure_unit_usd', 'observed_usd', 'attributed_count', 'approached', 'approach_hits'] as const;

export interface WeightsFile {
  readonly schema_version: number;
  readonly symbol: string;
  readonly ladder: number[];
  /** Aligned with `ladder`, 6 dp; disabled tiers 0. */
  readonly weights: number[];
  /** Maintenance buffer `m` of `E·(1 − 1/L + m)` (ours; not the PoC's sign). */
  readonly buffer: number;
  /** Hit tolerance, buckets. */
  readonly tolerance: number;
  /** Legacy USD offsets (seed: deprecated but active): the biases in USD at the last calibration's close, clamped to ±min(0.5 % of price, 2000 USD). Not used by projections. */
  readonly long_offset_usd: number;
  readonly short_offset_usd: number;
  readonly bias_pct_long: number;
  readonly bias_pct_short: number;
  readonly calibration_count: number;
  /** Event time of the save, ISO 8601 UTC (the PoC wrote naive local time). */
  readonly saved_at: string;
  readonly weights_by_leverage: Record<string, number>;
  // ─── ours ───
  /** Event time of the save, epoch ms. Null only in an older (PoC) file as inspected, when its `saved_at` is not a readable time. */
  readonly saved_at_ms: number | null;
  readonly disabled_tiers: number[];
  readonly window_minutes: number;
  /** The schema version this state was migrated from, when it was (null otherwise). */
  readonly migrated_from: number | null;
  readonly state?: LearningStateJson;
}

/** What a calibrator adopts from a saved file. */
export interface RestoredWeights {
  readonly fromVersion: number;
  readonly migrated: boolean;
  /** Aligned with our ladder, disabled tiers 0, enabled summing to 1. */
  readonly weights: number[];
  readonly buffer: number | undefined;
  readonly biasLong: number;
  readonly biasShort: number;
  readonly tolerance: number;
  readonly calibrationCount: number;
  readonly longOffsetUsd: number;
  readonly shortOffsetUsd: number;
  /** Present for a version-3 file of the same ladder with a valid state. */
  readonly state: LearningStateJson | undefined;
  readonly notes: string[];
}

export type RestoreResult =
  | { readonly status: 'absent' }
  | { readonly status: 'ignored'; readonly reason: string }
  | { readonly status: 'loaded'; readonly restored: RestoredWeights };

export function restoreWeights(saved: unknown, leverage: LeverageConfig): RestoreResult {
  if (saved === undefined || saved === null) return { status: 'absent' };
  if (typeof saved !== 'object' || Array.isArray(saved)) return { status: 'ignored', reason: 'not a JSON object' };
  const file = saved as Record<string, unknown>;
  const version = file.schema_version === undefined ? 1 : file.schema_version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) return { status: 'ignored', reason: `schema_version ${JSON.stringify(file.schema_version)} is not a version` };
  if (version > WEIGHTS_SCHEMA_VERSION) return { status: 'ignored', reason: `schema_version ${version} is newer than this build reads (${WEIGHTS_SCHEMA_VERSION})` };
  if (typeof file.symbol !== 'string') return { status: 'ignored', reason: 'no symbol' };
  if (file.symbol.toUpperCase() !== leverage.symbol.toUpperCase()) return { status: 'ignored', reason: `file is for ${file.symbol}, not ${leverage.symbol}` };
  const source = sourceLadder(file);
  if (typeof source === 'string') return { status: 'ignored', reason: source };
  const notes: string[] = [];
  const sameLadder = source.tiers.length === leverage.tiers.length && source.tiers.every((t, i) => t === leverage.tiers[i]);
  const ours = version === WEIGHTS_SCHEMA_VERSION;
  let weights: number[];
  if (sameLadder) {
    weights = leverage.tiers.map((t, i) => (leverage.disabledTiers.has(t) ? 0 : source.weights[i]!));
  } else {
    weights = remapLadder(source.tiers, source.weights, leverage);
    notes.push(`ladder [${source.tiers.join(', ')}] re-mapped onto [${leverage.tiers.join(', ')}] in 1/L space`);
  }
  const sum = weights.reduce((a, b) => a + b, 0);
  if (!(sum > 0)) return { status: 'ignored', reason: 'no enabled tier has a positive weight' };
  weights = weights.map((w) => w / sum);

  const num = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
  const clampNum = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  const count = num(file.calibration_count, 0);
  const calibrationCount = Number.isInteger(count) && count >= 0 ? count : 0;
  let state: LearningStateJson | undefined;
  if (ours && sameLadder && file.state !== undefined) {
    const checked = checkState(file.state, leverage);
    if (typeof checked === 'string') notes.push(`learning state not restored: ${checked}`);
    else {
      state = checked;
      weights = checked.weights.slice();
    }
  } else if (ours && !sameLadder) {
    notes.push('learning state dropped with the ladder change');
  }
  if (!ours) {
    notes.push(`migrated from schema_version ${version}: buffer, biases and offsets reset (the PoC's buffer had the opposite sign), tolerance ${HIT_BUCKET_TOLERANCE}`);
    return {
      status: 'loaded',
      restored: { fromVersion: version, migrated: true, weights, buffer: undefined, biasLong: 0, biasShort: 0, tolerance: HIT_BUCKET_TOLERANCE, calibrationCount, longOffsetUsd: 0, shortOffsetUsd: 0, state: undefined, notes },
    };
  }
  const tol = Math.round(num(file.tolerance, HIT_BUCKET_TOLERANCE));
  return {
    status: 'loaded',
    restored: {
      fromVersion: version,
      migrated: !sameLadder,
      weights,
      buffer: state ? state.buffer : typeof file.buffer === 'number' && Number.isFinite(file.buffer) ? clampNum(file.buffer, BUFFER_MIN, BUFFER_MAX) : undefined,
      biasLong: state ? state.bias_long : clampNum(num(file.bias_pct_long, 0), -BIAS_CAP, BIAS_CAP),
      biasShort: state ? state.bias_short : clampNum(num(file.bias_pct_short, 0), -BIAS_CAP, BIAS_CAP),
      tolerance: clampNum(tol, HIT_TOLERANCE_MIN, HIT_TOLERANCE_MAX),
      calibrationCount,
      longOffsetUsd: num(file.long_offset_usd, 0),
      shortOffsetUsd: num(file.short_offset_usd, 0),
      state,
      notes,
    },
  };
}

/** The file's ladder and weights: `ladder` + `weights`, or `weights_by_leverage` alone. */
function sourceLadder(file: Record<string, unknown>): { tiers: number[]; weights: number[] } | string {
  const isTier = (t: unknown): t is number => typeof t === 'number' && Number.isFinite(t) && t >= 1;
  const isWeight = (w: unknown): w is number => typeof w === 'number' && Number.isFinite(w) && w >= 0;
  let tiers: number[];
  let weights: number[];
  if (Array.isArray(file.ladder) && Array.isArray(file.weights)) {
    if (file.ladder.length === 0 || file.ladder.length !== file.weights.length) return 'ladder and weights differ in length';
    if (!file.ladder.every(isTier)) return 'ladder holds a value that is not a leverage';
    if (!file.weights.every(isWeight)) return 'weights hold a value that is not a finite number ≥ 0';
    tiers = file.ladder;
    weights = file.weights;
  } else if (file.weights_by_leverage !== null && typeof file.weights_by_leverage === 'object' && !Array.isArray(file.weights_by_leverage)) {
    const entries = Object.entries(file.weights_by_leverage as Record<string, unknown>).map(([k, v]) => [Number(k), v] as const);
    if (entries.length === 0) return 'weights_by_leverage is empty';
    if (!entries.every(([t, w]) => isTier(t) && isWeight(w))) return 'weights_by_leverage holds a bad tier or weight';
    entries.sort((a, b) => a[0] - b[0]);
    tiers = entries.map(([t]) => t);
    weights = entries.map(([, w]) => w as number);
  } else {
    return 'no ladder/weights';
  }
  for (let i = 1; i < tiers.length; i++) if (!(tiers[i]! > tiers[i - 1]!)) return 'ladder is not strictly ascending';
  return { tiers, weights };
}

/**
 * Re-map weights from one ladder onto another: linear interpolation in x = 1/L between the
 * source tiers, clamped to the end values outside them; source tiers that are disabled
 * here are left out (their 0 was the switch, not a measurement); our disabled tiers get 0.
 * Not normalized.
 */
export function remapLadder(tiers: readonly number[], weights: readonly number[], leverage: LeverageConfig): number[] {
  const points = tiers
    .map((t, i) => ({ x: 1 / t, w: weights[i]! }))
    .filter((_, i) => !leverage.disabledTiers.has(tiers[i]!))
    .sort((a, b) => a.x - b.x);
  return leverage.tiers.map((tier) => {
    if (leverage.disabledTiers.has(tier) || points.length === 0) return 0;
    const x = 1 / tier;
    if (x <= points[0]!.x) return points[0]!.w;
    if (x >= points[points.length - 1]!.x) return points[points.length - 1]!.w;
    let k = 1;
    while (points[k]!.x < x) k++;
    const a = points[k - 1]!;
    const b = points[k]!;
    return a.w + ((b.w - a.w) * (x - a.x)) / (b.x - a.x);
  });
}

function checkState(value: unknown, leverage: LeverageConfig): LearningStateJson | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not an object';
  const s = value as Record<string, unknown>;
  const n = leverage.tiers.length;
  const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  const numbers = (v: unknown, len?: number): v is number[] => Array.isArray(v) && (len === undefined || v.length === len) && v.every(finite);
  if (!numbers(s.weights, n) || s.weights.some((w) => w < 0)) return 'weights';
  const enabledSum = s.weights.reduce((a, w, i) => a + (leverage.disabledTiers.has(leverage.tiers[i]!) ? 0 : w), 0);
  if (!(enabledSum > 0)) return 'weights sum to 0';
  if (!finite(s.buffer) || !finite(s.bias_long) || !finite(s.bias_short)) return 'buffer or bias';
  if (!finite(s.vol_ewma) || s.vol_ewma < 0) return 'vol_ewma';
  if (s.last_close !== null && !(finite(s.last_close) && s.last_close > 0)) return 'last_close';
  if (s.window_start_ms !== null && !finite(s.window_start_ms)) return 'window_start_ms';
  if (!numbers(s.pending_responsibility, n)) return 'pending_responsibility';
  if (!finite(s.pending_events) || s.pending_events < 0) return 'pending_events';
  const side = (v: unknown) => v !== null && typeof v === 'object' && finite((v as { n?: unknown }).n) && finite((v as { sum?: unknown }).sum);
  const bias = s.bias_samples as Record<string, unknown> | undefined;
  if (!bias || typeof bias !== 'object' || !side(bias.long) || !side(bias.short)) return 'bias_samples';
  if (!numbers(s.tolerance_samples)) return 'tolerance_samples';
  if (s.buffer_samples !== undefined && !numbers(s.buffer_samples)) return 'buffer_samples';
  if (!Array.isArray(s.minute_cache) || s.minute_cache.length > MINUTE_CACHE_SIZE || !s.minute_cache.every((e) => numbers(e, 2))) return 'minute_cache';
  if (s.window !== undefined) {
    const w = s.window as Record<string, unknown> | null;
    if (w === null || typeof w !== 'object' || !WINDOW_COUNTS.every((k) => finite(w[k]) && (w[k] as number) >= 0) || !WINDOW_PER_TIER.every((k) => numbers(w[k], n))) return 'window';
  }
  const weights = s.weights.map((w, i) => (leverage.disabledTiers.has(leverage.tiers[i]!) ? 0 : w / enabledSum));
  const clampNum = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  return {
    ...(s as unknown as LearningStateJson),
    weights,
    buffer: clampNum(s.buffer, BUFFER_MIN, BUFFER_MAX),
    bias_long: clampNum(s.bias_long, -BIAS_CAP, BIAS_CAP),
    bias_short: clampNum(s.bias_short, -BIAS_CAP, BIAS_CAP),
  };
}

// ─── rendering ───────────────────────────────────────────────────────────────

/** ISO 8601 UTC of an epoch-ms instant (`2026-01-05T02:15:00.000Z`), without the wall clock or Date. */
export function isoUtc(ms: number): string {
  const t = Math.floor(ms);
  const days = Math.floor(t / 86_400_000);
  const inDay = t - days * 86_400_000;
  // civil-from-days (H. Hinnant)
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const p = (v: number, w = 2) => String(v).padStart(w, '0');
  const hh = Math.floor(inDay / 3_600_000);
  const mm = Math.floor((inDay % 3_600_000) / 60_000);
  const ss = Math.floor((inDay % 60_000) / 1000);
  return `${p(y, 4)}-${p(m)}-${p(d)}T${p(hh)}:${p(mm)}:${p(ss)}.${p(inDay % 1000, 3)}Z`;
}

export interface WeightsFileInput {
  readonly symbol: string;
  readonly leverage: LeverageConfig;
  readonly weights: readonly number[];
  readonly buffer: number;
  readonly tolerance: number;
  readonly biasLong: number;
  readonly biasShort: number;
  readonly longOffsetUsd: number;
  readonly shortOffsetUsd: number;
  readonly calibrationCount: number;
  readonly savedAtMs: number;
  readonly windowMinutes: number;
  readonly migratedFrom: number | null;
  readonly state?: LearningStateJson;
}

export function buildWeightsFile(input: WeightsFileInput): WeightsFile {
  const rounded = input.weights.map((w) => round(w, 6));
  const byLeverage: Record<string, number> = {};
  input.leverage.tiers.forEach((t, i) => (byLeverage[String(t)] = rounded[i]!));
  return {
    schema_version: WEIGHTS_SCHEMA_VERSION,
    symbol: input.symbol,
    ladder: [...input.leverage.tiers],
    weights: rounded,
    buffer: input.buffer,
    tolerance: input.tolerance,
    long_offset_usd: round(input.longOffsetUsd, 2),
    short_offset_usd: round(input.shortOffsetUsd, 2),
    bias_pct_long: round(input.biasLong, 6),
    bias_pct_short: round(input.biasShort, 6),
    calibration_count: input.calibrationCount,
    saved_at: isoUtc(input.savedAtMs),
    weights_by_leverage: byLeverage,
    saved_at_ms: input.savedAtMs,
    disabled_tiers: [...input.leverage.disabledTiers].sort((a, b) => a - b),
    window_minutes: input.windowMinutes,
    migrated_from: input.migratedFrom,
    ...(input.state ? { state: input.state } : {}),
  };
}

export type WeightsInspection =
  | { readonly ok: true; readonly file: WeightsFile; readonly migratedFrom: number | null; readonly notes: readonly string[] }
  | { readonly ok: false; readonly reason: string };

/**
 * The weights object `moonstream inspect weights --json` prints: a current file as saved,
 * an older one (the PoC's) as this build migrates it. `symbol` defaults to the file's;
 * `leverage` to that symbol's ladder.
 */
export function inspectWeights(saved: unknown, options: { readonly symbol?: string; readonly leverage?: LeverageConfig } = {}): WeightsInspection {
  const fileSymbol = saved !== null && typeof saved === 'object' && typeof (saved as { symbol?: unknown }).symbol === 'string' ? (saved as { symbol: string }).symbol.toUpperCase() : undefined;
  const symbol = options.symbol ?? fileSymbol;
  if (symbol === undefined) return { ok: false, reason: 'the file names no symbol' };
  const leverage = options.leverage ?? leverageConfigFor(symbol);
  const result = restoreWeights(saved, leverage);
  if (result.status === 'absent') return { ok: false, reason: 'no weights file' };
  if (result.status === 'ignored') return { ok: false, reason: result.reason };
  const r = result.restored;
  if (!r.migrated && r.fromVersion === WEIGHTS_SCHEMA_VERSION) return { ok: true, file: saved as WeightsFile, migratedFrom: null, notes: r.notes };
  const { saved_at_ms: savedAt, saved_at: savedAtText } = saved as { saved_at_ms?: unknown; saved_at?: unknown };
  // the PoC wrote only `saved_at`, an ISO string (naive local time); ours also `saved_at_ms`
  const parsed = typeof savedAt === 'number' && Number.isFinite(savedAt) ? { ms: savedAt, naive: false } : typeof savedAtText === 'string' ? parseIsoMs(savedAtText) : undefined;
  const notes = parsed?.naive ? [...r.notes, `saved_at ${JSON.stringify(savedAtText)} has no time zone (the PoC wrote local time): read as UTC`] : r.notes;
  const file = buildWeightsFile({
      symbol: leverage.symbol,
      leverage,
      weights: r.weights,
      buffer: r.buffer ?? 0.002,
      tolerance: r.tolerance,
      biasLong: r.biasLong,
      biasShort: r.biasShort,
      longOffsetUsd: r.longOffsetUsd,
      shortOffsetUsd: r.shortOffsetUsd,
      calibrationCount: r.calibrationCount,
      savedAtMs: parsed?.ms ?? 0,
      windowMinutes: WINDOW_MINUTES,
      migratedFrom: r.fromVersion,
  });
  // the source's own save time (the PoC's is naive local time) rather than an invented one
  const withTime: WeightsFile = { ...file, saved_at_ms: parsed?.ms ?? null };
  return { ok: true, migratedFrom: r.fromVersion, notes, file: typeof savedAtText === 'string' ? { ...withTime, saved_at: savedAtText } : withTime };
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Epoch ms of an ISO 8601 time (`2026-02-23T04:12:00.272738`, `…Z`, `…+01:00`), whole ms
 * (sub-ms digits dropped); `naive` when it names no zone (read as UTC). Undefined when it
 * is not such a time or names an impossible date.
 */
export function parseIsoMs(text: string): { readonly ms: number; readonly naive: boolean } | undefined {
  const m = ISO_TIME.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const daysInMonth = month >= 1 && month <= 12 ? [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]! : 0;
  if (day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMin = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const digits = zone.replace(':', '');
    const oh = Number(digits.slice(1, 3));
    const om = Number(digits.slice(3, 5));
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMin * 60_000;
  return { ms: utc, naive: zone === undefined };
}
