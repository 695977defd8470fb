/**
 * The engine checkpoint (`state/{SYM}.json`, DESIGN.md section 5): everything of a
 * SymbolEngine's inference state that zones and weights do not already carry, so a
 * restarted run computes its next minutes as if there had been no restart — the entry
 * inventory, the liquidation tape, the OI baselines, taker history, the last close and
 * price, the minute-stats windows, the parameters in force, and the open minute's
 * partial accumulators (a checkpoint written at shutdown is mid-minute).
 *
 * Compact and exact: maps become flat arrays in their insertion order (the order sums
 * run in), numbers are written whole (JSON round-trips a double exactly). The file is
 * versioned and names its symbol, step and ladder; {@link parseCheckpoint} refuses one
 * that does not match the engine, or is malformed, with a reason. Pure: no I/O here.
 */

import { isVenue, type Side, type TraderRatioKind, type Venue } from '../events.js';
import type { InventoryState } from './entry-inference.js';
import type { TapeState } from './liquidation-tape.js';
import type { OiSeriesState } from './open-interest.js';
import type { TakerState } from './taker-aggression.js';

export const CHECKPOINT_VERSION = 1;

/** Open/high/low/close and the sample count of one price source over the open minute. */
export type OhlcState = readonly [open: number, high: number, low: number, close: number, samples: number];

export interface EngineCheckpoint {
  readonly version: number;
  readonly symbol: string;
  readonly step: number;
  readonly tiers: readonly number[];
  /** Start of the open minute at save time, epoch ms: the restored clock opens it again. */
  readonly minute_start: number;
  /** Start of the last closed minute, epoch ms (`minute_start − 60 000`). */
  readonly last_closed_minute: number;
  /** `last_closed_minute` as ISO 8601 (event time: replays stay byte-identical). */
  readonly last_closed_at: string;
  /** Parameters in force (entry inference's levels), and whether newer ones were waiting for the next rollover. */
  readonly params: { readonly weights: readonly number[]; readonly buffer: number; readonly bias_long: number; readonly bias_short: number; readonly pending: boolean };
  readonly last_close: number | null;
  readonly last_price: number | null;
  /** The open minute's accumulators. */
  readonly open_minute: {
    readonly book: OhlcState;
    readonly mark: OhlcState;
    readonly trade: OhlcState;
    /** Real liquidations per bucket, `[bucketIndex, usd, …]`, fed to zones at its rollover. */
    readonly tape_inflow: { readonly long: readonly number[]; readonly short: readonly number[] };
    readonly liquidations: number;
  };
  readonly inventory: InventoryState;
  readonly tape: TapeState;
  readonly open_interest: readonly OiSeriesState[];
  readonly taker: TakerState;
  /** The 60-minute windows of V2's `*_in_window` stats and the slot last written. */
  readonly stats_window: { readonly slot: number; readonly liquidations: readonly number[]; readonly parts: readonly number[] };
  /** Latest mark per venue `[venue, price, ts]` (the calibrator's mark-at-event), funding `[venue, rate, ts, nextFundingTs | null]`, trader ratios `[kind, venue, ratio, ts]`. */
  readonly marks: readonly (readonly [Venue, number, number])[];
  readonly funding: readonly (readonly [Venue, number, number, number | null])[];
  readonly ratios: readonly (readonly [TraderRatioKind, Venue, number, number])[];
}

export interface CheckpointExpect {
  readonly symbol: string;
  readonly step: number;
  readonly tiers: readonly number[];
  /** Length of the stats windows. */
  readonly windowMinutes: number;
}

export type CheckpointParse =
  | { readonly ok: true; readonly checkpoint: EngineCheckpoint }
  /** `mismatch`: another symbol, step, ladder or version; `malformed`: not a checkpoint. */
  | { readonly ok: false; readonly kind: 'mismatch' | 'malformed'; readonly reason: string };

class Malformed extends Error {}

const RATIO_KINDS: readonly string[] = ['topAccount', 'topPosition', 'globalAccount'];

/** Validate a parsed `state/{SYM}.json` against the engine it would restore. */
export function parseCheckpoint(raw: unknown, expect: CheckpointExpect): CheckpointParse {
  if (!isRecord(raw)) return { ok: false, kind: 'malformed', reason: 'not a JSON object' };
  if (raw.version !== CHECKPOINT_VERSION) return { ok: false, kind: 'mismatch', reason: `version ${String(raw.version)}, expected ${CHECKPOINT_VERSION}` };
  if (raw.symbol !== expect.symbol) return { ok: false, kind: 'mismatch', reason: `symbol ${String(raw.symbol)}, expected ${expect.symbol}` };
  if (raw.step !== expect.step) return { ok: false, kind: 'mismatch', reason: `step ${String(raw.step)}, expected ${expect.step}` };
  if (!Array.isArray(raw.tiers) || raw.tiers.length !== expect.tiers.length || raw.tiers.some((t, i) => t !== expect.tiers[i])) {
    return { ok: false, kind: 'mismatch', reason: `ladder ${JSON.stringify(raw.tiers)}, expected ${JSON.stringify(expect.tiers)}` };
  }
  try {
    checkShape(raw, expect);
    return { ok: true, checkpoint: raw as unknown as EngineCheckpoint };
  } catch (error) {
    if (error instanceof Malformed) return { ok: false, kind: 'malformed', reason: error.message };
    throw error;
  }
}

function checkShape(c: Record<string, unknown>, expect: CheckpointExpect): void {
  const tiers = expect.tiers.length;
  const minute = finite(c.minute_start, 'minute_start');
  if (minute % 60_000 !== 0) throw new Malformed('minute_start is not a minute boundary');
  const params = record(c.params, 'params');
  numbers(params.weights, 'params.weights', tiers);
  finite(params.buffer, 'params.buffer');
  finite(params.bias_long, 'params.bias_long');
  finite(params.bias_short, 'params.bias_short');
  if (typeof params.pending !== 'boolean') throw new Malformed('params.pending is not a boolean');
  nullableFinite(c.last_close, 'last_close');
  nullableFinite(c.last_price, 'last_price');
  const open = record(c.open_minute, 'open_minute');
  for (const k of ['book', 'mark', 'trade']) numbers(open[k], `open_minute.${k}`, 5);
  const inflow = record(open.tape_inflow, 'open_minute.tape_inflow');
  for (const side of SIDES) flat(inflow[side], `open_minute.tape_inflow.${side}`, 2);
  finite(open.liquidations, 'open_minute.liquidations');
  const inventory = record(c.inventory, 'inventory');
  finite(inventory.partsTotal, 'inventory.partsTotal');
  for (const side of SIDES) {
    const perTier = array(inventory[side], `inventory.${side}`);
    if (perTier.length !== tiers) throw new Malformed(`inventory.${side} has ${perTier.length} tiers, expected ${tiers}`);
    perTier.forEach((f, t) => flat(f, `inventory.${side}[${t}]`, 3));
  }
  const tape = record(c.tape, 'tape');
  for (const k of ['events', 'longTotal', 'shortTotal']) finite(tape[k], `tape.${k}`);
  for (const side of SIDES) flat(tape[side], `tape.${side}`, 4);
  for (const [i, s] of array(c.open_interest, 'open_interest').entries()) {
    const row = array(s, `open_interest[${i}]`);
    if (row.length !== 5 || typeof row[0] !== 'string') throw new Malformed(`open_interest[${i}] is not [series, previous, current, latest, ts]`);
    for (let k = 1; k < 4; k++) nullableFinite(row[k], `open_interest[${i}][${k}]`);
    finite(row[4], `open_interest[${i}][4]`);
  }
  const taker = record(c.taker, 'taker');
  numbers(taker.open, 'taker.open', 5);
  array(taker.history, 'taker.history').forEach((m, i) => numbers(m, `taker.history[${i}]`, 6));
  const stats = record(c.stats_window, 'stats_window');
  const slot = finite(stats.slot, 'stats_window.slot');
  if (!Number.isInteger(slot) || slot < 0 || slot >= expect.windowMinutes) throw new Malformed('stats_window.slot is out of range');
  numbers(stats.liquidations, 'stats_window.liquidations', expect.windowMinutes);
  numbers(stats.parts, 'stats_window.parts', expect.windowMinutes);
  for (const [i, m] of array(c.marks, 'marks').entries()) {
    const row = array(m, `marks[${i}]`);
    if (row.length !== 3 || !isVenue(row[0])) throw new Malformed(`marks[${i}] is not [venue, price, ts]`);
    finite(row[1], `marks[${i}][1]`);
    finite(row[2], `marks[${i}][2]`);
  }
  for (const [i, f] of array(c.funding, 'funding').entries()) {
    const row = array(f, `funding[${i}]`);
    if (row.length !== 4 || !isVenue(row[0])) throw new Malformed(`funding[${i}] is not [venue, rate, ts, next]`);
    finite(row[1], `funding[${i}][1]`);
    finite(row[2], `funding[${i}][2]`);
    nullableFinite(row[3], `funding[${i}][3]`);
  }
  for (const [i, r] of array(c.ratios, 'ratios').entries()) {
    const row = array(r, `ratios[${i}]`);
    if (row.length !== 4 || typeof row[0] !== 'string' || !RATIO_KINDS.includes(row[0]) || !isVenue(row[1])) throw new Malformed(`ratios[${i}] is not [kind, venue, ratio, ts]`);
    finite(row[2], `ratios[${i}][2]`);
    finite(row[3], `ratios[${i}][3]`);
  }
}

const SIDES: readonly Side[] = ['long', 'short'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function record(v: unknown, what: string): Record<string, unknown> {
  if (!isRecord(v)) throw new Malformed(`${what} is not an object`);
  return v;
}

function array(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new Malformed(`${what} is not an array`);
  return v;
}

function finite(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Malformed(`${what} is not a finite number`);
  return v;
}

function nullableFinite(v: unknown, what: string): void {
  if (v !== null) finite(v, what);
}

function numbers(v: unknown, what: string, length: number): void {
  const a = array(v, what);
  if (a.length !== length) throw new Malformed(`${what} has ${a.length} numbers, expected ${length}`);
  a.forEach((x, i) => finite(x, `${what}[${i}]`));
}

/** A flat array of `width`-tuples of finite numbers. */
function flat(v: unknown, what: string, width: number): void {
  const a = array(v, what);
  if (a.length % width !== 0) throw new Malformed(`${what} is not a flat array of ${width}-tuples`);
  for (const x of a) if (typeof x !== 'number' || !Number.isFinite(x)) throw new Malformed(`${what} holds a non-finite number`);
}
