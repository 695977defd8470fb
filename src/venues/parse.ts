/**
 * Small, allocation-free readers for raw venue payloads. Venues send numbers as
 * strings; these helpers return NaN for anything that is not a number, so a normalizer
 * checks once per event (`x > 0` is false for NaN) instead of wrapping every field.
 */

import type { Levels } from '../events.js';

export type RawObject = Record<string, unknown>;

export function isObject(value: unknown): value is RawObject {
  return typeof value === 'object' && value !== null;
}

/** A number, or a numeric string; NaN for anything else (including `""`, which `+` would read as 0). */
export function num(value: unknown): number {
  if (typeof value === 'string') return value.length === 0 ? NaN : +value;
  if (typeof value === 'number') return value;
  return NaN;
}

/** A finite number > 0, else NaN. */
export function positive(value: unknown): number {
  const n = num(value);
  return n > 0 && n < Infinity ? n : NaN;
}

/** A finite number, else NaN. */
export function finite(value: unknown): number {
  const n = num(value);
  return n - n === 0 ? n : NaN;
}

/** An optional numeric field: undefined when absent, empty or not a finite number. */
export function optionalNumber(value: unknown): number | undefined {
  const n = num(value);
  return n - n === 0 ? n : undefined;
}

/** Epoch ms from a number or numeric string; NaN unless a positive finite number. */
export function timestamp(value: unknown): number {
  return positive(value);
}

/** An update or sequence id (a JSON number on every venue): NaN unless an integer. */
export function sequenceId(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) ? value : NaN;
}

/** True when every argument is a number other than NaN (one check per event). */
export function allNumbers(a: number, b: number, c = 0, d = 0): boolean {
  return a === a && b === b && c === c && d === d;
}

/**
 * Contracts → base asset: `qty × mul / div`, rounded to 12 decimals. A contract value
 * below 1 is applied as a division by an integer (0.01 → ÷100), and the rounding removes
 * the binary noise of fractional contracts, so `415` BTC contracts give exactly 4.15 and
 * `34.95` give 0.3495 (a plain `34.95 × 0.01` gives 0.34950000000000003).
 */
export function scaleQty(qty: number, mul: number, div: number): number {
  return Math.round(((qty * mul) / div) * 1e12) / 1e12;
}

/**
 * Book levels `[[price, qty, …], …]` (strings) → flat `[p0, q0, p1, q1, …]`; quantity
 * converted to base with {@link scaleQty} (OKX contracts; `mul` = `div` = 1 elsewhere).
 * Returns undefined when any level is malformed: a book update cannot be applied in part.
 */
export function flatLevels(raw: unknown, mul = 1, div = 1): Levels | undefined {
  if (!Array.isArray(raw)) return undefined;
  const out: number[] = [];
  const scaled = mul !== 1 || div !== 1;
  for (let i = 0; i < raw.length; i++) {
    const level: unknown = raw[i];
    if (!Array.isArray(level)) return undefined;
    const price = num(level[0]);
    const qty = num(level[1]);
    if (!(price > 0 && price < Infinity) || !(qty >= 0 && qty < Infinity)) return undefined;
    out.push(price, scaled ? scaleQty(qty, mul, div) : qty);
  }
  return out;
}
